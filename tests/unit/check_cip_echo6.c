/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMPv6 echo replies and errors the server builds for a CONNECT-IP
 * client whose requests left through ping sockets: exact bytes against
 * vectors computed independently (Python's struct and a plain RFC 1071
 * sum), in-place building, what the client's parsers make of the output,
 * the quote bound and every refusal. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "s6_cip_echo6.h"
#include "s6_cip_icmp.h"
#include "s6_cip_ippkt.h"

/* The reply to fd00:99::10 from fd00:51::2, hop limit 63, identifier
 * 0x1234, sequence 7, "abc". */
static const uint8_t reply_vec[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x3a, 0x3f, 0xfd, 0x00, 0x00, 0x51, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfd, 0x00, 0x00, 0x99,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x81, 0x00,
	0xad, 0x1e, 0x12, 0x34, 0x00, 0x07, 0x61, 0x62, 0x63
};

/* Address unreachable from fd00:51::1 about the request behind it. */
static const uint8_t unreach_vec[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x3a, 0x40, 0xfd, 0x00, 0x00, 0x51, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x99,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x03,
	0x69, 0x84, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x3a, 0x40,
	0xfd, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0xfd, 0x00, 0x00, 0x51, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0xae, 0x1e, 0x12, 0x34, 0x00, 0x07, 0x61, 0x62,
	0x63
};

static const uint8_t target[16] = { 0xfd, 0x00, 0x00, 0x51, [15] = 0x02 };
static const uint8_t client[16] = { 0xfd, 0x00, 0x00, 0x99, [15] = 0x10 };
static const uint8_t router[16] = { 0xfd, 0x00, 0x00, 0x51, [15] = 0x01 };

/* As a ping socket returns them: the kernel's identifier 0x9999, any
 * checksum. */
static const uint8_t kreply[] = { 129, 0, 0xbe, 0xef, 0x99, 0x99, 0, 7, 'a', 'b', 'c' };
static const uint8_t krequest[] = { 128, 0, 0x12, 0x34, 0x99, 0x99, 0, 7, 'a', 'b', 'c' };

static s6_echo6_err unreach(void)
{
	s6_echo6_err e = { .type = 1, .code = 3, .hop = 64, .ident = 0x1234 };

	memcpy(e.reporter, router, 16);
	memcpy(e.client, client, 16);
	memcpy(e.target, target, 16);
	return e;
}

START_TEST(test_reply_vector)
{
	uint8_t buf[128];
	size_t n = 0;

	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 0x1234, kreply, sizeof kreply,
					      1500, buf, sizeof buf, &n), S6_OK);
	ck_assert_uint_eq(n, sizeof reply_vec);
	ck_assert_mem_eq(buf, reply_vec, n);
}
END_TEST

/* Received straight behind the room for the header, built in place. */
START_TEST(test_reply_in_place)
{
	uint8_t buf[128];
	size_t n = 0;
	s6_ippkt p;
	const char *why = NULL;

	memset(buf, 0xa5, sizeof buf);
	memcpy(buf + 40, kreply, sizeof kreply);
	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 0x1234, buf + 40,
					      sizeof kreply, 1500, buf, sizeof buf, &n), S6_OK);
	ck_assert_mem_eq(buf, reply_vec, sizeof reply_vec);
	/* What the client's engine makes of it. */
	ck_assert_int_eq(s6_ippkt_parse(buf, n, &p, &why), S6_OK);
	ck_assert_uint_eq(p.icmp_type, 129);
	ck_assert_uint_eq(p.sport, 0x1234);
	ck_assert_uint_eq(p.hop, 63);
	ck_assert_mem_eq(p.src, target, 16);
	ck_assert_mem_eq(p.dst, client, 16);
}
END_TEST

START_TEST(test_reply_refused)
{
	uint8_t buf[128], m[sizeof kreply];
	size_t n = 0;

	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 1, krequest, sizeof krequest,
					      1500, buf, sizeof buf, &n), S6_ERR_INVALID_ARG);
	memcpy(m, kreply, sizeof m);
	m[1] = 1;
	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 1, m, sizeof m, 1500, buf,
					      sizeof buf, &n), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 1, kreply, 7, 1500, buf,
					      sizeof buf, &n), S6_ERR_INVALID_ARG);
	/* 40 + 11 bytes: one under is over the MTU, or over the buffer. */
	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 1, kreply, sizeof kreply,
					      50, buf, sizeof buf, &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 1, kreply, sizeof kreply,
					      1500, buf, 50, &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_echo6_reply_build(target, client, 63, 1, kreply, sizeof kreply,
					      51, buf, 51, &n), S6_OK);
	ck_assert_uint_eq(n, 51);
}
END_TEST

