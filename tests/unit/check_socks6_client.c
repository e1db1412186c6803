/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 client machine: Requests, authentication, sessions, idempotence.
 * Expected requests are spelled out byte by byte from the draft's figures,
 * not built with the codec. Operation replies and failures of the stream
 * are in check_socks6_client_replies.c; the canned proxy in
 * check_socks6_client_util.c. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_socks6_client_util.h"

START_TEST(connect_ipv4_exact)
{
	s6_s6_client_params p = connect_v4();

	FEED(AUTH_OK OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x01\x00\x00" "\x00\x50\x00\x01" "\x7f\x00\x00\x01");
	assert_done_exact();
	ck_assert_uint_eq(res.auth_type, 0);
	ck_assert(res.has_op_reply && res.reply_code == 0);
	ck_assert_uint_eq(res.bound_addr.type, S6_SOCKS6_ATYP_IPV4);
	ck_assert_mem_eq(res.bound_addr.ip, "\x0a\x00\x00\x01", 4);
	ck_assert_uint_eq(res.bound_port, 1234);
	ck_assert(!res.has_session_id && !res.has_idem_window && !res.auth_slow_path);
}
END_TEST

START_TEST(connect_domain_exact)
{
	s6_s6_client_params p = connect_v4();

	p.addr.type = S6_SOCKS6_ATYP_DOMAIN;
	strcpy(p.addr.domain, "abc.de");
	p.addr.domain_len = 6;
	p.port = 443;
	FEED(AUTH_OK OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	/* LEN(1) + 6 bytes of name, one NUL to the 4-byte boundary */
	SENT_IS("\x06\x01\x00\x00" "\x01\xbb\x00\x03" "\x06" "abc.de" "\x00");
	assert_done_exact();
}
END_TEST

START_TEST(zero_rtt_session_window_exact)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	p.userpass_in_request = true;
	p.request_session = true;
	p.token_window = 100;
	/* Auth Data with the RFC 1929 reply, Session ID, Idempotence Window */
	FEED("\x06\x00\x00\x1c"
	     "\x00\x04\x00\x08" "\x02\x01\x00\x00"
	     "\x00\x06\x00\x08" "\xde\xad\xbe\xef"
	     "\x00\x0c\x00\x0c" "\x00\x00\x00\x0a" "\x00\x00\x00\x64");
	FEED(OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x01\x00\x24" "\x00\x50\x00\x01" "\x7f\x00\x00\x01"
		/* Auth Method Advertisement: IDL 0, method 2, one pad byte */
		"\x00\x02\x00\x08" "\x00\x00\x02\x00"
		/* Auth Data, method 2: 01 03 "bob" 02 "pw", 3 pad bytes */
		"\x00\x04\x00\x10" "\x02\x01\x03" "bob" "\x02" "pw" "\x00\x00\x00"
		"\x00\x05\x00\x04"                       /* Session Request */
		"\x00\x0b\x00\x08" "\x00\x00\x00\x64");  /* Idempotence Request 100 */
	assert_done_exact();
	ck_assert(res.has_up_status && res.up_status == 0);
	ck_assert(res.has_session_id);
	ck_assert_uint_eq(res.session_id_len, 4);
	ck_assert_mem_eq(res.session_id, "\xde\xad\xbe\xef", 4);
	ck_assert(res.has_idem_window);
	ck_assert_uint_eq(res.idem_base, 10);
	ck_assert_uint_eq(res.idem_size, 100);
	ck_assert(!res.auth_slow_path);
}
END_TEST

START_TEST(auth_failed)
{
	s6_s6_client_params p = connect_v4();

	FEED("\x06\x01\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert_int_eq(s6_err_errno(hs.err), EACCES);
	ck_assert_ptr_nonnull(strstr(hs.why, "authentication failed"));
	ck_assert_uint_eq(res.auth_type, 1);
}
END_TEST

START_TEST(auth_failed_zero_rtt_rejected)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	p.userpass_in_request = true;
	/* Selection of method 2 again, but the credentials were already sent */
	FEED("\x06\x01\x00\x10" "\x00\x03\x00\x08" "\x02\x00\x00\x00"
	     "\x00\x04\x00\x08" "\x02\x01\x01\x00");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert_ptr_nonnull(strstr(hs.why, "username/password rejected"));
	ck_assert(res.has_up_status && res.up_status == 1);
	ck_assert(!res.auth_slow_path);
	ck_assert_uint_eq(fk.sent_len, 12 + 8 + 16);    /* nothing more sent */
}
END_TEST

START_TEST(auth_no_acceptable)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	FEED("\x06\x01\x00\x08" "\x00\x03\x00\x08" "\xff\x00\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert_ptr_nonnull(strstr(hs.why, "no acceptable"));
}
END_TEST

#define SLOW_REQ "\x06\x01\x00\x08" "\x00\x50\x00\x01" "\x7f\x00\x00\x01" \
	"\x00\x02\x00\x08" "\x00\x00\x02\x00"
#define SELECT_UP "\x06\x01\x00\x08" "\x00\x03\x00\x08" "\x02\x00\x00\x00"

START_TEST(slow_path_ok)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	FEED(SELECT_UP "\x01\x00" AUTH_OK OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	/* Request with the advertisement only, then raw RFC 1929 on the stream */
	SENT_IS(SLOW_REQ "\x01\x03" "bob" "\x02" "pw");
	assert_done_exact();
	ck_assert(res.auth_slow_path);
	ck_assert(res.has_up_status && res.up_status == 0);
	ck_assert_uint_eq(res.auth_type, 0);
}
END_TEST

START_TEST(slow_path_rejected)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	FEED(SELECT_UP "\x01\x01");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert_ptr_nonnull(strstr(hs.why, "username/password rejected"));
	ck_assert(res.auth_slow_path && res.up_status == 1);
}
END_TEST

