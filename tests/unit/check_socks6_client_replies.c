/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 client machine: Operation Replies (codes, BIND, NOOP), replies
 * split byte by byte, the largest options, garbage, early close and the
 * Version Mismatch Reply, and that nothing after the last reply is read. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_socks6_client_util.h"
#include "s6_socks6_msg.h"

#define SELECT_UP "\x06\x01\x00\x08" "\x00\x03\x00\x08" "\x02\x00\x00\x00"

START_TEST(op_reply_codes)
{
	static const int want[10] = { 0, ECONNREFUSED, EACCES, ENETUNREACH, EHOSTUNREACH,
				      ECONNREFUSED, EHOSTUNREACH, EOPNOTSUPP, EAFNOSUPPORT,
				      ETIMEDOUT };
	s6_s6_client_params p = connect_v4();
	uint8_t op[12] = { 6, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
	char prefix[32];

	op[1] = (uint8_t)_i;
	FEED(AUTH_OK);
	feed(op, sizeof(op));
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, s6_s6_reply_err((uint8_t)_i));
	ck_assert_int_eq(s6_err_errno(hs.err), want[_i]);
	snprintf(prefix, sizeof(prefix), "socks6: reply %d: ", _i);
	ck_assert_ptr_eq(strstr(hs.why, prefix), hs.why);
	ck_assert_str_eq(hs.why + strlen(prefix), s6_s6_reply_str((uint8_t)_i));
	ck_assert(res.has_op_reply && res.reply_code == _i);
}
END_TEST

START_TEST(split_one_byte_per_recv)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	p.request_session = true;
	fk.chunk = 1;
	FEED(SELECT_UP "\x01\x00" "\x06\x00\x00\x08" "\x00\x06\x00\x08" "abcd");
	/* domain bind address "x.y" (1 + 3: no padding), then app data */
	FEED("\x06\x00\x00\x00" "\x00\x01\x00\x03" "\x03" "x.y");
	fk.reply_end = fk.in_len;
	FEED("DATA");
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	assert_done_exact();
	ck_assert_str_eq(res.bound_addr.domain, "x.y");
	ck_assert_mem_eq(res.session_id, "abcd", 4);
}
END_TEST

START_TEST(version_mismatch)
{
	s6_s6_client_params p = connect_v4();

	FEED("\x06");
	fk.eof = true;
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_CLOSED);
	ck_assert_int_eq(s6_socks6_client_classify_eof(&hs), S6_ERR_BAD_VERSION);
	ck_assert_int_eq(hs.err, S6_ERR_BAD_VERSION);
	ck_assert_str_eq(hs.why, "proxy does not speak SOCKS6 (version mismatch reply)");

	/* A proxy of version 7 sends its own one-byte reply. */
	s6_hs_release(&hs);
	setup();
	FEED("\x07");
	fk.eof = true;
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(s6_socks6_client_classify_eof(&hs), S6_ERR_BAD_VERSION);
	ck_assert_str_eq(hs.why, "proxy does not speak SOCKS6 (version mismatch reply: version 7)");
}
END_TEST

START_TEST(eof_classify_other)
{
	s6_s6_client_params p = connect_v4();

	/* A SOCKS5 proxy's "no acceptable methods", then close */
	FEED("\x05\xff");
	fk.eof = true;
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(s6_socks6_client_classify_eof(&hs), S6_ERR_PROXY_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(hs.why, "not a SOCKS6 proxy"));

	/* Truncated SOCKS6 auth reply: stays a plain close */
	s6_hs_release(&hs);
	setup();
	FEED("\x06\x00");
	fk.eof = true;
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(s6_socks6_client_classify_eof(&hs), S6_ERR_PROXY_CLOSED);

	/* A close after the auth reply is never a version mismatch */
	s6_hs_release(&hs);
	setup();
	FEED(AUTH_OK "\x06");
	fk.eof = true;
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(s6_socks6_client_classify_eof(&hs), S6_ERR_PROXY_CLOSED);
}
END_TEST

START_TEST(garbage_replies)
{
	s6_s6_client_params p = connect_v4();

	FEED("HTTP/1.1 400 Bad Request\r\n");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_PROTOCOL);
	ck_assert_str_eq(hs.why, "socks6: invalid authentication reply (version is not 6): "
				 "48 54 54 50");
	ck_assert_uint_eq(fk.pos, 4);

	/* Type 7 */
	s6_hs_release(&hs);
	setup();
	FEED("\x06\x07\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(hs.why, "authentication reply"));

	/* Options whose framing is broken (option length 2) */
	s6_hs_release(&hs);
	setup();
	FEED("\x06\x00\x00\x04" "\x00\x05\x00\x02");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(hs.why, "bad reply options"));

	/* Operation reply with code 10 */
	s6_hs_release(&hs);
	setup();
	FEED(AUTH_OK "\x06\x0a\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(hs.why, "operation reply"));
}
END_TEST

