/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handshake driver + SOCKS4a client machine, run against canned I/O: the
 * send/recv/poll table is swapped for fakes that serve a script of reply
 * chunks, EAGAINs, EINTRs, EOF and errors, and record what was sent. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "s6_handshake.h"
#include "s6_socks4_client.h"

enum ev_kind { EV_DATA, EV_EAGAIN, EV_EINTR, EV_EOF, EV_ERROR };

typedef struct ev {
	enum ev_kind kind;
	const char *data;      /* EV_DATA: bytes (may hold NULs) */
	size_t len;
	int err;               /* EV_ERROR: errno */
} ev;

#define DATA(s) { EV_DATA, s, sizeof(s) - 1, 0 }
#define AGAIN { EV_EAGAIN, NULL, 0, 0 }
#define INTR { EV_EINTR, NULL, 0, 0 }
#define END { EV_EOF, NULL, 0, 0 }
#define FAIL(e) { EV_ERROR, NULL, 0, e }

static struct {
	const ev *script;
	size_t nev, pos, off;      /* current event, bytes of it consumed */
	size_t consumed;           /* reply bytes handed out in all */
	size_t reply_end;          /* where the proxy's replies end in the stream */
	size_t max_overask;        /* recv asks beyond reply_end (must stay 0) */
	uint8_t sent[2048];
	size_t sent_len;
	size_t send_chunk;         /* 0: take everything */
	bool send_blocks;          /* alternate EAGAIN with partial sends */
	int send_calls;
	int send_errno;            /* non-zero: every send fails with it */
	bool poll_never_ready;
	int polls;
} fk;

static void fake_reset(const ev *script, size_t nev, size_t reply_end)
{
	memset(&fk, 0, sizeof(fk));
	fk.script = script;
	fk.nev = nev;
	fk.reply_end = reply_end;
}

static ssize_t fake_send(int fd, const void *buf, size_t len, int flags)
{
	size_t n = len;

	ck_assert(flags & MSG_DONTWAIT);
	if (fk.send_errno) {
		errno = fk.send_errno;
		return -1;
	}
	if (fk.send_blocks && fk.send_calls++ % 2 == 1) {
		errno = EAGAIN;
		return -1;
	}
	if (fk.send_chunk && n > fk.send_chunk)
		n = fk.send_chunk;
	ck_assert_uint_le(fk.sent_len + n, sizeof(fk.sent));
	memcpy(fk.sent + fk.sent_len, buf, n);
	fk.sent_len += n;
	return (ssize_t)n;
}

static ssize_t fake_recv(int fd, void *buf, size_t len, int flags)
{
	const ev *e;
	size_t n;

	ck_assert(flags & MSG_DONTWAIT);
	if (fk.consumed + len > fk.reply_end && fk.consumed + len - fk.reply_end > fk.max_overask)
		fk.max_overask = fk.consumed + len - fk.reply_end;
	if (fk.pos >= fk.nev) {
		errno = EAGAIN;
		return -1;
	}
	e = &fk.script[fk.pos];
	switch (e->kind) {
	case EV_DATA:
		n = e->len - fk.off < len ? e->len - fk.off : len;
		memcpy(buf, e->data + fk.off, n);
		fk.off += n;
		fk.consumed += n;
		if (fk.off == e->len) {
			fk.pos++;
			fk.off = 0;
		}
		return (ssize_t)n;
	case EV_EOF:
		return 0;      /* stays at EOF */
	case EV_ERROR:
		errno = e->err;
		return -1;
	default:
		errno = e->kind == EV_EAGAIN ? EAGAIN : EINTR;
		fk.pos++;
		return -1;
	}
}

static int fake_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	fk.polls++;
	ck_assert_uint_eq(n, 1);
	ck_assert(fds[0].events != 0);
	if (fk.poll_never_ready) {
		/* Sleep a little (not the whole timeout) so the loop is not hot. */
		nanosleep(&ts, NULL);
		return 0;
	}
	fds[0].revents = fds[0].events;
	return 1;
}

static const s6_io fake_io = { fake_send, fake_recv, fake_poll };

/* Bytes not consumed from the script: what the program would still read. */
static size_t left_in_script(char *out, size_t cap)
{
	size_t n = 0, i, off = fk.off;

	for (i = fk.pos; i < fk.nev; i++, off = 0) {
		if (fk.script[i].kind != EV_DATA)
			continue;
		ck_assert_uint_le(n + fk.script[i].len - off, cap);
		memcpy(out + n, fk.script[i].data + off, fk.script[i].len - off);
		n += fk.script[i].len - off;
	}
	return n;
}

