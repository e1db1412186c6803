/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP and ICMPv6 errors for CONNECT-IP (see s6_cip_icmp.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_cip_icmp.h"

#define V6_EXT_MAX 8        /* extension headers walked before giving up */
#define HOP_LIMIT 64

/* One IP header as far as the bytes at hand show it. */
typedef struct ip_view {
	uint8_t version;
	const uint8_t *src, *dst;
	uint8_t proto;        /* upper layer, or the header where the walk stopped */
	size_t l4;            /* offset of the upper-layer header */
	size_t end;           /* bytes of the packet present (quotes are cut) */
	bool l4_known;        /* the walk reached proto inside the bytes */
	bool frag, first_frag;
} ip_view;

uint32_t s6_inet_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += s6_get_u16be(p + i);
	if (i < n)
		sum += (uint32_t)p[i] << 8;
	/* Fold early so that no packet size overflows 32 bits. */
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t s6_inet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t s6_inet_sum6(const uint8_t src[16], const uint8_t dst[16], uint32_t len,
		      uint8_t next)
{
	uint32_t sum = s6_inet_sum(0, src, 16);

	sum = s6_inet_sum(sum, dst, 16);
	sum += (len >> 16) + (len & 0xffff) + next;
	return (sum & 0xffff) + (sum >> 16);
}

static bool view4(const uint8_t *p, size_t n, bool quoted, ip_view *v)
{
	size_t ihl, total;
	uint16_t frag;

	if (n < 20)
		return false;
	ihl = (size_t)(p[0] & 15) * 4;
	total = s6_get_u16be(p + 2);
	frag = s6_get_u16be(p + 6);
	if (ihl < 20 || ihl > n || total < ihl || (!quoted && total > n))
		return false;
	v->end = total < n ? total : n;
	v->src = p + 12;
	v->dst = p + 16;
	v->proto = p[9];
	v->l4 = ihl;
	v->l4_known = true;
	v->frag = (frag & 0x3fff) != 0;
	v->first_frag = (frag & 0x1fff) == 0;
	return true;
}

static bool v6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static bool view6(const uint8_t *p, size_t n, bool quoted, ip_view *v)
{
	size_t total, off = 40;
	uint8_t nh;

	if (n < 40)
		return false;
	total = (size_t)s6_get_u16be(p + 4) + 40;
	if (!quoted && total > n)
		return false;
	nh = p[6];
	v->end = total < n ? total : n;
	v->src = p + 8;
	v->dst = p + 24;
	v->frag = false;
	v->first_frag = true;
	for (int k = 0; k < V6_EXT_MAX && v6_ext(nh) && off + 8 <= v->end; k++) {
		/* Fragment: 8 bytes; AH: 4-byte units + 2; the rest: 8-byte units + 1. */
		size_t hl = nh == 44 ? 8 : nh == 51 ? ((size_t)p[off + 1] + 2) * 4
						   : ((size_t)p[off + 1] + 1) * 8;

		if (nh == 44) {
			v->frag = true;
			v->first_frag = (s6_get_u16be(p + off + 2) & 0xfff8) == 0;
		}
		nh = p[off];
		off += hl;
	}
	v->proto = nh;
	v->l4 = off;
	v->l4_known = !v6_ext(nh) && off <= v->end;
	return true;
}

static bool view(const uint8_t *p, size_t n, bool quoted, ip_view *v)
{
	memset(v, 0, sizeof *v);
	if (n == 0)
		return false;
	v->version = p[0] >> 4;
	if (v->version == 4)
		return view4(p, n, quoted, v);
	if (v->version == 6)
		return view6(p, n, quoted, v);
	return false;
}

static bool icmp_proto(const ip_view *v)
{
	return v->proto == (v->version == 4 ? 1 : 58);
}

bool s6_icmp_is_error(const uint8_t *pkt, size_t len)
{
	ip_view v;
	uint8_t type;

	if (!view(pkt, len, false, &v))
		return false;
	/* An extension header chain we cannot follow may hide ICMPv6. */
	if (v.version == 6 && !v.l4_known)
		return true;
	if (!icmp_proto(&v))
		return false;
	if (!v.first_frag || v.l4 >= v.end)
		return true;
	type = pkt[v.l4];
	if (v.version == 6)
		return type < 128;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool unicast_src(const ip_view *v)
{
	static const uint8_t any6[16], lo6[16] = {[15] = 1};

	if (v->version == 4)
		return v->src[0] != 0 && v->src[0] != 127 && v->src[0] < 224;
	return memcmp(v->src, any6, 16) != 0 && memcmp(v->src, lo6, 16) != 0 &&
	       v->src[0] != 0xff;
}

bool s6_icmp_may_answer(const uint8_t *pkt, size_t len, s6_icmp_reason why)
{
	ip_view v;

	if (!view(pkt, len, false, &v) || !v.first_frag || !unicast_src(&v))
		return false;
	if (s6_icmp_is_error(pkt, len))
		return false;
	if (v.version == 4)
		return v.dst[0] < 224;  /* multicast, class E, limited broadcast */
	return v.dst[0] != 0xff || why == S6_ICMP_R_TOO_BIG;
}

static void type_code(int version, s6_icmp_reason why, uint8_t *type, uint8_t *code)
{
	/* {v4 type, v4 code, v6 type, v6 code}, in s6_icmp_reason order. */
	static const uint8_t tab[][4] = {
		[S6_ICMP_R_NO_ROUTE] = {3, 0, 1, 0},
		[S6_ICMP_R_HOST] = {3, 1, 1, 3},
		[S6_ICMP_R_PROHIBITED] = {3, 13, 1, 1},
		[S6_ICMP_R_SOURCE] = {3, 13, 1, 5},
		[S6_ICMP_R_PORT] = {3, 3, 1, 4},
		[S6_ICMP_R_TOO_BIG] = {3, 4, 2, 0},
		[S6_ICMP_R_TTL] = {11, 0, 3, 0},
	};
	unsigned i = (unsigned)why < sizeof tab / sizeof tab[0] ? (unsigned)why : 0;

	*type = tab[i][version == 4 ? 0 : 2];
	*code = tab[i][version == 4 ? 1 : 3];
}

/* The outer IP header of an error; icmp_len bytes of ICMP follow it. */
static size_t put_ip(const ip_view *v, const uint8_t *from, size_t icmp_len, uint8_t *out)
{
	if (v->version == 4) {
		memset(out, 0, 20);
		out[0] = 0x45;
		out[1] = 0xc0;      /* internetwork control, as routers send errors */
		s6_put_u16be(out + 2, (uint16_t)(20 + icmp_len));
		out[8] = HOP_LIMIT;
		out[9] = 1;
		memcpy(out + 12, from, 4);
		memcpy(out + 16, v->src, 4);
		s6_put_u16be(out + 10, s6_inet_fold(s6_inet_sum(0, out, 20)));
		return 20;
	}
	memset(out, 0, 40);
	out[0] = 0x60;
	s6_put_u16be(out + 4, (uint16_t)icmp_len);
	out[6] = 58;
	out[7] = HOP_LIMIT;
	memcpy(out + 8, from, 16);
	memcpy(out + 24, v->src, 16);
	return 40;
}

s6_err s6_icmp_build(const uint8_t *pkt, size_t len, s6_icmp_reason why, uint32_t mtu,
		     const uint8_t *from, uint8_t *out, size_t cap, size_t *outlen)
{
	ip_view v;
	size_t hdr, quote, max, least;
	uint8_t *icmp;
	uint32_t sum;

	*outlen = 0;
	if (!s6_icmp_may_answer(pkt, len, why) || !view(pkt, len, false, &v))
		return S6_ERR_INVALID_ARG;
	hdr = (v.version == 4 ? 20 : 40) + 8;
	max = v.version == 4 ? S6_ICMP_ERROR_MAX4 : S6_ICMP_ERROR_MAX6;
	/* The offending header and 8 bytes beyond it at least (RFC 792). */
	least = (v.version == 4 ? (size_t)(pkt[0] & 15) * 4 : 40) + 8;
	least = least < v.end ? least : v.end;
	if (cap < hdr + least)
		return S6_ERR_TOO_LONG;
	quote = v.end;
	if (quote > max - hdr)
		quote = max - hdr;
	if (quote > cap - hdr)
		quote = cap - hdr;
	icmp = out + put_ip(&v, from, 8 + quote, out);
	memset(icmp, 0, 8);
	type_code(v.version, why, &icmp[0], &icmp[1]);
	if (why == S6_ICMP_R_TOO_BIG && v.version == 4)
		s6_put_u16be(icmp + 6, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
	else if (why == S6_ICMP_R_TOO_BIG)
		s6_put_u32be(icmp + 4, mtu);
	memcpy(icmp + 8, pkt, quote);
	sum = v.version == 6 ? s6_inet_sum6(out + 8, out + 24, (uint32_t)(8 + quote), 58) : 0;
	s6_put_u16be(icmp + 2, s6_inet_fold(s6_inet_sum(sum, icmp, 8 + quote)));
	*outlen = hdr + quote;
	return S6_OK;
}

/* errno and hardness as Linux's icmp_err_convert and icmpv6_err_convert
 * give them; false for types that never reach a socket. */
static bool map_errno(s6_icmp_info *o)
{
	static const struct { int err; bool hard; } unreach4[16] = {
		{ENETUNREACH, false}, {EHOSTUNREACH, false}, {ENOPROTOOPT, true},
		{ECONNREFUSED, true}, {EMSGSIZE, false}, {EOPNOTSUPP, false},
		{ENETUNREACH, true}, {EHOSTDOWN, true}, {ENONET, true},
		{ENETUNREACH, true}, {EHOSTUNREACH, true}, {ENETUNREACH, false},
		{EHOSTUNREACH, false}, {EHOSTUNREACH, true}, {EHOSTUNREACH, true},
		{EHOSTUNREACH, true},
	}, unreach6[7] = {
		{ENETUNREACH, false}, {EACCES, true}, {EHOSTUNREACH, false},
		{EHOSTUNREACH, false}, {ECONNREFUSED, true}, {EACCES, true},
		{EACCES, true},
	};
	uint8_t t = o->type, c = o->code;

	o->err = EPROTO;
	o->hard = true;
	if (o->version == 4 && t == 3 && c < 16) {
		o->err = unreach4[c].err;
		o->hard = unreach4[c].hard;
	} else if (o->version == 4 && t == 11) {
		o->err = EHOSTUNREACH;
		o->hard = false;
	} else if (o->version == 6 && t == 1 && c < 7) {
		o->err = unreach6[c].err;
		o->hard = unreach6[c].hard;
	} else if (o->version == 6 && (t == 2 || t == 3)) {
		o->err = t == 2 ? EMSGSIZE : EHOSTUNREACH;
		o->hard = false;
	} else if (!(o->version == 4 && t == 12) && !(o->version == 6 && (t == 1 || t == 4))) {
		return false;
	}
	return true;
}

/* Ports (or echo identifier) and TCP sequence number of the quote. */
static void quoted_ports(const uint8_t *q, const ip_view *qv, s6_icmp_info *o)
{
	const uint8_t *l4 = q + qv->l4;
	size_t have = qv->l4 <= qv->end ? qv->end - qv->l4 : 0;
	uint8_t p = qv->proto;

	if (!qv->l4_known || !qv->first_frag)
		return;
	if ((p == 6 || p == 17 || p == 33 || p == 132 || p == 136) && have >= 4) {
		o->has_ports = true;
		o->sport = s6_get_u16be(l4);
		o->dport = s6_get_u16be(l4 + 2);
		if (p == 6 && have >= 8) {
			o->has_seq = true;
			o->seq = s6_get_u32be(l4 + 4);
		}
	} else if (p == (qv->version == 4 ? 1 : 58) && have >= 6 &&
		   l4[0] == (qv->version == 4 ? 8 : 128)) {
		o->has_ports = true;
		o->sport = o->dport = s6_get_u16be(l4 + 4);
	}
}

static s6_err bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return S6_ERR_MALFORMED;
}

s6_err s6_icmp_classify(const uint8_t *pkt, size_t len, s6_icmp_info *out,
			const char **why)
{
	ip_view v, qv;
	const uint8_t *icmp;
	size_t ilen, alen;
	uint32_t sum = 0;

	memset(out, 0, sizeof *out);
	if (!view(pkt, len, false, &v))
		return bad(why, "not an IP packet");
	if (v.frag)
		return bad(why, "fragment");
	if (!v.l4_known || !icmp_proto(&v))
		return bad(why, "not ICMP");
	icmp = pkt + v.l4;
	ilen = v.l4 <= v.end ? v.end - v.l4 : 0;
	if (ilen < 8)
		return bad(why, "ICMP header cut short");
	alen = v.version == 4 ? 4 : 16;
	if (v.version == 6)
		sum = s6_inet_sum6(v.src, v.dst, (uint32_t)ilen, 58);
	if (s6_inet_fold(s6_inet_sum(sum, icmp, ilen)) != 0)
		return bad(why, "bad ICMP checksum");
	out->version = v.version;
	out->type = icmp[0];
	out->code = icmp[1];
	if (!map_errno(out))
		return bad(why, "not an error Linux reports");
	if (v.version == 4 && out->type == 3 && out->code == 4)
		out->mtu = s6_get_u16be(icmp + 6);
	else if (v.version == 6 && out->type == 2)
		out->mtu = s6_get_u32be(icmp + 4);
	memcpy(out->reporter, v.src, alen);
	if (!view(icmp + 8, ilen - 8, true, &qv) || qv.version != v.version)
		return bad(why, "quote is not a whole IP header of the same version");
	out->proto = qv.proto;
	memcpy(out->src, qv.src, alen);
	memcpy(out->dst, qv.dst, alen);
	quoted_ports(icmp + 8, &qv, out);
	return S6_OK;
}