/* One unknown option (kind 0x7000) filling the 16384-byte limit. */
static void feed_big_opts(void)
{
	uint8_t opt[S6_SOCKS6_OPTIONS_MAX];

	memset(opt, 0xab, sizeof(opt));
	memcpy(opt, "\x70\x00\x40\x00", 4);
	feed(opt, sizeof(opt));
}

START_TEST(options_16k)
{
	s6_s6_client_params p = connect_v4();

	FEED("\x06\x00\x40\x00");
	feed_big_opts();
	FEED("\x06\x00\x40\x00" "\x04\xd2\x00\x01" "\x0a\x00\x00\x01");
	feed_big_opts();
	fk.reply_end = fk.in_len;
	FEED("after");
	fk.chunk = 1000;
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	assert_done_exact();
	ck_assert_uint_eq(res.bound_port, 1234);
}
END_TEST

START_TEST(options_too_long)
{
	s6_s6_client_params p = connect_v4();

	FEED("\x06\x00\x40\x04");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_PROTOCOL);
	ck_assert_uint_eq(fk.pos, 4);
}
END_TEST

START_TEST(trailing_data_untouched)
{
	s6_s6_client_params p = connect_v4();

	FEED(AUTH_OK OP_OK_V4);
	fk.reply_end = fk.in_len;
	FEED("HELLO");
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	assert_done_exact();
	ck_assert_mem_eq(fk.in + fk.pos, "HELLO", 5);
}
END_TEST

START_TEST(bind_two_replies)
{
	s6_s6_client_params p = connect_v4();
	s6_hs_status st;
	int i;

	p.command = S6_SOCKS6_CMD_BIND;
	memset(p.addr.ip, 0, 4);
	p.port = 0;
	FEED(AUTH_OK OP_OK_V4);
	fk.pause_at = fk.in_len;
	FEED("\x06\x00\x00\x00" "\x88\x88\x00\x04"
	     "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05");
	fk.reply_end = fk.in_len;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_OK);
	ck_assert(!s6_socks6_client_bind_ready(&hs));
	st = s6_hs_step(&hs, 3, &fake_io);
	ck_assert_int_eq(st, S6_HS_WANT_READ);
	ck_assert(s6_socks6_client_bind_ready(&hs));
	ck_assert_uint_eq(res.bound_port, 1234);
	ck_assert(!res.has_peer);
	for (i = 0; i < 10 && (st = s6_hs_step(&hs, 3, &fake_io)) == S6_HS_WANT_READ; i++)
		;
	ck_assert_int_eq(st, S6_HS_DONE);
	ck_assert(!s6_socks6_client_bind_ready(&hs));
	assert_done_exact();
	SENT_IS("\x06\x02\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	ck_assert(res.has_peer);
	ck_assert_uint_eq(res.peer_port, 0x8888);
	ck_assert_uint_eq(res.peer_addr.type, S6_SOCKS6_ATYP_IPV6);
	ck_assert_uint_eq(res.peer_addr.ip[15], 5);
	ck_assert_mem_eq(res.bound_addr.ip, "\x0a\x00\x00\x01", 4);
}
END_TEST

START_TEST(bind_second_reply_fails)
{
	s6_s6_client_params p = connect_v4();

	p.command = S6_SOCKS6_CMD_BIND;
	FEED(AUTH_OK OP_OK_V4 "\x06\x05\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_REFUSED);
	ck_assert_str_eq(hs.why, "socks6: second reply 5: connection refused");
}
END_TEST

void s6cli_add_reply_tests(TCase *tc)
{
	tcase_add_loop_test(tc, op_reply_codes, 1, 10);
	tcase_add_test(tc, split_one_byte_per_recv);
	tcase_add_test(tc, version_mismatch);
	tcase_add_test(tc, eof_classify_other);
	tcase_add_test(tc, garbage_replies);
	tcase_add_test(tc, options_16k);
	tcase_add_test(tc, options_too_long);
	tcase_add_test(tc, trailing_data_untouched);
	tcase_add_test(tc, bind_two_replies);
	tcase_add_test(tc, bind_second_reply_fails);
}
