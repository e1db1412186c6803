/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's bounded buffers and the relay between two sockets: data both
 * ways, early data first, half-close propagation, back-pressure, errors and
 * the idle limit, through the buffers and through splice pipes, and the
 * fallbacks when splice is refused or no pipe can be had. Sockets are
 * AF_UNIX pairs (TCP on loopback where it matters): "app" ends play the
 * client and the target, "srv" ends are what the relay owns. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "srv_relay.h"

/* ---- buffers */

START_TEST(buf_bounds_and_compaction)
{
	srv_buf b;
	uint8_t out[8];

	ck_assert(srv_buf_init(&b, 8));
	ck_assert(srv_buf_append(&b, "abcdef", 6));
	ck_assert(!srv_buf_append(&b, "xyz", 3));      /* 9 > 8 */
	ck_assert_uint_eq(srv_buf_len(&b), 6);
	srv_buf_consume(&b, 4);
	ck_assert_uint_eq(srv_buf_room(&b), 6);
	ck_assert(srv_buf_append(&b, "ghijkl", 6));    /* needs compaction */
	ck_assert_uint_eq(srv_buf_len(&b), 8);
	memcpy(out, srv_buf_peek(&b), 8);
	ck_assert_int_eq(memcmp(out, "efghijkl", 8), 0);
	srv_buf_consume(&b, 100);                      /* clamps */
	ck_assert_uint_eq(srv_buf_len(&b), 0);
	ck_assert_uint_eq(srv_buf_room(&b), 8);
	srv_buf_free(&b);
}
END_TEST

/* Growing keeps the pending bytes (not their offset) and never shrinks. */
START_TEST(buf_grow_keeps_pending)
{
	srv_buf b;

	ck_assert(srv_buf_init(&b, 8));
	ck_assert(srv_buf_append(&b, "abcdefgh", 8));
	srv_buf_consume(&b, 3);
	ck_assert(srv_buf_grow(&b, 32));
	ck_assert_uint_eq(b.cap, 32);
	ck_assert_uint_eq(srv_buf_len(&b), 5);
	ck_assert_mem_eq(srv_buf_peek(&b), "defgh", 5);
	ck_assert_uint_eq(srv_buf_room(&b), 27);
	ck_assert(srv_buf_grow(&b, 16));
	ck_assert_uint_eq(b.cap, 32);
	srv_buf_free(&b);
}
END_TEST

START_TEST(buf_socket_io)
{
	srv_buf b;
	int p[2];
	char got[16];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p), 0);
	ck_assert(srv_buf_init(&b, 4));
	ck_assert_int_eq(write(p[1], "123456", 6), 6);
	ck_assert_int_eq(srv_buf_read(&b, p[0]), 4);    /* only the room */
	ck_assert_int_eq(srv_buf_read(&b, p[0]), 0);    /* full: nothing */
	ck_assert_int_eq(srv_buf_write(&b, p[0]), 4);
	ck_assert_int_eq(read(p[1], got, sizeof got), 4);
	ck_assert_int_eq(memcmp(got, "1234", 4), 0);
	ck_assert_int_eq(srv_buf_read(&b, p[0]), 2);
	ck_assert_int_eq(srv_buf_read(&b, p[0]), -1);
	ck_assert(srv_errno_transient(errno));
	close(p[1]);
	ck_assert_int_eq(srv_buf_read(&b, p[0]), 0);    /* EOF */
	close(p[0]);
	srv_buf_free(&b);
}
END_TEST

/* ---- relay */

static srv_loop loop;
static srv_relay relay;
static srv_watch wc, wt;
static srv_buf up, down;
static int client_app, client_srv, target_app, target_srv;
static int done_calls, done_err;
static srv_timer guard;

static void on_done(srv_relay *r, int err)
{
	done_calls++;
	done_err = err;
	srv_loop_stop(&loop);
}

static void guard_fired(srv_timer *t)
{
	srv_loop_stop(&loop);
}

static void pair(int *app, int *srv)
{
	int p[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p), 0);
	*app = p[0];
	*srv = p[1];
}

static void setup(void)
{
	ck_assert(srv_loop_init(&loop));
	pair(&client_app, &client_srv);
	pair(&target_app, &target_srv);
	srv_watch_init(&wc, NULL, NULL);
	srv_watch_init(&wt, NULL, NULL);
	srv_watch_attach(&wc, client_srv);
	srv_watch_attach(&wt, target_srv);
	ck_assert(srv_buf_init(&up, 64));
	ck_assert(srv_buf_init(&down, 64));
	srv_timer_init(&guard, guard_fired, NULL);
	done_calls = 0;
	done_err = -1;
}

