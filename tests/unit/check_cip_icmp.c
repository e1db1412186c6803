/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP/ICMPv6 errors for CONNECT-IP: checksums, the errors built for each
 * reason (type, code, MTU, quote size, checksums), when no error may be
 * sent, and classification (errno as Linux maps it, the quoted flow, and
 * refusal of truncated, corrupted or foreign packets). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_cip_icmp.h"

static const uint8_t me4[4] = {10, 99, 0, 16}, far4[4] = {192, 0, 2, 7};
static const uint8_t gw4[4] = {10, 99, 0, 2};
static const uint8_t me6[16] = {0xfd, 0x99, [15] = 16};
static const uint8_t far6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
static const uint8_t gw6[16] = {0xfd, 0x99, [15] = 2};

/* IPv4 packet of total length len, protocol proto, with a TCP-like header
 * (ports 40000 -> 443, seq 0x01020304) when room allows. */
static size_t pkt4(uint8_t *p, size_t len, uint8_t proto)
{
	memset(p, 0, len);
	p[0] = 0x45;
	s6_put_u16be(p + 2, (uint16_t)len);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, me4, 4);
	memcpy(p + 16, far4, 4);
	s6_put_u16be(p + 10, s6_inet_fold(s6_inet_sum(0, p, 20)));
	if (len >= 28) {
		s6_put_u16be(p + 20, 40000);
		s6_put_u16be(p + 22, 443);
		s6_put_u32be(p + 24, 0x01020304);
	}
	return len;
}

static size_t pkt6(uint8_t *p, size_t len, uint8_t proto)
{
	memset(p, 0, len);
	p[0] = 0x60;
	s6_put_u16be(p + 4, (uint16_t)(len - 40));
	p[6] = proto;
	p[7] = 64;
	memcpy(p + 8, me6, 16);
	memcpy(p + 24, far6, 16);
	if (len >= 48) {
		s6_put_u16be(p + 40, 5353);
		s6_put_u16be(p + 42, 53);
	}
	return len;
}

/* An ICMP error of any type/code from gw, quoting q. */
static size_t err_pkt(int v, uint8_t type, uint8_t code, uint32_t word,
		      const uint8_t *q, size_t qn, uint8_t *out)
{
	size_t h = v == 4 ? 20 : 40;
	uint8_t *icmp = out + h;
	uint32_t sum = 0;

	memset(out, 0, h + 8);
	if (v == 4) {
		out[0] = 0x45;
		s6_put_u16be(out + 2, (uint16_t)(h + 8 + qn));
		out[8] = 60;
		out[9] = 1;
		memcpy(out + 12, gw4, 4);
		memcpy(out + 16, me4, 4);
	} else {
		out[0] = 0x60;
		s6_put_u16be(out + 4, (uint16_t)(8 + qn));
		out[6] = 58;
		out[7] = 60;
		memcpy(out + 8, gw6, 16);
		memcpy(out + 24, me6, 16);
		sum = s6_inet_sum6(gw6, me6, (uint32_t)(8 + qn), 58);
	}
	icmp[0] = type;
	icmp[1] = code;
	s6_put_u32be(icmp + 4, word);
	memcpy(icmp + 8, q, qn);
	s6_put_u16be(icmp + 2, s6_inet_fold(s6_inet_sum(sum, icmp, 8 + qn)));
	return h + 8 + qn;
}

START_TEST(test_checksum)
{
	/* RFC 1071 section 3's example: the sum is ddf2, the checksum its complement. */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t odd[] = {0x12, 0x34, 0x56};

	ck_assert_uint_eq(s6_inet_fold(s6_inet_sum(0, b, sizeof b)), 0x220d);
	ck_assert_uint_eq(s6_inet_fold(s6_inet_sum(0, odd, 3)), (uint16_t)~(0x1234 + 0x5600));
	ck_assert_uint_eq(s6_inet_fold(s6_inet_sum(0, b, 0)), 0xffff);
}
END_TEST

