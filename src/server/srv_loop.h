/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's single event loop: level-triggered epoll over non-blocking
 * sockets, a min-heap of per-connection deadlines, SIGINT/SIGTERM through a
 * signalfd, and deferred frees so that no callback ever runs on freed memory.
 *
 * Rules every user relies on:
 *  - A watch with an empty interest set is removed from epoll, so a socket
 *    that reports EPOLLHUP/EPOLLERR cannot spin the loop while its owner
 *    waits for something else.
 *  - Removing or closing a watch drops the events for it that are still
 *    pending in the current epoll batch.
 *  - Objects are never freed while callbacks run: owners mark themselves
 *    closed and queue a srv_deferred node; the loop frees them between
 *    iterations (and in srv_loop_fini). */
#ifndef SRV_LOOP_H
#define SRV_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct epoll_event;
typedef struct srv_loop srv_loop;
typedef struct srv_watch srv_watch;
typedef struct srv_timer srv_timer;
typedef struct srv_deferred srv_deferred;

typedef void (*srv_watch_fn)(srv_watch *w, uint32_t events);
typedef void (*srv_timer_fn)(srv_timer *t);
typedef void (*srv_deferred_fn)(srv_deferred *d);

struct srv_watch {
	int fd;             /* -1 when unused */
	uint32_t events;    /* current interest (EPOLLIN / EPOLLOUT) */
	bool registered;    /* present in the epoll set */
	srv_watch_fn fn;
	void *owner;
};

struct srv_timer {
	uint64_t when;      /* monotonic ms */
	size_t slot;        /* heap index + 1; 0 when not armed */
	srv_timer_fn fn;
	void *owner;
};

struct srv_deferred {
	srv_deferred *next;
	srv_deferred_fn fn;
};

#define SRV_LOOP_BATCH 64

struct srv_loop {
	int epfd;
	int sigfd;
	srv_watch sigwatch;
	bool stop;
	int stop_signal;               /* the signal that ended the loop */
	struct epoll_event *batch;     /* current epoll_wait result */
	int batch_n, batch_i;
	srv_timer **heap;
	size_t heap_len, heap_cap;
	srv_deferred *deferred;
};

/* Monotonic clock in milliseconds. */
uint64_t srv_now_ms(void);

/* Blocks SIGINT/SIGTERM (call before any thread starts, so threads inherit
 * the mask), ignores SIGPIPE, creates epoll and the signalfd. */
bool srv_loop_init(srv_loop *l);
/* Runs the pending deferred frees, closes epoll and the signalfd. Watches and
 * timers must already be gone. */
void srv_loop_fini(srv_loop *l);
/* Until SIGINT/SIGTERM or srv_loop_stop. Returns false on an epoll failure. */
bool srv_loop_run(srv_loop *l);
void srv_loop_stop(srv_loop *l);

void srv_watch_init(srv_watch *w, srv_watch_fn fn, void *owner);
/* Attach fd to the watch (not yet in epoll until an interest is set). */
void srv_watch_attach(srv_watch *w, int fd);
/* Set the interest set; 0 removes the fd from epoll. False on epoll error. */
bool srv_watch_set(srv_loop *l, srv_watch *w, uint32_t events);
/* Stop watching and forget the fd without closing it (hand-over). */
int srv_watch_detach(srv_loop *l, srv_watch *w);
/* Stop watching and close the fd. Safe on an unused watch. */
void srv_watch_close(srv_loop *l, srv_watch *w);

void srv_timer_init(srv_timer *t, srv_timer_fn fn, void *owner);
/* (Re)arm to fire ms from now. */
void srv_timer_arm(srv_loop *l, srv_timer *t, uint64_t ms);
void srv_timer_stop(srv_loop *l, srv_timer *t);
static inline bool srv_timer_armed(const srv_timer *t) { return t->slot != 0; }

/* Queue d->fn to run after the current iteration's callbacks. */
void srv_loop_defer(srv_loop *l, srv_deferred *d, srv_deferred_fn fn);

#endif