static void teardown(void)
{
	srv_relay_stop(&relay);
	srv_timer_stop(&loop, &guard);
	srv_watch_close(&loop, &wc);
	srv_watch_close(&loop, &wt);
	close(client_app);
	close(target_app);
	srv_buf_free(&up);
	srv_buf_free(&down);
	srv_loop_fini(&loop);
}

/* Run until the relay ends or ms pass. */
static void run_for(unsigned ms)
{
	srv_timer_arm(&loop, &guard, ms);
	loop.stop = false;
	ck_assert(srv_loop_run(&loop));
	srv_timer_stop(&loop, &guard);
}

static void start(bool client_eof, unsigned idle_ms)
{
	ck_assert(srv_relay_start(&relay, &loop, &wc, &wt, &up, &down, client_eof,
				  idle_ms, on_done, NULL));
}

static void read_all(int fd, const char *want)
{
	char got[256];
	size_t len = strlen(want);
	ssize_t n = read(fd, got, sizeof got);

	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_int_eq(memcmp(got, want, len), 0);
}

static void expect_eof(int fd)
{
	char c;

	ck_assert_int_eq(read(fd, &c, 1), 0);
}

START_TEST(both_ways_then_half_closes)
{
	ck_assert(srv_buf_append(&up, "early", 5));       /* sent with the request */
	ck_assert(srv_buf_append(&down, "REPLY", 5));     /* e.g. the SOCKS reply */
	start(false, 0);
	ck_assert_int_eq(write(client_app, "+up", 3), 3);
	run_for(50);
	read_all(target_app, "early+up");
	read_all(client_app, "REPLY");
	ck_assert_int_eq(write(target_app, "down", 4), 4);
	shutdown(client_app, SHUT_WR);
	run_for(50);
	read_all(client_app, "down");
	expect_eof(target_app);                           /* client EOF passed on */
	ck_assert_int_eq(done_calls, 0);                  /* target may still talk */
	ck_assert_int_eq(write(target_app, "last", 4), 4);
	shutdown(target_app, SHUT_WR);
	run_for(1000);
	read_all(client_app, "last");
	expect_eof(client_app);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
	ck_assert_uint_eq(relay.up.bytes, 8);
	ck_assert_uint_eq(relay.down.bytes, 13);
}
END_TEST

START_TEST(client_eof_before_start)
{
	ck_assert(srv_buf_append(&up, "all", 3));
	start(true, 0);
	run_for(50);
	read_all(target_app, "all");
	expect_eof(target_app);
}
END_TEST