static void check_v4_error(const uint8_t *e, size_t n, uint8_t type, uint8_t code)
{
	ck_assert_uint_ge(n, 28);
	ck_assert_uint_eq(e[0], 0x45);
	ck_assert_uint_eq(s6_get_u16be(e + 2), n);
	ck_assert_uint_eq(e[9], 1);
	ck_assert_uint_eq(e[8], 64);
	ck_assert_uint_eq(s6_inet_fold(s6_inet_sum(0, e, 20)), 0);
	ck_assert_uint_eq(s6_inet_fold(s6_inet_sum(0, e + 20, n - 20)), 0);
	ck_assert_mem_eq(e + 12, gw4, 4);
	ck_assert_mem_eq(e + 16, me4, 4);
	ck_assert_uint_eq(e[20], type);
	ck_assert_uint_eq(e[21], code);
}

START_TEST(test_build_v4)
{
	uint8_t p[1500], e[S6_ICMP_ERROR_MAX];
	size_t n = 0;
	s6_icmp_info in;
	const char *why = NULL;

	pkt4(p, 40, 6);
	ck_assert_int_eq(s6_icmp_build(p, 40, S6_ICMP_R_PROHIBITED, 0, gw4, e, sizeof e, &n),
			 S6_OK);
	ck_assert_uint_eq(n, 28 + 40);
	check_v4_error(e, n, 3, 13);
	ck_assert_mem_eq(e + 28, p, 40);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert_int_eq(in.version, 4);
	ck_assert_int_eq(in.err, EHOSTUNREACH);
	ck_assert(in.hard);
	ck_assert_uint_eq(in.proto, 6);
	ck_assert_mem_eq(in.src, me4, 4);
	ck_assert_mem_eq(in.dst, far4, 4);
	ck_assert_mem_eq(in.reporter, gw4, 4);
	ck_assert(in.has_ports && in.has_seq);
	ck_assert_uint_eq(in.sport, 40000);
	ck_assert_uint_eq(in.dport, 443);
	ck_assert_uint_eq(in.seq, 0x01020304);

	/* Too big: 576 bytes in all, the MTU in the second word's low half. */
	pkt4(p, 1500, 17);
	ck_assert_int_eq(s6_icmp_build(p, 1500, S6_ICMP_R_TOO_BIG, 1400, gw4, e, sizeof e, &n),
			 S6_OK);
	ck_assert_uint_eq(n, S6_ICMP_ERROR_MAX4);
	check_v4_error(e, n, 3, 4);
	ck_assert_uint_eq(s6_get_u16be(e + 26), 1400);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert_int_eq(in.err, EMSGSIZE);
	ck_assert_uint_eq(in.mtu, 1400);
	ck_assert(!in.hard && in.has_ports && !in.has_seq);

	pkt4(p, 60, 6);
	ck_assert_int_eq(s6_icmp_build(p, 60, S6_ICMP_R_TTL, 0, gw4, e, sizeof e, &n), S6_OK);
	check_v4_error(e, n, 11, 0);
	ck_assert_int_eq(s6_icmp_build(p, 60, S6_ICMP_R_NO_ROUTE, 0, gw4, e, sizeof e, &n), S6_OK);
	check_v4_error(e, n, 3, 0);
	ck_assert_int_eq(s6_icmp_build(p, 60, S6_ICMP_R_HOST, 0, gw4, e, sizeof e, &n), S6_OK);
	check_v4_error(e, n, 3, 1);
	ck_assert_int_eq(s6_icmp_build(p, 60, S6_ICMP_R_PORT, 0, gw4, e, sizeof e, &n), S6_OK);
	check_v4_error(e, n, 3, 3);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert_int_eq(in.err, ECONNREFUSED);
}
END_TEST

static void check_v6_error(const uint8_t *e, size_t n, uint8_t type, uint8_t code)
{
	ck_assert_uint_ge(n, 48);
	ck_assert_uint_eq(e[0], 0x60);
	ck_assert_uint_eq(s6_get_u16be(e + 4) + 40, n);
	ck_assert_uint_eq(e[6], 58);
	ck_assert_uint_eq(e[7], 64);
	ck_assert_mem_eq(e + 8, gw6, 16);
	ck_assert_mem_eq(e + 24, me6, 16);
	ck_assert_uint_eq(s6_inet_fold(s6_inet_sum(s6_inet_sum6(gw6, me6, (uint32_t)(n - 40), 58),
						   e + 40, n - 40)), 0);
	ck_assert_uint_eq(e[40], type);
	ck_assert_uint_eq(e[41], code);
}

