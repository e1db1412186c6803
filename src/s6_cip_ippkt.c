/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP and ICMP echo packets of CONNECT-IP tunnels (see s6_cip_ippkt.h). */
#include "config.h"

#include <string.h>

#include "s6_bytes.h"
#include "s6_cip_icmp.h"
#include "s6_cip_ippkt.h"

#define V6_EXT_MAX 8            /* extension headers walked before giving up */
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP4_ECHO_REPLY 0
#define ICMP6_ECHO_REPLY 129

static size_t hdr_len(uint8_t v)
{
	return v == 4 ? S6_IPPKT_V4_HDR : S6_IPPKT_V6_HDR;
}

size_t s6_ippkt_max_payload(const s6_ippkt_flow *f, size_t mtu)
{
	size_t h = hdr_len(f->v) + (f->proto == S6_IPPKT_PROTO_UDP ? S6_IPPKT_UDP_HDR : 0);

	return mtu > h ? mtu - h : 0;
}

/* The IP header for l4 bytes of upper layer: DF, no options (v4). */
static void ip_header(const s6_ippkt_flow *f, uint8_t hop, size_t l4, uint8_t *p)
{
	size_t alen = f->v == 4 ? 4 : 16;

	if (f->v == 4) {
		memset(p, 0, S6_IPPKT_V4_HDR);
		p[0] = 0x45;
		s6_put_u16be(p + 2, (uint16_t)(S6_IPPKT_V4_HDR + l4));
		p[6] = 0x40; /* DF: never fragmented on the way either */
		p[8] = hop;
		p[9] = f->proto;
		memcpy(p + 12, f->src, alen);
		memcpy(p + 16, f->dst, alen);
		s6_put_u16be(p + 10, s6_inet_fold(s6_inet_sum(0, p, S6_IPPKT_V4_HDR)));
		return;
	}
	memset(p, 0, S6_IPPKT_V6_HDR);
	p[0] = 0x60;
	s6_put_u16be(p + 4, (uint16_t)l4);
	p[6] = f->proto;
	p[7] = hop;
	memcpy(p + 8, f->src, alen);
	memcpy(p + 24, f->dst, alen);
}

/* The sum of the pseudo-header of an upper layer of l4 bytes. */
static uint32_t pseudo_sum(uint8_t v, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			   size_t l4)
{
	if (v == 6)
		return s6_inet_sum6(src, dst, (uint32_t)l4, proto);
	uint32_t sum = s6_inet_sum(0, src, 4);
	sum = s6_inet_sum(sum, dst, 4);
	return sum + proto + (uint32_t)l4;
}

static s6_err room(const s6_ippkt_flow *f, size_t total, size_t mtu, size_t cap)
{
	if (f->v != 4 && f->v != 6)
		return S6_ERR_INVALID_ARG;
	return total > mtu || total > cap || total > 65535 ? S6_ERR_TOO_LONG : S6_OK;
}

s6_err s6_ippkt_udp_build(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *payload,
			  size_t len, size_t mtu, uint8_t *buf, size_t cap, size_t *out)
{
	size_t h = hdr_len(f->v), l4 = S6_IPPKT_UDP_HDR + len;
	s6_err err = f->proto == S6_IPPKT_PROTO_UDP ? room(f, h + l4, mtu, cap) : S6_ERR_INVALID_ARG;

	if (err != S6_OK)
		return err;
	uint8_t *u = buf + h;
	ip_header(f, hop, l4, buf);
	s6_put_u16be(u, f->sport);
	s6_put_u16be(u + 2, f->dport);
	s6_put_u16be(u + 4, (uint16_t)l4);
	s6_put_u16be(u + 6, 0);
	if (len)
		memcpy(u + S6_IPPKT_UDP_HDR, payload, len);
	uint16_t ck = s6_inet_fold(s6_inet_sum(pseudo_sum(f->v, f->src, f->dst, f->proto, l4),
					       u, l4));
	/* 0 means "no checksum" in UDP: an all-ones result is sent as such. */
	s6_put_u16be(u + 6, ck ? ck : 0xffff);
	*out = h + l4;
	return S6_OK;
}

s6_err s6_ippkt_echo_build(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *icmp,
			   size_t len, size_t mtu, uint8_t *buf, size_t cap, size_t *out)
{
	size_t h = hdr_len(f->v);
	uint8_t want = f->v == 4 ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
	s6_err err = room(f, h + len, mtu, cap);

	if (err != S6_OK)
		return err;
	if (f->proto != (f->v == 4 ? S6_IPPKT_PROTO_ICMP : S6_IPPKT_PROTO_ICMPV6) ||
	    len < S6_IPPKT_ECHO_HDR || icmp[0] != want || icmp[1] != 0)
		return S6_ERR_INVALID_ARG;
	uint8_t *m = buf + h;
	ip_header(f, hop, len, buf);
	memcpy(m, icmp, len);
	s6_put_u16be(m + 2, 0);
	s6_put_u16be(m + 4, f->sport);
	uint32_t sum = f->v == 6 ? pseudo_sum(6, f->src, f->dst, f->proto, len) : 0;
	s6_put_u16be(m + 2, s6_inet_fold(s6_inet_sum(sum, m, len)));
	*out = h + len;
	return S6_OK;
}

static s6_err bad(const char **why, const char *w)
{
	*why = w;
	return S6_ERR_MALFORMED;
}