START_TEST(back_pressure_stops_reading)
{
	char chunk[1024];
	int sndbuf = 4096;

	memset(chunk, 'x', sizeof chunk);
	setsockopt(client_app, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	setsockopt(target_srv, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	start(false, 0);
	/* The target never reads: its socket fills, then the 64-byte buffer. */
	for (int i = 0; i < 4000 && write(client_app, chunk, sizeof chunk) > 0; i++)
		run_for(2);
	run_for(20);
	ck_assert_uint_eq(srv_buf_room(&up), 0);
	ck_assert_msg(!(wc.events & EPOLLIN), "client still read while the buffer is full");
	ck_assert_int_eq(done_calls, 0);
}
END_TEST

START_TEST(error_ends_relay)
{
	start(false, 0);
	close(target_app);
	target_app = -1;
	ck_assert_int_eq(write(client_app, "lost", 4), 4);
	run_for(1000);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_ne(done_err, 0);
}
END_TEST

START_TEST(idle_limit)
{
	uint64_t t0 = srv_now_ms();

	start(false, 200);
	run_for(100);
	ck_assert_int_eq(write(client_app, "ping", 4), 4); /* activity postpones */
	run_for(150);
	ck_assert_int_eq(done_calls, 0);
	run_for(2000);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, ETIMEDOUT);
	ck_assert_uint_ge(srv_now_ms() - t0, 290);
}
END_TEST

/* ---- bulk: splice and its fallbacks */

#define BULK_BYTES (1024 * 1024 + 123)

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

/* Push n pattern bytes from `from` and check that `to` gets them in order
 * after the prefix; both app ends are non-blocking. Bounded in rounds. */
static void transfer(int from, int to, const char *prefix, size_t n)
{
	size_t plen = strlen(prefix), sent = 0, got = 0;
	uint8_t chunk[16384];

	for (int round = 0; round < 20000 && got < plen + n; round++) {
		size_t k = 0;
		ssize_t w, r;

		while (k < sizeof chunk && sent + k < n) {
			chunk[k] = pattern(sent + k);
			k++;
		}
		w = k ? write(from, chunk, k) : 0;
		if (w > 0)
			sent += (size_t)w;
		run_for(1);
		while ((r = read(to, chunk, sizeof chunk)) > 0) {
			for (ssize_t j = 0; j < r; j++, got++) {
				uint8_t want = got < plen ? (uint8_t)prefix[got] :
							    pattern(got - plen);
				ck_assert_msg(chunk[j] == want, "byte %zu wrong", got);
			}
		}
	}
	ck_assert_uint_eq(got, plen + n);
}

/* Data in the splice path: the handshake's leftovers first, both ways,
 * then EOF passed on once the pipe is empty. */
START_TEST(splice_both_ways_in_order)
{
	ck_assert(srv_buf_append(&up, "early", 5));
	ck_assert(srv_buf_append(&down, "REPLY", 5));
	start(false, 0);
	relay.splice_after = 0;
	transfer(client_app, target_app, "early", BULK_BYTES);
	ck_assert(relay.up.piped);
	transfer(target_app, client_app, "REPLY", BULK_BYTES);
	ck_assert(relay.down.piped);
	shutdown(client_app, SHUT_WR);
	shutdown(target_app, SHUT_WR);
	run_for(1000);
	expect_eof(target_app);
	expect_eof(client_app);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
	ck_assert_uint_eq(relay.up.bytes, 5 + BULK_BYTES);
	ck_assert_uint_eq(relay.down.bytes, 5 + BULK_BYTES);
	ck_assert_int_eq(relay.up.pipe.rd, -1);           /* closed at the end */
}
END_TEST

/* Leftovers larger than the destination takes at once: the pipe waits
 * until the buffer is empty. */
START_TEST(splice_waits_for_big_leftovers)
{
	static char prefix[100001];
	int sndbuf = 16384;

	for (size_t i = 0; i < sizeof prefix - 1; i++)
		prefix[i] = (char)('a' + i % 26);
	setsockopt(target_srv, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	ck_assert(srv_buf_grow(&up, sizeof prefix));
	ck_assert(srv_buf_append(&up, prefix, sizeof prefix - 1));
	start(false, 0);
	relay.splice_after = 0;
	transfer(client_app, target_app, prefix, BULK_BYTES);
	ck_assert(relay.up.piped);
}
END_TEST

/* Short exchanges stay buffered; a direction splices once it carried
 * SRV_SPLICE_AFTER bytes, the other one does not. */
START_TEST(splice_only_after_threshold)
{
	start(false, 0);
	ck_assert_uint_eq(relay.splice_after, SRV_SPLICE_AFTER);
	transfer(client_app, target_app, "", 1000);
	transfer(target_app, client_app, "", 1000);
	ck_assert(!relay.up.piped && !relay.down.piped);
	ck_assert(!srv_pipe_is_open(&relay.up.pipe));
	transfer(client_app, target_app, "", SRV_SPLICE_AFTER + 4096);
	ck_assert(relay.up.piped);
	ck_assert(!relay.down.piped);
	ck_assert_int_eq(done_calls, 0);
}
END_TEST

/* splice_after UINT64_MAX: the pure buffered path, for bulk too. */
START_TEST(never_splice_stays_buffered)
{
	start(false, 0);
	relay.splice_after = UINT64_MAX;
	transfer(client_app, target_app, "", BULK_BYTES);
	ck_assert(!relay.up.piped);
	ck_assert(!srv_pipe_is_open(&relay.up.pipe));
	ck_assert_uint_eq(relay.up.bytes, BULK_BYTES);
}
END_TEST

/* The destination refuses spliced pages (EINVAL: O_APPEND makes splice
 * refuse a socket that send() still takes): what is in the pipe goes on
 * through the buffer, in order, and the pipe is closed once empty. */
START_TEST(splice_refused_falls_back)
{
	int fl = fcntl(target_srv, F_GETFL);

	ck_assert_int_eq(fcntl(target_srv, F_SETFL, fl | O_APPEND), 0);
	ck_assert(srv_buf_append(&up, "early", 5));
	start(false, 0);
	relay.splice_after = 0;
	transfer(client_app, target_app, "early", BULK_BYTES);
	ck_assert(relay.up.no_splice);
	ck_assert(!relay.up.piped);
	ck_assert(!srv_pipe_is_open(&relay.up.pipe));
	/* The other direction is not affected. */
	transfer(target_app, client_app, "", BULK_BYTES);
	ck_assert(relay.down.piped);
	shutdown(client_app, SHUT_WR);
	run_for(50);
	expect_eof(target_app);
	ck_assert_uint_eq(relay.up.bytes, 5 + BULK_BYTES);
}
END_TEST

/* No descriptor left for a pipe (EMFILE): the buffer carries on. */
START_TEST(no_pipe_stays_buffered)
{
	struct rlimit old, low;
	int probe = dup(0);

	ck_assert_int_ge(probe, 0);
	close(probe);               /* every lower descriptor is taken */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)probe;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	start(false, 0);
	relay.splice_after = 0;
	transfer(client_app, target_app, "", BULK_BYTES);
	setrlimit(RLIMIT_NOFILE, &old);
	ck_assert(relay.up.no_splice);
	ck_assert(!relay.up.piped);
	ck_assert_uint_eq(relay.up.bytes, BULK_BYTES);
}
END_TEST

/* A target that never reads: the pipe fills, then the client is no longer
 * read (and the loop does not spin on it). */
START_TEST(splice_back_pressure)
{
	char chunk[4096];
	int sndbuf = 4096;

	memset(chunk, 'x', sizeof chunk);
	setsockopt(target_srv, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	start(false, 0);
	relay.splice_after = 0;
	for (int i = 0; i < 4000 && write(client_app, chunk, sizeof chunk) > 0; i++)
		run_for(1);
	run_for(20);
	ck_assert(relay.up.piped);
	ck_assert_uint_gt(relay.up.pipe.len, 0);
	ck_assert_msg(!(wc.events & EPOLLIN), "client still read while the pipe is full");
	ck_assert_int_eq(done_calls, 0);
}
END_TEST

START_TEST(splice_error_ends_relay)
{
	start(false, 0);
	relay.splice_after = 0;
	close(target_app);
	target_app = -1;
	ck_assert_int_eq(write(client_app, "lost", 4), 4);
	run_for(1000);
	ck_assert(relay.up.piped);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_ne(done_err, 0);
}
END_TEST

/* Replace the target pair by a TCP connection on loopback. */
static void tcp_target(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	srv_watch_close(&loop, &wt);
	close(target_app);
	target_srv = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(target_srv, 0);
	connect(target_srv, (struct sockaddr *)&a, sizeof a);  /* EINPROGRESS */
	target_app = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	ck_assert_int_ge(target_app, 0);
	close(l);
	srv_watch_attach(&wt, target_srv);
}

/* A bulk direction towards a peer on this host gets the small fixed send
 * buffer (the kernel reports it doubled); a short one keeps autotuning. */
START_TEST(bulk_to_local_peer_small_sndbuf)
{
	int val = 0;
	socklen_t len = sizeof val;

	tcp_target();
	start(false, 0);
	transfer(client_app, target_app, "", 1000);
	ck_assert_int_eq(getsockopt(target_srv, SOL_SOCKET, SO_SNDBUF, &val, &len), 0);
	ck_assert_int_ne(val, 2 * SRV_LOCAL_SNDBUF);
	transfer(client_app, target_app, "", BULK_BYTES);
	ck_assert(relay.up.piped);
	ck_assert_int_eq(getsockopt(target_srv, SOL_SOCKET, SO_SNDBUF, &val, &len), 0);
	ck_assert_int_eq(val, 2 * SRV_LOCAL_SNDBUF);
}
END_TEST

static Suite *srv_relay_suite(void)
{
	Suite *s = suite_create("srv_relay");
	TCase *tb = tcase_create("buf");
	TCase *tr = tcase_create("relay");

	tcase_add_test(tb, buf_bounds_and_compaction);
	tcase_add_test(tb, buf_grow_keeps_pending);
	tcase_add_test(tb, buf_socket_io);
	suite_add_tcase(s, tb);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, both_ways_then_half_closes);
	tcase_add_test(tr, client_eof_before_start);
	tcase_add_test(tr, back_pressure_stops_reading);
	tcase_add_test(tr, error_ends_relay);
	tcase_add_test(tr, idle_limit);
	tcase_add_test(tr, splice_both_ways_in_order);
	tcase_add_test(tr, splice_waits_for_big_leftovers);
	tcase_add_test(tr, splice_only_after_threshold);
	tcase_add_test(tr, never_splice_stays_buffered);
	tcase_add_test(tr, splice_refused_falls_back);
	tcase_add_test(tr, no_pipe_stays_buffered);
	tcase_add_test(tr, splice_back_pressure);
	tcase_add_test(tr, splice_error_ends_relay);
	tcase_add_test(tr, bulk_to_local_peer_small_sndbuf);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(srv_relay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
