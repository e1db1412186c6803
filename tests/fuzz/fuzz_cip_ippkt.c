/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP and ICMP echo packets of CONNECT-IP flows (s6_cip_ippkt.h).
 *
 * The input as one packet, from an exactly sized copy (a read past it is
 * an ASan report): refused only as MALFORMED with a reason; accepted
 * fields agree with the bytes, stay inside the packet, and the checksums
 * verify by a plain RFC 1071 sum written here; what is accepted is built
 * again from its fields and parses back to them, byte for byte when the
 * packet was in the builders' own form.
 *
 * The input as fields (flags, version, protocol, hop, mtu, cap, addresses,
 * ports, then the payload): both builders refuse exactly with INVALID_ARG
 * or TOO_LONG for the documented reasons, write within cap (an exactly
 * sized output block), and what they build parses back to the fields with
 * every checksum right. */
#include <string.h>

#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "s6_cip_ippkt.h"

#define FIELDS 44

/* RFC 1071, independently of s6_inet_sum: big-endian words, end-around
 * carry. */
static uint32_t ref_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Does the upper layer l4[0..n) of proto sum to all ones, with the
 * pseudo-header when pseudo (UDP, ICMPv6)? */
static bool ref_ok(int v, bool pseudo, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		   const uint8_t *l4, size_t n)
{
	uint32_t sum = 0;
	size_t alen = v == 4 ? 4 : 16;

	if (pseudo) {
		sum = ref_add(ref_add(0, src, alen), dst, alen);
		sum += proto + (uint32_t)(n & 0xffff) + (uint32_t)(n >> 16);
	}
	return ref_fold(ref_add(sum, l4, n)) == 0xffff;
}

static bool is_echo(int v, uint8_t type)
{
	return v == 4 ? type == 0 || type == 8 : type == 128 || type == 129;
}

/* Accepted packet: fields against the bytes, ranges, checksums. */
static void check_parsed(const uint8_t *d, size_t n, const s6_ippkt *p)
{
	size_t alen = p->v == 4 ? 4 : 16;

	FUZZ_CHECK(p->v == d[0] >> 4 && (p->v == 4 || p->v == 6));
	FUZZ_CHECK(p->l4 >= d + (p->v == 4 ? 20 : 40) && p->l4 <= d + n);
	FUZZ_CHECK(p->l4_len <= (size_t)(d + n - p->l4));
	FUZZ_CHECK(memcmp(p->src, d + (p->v == 4 ? 12 : 8), alen) == 0);
	FUZZ_CHECK(memcmp(p->dst, d + (p->v == 4 ? 16 : 24), alen) == 0);
	if (p->v == 4) {
		size_t ihl = (size_t)(d[0] & 15) * 4;

		FUZZ_CHECK(p->hop == d[8] && p->proto == d[9] && p->l4 == d + ihl);
		FUZZ_CHECK(ihl + p->l4_len == s6_get_u16be(d + 2));
		FUZZ_CHECK(ref_fold(ref_add(0, d, ihl)) == 0xffff);
		FUZZ_CHECK((s6_get_u16be(d + 6) & 0x3fff) == 0);
	} else {
		FUZZ_CHECK(p->hop == d[7]);
		FUZZ_CHECK((size_t)(p->l4 - d) + p->l4_len == 40u + s6_get_u16be(d + 4));
		FUZZ_CHECK(p->proto != 0 && p->proto != 43 && p->proto != 60 && p->proto != 44);
		FUZZ_CHECK(p->l4 == d + 40 ? p->proto == d[6] : (p->l4 - d) % 8 == 0);
	}
	if (p->proto == S6_IPPKT_PROTO_UDP) {
		size_t ulen = s6_get_u16be(p->l4 + 4);
		uint16_t ck = s6_get_u16be(p->l4 + 6);

		FUZZ_CHECK(ulen >= 8 && ulen <= p->l4_len);
		FUZZ_CHECK(p->payload == p->l4 + 8 && p->payload_len == ulen - 8);
		FUZZ_CHECK(p->sport == s6_get_u16be(p->l4) && p->dport == s6_get_u16be(p->l4 + 2));
		FUZZ_CHECK(ck != 0 || p->v == 4);
		FUZZ_CHECK(ck == 0 || ref_ok(p->v, true, p->src, p->dst, 17, p->l4, ulen));
	} else if (p->proto == (p->v == 4 ? 1 : 58)) {
		FUZZ_CHECK(p->l4_len >= 4 && p->icmp_type == p->l4[0]);
		FUZZ_CHECK(ref_ok(p->v, p->v == 6, p->src, p->dst, 58, p->l4, p->l4_len));
		if (is_echo(p->v, p->icmp_type) && p->l4_len >= 8) {
			FUZZ_CHECK(p->payload == p->l4 && p->payload_len == p->l4_len);
			FUZZ_CHECK(p->sport == s6_get_u16be(p->l4 + 4) && p->dport == p->sport);
		} else {
			FUZZ_CHECK(p->payload == NULL && p->sport == 0);
		}
	} else {
		FUZZ_CHECK(p->payload == NULL && p->sport == 0 && p->dport == 0);
	}
}