START_TEST(test_error_vector)
{
	s6_echo6_err e = unreach();
	uint8_t out[S6_ECHO6_ERROR_MAX];
	size_t n = 0;
	s6_icmp_info ii;
	const char *why = NULL;

	ck_assert_int_eq(s6_echo6_error_build(&e, krequest, sizeof krequest, out, sizeof out, &n),
			 S6_OK);
	ck_assert_uint_eq(n, sizeof unreach_vec);
	ck_assert_mem_eq(out, unreach_vec, n);
	/* The client's classifier finds its own flow in it. */
	ck_assert_int_eq(s6_icmp_classify(out, n, &ii, &why), S6_OK);
	ck_assert_uint_eq(ii.proto, 58);
	ck_assert(ii.has_ports);
	ck_assert_uint_eq(ii.sport, 0x1234);
	ck_assert_mem_eq(ii.src, client, 16);
	ck_assert_mem_eq(ii.dst, target, 16);
	ck_assert_mem_eq(ii.reporter, router, 16);
	ck_assert_int_eq(ii.err, EHOSTUNREACH);
}
END_TEST

/* Packet too big carries the MTU; other types carry no info. */
START_TEST(test_error_info)
{
	s6_echo6_err e = unreach();
	uint8_t out[S6_ECHO6_ERROR_MAX];
	size_t n = 0;
	s6_icmp_info ii;
	const char *why = NULL;

	e.type = 2;
	e.code = 0;
	e.info = 1400;
	ck_assert_int_eq(s6_echo6_error_build(&e, krequest, sizeof krequest, out, sizeof out, &n),
			 S6_OK);
	ck_assert_int_eq(s6_icmp_classify(out, n, &ii, &why), S6_OK);
	ck_assert_uint_eq(ii.mtu, 1400);
	ck_assert_int_eq(ii.err, EMSGSIZE);
	e.type = 3;
	ck_assert_int_eq(s6_echo6_error_build(&e, krequest, sizeof krequest, out, sizeof out, &n),
			 S6_OK);
	ck_assert_uint_eq(out[44] | out[45] | out[46] | out[47], 0);
	ck_assert_int_eq(s6_icmp_classify(out, n, &ii, &why), S6_OK);
	ck_assert_uint_eq(ii.type, 3);
}
END_TEST

/* A long request is quoted as far as 1280 bytes of error allow. */
START_TEST(test_error_quote_cut)
{
	s6_echo6_err e = unreach();
	static uint8_t quote[2000], out[S6_ECHO6_ERROR_MAX + 100];
	size_t n = 0;
	s6_icmp_info ii;
	const char *why = NULL;

	memset(quote, 'q', sizeof quote);
	memcpy(quote, krequest, 8);
	ck_assert_int_eq(s6_echo6_error_build(&e, quote, sizeof quote, out, sizeof out, &n), S6_OK);
	ck_assert_uint_eq(n, S6_ECHO6_ERROR_MAX);
	ck_assert_uint_eq(out[n - 1], 'q');
	ck_assert_int_eq(s6_icmp_classify(out, n, &ii, &why), S6_OK);
	ck_assert_uint_eq(ii.sport, 0x1234);
	ck_assert_int_eq(s6_echo6_error_build(&e, quote, sizeof quote, out, S6_ECHO6_ERROR_MAX - 1,
					      &n), S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(test_error_refused)
{
	s6_echo6_err e = unreach();
	uint8_t out[S6_ECHO6_ERROR_MAX], q[sizeof krequest];
	size_t n = 0;

	for (unsigned t = 0; t < 256; t++) {
		e.type = (uint8_t)t;
		ck_assert_int_eq(s6_echo6_error_build(&e, krequest, sizeof krequest, out, sizeof out,
						      &n) == S6_OK, t >= 1 && t <= 4);
	}
	e.type = 1;
	memcpy(q, krequest, sizeof q);
	q[0] = 129;     /* never about a reply: we send none */
	ck_assert_int_eq(s6_echo6_error_build(&e, q, sizeof q, out, sizeof out, &n),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_echo6_error_build(&e, krequest, 7, out, sizeof out, &n),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_echo6_error_build(&e, krequest, sizeof krequest, out,
					      sizeof unreach_vec - 1, &n), S6_ERR_TOO_LONG);
}
END_TEST

static Suite *echo6_suite(void)
{
	Suite *s = suite_create("cip_echo6");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reply_vector);
	tcase_add_test(tc, test_reply_in_place);
	tcase_add_test(tc, test_reply_refused);
	tcase_add_test(tc, test_error_vector);
	tcase_add_test(tc, test_error_info);
	tcase_add_test(tc, test_error_quote_cut);
	tcase_add_test(tc, test_error_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(echo6_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
