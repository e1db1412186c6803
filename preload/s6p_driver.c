/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6p_driver.h"
#include "s6p_proxy.h"
#include "s6p_real.h"

static struct {
	bool started;
	bool polling;        /* the thread polls a set built from the list */
	int wake_fd;
	int64_t sleep_until; /* ... until then (-1: no timeout) */
	/* The latest timer of an undriven entry, kept after the entry is
	 * gone: while the thread sleeps no later than it, a new entry (whose
	 * timer can only be later) needs no wake. A burst of short blocking
	 * connections costs one idle turn per S6P_OPT_FLUSH_MS, not a wake
	 * each. */
	int64_t linger_until;
	struct s6p_conn *head;
	/* The thread's poll set, here rather than on its stack: a forked
	 * child has no driver thread, and its next one reuses the set (else
	 * every child lost it, valgrind's "definitely lost"). */
	struct pollfd *pfds;
	size_t cap;
} s6p_drv = {false, false, -1, -1, -1, NULL, NULL, 0};

static void s6p_driver_wake(void)
{
	uint64_t one = 1;
	if (s6p_drv.wake_fd >= 0)
		(void)!S6P_REAL(write)(s6p_drv.wake_fd, &one, sizeof one);
}

/* Wake the thread only when its current poll misses something: a socket
 * to watch, or a timer earlier than its timeout. A thread that is not
 * polling builds its set from the list before it polls again. */
static void s6p_driver_wake_for(bool new_fd, int64_t wake_ms)
{
	if (!s6p_drv.polling)
		return;
	if (new_fd || s6p_drv.sleep_until < 0 || wake_ms < s6p_drv.sleep_until) {
		s6p_drv.polling = false; /* one wake is enough */
		s6p_driver_wake();
	}
}

/* Build the poll set: the wake fd first, then every pending handshake. */
static nfds_t s6p_driver_pollset_locked(struct pollfd **pfds, size_t *cap, int *timeout)
{
	nfds_t n = 1;
	int64_t now = s6_now_ms(), next = -1;

	for (struct s6p_conn *c = s6p_drv.head; c; c = c->next_pending) {
		if (n >= *cap) {
			size_t ncap = *cap * 2;
			struct pollfd *p = realloc(*pfds, ncap * sizeof *p);
			if (!p)
				break;
			*pfds = p;
			*cap = ncap;
		}
		int64_t wake;
		short ev = s6p_conn_driver_events_locked(c, &wake);
		/* An undriven entry only has timers: a negative fd, which
		 * poll() skips, still names it for the service pass. */
		(*pfds)[n++] = (struct pollfd){.fd = c->driven ? c->fd : ~c->fd, .events = ev};
		if (next < 0 || wake < next)
			next = wake;
	}
	if (s6p_drv.linger_until > now && (next < 0 || s6p_drv.linger_until < next))
		next = s6p_drv.linger_until;
	(*pfds)[0] = (struct pollfd){.fd = s6p_drv.wake_fd, .events = POLLIN};
	*timeout = next < 0 ? -1 : (next > now ? (int)(next - now) : 0);
	s6p_drv.sleep_until = next;
	s6p_drv.polling = true;
	return n;
}

static void s6p_driver_service_locked(struct pollfd *pfds, nfds_t n)
{
	int64_t now = s6_now_ms();

	s6p_drv.polling = false;
	for (nfds_t i = 1; i < n; i++) {
		int fd = pfds[i].fd < 0 ? ~pfds[i].fd : pfds[i].fd;
		struct s6p_conn *c = s6p_conn_get_locked(fd);
		if (!c || (c->state != S6P_CONN_PENDING && c->state != S6P_CONN_OPTIMISTIC))
			continue; /* closed or replaced while we were polling */
		s6p_conn_service_locked(c, pfds[i].revents, now);
	}
}

static void *s6p_driver_main(void *arg)
{
	struct pollfd *pfds;

	s6p_fdtab_lock();
	if (!s6p_drv.pfds) {
		s6p_drv.cap = 64;
		s6p_drv.pfds = malloc(s6p_drv.cap * sizeof *s6p_drv.pfds);
	}
	pfds = s6p_drv.pfds;
	s6p_fdtab_unlock();
	while (pfds) {
		int timeout;
		uint64_t drain;

		s6p_fdtab_lock();
		nfds_t n = s6p_driver_pollset_locked(&s6p_drv.pfds, &s6p_drv.cap, &timeout);
		pfds = s6p_drv.pfds;
		s6p_fdtab_unlock();
		if (S6P_REAL(poll)(pfds, n, timeout) < 0 && errno != EINTR)
			continue;
		if (pfds[0].revents & POLLIN)
			(void)!S6P_REAL(read)(s6p_drv.wake_fd, &drain, sizeof drain);
		s6p_fdtab_lock();
		s6p_driver_service_locked(pfds, n);
		s6p_fdtab_unlock();
	}
	s6_log(S6_LOG_ERROR, "handshake driver: out of memory");
	return NULL;
}

static int s6p_driver_start_locked(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	if (s6p_drv.wake_fd < 0)
		s6p_drv.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s6p_drv.wake_fd < 0)
		return errno;
	/* Signals belong to the program's threads, never to ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&th, &attr, s6p_driver_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		s6p_drv.started = true;
	return rc;
}

int s6p_driver_add_locked(struct s6p_conn *c)
{
	int64_t wake;

	if (!s6p_drv.started) {
		int rc = s6p_driver_start_locked();
		if (rc != 0)
			return rc;
	}
	c->next_pending = s6p_drv.head;
	s6p_drv.head = c;
	atomic_fetch_add(&s6p_pending_count, 1);
	s6p_conn_driver_events_locked(c, &wake);
	s6p_driver_wake_for(c->driven, wake);
	if (!c->driven && wake > s6p_drv.linger_until)
		s6p_drv.linger_until = wake;
	return 0;
}

void s6p_driver_arm_locked(struct s6p_conn *c)
{
	int64_t wake;

	if (c->driven || (c->state != S6P_CONN_PENDING && c->state != S6P_CONN_OPTIMISTIC))
		return;
	c->driven = true;
	s6p_conn_driver_events_locked(c, &wake);
	s6p_driver_wake_for(true, wake);
}

void s6p_driver_kick_locked(const struct s6p_conn *c)
{
	if (c->driven)
		s6p_driver_wake_for(true, 0);
}

struct s6p_conn *s6p_driver_list_locked(void)
{
	return s6p_drv.head;
}

void s6p_driver_remove_locked(struct s6p_conn *c)
{
	for (struct s6p_conn **pp = &s6p_drv.head; *pp; pp = &(*pp)->next_pending) {
		if (*pp == c) {
			*pp = c->next_pending;
			c->next_pending = NULL;
			atomic_fetch_sub(&s6p_pending_count, 1);
			/* A polled socket leaves the set; a timer that now
			 * fires for nothing costs one idle turn, not a wake. */
			if (c->driven)
				s6p_driver_wake_for(true, 0);
			return;
		}
	}
}

void s6p_driver_after_fork_locked(void)
{
	s6p_drv.started = false;
	s6p_drv.polling = false;
	if (s6p_drv.wake_fd >= 0)
		S6P_REAL(close)(s6p_drv.wake_fd); /* shared with the parent's driver */
	s6p_drv.wake_fd = -1;
	while (s6p_drv.head)
		s6p_conn_orphan_locked(s6p_drv.head);
}
