/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's ICMPv6 echo replies and errors (s6_cip_echo6.h). The input
 * spells the fields (see `struct in` below) and then one ICMPv6 message,
 * taken from an exactly sized copy so that a read past it is an ASan
 * report; outputs go to blocks of exactly cap bytes.
 *
 * Reply: refused exactly with INVALID_ARG (no echo reply) or TOO_LONG (over
 * mtu or cap); built, it parses (s6_ippkt_parse) as an echo reply from the
 * target to the client with the client's identifier, the message's
 * sequence and data, and a checksum a plain RFC 1071 sum written here
 * accepts; built in place from anywhere in buf it is the same bytes. A
 * request the client's engine builds, answered through a ping socket with
 * another identifier, comes back with the client's identifier and
 * sequence.
 * Error: refused exactly with INVALID_ARG (type not 1-4, quote no echo
 * request) or TOO_LONG (cap); built, it is at most 1280 bytes, parses with
 * both checksums right, and s6_icmp_classify gives back its type, code,
 * MTU, reporter and the client's flow (addresses, identifier). */
#include <string.h>

#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "s6_cip_echo6.h"
#include "s6_cip_icmp.h"
#include "s6_cip_ippkt.h"

/* Offsets of the fields at the head of the input. */
enum {
	IN_FLAGS = 0,   /* bit 0: message type made right; bit 1: mtu, cap 1500;
			 * bits 2-3: where the reply's message lies in buf;
			 * bit 4: error type made 1-4 */
	IN_TYPE = 1, IN_CODE = 2, IN_HOP = 3, IN_IDENT = 4, IN_MTU = 6, IN_CAP = 8,
	IN_INFO = 10, IN_REPORTER = 14, IN_CLIENT = 30, IN_TARGET = 46, IN_KIDENT = 62,
	IN_OFF = 64, IN_MSG = 66,
};

static uint32_t ref_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

/* The ICMPv6 message behind the IPv6 header at p, of the header's payload
 * length, sums to all ones with its pseudo-header (RFC 4443 2.3). */
