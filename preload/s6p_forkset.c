/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include "s6p_driver.h"
#include "s6p_fdtab.h"
#include "s6p_forkset.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_state.h"

#define S6P_INFLIGHT_SLOTS 64
#define S6P_INFLIGHT_DUPS 8
#define S6P_FORK_BATCH 64
#define S6P_FORK_SLACK_MS 200  /* the driver's own timeout fires first */
#define S6P_FORK_ROUNDS 4096

/* The connect() calls running now, and the copies made of their sockets
 * meanwhile. busy counts them all (a call beyond the slots is counted, its
 * copies are not recorded). */
struct s6p_inflight {
	int fd1;                /* the socket's number + 1; 0: free */
	int ndups;
	int dups[S6P_INFLIGHT_DUPS];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	atomic_int busy;
	struct s6p_inflight slot[S6P_INFLIGHT_SLOTS];
} s6p_infl = {.lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

/* This thread's connect() calls in progress: a fork from a signal handler
 * inside connect() must not wait for itself. */
static __thread int s6p_infl_mine;

static struct s6p_inflight *s6p_inflight_find_locked(int fd)
{
	for (int i = 0; i < S6P_INFLIGHT_SLOTS; i++) {
		struct s6p_inflight *f = &s6p_infl.slot[i];
		if (f->fd1 == 0)
			continue;
		if (f->fd1 == fd + 1)
			return f;
		for (int j = 0; j < f->ndups; j++)
			if (f->dups[j] == fd)
				return f; /* a copy of a copy */
	}
	return NULL;
}

void s6p_inflight_begin(int fd)
{
	pthread_mutex_lock(&s6p_infl.lock);
	for (int i = 0; i < S6P_INFLIGHT_SLOTS; i++) {
		if (s6p_infl.slot[i].fd1 == 0) {
			s6p_infl.slot[i] = (struct s6p_inflight){.fd1 = fd + 1};
			break;
		}
	}
	atomic_fetch_add(&s6p_infl.busy, 1);
	s6p_infl_mine++;
	pthread_mutex_unlock(&s6p_infl.lock);
}

static bool s6p_same_socket(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

void s6p_inflight_end(int fd)
{
	struct s6p_inflight got = {0};

	pthread_mutex_lock(&s6p_infl.lock);
	for (int i = 0; i < S6P_INFLIGHT_SLOTS; i++) {
		if (s6p_infl.slot[i].fd1 == fd + 1) {
			got = s6p_infl.slot[i];
			s6p_infl.slot[i].fd1 = 0;
			break;
		}
	}
	atomic_fetch_sub(&s6p_infl.busy, 1);
	s6p_infl_mine--;
	pthread_cond_broadcast(&s6p_infl.done);
	pthread_mutex_unlock(&s6p_infl.lock);
	/* A copy closed meanwhile may name another file now: only a number
	 * that is still the same socket joins. */
	for (int j = 0; j < got.ndups; j++) {
		if (!s6p_same_socket(fd, got.dups[j]))
			continue;
		s6p_fdtab_lock();
		if (s6p_conn_get_locked(fd) && !s6p_conn_get_locked(got.dups[j]))
			s6p_conn_alias_locked(fd, got.dups[j]);
		s6p_fdtab_unlock();
	}
}

void s6p_inflight_dup(int oldfd, int newfd)
{
	if (newfd < 0 || atomic_load_explicit(&s6p_infl.busy, memory_order_relaxed) == 0)
		return;
	pthread_mutex_lock(&s6p_infl.lock);
	struct s6p_inflight *f = s6p_inflight_find_locked(oldfd);
	if (f && f->ndups < S6P_INFLIGHT_DUPS)
		f->dups[f->ndups++] = newfd;
	pthread_mutex_unlock(&s6p_infl.lock);
}

/* Wait (bounded) until no other thread is inside a proxied connect(). */
static void s6p_inflight_wait(int64_t until_ms)
{
	pthread_mutex_lock(&s6p_infl.lock);
	while (atomic_load(&s6p_infl.busy) > s6p_infl_mine) {
		int64_t left = until_ms - s6_now_ms();
		struct timespec ts;
		if (left <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_clockwait(&s6p_infl.done, &s6p_infl.lock, CLOCK_MONOTONIC, &ts);
	}
	pthread_mutex_unlock(&s6p_infl.lock);
}

/* Take up to S6P_FORK_BATCH handshakes in flight (referenced), start each
 * one's last steps and put its completion eventfd in p. */
static int s6p_fork_collect_locked(struct s6p_conn **cs, struct pollfd *p)
{
	struct s6p_conn *c, *next;
	int n = 0;

	for (c = s6p_driver_list_locked(); c && n < S6P_FORK_BATCH; c = next) {
		next = c->next_pending;
		if (c->state != S6P_CONN_PENDING && c->state != S6P_CONN_OPTIMISTIC)
			continue;
		c->notify_users++; /* kept while the lock is dropped */
		if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_UNSENT)
			s6p_conn_send_request_locked(c, NULL, 0);
		s6p_driver_arm_locked(c); /* the driver consumes the replies */
		int nfd = (c->state == S6P_CONN_PENDING || c->state == S6P_CONN_OPTIMISTIC)
			  ? s6p_conn_notify_locked(c) : -1;
		if (nfd < 0) {
			s6p_conn_unref_locked(c); /* ended at once (or no eventfd) */
			continue;
		}
		cs[n] = c;
		p[n++] = (struct pollfd){.fd = nfd, .events = POLLIN};
	}
	return n;
}

static void s6p_fork_settle_table(int64_t until_ms)
{
	struct s6p_conn *cs[S6P_FORK_BATCH];
	struct pollfd p[S6P_FORK_BATCH];

	for (int round = 0; round < S6P_FORK_ROUNDS; round++) {
		s6p_fdtab_lock();
		int n = s6p_fork_collect_locked(cs, p);
		s6p_fdtab_unlock();
		int64_t left = until_ms - s6_now_ms();
		if (n > 0 && left > 0)
			S6P_REAL(poll)(p, (nfds_t)n, (int)left);
		s6p_fdtab_lock();
		for (int i = 0; i < n; i++)
			s6p_conn_unref_locked(cs[i]);
		s6p_fdtab_unlock();
		if (n == 0 || left <= 0)
			return;
	}
}

void s6p_fork_settle(void)
{
	if (!s6p_fdtab_watching() &&
	    atomic_load(&s6p_infl.busy) <= s6p_infl_mine)
		return;
	int64_t until = s6_now_ms() + s6p_state()->cfg.connect_timeout_ms + S6P_FORK_SLACK_MS;
	s6p_inflight_wait(until);
	s6p_fork_settle_table(until);
}

/* The child has only this thread: only its own calls are still running. */
static void s6p_forkset_atfork_child(void)
{
	pthread_mutex_init(&s6p_infl.lock, NULL);
	pthread_cond_init(&s6p_infl.done, NULL);
	atomic_store(&s6p_infl.busy, s6p_infl_mine);
	for (int i = 0; i < S6P_INFLIGHT_SLOTS; i++)
		s6p_infl.slot[i].fd1 = 0;
}

__attribute__((constructor)) static void s6p_forkset_ctor(void)
{
	pthread_atfork(NULL, NULL, s6p_forkset_atfork_child);
}