/* A built packet of flow f: in the builders' form, parsing back to f. */
static void check_built(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *b, size_t n,
			s6_ippkt *p)
{
	const char *why = NULL;
	size_t alen = f->v == 4 ? 4 : 16, h = f->v == 4 ? 20 : 40;

	FUZZ_CHECK(s6_ippkt_parse(b, n, p, &why) == S6_OK && why == NULL);
	check_parsed(b, n, p);
	FUZZ_CHECK(p->v == f->v && p->proto == f->proto && p->hop == hop);
	FUZZ_CHECK(memcmp(p->src, f->src, alen) == 0 && memcmp(p->dst, f->dst, alen) == 0);
	FUZZ_CHECK(p->l4 == b + h && p->l4_len == n - h);
	if (f->v == 4)
		FUZZ_CHECK(b[0] == 0x45 && b[1] == 0 && s6_get_u32be(b + 4) == 0x4000);
	else
		FUZZ_CHECK(s6_get_u32be(b) == 0x60000000);
}

/* The largest payload fits and one byte more does not; 0 also when not
 * even an empty one fits. */
static void check_max(const s6_ippkt_flow *f, size_t mtu, size_t len, size_t total)
{
	size_t max = s6_ippkt_max_payload(f, mtu);

	FUZZ_CHECK(total <= mtu ? max >= len : max < len || (len == 0 && max == 0));
}

static void check_udp(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *pl, size_t len,
		      size_t mtu, size_t cap)
{
	uint8_t *b = malloc(cap ? cap : 1);
	size_t n = 0, h = f->v == 4 ? 20 : 40, total = h + 8 + len;
	s6_err err = s6_ippkt_udp_build(f, hop, pl, len, mtu, b, cap, &n);
	bool bad = (f->v != 4 && f->v != 6) || f->proto != 17;
	bool big = total > mtu || total > cap || total > 65535;
	s6_ippkt p;

	if (!b)
		abort();
	FUZZ_CHECK(bad ? err == S6_ERR_INVALID_ARG : big ? err == S6_ERR_TOO_LONG : err == S6_OK);
	if (!bad)
		check_max(f, mtu, len, total);
	if (err == S6_OK) {
		FUZZ_CHECK(n == total);
		check_built(f, hop, b, n, &p);
		FUZZ_CHECK(p.sport == f->sport && p.dport == f->dport);
		FUZZ_CHECK(p.payload_len == len && memcmp(p.payload, pl, len) == 0);
		FUZZ_CHECK(s6_get_u16be(b + h + 6) != 0);
	}
	free(b);
}

static void check_echo(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *m, size_t len,
		       size_t mtu, size_t cap)
{
	uint8_t *b = malloc(cap ? cap : 1);
	size_t n = 0, h = f->v == 4 ? 20 : 40, total = h + len;
	s6_err err = s6_ippkt_echo_build(f, hop, m, len, mtu, b, cap, &n);
	bool vok = f->v == 4 || f->v == 6;
	bool bad = !vok || f->proto != (f->v == 4 ? 1 : 58) || len < 8 ||
		   m[0] != (f->v == 4 ? 8 : 128) || m[1] != 0;
	bool big = vok && (total > mtu || total > cap || total > 65535);
	s6_ippkt p;

	if (!b)
		abort();
	/* Both wrong: either answer is documented. */
	FUZZ_CHECK(err == S6_OK ? !bad && !big
				: (err == S6_ERR_INVALID_ARG && bad) ||
					  (err == S6_ERR_TOO_LONG && big));
	if (vok && f->proto != 17)   /* UDP flows count their header */
		check_max(f, mtu, len, total);
	if (err == S6_OK) {
		FUZZ_CHECK(n == total);
		check_built(f, hop, b, n, &p);
		FUZZ_CHECK(p.icmp_type == m[0] && p.sport == f->sport && p.payload_len == len);
		FUZZ_CHECK(p.payload[1] == 0 && memcmp(p.payload + 6, m + 6, len - 6) == 0);
	}
	free(b);
}

