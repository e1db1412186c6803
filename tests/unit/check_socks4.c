/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4/4a codec: exact byte layouts, round trips, incremental parsing. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_socks4.h"

static s6_socks4_request make_req(uint8_t cmd, uint16_t port, const uint8_t ip[4],
				  const char *user, const char *domain)
{
	s6_socks4_request r;

	memset(&r, 0, sizeof(r));
	r.command = cmd;
	r.port = port;
	memcpy(r.ip, ip, 4);
	snprintf(r.userid, sizeof(r.userid), "%s", user);
	snprintf(r.domain, sizeof(r.domain), "%s", domain);
	return r;
}

static const uint8_t ip_doc[4] = { 192, 0, 2, 1 };

/* CONNECT 192.0.2.1:80 as "bob". */
static const uint8_t wire_connect4[] = {
	0x04, 0x01, 0x00, 0x50, 0xc0, 0x00, 0x02, 0x01, 'b', 'o', 'b', 0x00,
};

/* CONNECT example.com:443 as "alice" (SOCKS4a). */
static const uint8_t wire_connect4a[] = {
	0x04, 0x01, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01,
	'a', 'l', 'i', 'c', 'e', 0x00,
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0x00,
};

/* BIND 192.0.2.1:21, empty user id. */
static const uint8_t wire_bind4[] = {
	0x04, 0x02, 0x00, 0x15, 0xc0, 0x00, 0x02, 0x01, 0x00,
};

/* BIND ftp.example:20 with empty user id (SOCKS4a). */
static const uint8_t wire_bind4a[] = {
	0x04, 0x02, 0x00, 0x14, 0x00, 0x00, 0x00, 0x01, 0x00,
	'f', 't', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00,
};