START_TEST(test_build_v6)
{
	static const struct { s6_icmp_reason r; uint8_t type, code; int err; bool hard; } t[] = {
		{S6_ICMP_R_NO_ROUTE, 1, 0, ENETUNREACH, false},
		{S6_ICMP_R_PROHIBITED, 1, 1, EACCES, true},
		{S6_ICMP_R_HOST, 1, 3, EHOSTUNREACH, false},
		{S6_ICMP_R_PORT, 1, 4, ECONNREFUSED, true},
		{S6_ICMP_R_SOURCE, 1, 5, EACCES, true},
		{S6_ICMP_R_TTL, 3, 0, EHOSTUNREACH, false},
	};
	uint8_t p[2000], e[S6_ICMP_ERROR_MAX];
	size_t n = 0;
	s6_icmp_info in;
	const char *why = NULL;

	pkt6(p, 100, 17);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(s6_icmp_build(p, 100, t[i].r, 0, gw6, e, sizeof e, &n), S6_OK);
		ck_assert_uint_eq(n, 48 + 100);
		check_v6_error(e, n, t[i].type, t[i].code);
		ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
		ck_assert_int_eq(in.err, t[i].err);
		ck_assert_int_eq(in.hard, t[i].hard);
		ck_assert_uint_eq(in.proto, 17);
		ck_assert(in.has_ports && !in.has_seq);
		ck_assert_uint_eq(in.sport, 5353);
		ck_assert_uint_eq(in.dport, 53);
		ck_assert_mem_eq(in.dst, far6, 16);
	}
	pkt6(p, 2000, 17);
	ck_assert_int_eq(s6_icmp_build(p, 2000, S6_ICMP_R_TOO_BIG, 1500, gw6, e, sizeof e, &n),
			 S6_OK);
	ck_assert_uint_eq(n, S6_ICMP_ERROR_MAX6);
	check_v6_error(e, n, 2, 0);
	ck_assert_uint_eq(s6_get_u32be(e + 44), 1500);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert_uint_eq(in.mtu, 1500);
	ck_assert_int_eq(in.err, EMSGSIZE);
}
END_TEST

START_TEST(test_build_room)
{
	uint8_t p[200], e[S6_ICMP_ERROR_MAX];
	size_t n = 1;

	pkt4(p, 200, 6);
	/* Header + offending header + 8 bytes is the least an error may hold. */
	ck_assert_int_eq(s6_icmp_build(p, 200, S6_ICMP_R_HOST, 0, gw4, e, 28 + 27, &n),
			 S6_ERR_TOO_LONG);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(s6_icmp_build(p, 200, S6_ICMP_R_HOST, 0, gw4, e, 28 + 28, &n), S6_OK);
	ck_assert_uint_eq(n, 56);
	check_v4_error(e, n, 3, 1);
	pkt6(p, 200, 6);
	ck_assert_int_eq(s6_icmp_build(p, 200, S6_ICMP_R_HOST, 0, gw6, e, 48 + 47, &n),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_icmp_build(p, 200, S6_ICMP_R_HOST, 0, gw6, e, 48 + 60, &n), S6_OK);
	ck_assert_uint_eq(n, 108);
	check_v6_error(e, n, 1, 3);
}
END_TEST

