/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "s6_log.h"
#include "srv_loop.h"

uint64_t srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- timers: a binary min-heap; each timer knows its slot for O(log n)
 * removal, which happens on every connection close. */

static void heap_place(srv_loop *l, size_t i, srv_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(srv_loop *l, size_t i)
{
	srv_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->when <= t->when)
			break;
		heap_place(l, i, l->heap[parent]);
		i = parent;
	}
	heap_place(l, i, t);
}

static void heap_down(srv_loop *l, size_t i)
{
	srv_timer *t = l->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= l->heap_len)
			break;
		if (child + 1 < l->heap_len &&
		    l->heap[child + 1]->when < l->heap[child]->when)
			child++;
		if (t->when <= l->heap[child]->when)
			break;
		heap_place(l, i, l->heap[child]);
		i = child;
	}
	heap_place(l, i, t);
}

void srv_timer_init(srv_timer *t, srv_timer_fn fn, void *owner)
{
	t->when = 0;
	t->slot = 0;
	t->fn = fn;
	t->owner = owner;
}

void srv_timer_stop(srv_loop *l, srv_timer *t)
{
	srv_timer *last;
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = l->heap[--l->heap_len];
	if (i == l->heap_len)
		return;
	/* Move the last timer into the hole, then restore the order in
	 * whichever direction it is violated. */
	heap_place(l, i, last);
	heap_up(l, i);
	heap_down(l, last->slot - 1);
}

void srv_timer_arm(srv_loop *l, srv_timer *t, uint64_t ms)
{
	srv_timer_stop(l, t);
	if (l->heap_len == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : 256;
		srv_timer **heap = realloc(l->heap, cap * sizeof *heap);
		if (!heap) {
			/* A few KiB of timer slots cannot be found: nothing
			 * sensible remains to be done for any connection. */
			s6_log(S6_LOG_ERROR, "out of memory for timers");
			abort();
		}
		l->heap = heap;
		l->heap_cap = cap;
	}
	t->when = srv_now_ms() + ms;
	heap_place(l, l->heap_len++, t);
	heap_up(l, l->heap_len - 1);
}

/* epoll_wait timeout: until the nearest deadline, -1 when none. */
static int next_timeout(const srv_loop *l)
{
	uint64_t now, when;

	if (l->deferred)
		return 0;
	if (l->heap_len == 0)
		return -1;
	now = srv_now_ms();
	when = l->heap[0]->when;
	if (when <= now)
		return 0;
	return when - now > 60000 ? 60000 : (int)(when - now);
}

static void run_timers(srv_loop *l)
{
	uint64_t now = srv_now_ms();

	while (l->heap_len > 0 && l->heap[0]->when <= now && !l->stop) {
		srv_timer *t = l->heap[0];
		srv_timer_stop(l, t);
		t->fn(t);
	}
}

/* ---- deferred frees */

void srv_loop_defer(srv_loop *l, srv_deferred *d, srv_deferred_fn fn)
{
	d->fn = fn;
	d->next = l->deferred;
	l->deferred = d;
}

static void run_deferred(srv_loop *l)
{
	while (l->deferred) {
		srv_deferred *d = l->deferred;
		l->deferred = d->next;
		d->fn(d);
	}
}

/* ---- watches */

void srv_watch_init(srv_watch *w, srv_watch_fn fn, void *owner)
{
	w->fd = -1;
	w->events = 0;
	w->registered = false;
	w->fn = fn;
	w->owner = owner;
}

void srv_watch_attach(srv_watch *w, int fd)
{
	w->fd = fd;
	w->events = 0;
	w->registered = false;
}

/* Events of the current batch not yet dispatched may still name this watch;
 * they describe a state the owner has just abandoned. */
static void drop_pending(srv_loop *l, srv_watch *w)
{
	for (int i = l->batch_i + 1; i < l->batch_n; i++)
		if (l->batch[i].data.ptr == w)
			l->batch[i].data.ptr = NULL;
}

bool srv_watch_set(srv_loop *l, srv_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	int op;

	if (w->fd < 0 || (w->registered && w->events == events))
		return true;
	if (events == 0) {
		if (w->registered)
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
		w->registered = false;
		w->events = 0;
		drop_pending(l, w);
		return true;
	}
	op = w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(l->epfd, op, w->fd, &ev) < 0)
		return false;
	w->registered = true;
	w->events = events;
	return true;
}

int srv_watch_detach(srv_loop *l, srv_watch *w)
{
	int fd = w->fd;

	srv_watch_set(l, w, 0);
	w->fd = -1;
	return fd;
}

void srv_watch_close(srv_loop *l, srv_watch *w)
{
	int fd = srv_watch_detach(l, w);

	if (fd >= 0)
		close(fd);
}

/* ---- signals and the loop */

static void on_signal(srv_watch *w, uint32_t events)
{
	srv_loop *l = w->owner;
	struct signalfd_siginfo si;

	while (read(w->fd, &si, sizeof si) == (ssize_t)sizeof si) {
		l->stop_signal = (int)si.ssi_signo;
		l->stop = true;
	}
}

bool srv_loop_init(srv_loop *l)
{
	sigset_t set;

	memset(l, 0, sizeof *l);
	l->epfd = l->sigfd = -1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return false;
	l->batch = calloc(SRV_LOOP_BATCH, sizeof *l->batch);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!l->batch || l->epfd < 0 || l->sigfd < 0) {
		srv_loop_fini(l);
		return false;
	}
	srv_watch_init(&l->sigwatch, on_signal, l);
	srv_watch_attach(&l->sigwatch, l->sigfd);
	if (!srv_watch_set(l, &l->sigwatch, EPOLLIN)) {
		srv_loop_fini(l);
		return false;
	}
	return true;
}

void srv_loop_fini(srv_loop *l)
{
	run_deferred(l);
	if (l->sigwatch.fd >= 0)
		srv_watch_detach(l, &l->sigwatch);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->batch);
	free(l->heap);
	l->batch = NULL;
	l->heap = NULL;
	l->heap_len = l->heap_cap = 0;
	l->sigfd = l->epfd = -1;
}

void srv_loop_stop(srv_loop *l)
{
	l->stop = true;
}

static void dispatch(srv_loop *l)
{
	for (l->batch_i = 0; l->batch_i < l->batch_n && !l->stop; l->batch_i++) {
		struct epoll_event *ev = &l->batch[l->batch_i];
		srv_watch *w = ev->data.ptr;
		if (w && w->fd >= 0)
			w->fn(w, ev->events);
	}
	l->batch_n = l->batch_i = 0;
}

bool srv_loop_run(srv_loop *l)
{
	while (!l->stop) {
		int n = epoll_wait(l->epfd, l->batch, SRV_LOOP_BATCH, next_timeout(l));
		if (n < 0 && errno != EINTR) {
			s6_log(S6_LOG_ERROR, "epoll_wait: %s", strerror(errno));
			return false;
		}
		l->batch_n = n > 0 ? n : 0;
		dispatch(l);
		run_deferred(l);
		run_timers(l);
		run_deferred(l);
	}
	return true;
}