START_TEST(slow_path_second_reply_fails)
{
	s6_s6_client_params p = connect_v4();

	p.user = "bob";
	p.pass = "pw";
	/* A second reply that selects again must not restart the negotiation. */
	FEED(SELECT_UP "\x01\x00" SELECT_UP);
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert_uint_eq(fk.sent_len, 20 + 8);
}
END_TEST

START_TEST(slow_path_without_creds)
{
	s6_s6_client_params p = connect_v4();

	FEED(SELECT_UP);
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert_uint_eq(fk.sent_len, 12);
}
END_TEST

START_TEST(session_id_in_op_reply)
{
	s6_s6_client_params p = connect_v4();

	p.request_session = true;
	FEED(AUTH_OK "\x06\x00\x00\x0c" "\x04\xd2\x00\x01" "\x0a\x00\x00\x01"
	     "\x00\x06\x00\x0c" "\x01\x02\x03\x04\x05\x06\x07\x08");
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	assert_done_exact();
	ck_assert(res.has_session_id);
	ck_assert_uint_eq(res.session_id_len, 8);
	ck_assert_mem_eq(res.session_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}
END_TEST

START_TEST(session_ok_and_invalid)
{
	static const uint8_t sid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	s6_s6_client_params p = connect_v4();

	p.session_id = sid;
	p.session_id_len = sizeof(sid);
	FEED("\x06\x00\x00\x04" "\x00\x08\x00\x04" OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x01\x00\x0c" "\x00\x50\x00\x01" "\x7f\x00\x00\x01"
		"\x00\x06\x00\x0c" "\x01\x02\x03\x04\x05\x06\x07\x08");
	ck_assert(res.session_ok && !res.session_invalid);

	s6_hs_release(&hs);
	setup();
	FEED("\x06\x01\x00\x04" "\x00\x09\x00\x04");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert(res.session_invalid && !res.session_ok);
	ck_assert_ptr_nonnull(strstr(hs.why, "session invalid"));
}
END_TEST

START_TEST(idempotence_accepted_rejected)
{
	static const uint8_t sid[4] = { 9, 9, 9, 9 };
	s6_s6_client_params p = connect_v4();

	p.session_id = sid;
	p.session_id_len = sizeof(sid);
	p.spend_token = true;
	p.token = 5;
	FEED("\x06\x00\x00\x14" "\x00\x08\x00\x04" "\x00\x0e\x00\x04"
	     "\x00\x0c\x00\x0c" "\x00\x00\x00\x06" "\x00\x00\x00\x20" OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x01\x00\x10" "\x00\x50\x00\x01" "\x7f\x00\x00\x01"
		"\x00\x06\x00\x08" "\x09\x09\x09\x09"
		"\x00\x0d\x00\x08" "\x00\x00\x00\x05");   /* Expenditure, length 8 */
	ck_assert(res.idem_accepted && !res.idem_rejected);
	ck_assert(res.has_idem_window && res.idem_base == 6 && res.idem_size == 32);

	s6_hs_release(&hs);
	setup();
	FEED("\x06\x01\x00\x04" "\x00\x0f\x00\x04");
	ck_assert_int_eq(run(&p), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_NOT_ALLOWED);
	ck_assert(res.idem_rejected && !res.idem_accepted);
	ck_assert_ptr_nonnull(strstr(hs.why, "token rejected"));
}
END_TEST

START_TEST(noop)
{
	s6_s6_client_params p = connect_v4();

	p.command = S6_SOCKS6_CMD_NOOP;
	memset(p.addr.ip, 0, 4);
	p.port = 0;
	FEED(AUTH_OK "\x06\x00\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x00\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	assert_done_exact();
}
END_TEST

/* UDP ASSOCIATE: one Operation Reply (the proxy's UDP port); the
 * Association Init behind it stays in the stream for the caller. */
START_TEST(udp_associate)
{
	s6_s6_client_params p = connect_v4();

	p.command = S6_SOCKS6_CMD_UDP_ASSOCIATE;
	memset(p.addr.ip, 0, 4);
	p.port = 0;
	FEED(AUTH_OK OP_OK_V4 "\x06\x01\x00\x0c" "\x01\x02\x03\x04\x05\x06\x07\x08");
	fk.reply_end = 4 + 12;
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x03\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	assert_done_exact();
	ck_assert_uint_eq(res.bound_port, 1234);
	ck_assert_mem_eq(res.bound_addr.ip, "\x0a\x00\x00\x01", 4);
}
END_TEST

START_TEST(initial_data)
{
	s6_s6_client_params p = connect_v4();

	p.initial_data = (const uint8_t *)"GET /";
	p.initial_data_len = 5;
	FEED(AUTH_OK OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	/* Advertisement without methods: IDL 5, two pad bytes; then the data */
	SENT_IS("\x06\x01\x00\x08" "\x00\x50\x00\x01" "\x7f\x00\x00\x01"
		"\x00\x02\x00\x08" "\x00\x05\x00\x00" "GET /");
}
END_TEST

START_TEST(stack_opts_appended)
{
	static const uint8_t tos[8] = { 0x00, 0x01, 0x00, 0x08, 0x41, 0x01, 0x10, 0x00 };
	s6_s6_client_params p = connect_v4();

	p.stack_opts = tos;
	p.stack_opts_len = sizeof(tos);
	FEED(AUTH_OK OP_OK_V4);
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x01\x00\x08" "\x00\x50\x00\x01" "\x7f\x00\x00\x01"
		"\x00\x01\x00\x08" "\x41\x01\x10\x00");
}
END_TEST

/* NOOP with Session ID and Session Teardown: the goodbye of a session. */
START_TEST(session_teardown)
{
	static const uint8_t sid[4] = { 7, 7, 7, 7 };
	s6_s6_client_params p = connect_v4();

	p.command = S6_SOCKS6_CMD_NOOP;
	memset(p.addr.ip, 0, 4);
	p.port = 0;
	p.session_id = sid;
	p.session_id_len = sizeof(sid);
	p.session_teardown = true;
	FEED(AUTH_OK "\x06\x00\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x00");
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	SENT_IS("\x06\x00\x00\x0c" "\x00\x00\x00\x01" "\x00\x00\x00\x00"
		"\x00\x06\x00\x08" "\x07\x07\x07\x07"
		"\x00\x0a\x00\x04");
	assert_done_exact();
	/* A teardown needs the session it ends. */
	s6_hs_release(&hs);
	p.session_id = NULL;
	p.session_id_len = 0;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
}
END_TEST

/* The Operation Reply's Stack options are what the proxy did. */
START_TEST(stack_opts_echoed)
{
	s6_s6_client_params p = connect_v4();

	/* TFO remote leg, payload 0; TOS remote 0x10; TTL on an undefined
	 * leg/level pair is ignored. */
	FEED(AUTH_OK "\x06\x00\x00\x18" "\x04\xd2\x00\x01" "\x0a\x00\x00\x01"
	     "\x00\x01\x00\x08" "\x84\x01\x00\x00"
	     "\x00\x01\x00\x08" "\x81\x01\x10\x00"
	     "\x00\x01\x00\x08" "\x3f\x03\x40\x00");
	ck_assert_int_eq(run(&p), S6_HS_DONE);
	assert_done_exact();
	ck_assert_uint_eq(res.n_stack, 2);
	ck_assert_uint_eq(res.stack[0].level, S6_S6_LEVEL_TCP);
	ck_assert_uint_eq(res.stack[0].code, S6_S6_TCP_TFO);
	ck_assert_uint_eq(res.stack[0].leg, S6_S6_LEG_PROXY_REMOTE);
	ck_assert_uint_eq(res.stack[1].code, S6_S6_IP_TOS);
	ck_assert_uint_eq(res.stack[1].value, 0x10);
}
END_TEST

START_TEST(bad_params)
{
	static const uint8_t sid[4] = { 1, 2, 3, 4 };
	s6_s6_client_params p = connect_v4();

	ck_assert_int_eq(s6_socks6_client_start(&hs, NULL), S6_ERR_INVALID_ARG);
	p.out = NULL;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
	p = connect_v4();
	p.user = "u";
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
	p = connect_v4();
	p.userpass_in_request = true;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
	p = connect_v4();
	p.user = "";
	p.pass = "x";
	p.userpass_in_request = true;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
	s6_hs_init(&hs, NULL);
	p = connect_v4();
	p.request_session = true;
	p.session_id = sid;
	p.session_id_len = 4;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
	p = connect_v4();
	p.token_window = 0x80000000u;
	ck_assert_int_ne(s6_socks6_client_start(&hs, &p), S6_OK);
	p = connect_v4();
	p.command = 0x04;
	ck_assert_int_eq(s6_socks6_client_start(&hs, &p), S6_ERR_INVALID_ARG);
	p = connect_v4();
	p.stack_opts = sid;
	p.stack_opts_len = 3;
	ck_assert_int_ne(s6_socks6_client_start(&hs, &p), S6_OK);
}
END_TEST

static Suite *socks6_client_suite(void)
{
	Suite *s = suite_create("socks6_client");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, connect_ipv4_exact);
	tcase_add_test(tc, connect_domain_exact);
	tcase_add_test(tc, zero_rtt_session_window_exact);
	tcase_add_test(tc, auth_failed);
	tcase_add_test(tc, auth_failed_zero_rtt_rejected);
	tcase_add_test(tc, auth_no_acceptable);
	tcase_add_test(tc, slow_path_ok);
	tcase_add_test(tc, slow_path_rejected);
	tcase_add_test(tc, slow_path_second_reply_fails);
	tcase_add_test(tc, slow_path_without_creds);
	tcase_add_test(tc, session_id_in_op_reply);
	tcase_add_test(tc, session_ok_and_invalid);
	tcase_add_test(tc, session_teardown);
	tcase_add_test(tc, stack_opts_echoed);
	tcase_add_test(tc, idempotence_accepted_rejected);
	tcase_add_test(tc, noop);
	tcase_add_test(tc, udp_associate);
	tcase_add_test(tc, initial_data);
	tcase_add_test(tc, stack_opts_appended);
	tcase_add_test(tc, bad_params);
	s6cli_add_reply_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socks6_client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
