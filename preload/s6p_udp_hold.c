/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Held UDP output (s6p_udp_hold.h): poll and select through a wrapper that
 * swaps a held socket's output interest for its wake eventfd, and epoll
 * registrations masked or given back under the fd table's lock. The held
 * state itself lives with the pending association (s6p_udp_async.c, under
 * the UDP lock); the two locks are never held together: a sync reads the
 * state, applies it, and goes round again if it changed meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "s6_handshake.h"
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_udp_hold.h"
#include "s6p_udp_int.h"
#include "s6p_wait.h"

#define S6P_UDP_POLL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND)
#define S6P_UDP_EPOLL_OUT (EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND)
#define S6P_UDP_WAKE_FD_MIN 512

atomic_int s6p_udp_nheld;
atomic_uint s6p_udp_held_gen;

/* An eventfd, readable once the association it belongs to settles; freed
 * by the last of the pending association and its pollers (UDP lock). */
struct s6p_udp_wake {
	int fd;
	int refs;
};

struct s6p_udp_wake *s6p_udp_wake_new(void)
{
	struct s6p_udp_wake *w = malloc(sizeof *w);
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (!w || fd < 0) {
		free(w);
		if (fd >= 0)
			S6P_REAL(close)(fd);
		return NULL;
	}
	int hi = S6P_REAL(fcntl)(fd, F_DUPFD_CLOEXEC, S6P_UDP_WAKE_FD_MIN);
	if (hi >= 0) {
		S6P_REAL(close)(fd);
		fd = hi;
	}
	*w = (struct s6p_udp_wake){.fd = fd, .refs = 1};
	return w;
}

void s6p_udp_wake_fire_locked(struct s6p_udp_wake *w)
{
	uint64_t one = 1;

	(void)!S6P_REAL(write)(w->fd, &one, sizeof one);
}

void s6p_udp_wake_ref_locked(struct s6p_udp_wake *w)
{
	w->refs++;
}

int s6p_udp_wake_fd(const struct s6p_udp_wake *w)
{
	return w->fd;
}

void s6p_udp_wake_free_locked(struct s6p_udp_wake *w)
{
	S6P_REAL(close)(w->fd);
	free(w);
}

void s6p_udp_wake_put_locked(struct s6p_udp_wake *w)
{
	if (--w->refs == 0)
		s6p_udp_wake_free_locked(w);
}

static void s6p_udp_epoll_apply(int epfd, int fd, const struct epoll_event *reg, bool held)
{
	struct epoll_event ev = *reg;

	if (held)
		ev.events &= ~(uint32_t)S6P_UDP_EPOLL_OUT;
	S6P_REAL(epoll_ctl)(epfd, EPOLL_CTL_MOD, fd, &ev);
}

void s6p_udp_epoll_sync(int fd, bool restore)
{
	/* Bounded: each extra round follows a change of some held state. */
	for (int round = 0; round < 8; round++) {
		unsigned gen = atomic_load(&s6p_udp_held_gen);
		bool held = s6p_udp_out_held(fd);
		if (!held && !restore)
			return;
		s6p_fdtab_lock();
		/* A proxied TCP connection's registrations are its own business. */
		if (!s6p_conn_get_locked(fd)) {
			for (struct s6p_epreg *r = s6p_epreg_list_locked(fd); r; r = r->next)
				if (r->ev.events & S6P_UDP_EPOLL_OUT)
					s6p_udp_epoll_apply(r->epfd, fd, &r->ev, held);
		}
		s6p_fdtab_unlock();
		if (atomic_load(&s6p_udp_held_gen) == gen)
			return;
		restore = true; /* the state changed: apply whatever it is now */
	}
}

/* One program entry of a UDP socket whose association is pending (its
 * wake, where it is polled, output hidden or not) or failed (err). */
struct s6p_udp_held_ent {
	struct s6p_udp_wake *w;
	nfds_t at;
	bool err;
};

/* The program's entries, held ones without output interest, the wakes of
 * pending ones appended: returns the number of entries to poll; *any_err
 * when some entry is to report POLLERR at once. */
static nfds_t s6p_udp_swap(const struct pollfd *fds, struct pollfd *work,
			   struct s6p_udp_held_ent *h, nfds_t n, bool *any_err)
{
	nfds_t m = n;
	bool held;

	memcpy(work, fds, n * sizeof *work);
	*any_err = false;
	for (nfds_t i = 0; i < n; i++) {
		h[i].w = NULL;
		h[i].err = fds[i].fd >= 0 && s6p_udp_take_err(fds[i].fd, true) != 0;
		*any_err |= h[i].err;
		if (fds[i].fd < 0 || h[i].err || !(h[i].w = s6p_udp_wake_get(fds[i].fd, &held)))
			continue;
		if (held)
			work[i].events &= ~S6P_UDP_POLL_OUT;
		h[i].at = m;
		work[m++] = (struct pollfd){.fd = s6p_udp_wake_fd(h[i].w), .events = POLLIN};
	}
	return m;
}

/* The program's revents (an entry whose association settled looked at
 * again: POLLERR when it failed); the wakes are let go. Returns the number
 * of ready entries. */
static int s6p_udp_collect(struct pollfd *fds, const struct pollfd *work,
			   struct s6p_udp_held_ent *h, nfds_t n)
{
	int ready = 0;

	for (nfds_t i = 0; i < n; i++) {
		short re = work[i].revents;
		if (h[i].w && work[h[i].at].revents) {
			struct pollfd one = {.fd = fds[i].fd, .events = fds[i].events};
			re = S6P_REAL(poll)(&one, 1, 0) < 0 ? 0 : one.revents;
			h[i].err = s6p_udp_take_err(fds[i].fd, true) != 0;
		}
		if (h[i].err)
			re |= POLLERR; /* like a kernel socket with a pending error */
		if (h[i].w)
			s6p_udp_wake_put(h[i].w);
		fds[i].revents = re;
		ready += re != 0;
	}
	return ready;
}

int s6p_udp_wait_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	if (!s6p_udp_wait_any())
		return s6p_wait_poll(fds, n, timeout_ms, sigmask);

	struct pollfd *work = calloc(n ? 2 * n : 1, sizeof *work);
	struct s6p_udp_held_ent *h = calloc(n ? n : 1, sizeof *h);
	int64_t deadline = timeout_ms < 0 ? -1 : s6_now_ms() + timeout_ms;
	bool any_err;
	int rc;

	if (!work || !h) {
		free(work), free(h);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - s6_now_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		nfds_t m = s6p_udp_swap(fds, work, h, n, &any_err);
		if (any_err)
			left = 0; /* a pending error: ready now */
		rc = s6p_wait_poll(work, m, (int)left, sigmask);
		int saved = errno;
		if (rc >= 0)
			rc = s6p_udp_collect(fds, work, h, n);
		else
			for (nfds_t i = 0; i < n; i++)
				if (h[i].w)
					s6p_udp_wake_put(h[i].w);
		errno = saved;
		/* A wake alone (the socket settled, still not ready) does not count. */
		if (rc != 0 || left == 0)
			break;
	}
	free(work), free(h);
	return rc;
}