static s6_err parse4(const uint8_t *p, size_t len, s6_ippkt *o, size_t *l4, const char **why)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4, total;

	if (len < S6_IPPKT_V4_HDR || ihl < S6_IPPKT_V4_HDR || ihl > len)
		return bad(why, "short IPv4 header");
	total = s6_get_u16be(p + 2);
	if (total < ihl || total > len)
		return bad(why, "bad IPv4 total length");
	if (s6_inet_fold(s6_inet_sum(0, p, ihl)) != 0)
		return bad(why, "bad IPv4 header checksum");
	if ((s6_get_u16be(p + 6) & 0x3fff) != 0)
		return bad(why, "IPv4 fragment");
	o->hop = p[8];
	o->proto = p[9];
	memcpy(o->src, p + 12, 4);
	memcpy(o->dst, p + 16, 4);
	o->l4 = p + ihl;
	o->l4_len = total - ihl;
	*l4 = ihl;
	return S6_OK;
}

/* Hop-by-hop, routing and destination options are skipped; a fragment
 * header (44) or anything else ends the walk as the upper layer. */
static s6_err parse6(const uint8_t *p, size_t len, s6_ippkt *o, const char **why)
{
	size_t off = S6_IPPKT_V6_HDR, total;
	uint8_t nh;

	if (len < S6_IPPKT_V6_HDR)
		return bad(why, "short IPv6 header");
	total = S6_IPPKT_V6_HDR + s6_get_u16be(p + 4);
	if (total > len)
		return bad(why, "bad IPv6 payload length");
	nh = p[6];
	o->hop = p[7];
	memcpy(o->src, p + 8, 16);
	memcpy(o->dst, p + 24, 16);
	for (int i = 0; i < V6_EXT_MAX && (nh == 0 || nh == 43 || nh == 60); i++) {
		if (off + 8 > total)
			return bad(why, "short IPv6 extension header");
		size_t el = ((size_t)p[off + 1] + 1) * 8;
		if (off + el > total)
			return bad(why, "short IPv6 extension header");
		nh = p[off];
		off += el;
	}
	if (nh == 0 || nh == 43 || nh == 60)
		return bad(why, "too many IPv6 extension headers");
	if (nh == 44)
		return bad(why, "IPv6 fragment");
	o->proto = nh;
	o->l4 = p + off;
	o->l4_len = total - off;
	return S6_OK;
}

static s6_err parse_udp(s6_ippkt *o, const char **why)
{
	size_t ulen;

	if (o->l4_len < S6_IPPKT_UDP_HDR)
		return bad(why, "short UDP header");
	ulen = s6_get_u16be(o->l4 + 4);
	if (ulen < S6_IPPKT_UDP_HDR || ulen > o->l4_len)
		return bad(why, "bad UDP length");
	uint16_t ck = s6_get_u16be(o->l4 + 6);
	if (ck == 0 && o->v == 6)
		return bad(why, "UDP over IPv6 without checksum");
	if (ck != 0 && s6_inet_fold(s6_inet_sum(pseudo_sum(o->v, o->src, o->dst, o->proto, ulen),
						 o->l4, ulen)) != 0)
		return bad(why, "bad UDP checksum");
	o->sport = s6_get_u16be(o->l4);
	o->dport = s6_get_u16be(o->l4 + 2);
	o->payload = o->l4 + S6_IPPKT_UDP_HDR;
	o->payload_len = ulen - S6_IPPKT_UDP_HDR;
	return S6_OK;
}

static s6_err parse_icmp(s6_ippkt *o, const char **why)
{
	uint32_t sum = o->v == 6 ? pseudo_sum(6, o->src, o->dst, o->proto, o->l4_len) : 0;

	if (o->l4_len < 4)
		return bad(why, "short ICMP header");
	if (s6_inet_fold(s6_inet_sum(sum, o->l4, o->l4_len)) != 0)
		return bad(why, "bad ICMP checksum");
	o->icmp_type = o->l4[0];
	bool echo = o->v == 4 ? o->icmp_type == ICMP4_ECHO_REPLY || o->icmp_type == ICMP4_ECHO_REQUEST
			      : o->icmp_type == ICMP6_ECHO_REPLY || o->icmp_type == ICMP6_ECHO_REQUEST;
	if (echo && o->l4_len >= S6_IPPKT_ECHO_HDR) {
		o->sport = o->dport = s6_get_u16be(o->l4 + 4);
		o->payload = o->l4;
		o->payload_len = o->l4_len;
	}
	return S6_OK;
}

s6_err s6_ippkt_parse(const uint8_t *pkt, size_t len, s6_ippkt *out, const char **why)
{
	size_t l4 = 0;
	s6_err err;

	memset(out, 0, sizeof *out);
	*why = NULL;
	if (len < 1)
		return bad(why, "empty packet");
	out->v = pkt[0] >> 4;
	if (out->v == 4)
		err = parse4(pkt, len, out, &l4, why);
	else if (out->v == 6)
		err = parse6(pkt, len, out, why);
	else
		return bad(why, "not IPv4 or IPv6");
	if (err != S6_OK)
		return err;
	if (out->proto == S6_IPPKT_PROTO_UDP)
		return parse_udp(out, why);
	if (out->proto == (out->v == 4 ? S6_IPPKT_PROTO_ICMP : S6_IPPKT_PROTO_ICMPV6))
		return parse_icmp(out, why);
	return S6_OK;
}
