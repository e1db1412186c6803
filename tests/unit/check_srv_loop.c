/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's event loop: timer order and cancellation, watch dispatch,
 * dropping of stale events, deferred frees, and SIGTERM through signalfd. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "srv_loop.h"

#define NTIMERS 200

static srv_loop loop;
static int order[NTIMERS + 8], nfired;

static void record(srv_timer *t)
{
	order[nfired++] = (int)(intptr_t)t->owner;
}

static void stop_loop(srv_timer *t)
{
	srv_loop_stop(&loop);
}

/* A test that hangs is a failure, not a stuck build. */
static srv_timer guard;

static void guard_fired(srv_timer *t)
{
	ck_abort_msg("loop did not finish in time");
}

static void setup(void)
{
	nfired = 0;
	ck_assert(srv_loop_init(&loop));
	srv_timer_init(&guard, guard_fired, NULL);
	srv_timer_arm(&loop, &guard, 3000);
}

static void teardown(void)
{
	srv_timer_stop(&loop, &guard);
	srv_loop_fini(&loop);
}

START_TEST(timers_fire_in_deadline_order)
{
	static srv_timer t[NTIMERS];
	srv_timer end;

	/* Deadlines 0..39 ms in a scrambled order; every third one stopped. */
	for (int i = 0; i < NTIMERS; i++) {
		srv_timer_init(&t[i], record, (void *)(intptr_t)i);
		srv_timer_arm(&loop, &t[i], (uint64_t)((i * 37) % 40));
	}
	for (int i = 0; i < NTIMERS; i += 3)
		srv_timer_stop(&loop, &t[i]);
	srv_timer_init(&end, stop_loop, NULL);
	srv_timer_arm(&loop, &end, 80);
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(nfired, NTIMERS - (NTIMERS + 2) / 3);
	for (int k = 0; k < nfired; k++) {
		ck_assert_msg(order[k] % 3 != 0, "stopped timer %d fired", order[k]);
		if (k > 0)
			ck_assert_uint_le(t[order[k - 1]].when, t[order[k]].when);
	}
	for (int i = 0; i < NTIMERS; i++)
		ck_assert(!srv_timer_armed(&t[i]));
}
END_TEST

START_TEST(rearm_replaces_deadline)
{
	srv_timer a, b, end;
	uint64_t start = srv_now_ms();

	srv_timer_init(&a, record, (void *)1);
	srv_timer_init(&b, record, (void *)2);
	srv_timer_arm(&loop, &a, 2000);
	srv_timer_arm(&loop, &b, 10);
	srv_timer_arm(&loop, &a, 1);         /* earlier than b now */
	srv_timer_init(&end, stop_loop, NULL);
	srv_timer_arm(&loop, &end, 30);
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(nfired, 2);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 2);
	ck_assert_uint_lt(srv_now_ms() - start, 1000);
}
END_TEST

/* Two readable sockets; whichever callback runs first closes the other
 * watch and reuses it for a fresh, idle socket (as a connect moving on to
 * its next address does). The event of the old socket, still in the same
 * batch, must not reach the reused watch. */
static srv_watch wa, wb;
static int calls, fresh[2] = {-1, -1};

static void close_other(srv_watch *w, uint32_t events)
{
	srv_watch *other = w == &wa ? &wb : &wa;

	calls++;
	srv_watch_close(&loop, other);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fresh), 0);
	srv_watch_attach(other, fresh[0]);
	ck_assert(srv_watch_set(&loop, other, EPOLLIN));
	srv_watch_set(&loop, w, 0);
}

static void stop_soon(srv_timer *t)
{
	srv_loop_stop(&loop);
}

START_TEST(closed_watch_gets_no_stale_event)
{
	int p[2], q[2];
	srv_timer end;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, q), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(write(q[1], "y", 1), 1);
	srv_watch_init(&wa, close_other, NULL);
	srv_watch_init(&wb, close_other, NULL);
	srv_watch_attach(&wa, p[0]);
	srv_watch_attach(&wb, q[0]);
	ck_assert(srv_watch_set(&loop, &wa, EPOLLIN));
	ck_assert(srv_watch_set(&loop, &wb, EPOLLIN));
	srv_timer_init(&end, stop_soon, NULL);
	srv_timer_arm(&loop, &end, 50);
	calls = 0;
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(calls, 1);
	srv_watch_close(&loop, &wa);
	srv_watch_close(&loop, &wb);
	close(p[1]);
	close(q[1]);
	close(fresh[1]);
}
END_TEST

/* An empty interest set removes the fd: a hung-up socket cannot spin. */
static void count_event(srv_watch *w, uint32_t events)
{
	calls++;
}

START_TEST(empty_interest_silences_hangup)
{
	int p[2];
	srv_watch w;
	srv_timer end;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	close(p[1]);                      /* p[0] now reports EPOLLHUP */
	srv_watch_init(&w, count_event, NULL);
	srv_watch_attach(&w, p[0]);
	ck_assert(srv_watch_set(&loop, &w, EPOLLOUT));
	ck_assert(srv_watch_set(&loop, &w, 0));
	ck_assert(!w.registered);
	srv_timer_init(&end, stop_soon, NULL);
	srv_timer_arm(&loop, &end, 30);
	calls = 0;
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(calls, 0);
	ck_assert_int_eq(srv_watch_detach(&loop, &w), p[0]);
	ck_assert_int_eq(w.fd, -1);
	close(p[0]);
}
END_TEST

struct box {
	srv_deferred node;
	int *freed;
};

static void free_box(srv_deferred *d)
{
	struct box *b = (struct box *)d;

	(*b->freed)++;
	free(b);
}

static int freed;

static void defer_then_check(srv_timer *t)
{
	struct box *b = malloc(sizeof *b);

	ck_assert_ptr_nonnull(b);
	b->freed = &freed;
	srv_loop_defer(&loop, &b->node, free_box);
	ck_assert_int_eq(freed, 0);       /* not inside the callback */
}

START_TEST(deferred_runs_after_callbacks)
{
	srv_timer t, end;

	freed = 0;
	srv_timer_init(&t, defer_then_check, NULL);
	srv_timer_arm(&loop, &t, 0);
	srv_timer_init(&end, stop_soon, NULL);
	srv_timer_arm(&loop, &end, 20);
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(freed, 1);
}
END_TEST

START_TEST(sigterm_stops_the_loop)
{
	/* Blocked by srv_loop_init, so it waits in the signalfd. */
	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(loop.stop_signal, SIGTERM);
}
END_TEST

static Suite *srv_loop_suite(void)
{
	Suite *s = suite_create("srv_loop");
	TCase *tc = tcase_create("loop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timers_fire_in_deadline_order);
	tcase_add_test(tc, rearm_replaces_deadline);
	tcase_add_test(tc, closed_watch_gets_no_stale_event);
	tcase_add_test(tc, empty_interest_silences_hangup);
	tcase_add_test(tc, deferred_runs_after_callbacks);
	tcase_add_test(tc, sigterm_stops_the_loop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(srv_loop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