static bool ref_icmp6_ok(const uint8_t *p)
{
	size_t n = s6_get_u16be(p + 4);
	uint32_t sum = ref_add(ref_add(0, p + 8, 32), p + 40, n) + (uint32_t)n + 58;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* An IPv6 header of our form: no class, label or extension header. */
static void check_ip6(const uint8_t *p, size_t plen, uint8_t hop, const uint8_t *src,
		      const uint8_t *dst)
{
	FUZZ_CHECK(s6_get_u32be(p) == 0x60000000 && s6_get_u16be(p + 4) == plen);
	FUZZ_CHECK(p[6] == 58 && p[7] == hop);
	FUZZ_CHECK(memcmp(p + 8, src, 16) == 0 && memcmp(p + 24, dst, 16) == 0);
	FUZZ_CHECK(ref_icmp6_ok(p));
}

static uint8_t *block(size_t cap)
{
	uint8_t *b = malloc(cap ? cap : 1);

	if (!b)
		abort();
	return b;
}

/* The reply again with the message copied to buf + off first. */
static void check_in_place(const uint8_t *d, const uint8_t *m, size_t len, size_t mtu,
			   size_t cap, const uint8_t *want, size_t wn)
{
	int mode = d[IN_FLAGS] >> 2 & 3;
	size_t off = mode == 1 ? 40 : mode == 2 ? 0 : s6_get_u16be(d + IN_OFF) % (cap - len + 1);
	uint8_t *b = block(cap);
	size_t n = 0;

	memcpy(b + off, m, len);
	FUZZ_CHECK(s6_echo6_reply_build(d + IN_TARGET, d + IN_CLIENT, d[IN_HOP],
					s6_get_u16be(d + IN_IDENT), b + off, len, mtu, b, cap,
					&n) == S6_OK);
	FUZZ_CHECK(n == wn && memcmp(b, want, n) == 0);
	free(b);
}

static void check_reply(const uint8_t *d, const uint8_t *m, size_t len, size_t mtu, size_t cap)
{
	uint8_t *b = block(cap);
	size_t n = 0;
	uint16_t ident = s6_get_u16be(d + IN_IDENT);
	s6_err err = s6_echo6_reply_build(d + IN_TARGET, d + IN_CLIENT, d[IN_HOP], ident, m, len,
					  mtu, b, cap, &n);
	bool bad = len < 8 || m[0] != 129 || m[1] != 0;
	bool big = 40 + len > mtu || 40 + len > cap || len > 65535;
	const char *why = NULL;
	s6_ippkt p;

	FUZZ_CHECK(bad ? err == S6_ERR_INVALID_ARG : big ? err == S6_ERR_TOO_LONG : err == S6_OK);
	if (err == S6_OK) {
		FUZZ_CHECK(n == 40 + len);
		check_ip6(b, len, d[IN_HOP], d + IN_TARGET, d + IN_CLIENT);
		FUZZ_CHECK(s6_ippkt_parse(b, n, &p, &why) == S6_OK);
		FUZZ_CHECK(p.proto == 58 && p.icmp_type == 129 && p.sport == ident);
		FUZZ_CHECK(p.payload == b + 40 && p.payload_len == len && p.payload[1] == 0);
		FUZZ_CHECK(memcmp(p.payload + 6, m + 6, len - 6) == 0);
		if (d[IN_FLAGS] & 0x0c)
			check_in_place(d, m, len, mtu, cap, b, n);
	}
	free(b);
}

/* The client's request as its engine builds it, sent on through a ping
 * socket whose kernel answers with its own identifier: the reply the
 * client gets carries its identifier and its sequence. */
static void check_round_trip(const uint8_t *d, const uint8_t *m, size_t len)
{
	s6_ippkt_flow f = {.v = 6, .proto = 58, .sport = s6_get_u16be(d + IN_IDENT)};
	size_t cap = 40 + len, n = 0;
	uint8_t *req = block(cap), *kr = block(len), *b = block(cap);
	const char *why = NULL;
	s6_ippkt q, r;

	memcpy(f.src, d + IN_CLIENT, 16);
	memcpy(f.dst, d + IN_TARGET, 16);
	memcpy(kr, m, len);
	kr[0] = 128;
	kr[1] = 0;
	FUZZ_CHECK(s6_ippkt_echo_build(&f, d[IN_HOP], kr, len, cap, req, cap, &n) == S6_OK);
	FUZZ_CHECK(s6_ippkt_parse(req, n, &q, &why) == S6_OK && q.payload_len == len);
	/* What the ping socket hands the server: type 129, the kernel's
	 * identifier, the rest as sent. */
	memcpy(kr, q.payload, len);
	kr[0] = 129;
	s6_put_u16be(kr + 4, s6_get_u16be(d + IN_KIDENT));
	FUZZ_CHECK(s6_echo6_reply_build(q.dst, q.src, 64, q.sport, kr, len, cap, b, cap, &n) ==
		   S6_OK);
	FUZZ_CHECK(s6_ippkt_parse(b, n, &r, &why) == S6_OK && r.icmp_type == 129);
	FUZZ_CHECK(r.sport == f.sport && memcmp(r.payload + 6, q.payload + 6, len - 6) == 0);
	FUZZ_CHECK(memcmp(r.src, f.dst, 16) == 0 && memcmp(r.dst, f.src, 16) == 0);
	free(req);
	free(kr);
	free(b);
}

/* A built error: outer header and message, the rebuilt quote, and what
 * the client's classifier makes of it. */
static void check_error_bytes(const s6_echo6_err *e, const uint8_t *qt, size_t q,
			      const uint8_t *b, size_t n)
{
	const uint8_t *in = b + 48;
	s6_icmp_info ii;
	const char *why = NULL;
	s6_ippkt p;

	check_ip6(b, n - 40, 64, e->reporter, e->client);
	FUZZ_CHECK(b[40] == e->type && b[41] == e->code);
	FUZZ_CHECK(s6_get_u32be(b + 44) == (e->type == 2 || e->type == 4 ? e->info : 0));
	check_ip6(in, q, e->hop, e->client, e->target);
	FUZZ_CHECK(in[40] == 128 && in[41] == qt[1] && s6_get_u16be(in + 44) == e->ident);
	FUZZ_CHECK(memcmp(in + 46, qt + 6, q - 6) == 0);
	FUZZ_CHECK(s6_ippkt_parse(b, n, &p, &why) == S6_OK && p.icmp_type == e->type);
	FUZZ_CHECK(s6_icmp_classify(b, n, &ii, &why) == S6_OK);
	FUZZ_CHECK(ii.version == 6 && ii.type == e->type && ii.code == e->code && ii.err != 0);
	FUZZ_CHECK(ii.mtu == (e->type == 2 ? e->info : 0));
	FUZZ_CHECK(memcmp(ii.reporter, e->reporter, 16) == 0 && ii.proto == 58);
	FUZZ_CHECK(memcmp(ii.src, e->client, 16) == 0 && memcmp(ii.dst, e->target, 16) == 0);
	FUZZ_CHECK(ii.has_ports && ii.sport == e->ident && ii.dport == e->ident);
}

static void check_error(const uint8_t *d, const uint8_t *qt, size_t qlen, size_t cap)
{
	s6_echo6_err e = {.type = d[IN_TYPE], .code = d[IN_CODE], .hop = d[IN_HOP],
			  .ident = s6_get_u16be(d + IN_IDENT), .info = s6_get_u32be(d + IN_INFO)};
	uint8_t *b = block(cap);
	size_t n = 0, q = qlen < 1280 - 88 ? qlen : 1280 - 88;
	bool bad, big = 88 + q > cap;
	s6_err err;

	if (d[IN_FLAGS] & 0x10)
		e.type = (uint8_t)(e.type % 4 + 1);
	bad = e.type < 1 || e.type > 4 || qlen < 8 || qt[0] != 128;
	memcpy(e.reporter, d + IN_REPORTER, 16);
	memcpy(e.client, d + IN_CLIENT, 16);
	memcpy(e.target, d + IN_TARGET, 16);
	err = s6_echo6_error_build(&e, qt, qlen, b, cap, &n);
	FUZZ_CHECK(bad ? err == S6_ERR_INVALID_ARG : big ? err == S6_ERR_TOO_LONG : err == S6_OK);
	if (err == S6_OK) {
		FUZZ_CHECK(n == 88 + q && n <= S6_ECHO6_ERROR_MAX);
		check_error_bytes(&e, qt, q, b, n);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_view v;
	const uint8_t *d;
	uint8_t *m;
	size_t len, mtu, cap;

	if (size < IN_MSG)
		return 0;
	fuzz_view_open(&v, data, size);
	d = fuzz_view_limit(&v, size);
	m = v.buf + IN_MSG;
	len = size - IN_MSG;
	mtu = s6_get_u16be(d + IN_MTU);
	cap = s6_get_u16be(d + IN_CAP);
	if (d[IN_FLAGS] & 2)
		mtu = cap = S6_IPPKT_MTU;
	if ((d[IN_FLAGS] & 1) && len >= 2) {
		m[0] = 129;
		m[1] = 0;
	}
	check_reply(d, m, len, mtu, cap);
	if (len >= 8 && len <= 65535 - 40)
		check_round_trip(d, m, len);
	if ((d[IN_FLAGS] & 1) && len >= 1)
		m[0] = 128;
	check_error(d, m, len, (d[IN_FLAGS] & 2) ? S6_ECHO6_ERROR_MAX : cap);
	fuzz_view_close(&v);
	return 0;
}