static s6_socks4_request req_4a(uint8_t cmd)
{
	s6_socks4_request r;

	memset(&r, 0, sizeof(r));
	r.command = cmd;
	r.port = 443;
	snprintf(r.userid, sizeof(r.userid), "u");
	snprintf(r.domain, sizeof(r.domain), "example.com");
	return r;
}

static const uint8_t wire_4a[] = {
	0x04, 0x01, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 'u', 0x00,
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0x00,
};

/* Step until finished; returns the final status. Bounded. */
static s6_hs_status step_all(s6_hs *hs, int *rounds)
{
	s6_hs_status st;
	int i = 0;

	do {
		st = s6_hs_step(hs, 7, &fake_io);
		ck_assert_int_lt(++i, 100);
	} while (st == S6_HS_WANT_READ || st == S6_HS_WANT_WRITE);
	if (rounds)
		*rounds = i;
	return st;
}

static void start_connect(s6_hs *hs, const ev *script, size_t nev, size_t reply_end)
{
	s6_socks4_request r = req_4a(S6_SOCKS4_CMD_CONNECT);

	fake_reset(script, nev, reply_end);
	memset(hs, 0x5a, sizeof(*hs));   /* start must not depend on prior contents */
	ck_assert_int_eq(s6_socks4_client_start(hs, &r), S6_OK);
	ck_assert_int_eq(hs->err, S6_OK);
	ck_assert(!hs->done);
	ck_assert_uint_eq(hs->in_want, 8);
	ck_assert_int_eq(s6_hs_events(hs), POLLOUT);
}

#define NEV(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(connect_granted_split)
{
	/* The reply in three pieces with EAGAIN and EINTR between them; the last
	 * piece carries the first application bytes. */
	static const ev script[] = {
		DATA("\x00\x5a"), AGAIN, DATA("\x01\x02\x03\x04"), INTR, AGAIN,
		DATA("\x05\x06" "HELLO"),
	};
	s6_hs hs;
	char rest[64];
	int rounds = 0;

	start_connect(&hs, script, NEV(script), 8);
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_WANT_READ);
	ck_assert_uint_eq(fk.sent_len, sizeof(wire_4a));
	ck_assert_mem_eq(fk.sent, wire_4a, sizeof(wire_4a));
	ck_assert_uint_eq(hs.in_len, 2);
	ck_assert_int_eq(s6_hs_events(&hs), POLLIN);
	ck_assert_int_eq(step_all(&hs, &rounds), S6_HS_DONE);
	ck_assert_int_eq(rounds, 2);
	ck_assert_int_eq(hs.err, S6_OK);
	ck_assert_uint_eq(hs.u.s4.code, 90);
	ck_assert_int_eq(s6_hs_events(&hs), 0);
	/* Nothing past the reply was asked for or taken. */
	ck_assert_uint_eq(fk.max_overask, 0);
	ck_assert_uint_eq(left_in_script(rest, sizeof(rest)), 5);
	ck_assert_mem_eq(rest, "HELLO", 5);
	ck_assert_uint_eq(fk.sent_len, sizeof(wire_4a));   /* sent once */
}
END_TEST

START_TEST(connect_partial_sends)
{
	static const ev script[] = { DATA("\x00\x5a\x00\x00\x00\x00\x00\x00") };
	s6_hs hs;

	start_connect(&hs, script, NEV(script), 8);
	fk.send_chunk = 3;
	fk.send_blocks = true;
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_WANT_WRITE);
	ck_assert_int_eq(s6_hs_events(&hs), POLLOUT);
	ck_assert_uint_eq(fk.sent_len, 3);
	ck_assert_int_eq(step_all(&hs, NULL), S6_HS_DONE);
	ck_assert_uint_eq(fk.sent_len, sizeof(wire_4a));
	ck_assert_mem_eq(fk.sent, wire_4a, sizeof(wire_4a));
}
END_TEST

static void expect_failure(const ev *script, size_t nev, s6_err err, const char *why)
{
	s6_hs hs;

	start_connect(&hs, script, nev, 8);
	ck_assert_int_eq(step_all(&hs, NULL), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, err);
	ck_assert(hs.done);
	ck_assert_uint_gt(strlen(hs.why), 0);
	if (why)
		ck_assert_ptr_nonnull(strstr(hs.why, why));
	ck_assert_int_eq(s6_hs_events(&hs), 0);
	ck_assert_uint_eq(fk.max_overask, 0);
}

