/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP Fast Open toward the proxy: the replay rule (s6_tfo.h), the keys
 * tfo-proxy and socks6-optimistic, and s6_hs_send_upto(), which puts only
 * the Request into a SYN that must not carry application bytes. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "s6_config.h"
#include "s6_handshake.h"
#include "s6_tfo.h"

START_TEST(test_replay_rule)
{
	/* A SYN with the Request alone is always fine, except with `never`. */
	ck_assert(s6_tfo_proxy_enabled(S6_TFO_PROXY_AUTO));
	ck_assert(s6_tfo_proxy_enabled(S6_TFO_PROXY_ALWAYS));
	ck_assert(!s6_tfo_proxy_enabled(S6_TFO_PROXY_NEVER));
	/* Application bytes in the SYN: auto needs a token, always does not. */
	ck_assert(!s6_tfo_syn_may_carry_data(S6_TFO_PROXY_AUTO, false));
	ck_assert(s6_tfo_syn_may_carry_data(S6_TFO_PROXY_AUTO, true));
	ck_assert(s6_tfo_syn_may_carry_data(S6_TFO_PROXY_ALWAYS, false));
	ck_assert(!s6_tfo_syn_may_carry_data(S6_TFO_PROXY_NEVER, true));
}
END_TEST

START_TEST(test_token_rule)
{
	/* replayable: only initial data that rides in a TFO SYN. */
	ck_assert(s6_tfo_wants_token(S6_SPEND_REPLAYABLE, true, 1));
	ck_assert(!s6_tfo_wants_token(S6_SPEND_REPLAYABLE, true, 0));
	ck_assert(!s6_tfo_wants_token(S6_SPEND_REPLAYABLE, false, 100));
	ck_assert(s6_tfo_wants_token(S6_SPEND_ALWAYS, false, 0));
	ck_assert(!s6_tfo_wants_token(S6_SPEND_NEVER, true, 100));
}
END_TEST

static s6_err parse(s6_config *cfg, const char *text, char *err, size_t errlen)
{
	s6_config_defaults(cfg);
	return s6_config_parse(cfg, text, strlen(text), "t.conf", err, errlen);
}