START_TEST(test_no_answer)
{
	uint8_t p[200], e[S6_ICMP_ERROR_MAX];
	size_t n, en;

	/* Never an error about an error, in either family. */
	pkt4(p, 60, 6);
	ck_assert(s6_icmp_may_answer(p, 60, S6_ICMP_R_HOST));
	ck_assert_int_eq(s6_icmp_build(p, 60, S6_ICMP_R_HOST, 0, gw4, e, sizeof e, &en), S6_OK);
	ck_assert(s6_icmp_is_error(e, en));
	ck_assert(!s6_icmp_may_answer(e, en, S6_ICMP_R_HOST));
	ck_assert_int_eq(s6_icmp_build(e, en, S6_ICMP_R_HOST, 0, gw4, p, sizeof p, &n),
			 S6_ERR_INVALID_ARG);
	pkt6(p, 60, 17);
	ck_assert_int_eq(s6_icmp_build(p, 60, S6_ICMP_R_TTL, 0, gw6, e, sizeof e, &en), S6_OK);
	ck_assert(s6_icmp_is_error(e, en));
	ck_assert(!s6_icmp_may_answer(e, en, S6_ICMP_R_TTL));

	/* Echo requests are answered; redirects and source quench are errors. */
	n = pkt4(p, 60, 1);
	p[20] = 8;
	ck_assert(!s6_icmp_is_error(p, n) && s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	p[20] = 5;
	ck_assert(s6_icmp_is_error(p, n));
	p[20] = 4;
	ck_assert(s6_icmp_is_error(p, n));
	n = pkt6(p, 60, 58);
	p[40] = 128;
	ck_assert(!s6_icmp_is_error(p, n) && s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	p[40] = 127;
	ck_assert(s6_icmp_is_error(p, n));

	/* Non-initial fragments. */
	n = pkt4(p, 60, 6);
	s6_put_u16be(p + 6, 0x0010);
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	s6_put_u16be(p + 6, 0x2000);   /* first fragment: fine */
	ck_assert(s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	n = pkt6(p, 80, 44);
	p[40] = 17;
	s6_put_u16be(p + 42, 0x0008);
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	s6_put_u16be(p + 42, 0x0001);
	ck_assert(s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));

	/* Sources that are not unicast, group destinations. */
	n = pkt4(p, 60, 17);
	p[16] = 239;
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_TOO_BIG));
	memset(p + 16, 255, 4);
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	pkt4(p, 60, 17);
	memset(p + 12, 0, 4);
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	p[12] = 127;
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	n = pkt6(p, 60, 17);
	p[24] = 0xff;
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	ck_assert(s6_icmp_may_answer(p, n, S6_ICMP_R_TOO_BIG));   /* RFC 4443 2.4(e.3) */
	pkt6(p, 60, 17);
	memset(p + 8, 0, 16);
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	p[23] = 1;
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));

	/* Not IP, or headers that lie about the length. */
	ck_assert(!s6_icmp_may_answer(p, 0, S6_ICMP_R_HOST));
	n = pkt4(p, 60, 17);
	ck_assert(!s6_icmp_may_answer(p, 59, S6_ICMP_R_HOST));
	p[0] = 0x44;
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	p[0] = 0x55;
	ck_assert(!s6_icmp_may_answer(p, n, S6_ICMP_R_HOST));
	ck_assert(!s6_icmp_may_answer(p, 39, S6_ICMP_R_HOST));
}
END_TEST

START_TEST(test_classify_table)
{
	static const struct { int v; uint8_t type, code; int err; bool hard; } t[] = {
		{4, 3, 0, ENETUNREACH, false}, {4, 3, 1, EHOSTUNREACH, false},
		{4, 3, 2, ENOPROTOOPT, true}, {4, 3, 3, ECONNREFUSED, true},
		{4, 3, 7, EHOSTDOWN, true}, {4, 3, 10, EHOSTUNREACH, true},
		{4, 3, 13, EHOSTUNREACH, true}, {4, 11, 0, EHOSTUNREACH, false},
		{4, 12, 0, EPROTO, true},
		{6, 1, 0, ENETUNREACH, false}, {6, 1, 1, EACCES, true},
		{6, 1, 9, EPROTO, true}, {6, 2, 0, EMSGSIZE, false},
		{6, 3, 1, EHOSTUNREACH, false}, {6, 4, 0, EPROTO, true},
	};
	uint8_t q[60], e[200];
	s6_icmp_info in;
	const char *why;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t qn = t[i].v == 4 ? pkt4(q, 28, 17) : pkt6(q, 48, 17);
		size_t n = err_pkt(t[i].v, t[i].type, t[i].code, 0, q, qn, e);

		why = NULL;
		ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
		ck_assert_int_eq(in.err, t[i].err);
		ck_assert_int_eq(in.hard, t[i].hard);
		ck_assert_uint_eq(in.type, t[i].type);
		ck_assert_uint_eq(in.code, t[i].code);
	}
}
END_TEST

static void refused(const uint8_t *e, size_t n, const char *want)
{
	s6_icmp_info in;
	const char *why = NULL;

	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_ERR_MALFORMED);
	ck_assert_ptr_nonnull(why);
	if (want)
		ck_assert_str_eq(why, want);
}