START_TEST(connect_rejected)
{
	static const ev r91[] = { DATA("\x00\x5b\x00\x00\x00\x00\x00\x00") };
	static const ev r92[] = { DATA("\x00\x5c"), AGAIN, DATA("\x00\x00\x00\x00\x00\x00") };
	static const ev r93[] = { DATA("\x00\x5d\x00\x00\x00\x00\x00\x00"), END };

	expect_failure(r91, NEV(r91), S6_ERR_REFUSED, "reply 91: request rejected or failed");
	expect_failure(r92, NEV(r92), S6_ERR_NOT_ALLOWED, "reply 92");
	expect_failure(r93, NEV(r93), S6_ERR_NOT_ALLOWED, "reply 93");
}
END_TEST

START_TEST(connect_eof_and_errors)
{
	static const ev eof_mid[] = { DATA("\x00\x5a\x00"), AGAIN, END };
	static const ev eof_first[] = { END };
	static const ev reset[] = { DATA("\x00"), FAIL(ECONNRESET) };
	static const ev broken[] = { FAIL(EBADF) };
	s6_hs hs;

	expect_failure(eof_mid, NEV(eof_mid), S6_ERR_PROXY_CLOSED, NULL);
	expect_failure(eof_first, NEV(eof_first), S6_ERR_PROXY_CLOSED, NULL);
	expect_failure(reset, NEV(reset), S6_ERR_PROXY_CLOSED, NULL);
	expect_failure(broken, NEV(broken), S6_ERR_IO, NULL);

	/* A failing send is an I/O error with the errno kept. */
	start_connect(&hs, eof_first, NEV(eof_first), 8);
	fk.send_errno = EPIPE;
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_IO);
	ck_assert_int_eq(hs.sys_errno, EPIPE);
}
END_TEST

START_TEST(connect_not_socks4)
{
	/* An HTTP proxy answering, a SOCKS5 proxy, a reply code out of range. */
	static const ev http[] = { DATA("HTTP/1.1 400 Bad") };
	static const ev socks5[] = { DATA("\x05\xff\x00\x00\x00\x00\x00\x00") };
	static const ev code[] = { DATA("\x00\x5e\x00\x00\x00\x00\x00\x00") };

	expect_failure(http, NEV(http), S6_ERR_PROXY_PROTOCOL, "48 54 54 50");
	expect_failure(socks5, NEV(socks5), S6_ERR_PROXY_PROTOCOL, "version");
	expect_failure(code, NEV(code), S6_ERR_PROXY_PROTOCOL, "reply code");
}
END_TEST

static void start_bind(s6_hs *hs, const ev *script, size_t nev)
{
	s6_socks4_request r = req_4a(S6_SOCKS4_CMD_BIND);

	fake_reset(script, nev, 16);
	ck_assert_int_eq(s6_socks4_client_start(hs, &r), S6_OK);
	ck_assert(!s6_socks4_client_bind_ready(hs));
}

START_TEST(bind_two_replies)
{
	static const ev script[] = {
		DATA("\x00\x5a\x04\x38\xc0\x00\x02\x63"), AGAIN,
		DATA("\x00\x5a\x00\x14"), AGAIN, DATA("\xc6\x33\x64\x07" "DATA"),
	};
	s6_hs hs;
	char rest[16];

	start_bind(&hs, script, NEV(script));
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_WANT_READ);
	ck_assert_uint_eq(fk.sent[1], 2);
	ck_assert(s6_socks4_client_bind_ready(&hs));
	ck_assert_uint_eq(hs.u.s4.bound_port, 1080);
	ck_assert_uint_eq(hs.u.s4.bound_ip[0], 192);
	ck_assert_uint_eq(hs.u.s4.bound_ip[3], 99);
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_WANT_READ);
	ck_assert(s6_socks4_client_bind_ready(&hs));
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_DONE);
	ck_assert(!s6_socks4_client_bind_ready(&hs));
	/* The second reply's address does not overwrite the bound one. */
	ck_assert_uint_eq(hs.u.s4.bound_port, 1080);
	ck_assert_uint_eq(hs.u.s4.bound_ip[0], 192);
	ck_assert_uint_eq(fk.max_overask, 0);
	ck_assert_uint_eq(left_in_script(rest, sizeof(rest)), 4);
	ck_assert_mem_eq(rest, "DATA", 4);
}
END_TEST