START_TEST(test_keys)
{
	s6_config cfg;
	char err[512];

	s6_config_defaults(&cfg);
	ck_assert_int_eq(cfg.s6.tfo_proxy, S6_TFO_PROXY_AUTO);
	ck_assert(cfg.s6.optimistic);
	ck_assert_int_eq(parse(&cfg, "tfo-proxy always\nsocks6-optimistic no\n", err, sizeof err),
			 S6_OK);
	ck_assert_int_eq(cfg.s6.tfo_proxy, S6_TFO_PROXY_ALWAYS);
	ck_assert(!cfg.s6.optimistic);
	ck_assert_int_eq(parse(&cfg, "tfo-proxy never\nsocks6-optimistic yes\n", err, sizeof err),
			 S6_OK);
	ck_assert_int_eq(cfg.s6.tfo_proxy, S6_TFO_PROXY_NEVER);
	ck_assert(cfg.s6.optimistic);
	ck_assert_int_eq(parse(&cfg, "tfo-proxy auto\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.s6.tfo_proxy, S6_TFO_PROXY_AUTO);
	ck_assert_int_eq(parse(&cfg, "tfo-proxy sometimes\n", err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "t.conf:1: bad tfo-proxy 'sometimes': expected auto, always or never");
	ck_assert_int_eq(parse(&cfg, "\nsocks6-optimistic 1\n", err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "t.conf:2: bad socks6-optimistic '1': expected yes or no");
}
END_TEST

/* A socket that takes at most `room` bytes, then answers EAGAIN or fails. */
static struct {
	size_t room, sent, calls, recvs;
	int fail_errno;
	size_t sizes[8];
} fs;

static ssize_t fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd, (void)buf;
	ck_assert(flags & MSG_DONTWAIT);
	if (fs.fail_errno) {
		errno = fs.fail_errno;
		return -1;
	}
	if (fs.room == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (len > fs.room)
		len = fs.room;
	fs.room -= len;
	fs.sent += len;
	if (fs.calls < 8)
		fs.sizes[fs.calls] = len;
	fs.calls++;
	return (ssize_t)len;
}

static ssize_t fake_recv(int fd, void *buf, size_t len, int flags)
{
	(void)fd, (void)buf, (void)len, (void)flags;
	fs.recvs++;
	errno = EAGAIN;
	return -1;
}

static int fake_poll(struct pollfd *p, nfds_t n, int ms)
{
	(void)p, (void)n, (void)ms;
	return 0;
}

static const s6_io fake_io = {fake_send, fake_recv, fake_poll};

static s6_err no_input(s6_hs *hs)
{
	(void)hs;
	return S6_OK;
}

static const s6_hs_proto dummy = {"dummy", no_input};

static void queue(s6_hs *hs, size_t request, size_t data)
{
	uint8_t buf[1000];

	memset(buf, 'r', sizeof buf);
	s6_hs_init(hs, &dummy);
	ck_assert_int_eq(s6_hs_queue(hs, buf, request), S6_OK);
	memset(buf, 'd', sizeof buf);
	ck_assert_int_eq(s6_hs_queue(hs, buf, data), S6_OK);
	ck_assert_int_eq(s6_hs_expect(hs, 4), S6_OK);
	memset(&fs, 0, sizeof fs);
}

START_TEST(test_send_upto)
{
	s6_hs hs;

	/* The request alone leaves; the data stays queued behind it. */
	queue(&hs, 40, 700);
	fs.room = 10000;
	ck_assert_int_eq(s6_hs_send_upto(&hs, 3, &fake_io, 40), S6_HS_WANT_WRITE);
	ck_assert_uint_eq(fs.sent, 40);
	ck_assert_uint_eq(fs.calls, 1);
	ck_assert_uint_eq(hs.out_len - hs.out_off, 700);
	ck_assert_uint_eq(fs.recvs, 0); /* it never reads */
	/* The rest goes with the ordinary step (which then wants to read). */
	ck_assert_int_eq(s6_hs_step(&hs, 3, &fake_io), S6_HS_WANT_READ);
	ck_assert_uint_eq(fs.sent, 740);
	ck_assert_uint_eq(hs.out_len, 0);
	ck_assert_uint_eq(fs.recvs, 1);
	s6_hs_release(&hs);

	/* Partial sends are continued up to the limit, never beyond. */
	queue(&hs, 40, 700);
	fs.room = 25;
	ck_assert_int_eq(s6_hs_send_upto(&hs, 3, &fake_io, 40), S6_HS_WANT_WRITE);
	ck_assert_uint_eq(fs.sent, 25);
	fs.room = 10000;
	ck_assert_int_eq(s6_hs_send_upto(&hs, 3, &fake_io, 15), S6_HS_WANT_WRITE);
	ck_assert_uint_eq(fs.sent, 40);
	ck_assert_uint_eq(fs.sizes[1], 15);
	/* A limit beyond what is queued empties the queue. */
	ck_assert_int_eq(s6_hs_send_upto(&hs, 3, &fake_io, 100000), S6_HS_WANT_READ);
	ck_assert_uint_eq(fs.sent, 740);
	ck_assert_uint_eq(hs.out_len, 0);
	ck_assert_uint_eq(fs.recvs, 0);
	s6_hs_release(&hs);
}
END_TEST

START_TEST(test_send_upto_errors)
{
	s6_hs hs;

	queue(&hs, 40, 10);
	fs.fail_errno = ECONNREFUSED;
	ck_assert_int_eq(s6_hs_send_upto(&hs, 3, &fake_io, 40), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_IO);
	ck_assert_int_eq(hs.sys_errno, ECONNREFUSED);
	s6_hs_release(&hs);

	/* A limit of 0 sends nothing. */
	queue(&hs, 40, 10);
	fs.room = 100;
	ck_assert_int_eq(s6_hs_send_upto(&hs, 3, &fake_io, 0), S6_HS_WANT_WRITE);
	ck_assert_uint_eq(fs.calls, 0);
	s6_hs_release(&hs);
}
END_TEST

static Suite *tfo_suite(void)
{
	Suite *s = suite_create("tfo");
	TCase *tc = tcase_create("tfo");

	tcase_add_test(tc, test_replay_rule);
	tcase_add_test(tc, test_token_rule);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_send_upto);
	tcase_add_test(tc, test_send_upto_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tfo_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