START_TEST(test_classify_refused)
{
	uint8_t q[60], e[200];
	size_t qn = pkt4(q, 28, 6), n = err_pkt(4, 3, 1, 0, q, qn, e);
	s6_icmp_info in;

	/* Every cut of a valid error: the total length no longer fits. */
	for (size_t k = 0; k < n; k++)
		refused(e, k, NULL);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, NULL), S6_OK);
	/* A lying total length that keeps the header but cuts the quote. */
	n = err_pkt(4, 3, 1, 0, q, 12, e);
	refused(e, n, "quote is not a whole IP header of the same version");
	n = err_pkt(4, 3, 1, 0, q, qn, e);
	e[30] ^= 1;
	refused(e, n, "bad ICMP checksum");
	n = err_pkt(4, 0, 0, 0, q, qn, e);
	refused(e, n, "not an error Linux reports");
	n = err_pkt(4, 5, 1, 0, q, qn, e);
	refused(e, n, "not an error Linux reports");
	n = err_pkt(4, 3, 16, 0, q, qn, e);
	refused(e, n, "not an error Linux reports");
	n = err_pkt(4, 3, 1, 0, q, qn, e);
	s6_put_u16be(e + 6, 0x2000);
	refused(e, n, "fragment");
	e[6] = 0;
	e[9] = 17;
	refused(e, n, "not ICMP");
	/* A v6 quote inside a v4 error. */
	qn = pkt6(q, 48, 17);
	n = err_pkt(4, 3, 1, 0, q, qn, e);
	refused(e, n, "quote is not a whole IP header of the same version");
	n = err_pkt(6, 128, 0, 0, q, qn, e);
	refused(e, n, "not an error Linux reports");
	n = err_pkt(6, 1, 0, 0, q, qn, e);
	e[45] ^= 0x40;
	refused(e, n, "bad ICMP checksum");
	refused(e, 8, "not an IP packet");
}
END_TEST

START_TEST(test_classify_quotes)
{
	uint8_t q[120], e[300];
	size_t qn, n;
	s6_icmp_info in;
	const char *why = NULL;

	/* An echo request quoted: its identifier stands in for the ports. */
	qn = pkt4(q, 36, 1);
	q[20] = 8;
	s6_put_u16be(q + 24, 0x4242);
	n = err_pkt(4, 11, 0, 0, q, qn, e);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert(in.has_ports && !in.has_seq);
	ck_assert_uint_eq(in.sport, 0x4242);
	ck_assert_uint_eq(in.dport, 0x4242);
	/* A quote cut after the header: addresses, no ports. The inner length
	 * field may claim more than was quoted. */
	qn = pkt4(q, 100, 17);
	n = err_pkt(4, 3, 3, 0, q, 22, e);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert(!in.has_ports);
	ck_assert_mem_eq(in.dst, far4, 4);
	/* IPv6 quote behind a hop-by-hop and a destination options header. */
	qn = pkt6(q, 72, 0);
	q[40] = 60;
	q[41] = 0;
	q[48] = 6;
	q[49] = 0;
	s6_put_u16be(q + 56, 1234);
	s6_put_u16be(q + 58, 80);
	s6_put_u32be(q + 60, 77);
	n = err_pkt(6, 1, 4, 0, q, qn, e);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert_uint_eq(in.proto, 6);
	ck_assert(in.has_ports && in.has_seq);
	ck_assert_uint_eq(in.sport, 1234);
	ck_assert_uint_eq(in.seq, 77);
	/* A chain longer than the walk allows: classified, protocol unknown. */
	qn = pkt6(q, 120, 60);
	for (size_t off = 40; off + 8 <= 120; off += 8)
		q[off] = 60;
	n = err_pkt(6, 1, 0, 0, q, qn, e);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert(!in.has_ports);
	ck_assert_uint_eq(in.proto, 60);
	/* A quoted extension header whose length runs past the quote. */
	qn = pkt6(q, 56, 60);
	q[40] = 17;
	q[41] = 200;
	n = err_pkt(6, 1, 0, 0, q, qn, e);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, &why), S6_OK);
	ck_assert(!in.has_ports);
}
END_TEST

static Suite *icmp_suite(void)
{
	Suite *s = suite_create("cip_icmp");
	TCase *tc = tcase_create("icmp");

	tcase_add_test(tc, test_checksum);
	tcase_add_test(tc, test_build_v4);
	tcase_add_test(tc, test_build_v6);
	tcase_add_test(tc, test_build_room);
	tcase_add_test(tc, test_no_answer);
	tcase_add_test(tc, test_classify_table);
	tcase_add_test(tc, test_classify_refused);
	tcase_add_test(tc, test_classify_quotes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(icmp_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