/* Accepted packets again from their fields: the same fields, and the same
 * bytes when the packet had the builders' form (v4: no options, DF, ID 0,
 * TOS 0; v6: no extension header, class and label 0; no trailing bytes;
 * UDP with a checksum; no checksum spelled 0xffff where the builder
 * writes its equal 0). */
static void rebuild(const uint8_t *d, size_t n, const s6_ippkt *p)
{
	s6_ippkt_flow f = {.v = p->v, .proto = p->proto, .sport = p->sport, .dport = p->dport};
	size_t h = p->v == 4 ? 20 : 40;
	bool canon = p->l4 == d + h && p->l4 + p->l4_len == d + n &&
		     (p->v == 4 ? d[0] == 0x45 && d[1] == 0 && s6_get_u32be(d + 4) == 0x4000 &&
					  s6_get_u16be(d + 10) != 0xffff
				: s6_get_u32be(d) == 0x60000000);
	uint8_t *b = malloc(n);
	size_t out = 0;

	if (!b)
		abort();
	memcpy(f.src, p->src, 16);
	memcpy(f.dst, p->dst, 16);
	if (p->proto == 17) {
		check_udp(&f, p->hop, p->payload, p->payload_len, 65535, 65535);
		canon = canon && p->payload_len + 8 == p->l4_len && s6_get_u16be(p->l4 + 6);
		if (canon) {
			FUZZ_CHECK(s6_ippkt_udp_build(&f, p->hop, p->payload, p->payload_len, n, b, n,
						      &out) == S6_OK);
			FUZZ_CHECK(out == n && memcmp(b, d, n) == 0);
		}
	} else if (p->payload && p->icmp_type == (p->v == 4 ? 8 : 128) && p->l4[1] == 0) {
		check_echo(&f, p->hop, p->payload, p->payload_len, 65535, 65535);
		if (canon && s6_get_u16be(p->l4 + 2) != 0xffff) {
			FUZZ_CHECK(s6_ippkt_echo_build(&f, p->hop, p->payload, p->payload_len, n, b,
						       n, &out) == S6_OK);
			FUZZ_CHECK(out == n && memcmp(b, d, n) == 0);
		}
	}
	free(b);
}

/* Bytes after the packet's end are never read, and do not change the
 * answer: the packet alone, its tail poisoned, parses the same. */
static void same_without_tail(struct fuzz_view *v, size_t size, const s6_ippkt *p)
{
	size_t end = (size_t)(p->l4 - v->buf) + p->l4_len;
	const uint8_t *d = fuzz_view_limit(v, end);
	const char *why = NULL;
	s6_ippkt q;

	FUZZ_CHECK(s6_ippkt_parse(d, end, &q, &why) == S6_OK);
	FUZZ_CHECK(memcmp(&q, p, sizeof q) == 0);
	fuzz_view_limit(v, size);
}

/* The input as fields; see the head of the file. */
static void from_fields(const uint8_t *d, size_t n)
{
	static const uint8_t vs[4] = {4, 6, 4, 0}, ps[4] = {17, 1, 58, 0};
	s6_ippkt_flow f = {.sport = s6_get_u16be(d + 40), .dport = s6_get_u16be(d + 42)};
	const uint8_t *pl = d + FIELDS;
	size_t len = n - FIELDS, mtu = s6_get_u16be(d + 4), cap = s6_get_u16be(d + 6);

	f.v = vs[d[0] & 3] ? vs[d[0] & 3] : d[1];
	f.proto = ps[d[0] >> 2 & 3] ? ps[d[0] >> 2 & 3] : d[2];
	if (f.proto == 1 && f.v == 6 && !(d[0] & 0x40))
		f.proto = 58;   /* mostly the version's own echo protocol */
	memcpy(f.src, d + 8, 16);
	memcpy(f.dst, d + 24, 16);
	if (d[0] & 0x20)
		mtu = cap = S6_IPPKT_MTU;
	check_udp(&f, d[3], pl, len, mtu, cap);
	check_echo(&f, d[3], pl, len, mtu, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_view v;
	const uint8_t *d;
	const char *why = NULL;
	s6_ippkt p;
	s6_err err;

	fuzz_view_open(&v, data, size);
	d = fuzz_view_limit(&v, size);
	err = s6_ippkt_parse(d, size, &p, &why);
	if (err == S6_OK) {
		FUZZ_CHECK(why == NULL);
		check_parsed(d, size, &p);
		rebuild(d, size, &p);
		same_without_tail(&v, size, &p);
	} else {
		FUZZ_CHECK(err == S6_ERR_MALFORMED && why != NULL && why[0] != '\0');
	}
	if (size >= FIELDS)
		from_fields(d, size);
	fuzz_view_close(&v);
	return 0;
}