START_TEST(bind_any_address_and_failures)
{
	static const ev any[] = { DATA("\x00\x5a\x10\x00\x00\x00\x00\x00") };
	static const ev second_no[] = {
		DATA("\x00\x5a\x10\x00\x0a\x00\x00\x01" "\x00\x5b\x00\x00\x00\x00\x00\x00"),
	};
	static const ev first_no[] = { DATA("\x00\x5b\x00\x00\x00\x00\x00\x00") };
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	s6_hs hs;

	/* 0.0.0.0 is kept as is: the caller puts the proxy's address there. */
	start_bind(&hs, any, NEV(any));
	ck_assert_int_eq(s6_hs_step(&hs, 7, &fake_io), S6_HS_WANT_READ);
	ck_assert(s6_socks4_client_bind_ready(&hs));
	ck_assert_mem_eq(hs.u.s4.bound_ip, zero, 4);
	ck_assert_uint_eq(hs.u.s4.bound_port, 4096);

	start_bind(&hs, second_no, NEV(second_no));
	ck_assert_int_eq(step_all(&hs, NULL), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_REFUSED);
	ck_assert_ptr_nonnull(strstr(hs.why, "second reply 91"));
	ck_assert(!s6_socks4_client_bind_ready(&hs));

	start_bind(&hs, first_no, NEV(first_no));
	ck_assert_int_eq(step_all(&hs, NULL), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_REFUSED);
	ck_assert(!s6_socks4_client_bind_ready(&hs));
}
END_TEST

START_TEST(run_until_done)
{
	static const ev script[] = {
		AGAIN, DATA("\x00\x5a"), AGAIN, AGAIN, DATA("\x00\x00\x00\x00\x00\x00"),
	};
	s6_hs hs;

	start_connect(&hs, script, NEV(script), 8);
	ck_assert_int_eq(s6_hs_run(&hs, 7, &fake_io, 5000), S6_HS_DONE);
	ck_assert_int_eq(hs.err, S6_OK);
	ck_assert_int_ge(fk.polls, 3);
	ck_assert_mem_eq(fk.sent, wire_4a, sizeof(wire_4a));
}
END_TEST

START_TEST(run_timeout)
{
	/* Half a reply, then silence: poll never reports readiness. */
	static const ev script[] = { DATA("\x00\x5a\x00") };
	s6_hs hs;
	int64_t t0 = s6_now_ms();

	start_connect(&hs, script, NEV(script), 8);
	fk.poll_never_ready = true;
	ck_assert_int_eq(s6_hs_run(&hs, 7, &fake_io, 50), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_PROXY_TIMEOUT);
	ck_assert_uint_gt(strlen(hs.why), 0);
	ck_assert_int_ge(fk.polls, 1);
	ck_assert_uint_eq(fk.sent_len, sizeof(wire_4a));
	ck_assert_int_lt(s6_now_ms() - t0, 10000);
}
END_TEST

START_TEST(start_rejects_bad_requests)
{
	s6_socks4_request r = req_4a(S6_SOCKS4_CMD_CONNECT);
	s6_hs hs;

	r.command = 3;
	ck_assert_int_eq(s6_socks4_client_start(&hs, &r), S6_ERR_INVALID_ARG);
	r.command = S6_SOCKS4_CMD_CONNECT;
	memset(r.domain, 'x', sizeof(r.domain));   /* no NUL: over 255 */
	ck_assert_int_eq(s6_socks4_client_start(&hs, &r), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_socks4_client_start(NULL, &r), S6_ERR_INVALID_ARG);
	ck_assert(!s6_socks4_client_bind_ready(NULL));
}
END_TEST

static Suite *handshake_suite(void)
{
	Suite *s = suite_create("handshake");
	TCase *tc = tcase_create("socks4_client");

	tcase_add_test(tc, connect_granted_split);
	tcase_add_test(tc, connect_partial_sends);
	tcase_add_test(tc, connect_rejected);
	tcase_add_test(tc, connect_eof_and_errors);
	tcase_add_test(tc, connect_not_socks4);
	tcase_add_test(tc, bind_two_replies);
	tcase_add_test(tc, bind_any_address_and_failures);
	tcase_add_test(tc, run_until_done);
	tcase_add_test(tc, run_timeout);
	tcase_add_test(tc, start_rejects_bad_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(handshake_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