static void check_pack(const s6_socks4_request *r, const uint8_t *want, size_t wantlen)
{
	uint8_t buf[S6_SOCKS4_REQUEST_MAX];
	size_t len = 0;

	ck_assert_int_eq(s6_socks4_request_pack(r, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, wantlen);
	ck_assert_mem_eq(buf, want, wantlen);
}

START_TEST(pack_layouts)
{
	static const uint8_t junk_ip[4] = { 1, 2, 3, 4 };
	s6_socks4_request r;

	r = make_req(S6_SOCKS4_CMD_CONNECT, 80, ip_doc, "bob", "");
	check_pack(&r, wire_connect4, sizeof(wire_connect4));
	/* A domain makes it 4a: DSTIP becomes 0.0.0.1 whatever ip holds. */
	r = make_req(S6_SOCKS4_CMD_CONNECT, 443, junk_ip, "alice", "example.com");
	check_pack(&r, wire_connect4a, sizeof(wire_connect4a));
	r = make_req(S6_SOCKS4_CMD_BIND, 21, ip_doc, "", "");
	check_pack(&r, wire_bind4, sizeof(wire_bind4));
	r = make_req(S6_SOCKS4_CMD_BIND, 20, junk_ip, "", "ftp.example");
	check_pack(&r, wire_bind4a, sizeof(wire_bind4a));
}
END_TEST

static void check_parse(const uint8_t *wire, size_t len, uint8_t cmd, uint16_t port,
			const uint8_t ip[4], const char *user, const char *domain)
{
	uint8_t buf[S6_SOCKS4_REQUEST_MAX + 16];
	s6_socks4_request out;
	size_t used = 0, need = 0;

	/* Trailing application bytes must not be counted as the request. */
	memcpy(buf, wire, len);
	memcpy(buf + len, "GET / HTTP", 10);
	memset(&out, 0xa5, sizeof(out));
	ck_assert_int_eq(s6_socks4_request_parse(buf, len + 10, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(out.command, cmd);
	ck_assert_uint_eq(out.port, port);
	ck_assert_mem_eq(out.ip, ip, 4);
	ck_assert_str_eq(out.userid, user);
	ck_assert_str_eq(out.domain, domain);
}

START_TEST(parse_layouts)
{
	static const uint8_t ip4a[4] = { 0, 0, 0, 1 };

	check_parse(wire_connect4, sizeof(wire_connect4), 1, 80, ip_doc, "bob", "");
	check_parse(wire_connect4a, sizeof(wire_connect4a), 1, 443, ip4a, "alice",
		    "example.com");
	check_parse(wire_bind4, sizeof(wire_bind4), 2, 21, ip_doc, "", "");
	check_parse(wire_bind4a, sizeof(wire_bind4a), 2, 20, ip4a, "", "ftp.example");
}
END_TEST

START_TEST(round_trip)
{
	static const uint8_t ip4a[4] = { 0, 0, 0, 1 };
	static const struct { uint8_t cmd; const char *user, *dom; } cases[] = {
		{ 1, "", "" }, { 1, "u", "h" }, { 2, "someone", "" },
		{ 2, "x", "a-b_c.example.org" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s6_socks4_request in = make_req(cases[i].cmd, (uint16_t)(1000 + i),
						ip_doc, cases[i].user, cases[i].dom);
		uint8_t buf[S6_SOCKS4_REQUEST_MAX];
		size_t len = 0;

		ck_assert_int_eq(s6_socks4_request_pack(&in, buf, sizeof(buf), &len), S6_OK);
		check_parse(buf, len, in.command, in.port, in.domain[0] ? ip4a : ip_doc,
			    in.userid, in.domain);
	}
}
END_TEST

/* Every proper prefix needs more; reading exactly *need bytes each time
 * ends exactly at the request's end (never reads past it). */
static void check_prefixes(const uint8_t *wire, size_t len)
{
	s6_socks4_request out;
	size_t n, used = 0, need = 0, have = 0;
	int rounds = 0;

	for (n = 0; n < len; n++) {
		need = 0;
		ck_assert_int_eq(s6_socks4_request_parse(wire, n, &out, &used, &need),
				 S6_ERR_NEED_MORE);
		ck_assert_uint_ge(need, 1);
		ck_assert_uint_le(need, len - n);
	}
	while (s6_socks4_request_parse(wire, have, &out, &used, &need) == S6_ERR_NEED_MORE) {
		have += need;
		ck_assert_uint_le(have, len);
		ck_assert_int_lt(++rounds, 1000);
	}
	ck_assert_uint_eq(have, len);
	ck_assert_uint_eq(used, len);
}

START_TEST(request_truncation)
{
	s6_socks4_request out;
	size_t used, need = 0;

	check_prefixes(wire_connect4, sizeof(wire_connect4));
	check_prefixes(wire_connect4a, sizeof(wire_connect4a));
	check_prefixes(wire_bind4, sizeof(wire_bind4));
	check_prefixes(wire_bind4a, sizeof(wire_bind4a));

	/* Exact minimums at the interesting points. */
	ck_assert_int_eq(s6_socks4_request_parse(wire_connect4, 0, &out, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 9);
	ck_assert_int_eq(s6_socks4_request_parse(wire_connect4, 8, &out, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 1);
	/* 4a header: user NUL, one domain byte, domain NUL. */
	ck_assert_int_eq(s6_socks4_request_parse(wire_connect4a, 8, &out, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 3);
	/* After the user id's NUL: one domain byte and its NUL. */
	ck_assert_int_eq(s6_socks4_request_parse(wire_connect4a, 14, &out, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 2);
	ck_assert_int_eq(s6_socks4_request_parse(wire_connect4a, 15, &out, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 1);
}
END_TEST

/* A request whose user id is ulen bytes of 'u' and, when dlen >= 0, a
 * 4a domain of dlen bytes of 'd'. Returns the length. */
static size_t build_raw(uint8_t *buf, size_t ulen, long dlen)
{
	static const uint8_t hdr4[8] = { 4, 1, 0, 80, 10, 0, 0, 1 };
	static const uint8_t hdr4a[8] = { 4, 1, 0, 80, 0, 0, 0, 9 };
	size_t off = 8;

	memcpy(buf, dlen >= 0 ? hdr4a : hdr4, 8);
	memset(buf + off, 'u', ulen);
	off += ulen;
	buf[off++] = 0;
	if (dlen >= 0) {
		memset(buf + off, 'd', (size_t)dlen);
		off += (size_t)dlen;
		buf[off++] = 0;
	}
	return off;
}

START_TEST(request_limits)
{
	uint8_t buf[1024];
	s6_socks4_request out;
	size_t len, used = 0, need = 0;

	len = build_raw(buf, 255, -1);
	ck_assert_int_eq(s6_socks4_request_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(strlen(out.userid), 255);
	len = build_raw(buf, 256, -1);
	ck_assert_int_eq(s6_socks4_request_parse(buf, len, &out, &used, &need),
			 S6_ERR_TOO_LONG);
	/* Known too long as soon as 256 bytes without NUL are there. */
	ck_assert_int_eq(s6_socks4_request_parse(buf, 8 + 256, &out, &used, &need),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_socks4_request_parse(buf, 8 + 255, &out, &used, &need),
			 S6_ERR_NEED_MORE);

	len = build_raw(buf, 255, 255);
	ck_assert_int_eq(s6_socks4_request_parse(buf, len, &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(used, S6_SOCKS4_REQUEST_MAX);
	ck_assert_uint_eq(strlen(out.domain), 255);
	len = build_raw(buf, 3, 256);
	ck_assert_int_eq(s6_socks4_request_parse(buf, len, &out, &used, &need),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_socks4_request_parse(buf, len - 1, &out, &used, &need),
			 S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(pack_limits)
{
	s6_socks4_request r = make_req(1, 1, ip_doc, "", "");
	uint8_t buf[S6_SOCKS4_REQUEST_MAX];
	size_t len = 0, cap;

	memset(r.userid, 'u', 255);
	memset(r.domain, 'd', 255);
	ck_assert_int_eq(s6_socks4_request_pack(&r, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, S6_SOCKS4_REQUEST_MAX);
	/* No NUL anywhere in the array: over 255. */
	memset(r.userid, 'u', sizeof(r.userid));
	ck_assert_int_eq(s6_socks4_request_pack(&r, buf, sizeof(buf), &len), S6_ERR_TOO_LONG);
	r.userid[0] = '\0';
	memset(r.domain, 'd', sizeof(r.domain));
	ck_assert_int_eq(s6_socks4_request_pack(&r, buf, sizeof(buf), &len), S6_ERR_TOO_LONG);

	/* Output capacity: every cap below the length fails. */
	r = make_req(1, 80, ip_doc, "bob", "");
	for (cap = 0; cap < sizeof(wire_connect4); cap++)
		ck_assert_int_eq(s6_socks4_request_pack(&r, buf, cap, &len), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_socks4_request_pack(&r, buf, sizeof(wire_connect4), &len), S6_OK);

	r.command = 3;
	ck_assert_int_eq(s6_socks4_request_pack(&r, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
	r.command = 0;
	ck_assert_int_eq(s6_socks4_request_pack(&r, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
}
END_TEST

START_TEST(request_malformed)
{
	uint8_t buf[64];
	s6_socks4_request out;
	size_t used, need;

	memcpy(buf, wire_connect4, sizeof(wire_connect4));
	buf[0] = 5;
	ck_assert_int_eq(s6_socks4_request_parse(buf, sizeof(wire_connect4), &out, &used, &need),
			 S6_ERR_BAD_VERSION);
	ck_assert_int_eq(s6_socks4_request_parse(buf, 1, &out, &used, &need),
			 S6_ERR_BAD_VERSION);
	buf[0] = 4;
	buf[1] = 0;
	ck_assert_int_eq(s6_socks4_request_parse(buf, sizeof(wire_connect4), &out, &used, &need),
			 S6_ERR_MALFORMED);
	buf[1] = 3;
	ck_assert_int_eq(s6_socks4_request_parse(buf, 2, &out, &used, &need),
			 S6_ERR_MALFORMED);

	/* 4a with an empty domain. */
	{
		static const uint8_t empty_dom[] = { 4, 1, 0, 80, 0, 0, 0, 7, 'u', 0, 0 };
		ck_assert_int_eq(s6_socks4_request_parse(empty_dom, sizeof(empty_dom), &out,
							 &used, &need), S6_ERR_MALFORMED);
	}
}
END_TEST

START_TEST(marker_4a)
{
	static const uint8_t zero[4] = { 0, 0, 0, 0 }, one[4] = { 0, 0, 0, 1 },
		top[4] = { 0, 0, 0, 255 }, third[4] = { 0, 0, 1, 0 },
		first[4] = { 1, 0, 0, 1 };
	/* 0.0.0.0 is a plain SOCKS4 target: what follows the user id is not read. */
	static const uint8_t wire[] = { 4, 1, 0, 80, 0, 0, 0, 0, 'u', 0, 'x', 0 };
	s6_socks4_request out;
	size_t used = 0, need;

	ck_assert(!s6_socks4_ip_is_4a(zero));
	ck_assert(s6_socks4_ip_is_4a(one));
	ck_assert(s6_socks4_ip_is_4a(top));
	ck_assert(!s6_socks4_ip_is_4a(third));
	ck_assert(!s6_socks4_ip_is_4a(first));
	ck_assert_int_eq(s6_socks4_request_parse(wire, sizeof(wire), &out, &used, &need), S6_OK);
	ck_assert_uint_eq(used, 10);
	ck_assert_str_eq(out.domain, "");
	ck_assert_mem_eq(out.ip, zero, 4);
}
END_TEST

START_TEST(reply_layout)
{
	static const uint8_t want[8] = { 0x00, 0x5a, 0x1f, 0x90, 0xc6, 0x33, 0x64, 0x07 };
	s6_socks4_reply rep = { .code = 90, .port = 8080, .ip = { 198, 51, 100, 7 } }, back;
	uint8_t buf[8];
	size_t used = 0, need = 0, n;

	s6_socks4_reply_pack(&rep, buf);
	ck_assert_mem_eq(buf, want, 8);
	ck_assert_int_eq(s6_socks4_reply_parse(buf, 8, &back, &used, &need), S6_OK);
	ck_assert_uint_eq(used, 8);
	ck_assert_uint_eq(back.code, 90);
	ck_assert_uint_eq(back.port, 8080);
	ck_assert_mem_eq(back.ip, rep.ip, 4);
	for (n = 0; n < 8; n++) {
		ck_assert_int_eq(s6_socks4_reply_parse(buf, n, &back, &used, &need),
				 S6_ERR_NEED_MORE);
		ck_assert_uint_eq(need, 8 - n);
	}
}
END_TEST

START_TEST(reply_codes)
{
	uint8_t buf[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	s6_socks4_reply rep;
	size_t used, need;
	unsigned code;

	for (code = 0; code <= 255; code++) {
		s6_err want = code >= 90 && code <= 93 ? S6_OK : S6_ERR_MALFORMED;
		buf[1] = (uint8_t)code;
		ck_assert_int_eq(s6_socks4_reply_parse(buf, 8, &rep, &used, &need), want);
	}
	buf[0] = 4;
	buf[1] = 90;
	ck_assert_int_eq(s6_socks4_reply_parse(buf, 8, &rep, &used, &need), S6_ERR_BAD_VERSION);
	ck_assert_int_eq(s6_socks4_reply_parse(buf, 1, &rep, &used, &need), S6_ERR_BAD_VERSION);
}
END_TEST

START_TEST(reply_meaning)
{
	unsigned a, b;

	ck_assert_int_eq(s6_socks4_reply_err(90), S6_OK);
	ck_assert_int_eq(s6_socks4_reply_err(91), S6_ERR_REFUSED);
	ck_assert_int_eq(s6_socks4_reply_err(92), S6_ERR_NOT_ALLOWED);
	ck_assert_int_eq(s6_socks4_reply_err(93), S6_ERR_NOT_ALLOWED);
	ck_assert_int_eq(s6_socks4_reply_err(89), S6_ERR_PROXY_PROTOCOL);
	ck_assert_int_eq(s6_socks4_reply_err(94), S6_ERR_PROXY_PROTOCOL);
	ck_assert_int_eq(s6_socks4_reply_err(0), S6_ERR_PROXY_PROTOCOL);
	ck_assert_str_eq(s6_socks4_reply_str(91), "request rejected or failed");
	for (a = 90; a <= 94; a++) {
		ck_assert_ptr_nonnull(s6_socks4_reply_str((uint8_t)a));
		ck_assert_uint_gt(strlen(s6_socks4_reply_str((uint8_t)a)), 0);
		for (b = 90; b < a; b++)
			ck_assert_str_ne(s6_socks4_reply_str((uint8_t)a),
					 s6_socks4_reply_str((uint8_t)b));
	}
	ck_assert_ptr_nonnull(s6_socks4_reply_str(255));
}
END_TEST

static Suite *socks4_suite(void)
{
	Suite *s = suite_create("socks4");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, pack_layouts);
	tcase_add_test(tc, parse_layouts);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, request_truncation);
	tcase_add_test(tc, request_limits);
	tcase_add_test(tc, pack_limits);
	tcase_add_test(tc, request_malformed);
	tcase_add_test(tc, marker_4a);
	tcase_add_test(tc, reply_layout);
	tcase_add_test(tc, reply_codes);
	tcase_add_test(tc, reply_meaning);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socks4_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
