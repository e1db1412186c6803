/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "s6_handshake.h"
#include "s6p_driver.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_wait.h"

#define S6P_POLL_INPUT (POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI)

/* What the wait did with one of the program's entries. */
enum s6p_wait_kind {
	S6P_WAIT_PLAIN = 0,
	S6P_WAIT_SWAPPED,    /* PENDING: polled through its eventfd */
	S6P_WAIT_MASKED,     /* OPTIMISTIC: input hidden until the replies are in */
	S6P_WAIT_FAILED,     /* an optimistic connect failed, not told yet */
};

struct s6p_wait_ent {
	struct s6p_conn *c;  /* referenced (notify_users) for SWAPPED and MASKED */
	enum s6p_wait_kind kind;
	char ended;          /* the handshake ended meanwhile: 1 ok, 2 failed */
};

/* OPTIMISTIC entry: the real socket without input interest, plus the
 * eventfd (appended at *m) when the program waits for input. */
static void s6p_wait_mask(struct s6p_conn *c, struct pollfd *w, struct pollfd *work, nfds_t *m)
{
	bool in = w->events & S6P_POLL_INPUT;

	if (c->opt_phase == S6P_OPT_UNSENT && s6p_opt_reads_first(in, w->events & POLLOUT) &&
	    s6p_conn_get_checked_locked(c->fd) == c)
		s6p_conn_send_request_locked(c, NULL, 0); /* it reads first */
	if (c->state != S6P_CONN_OPTIMISTIC)
		return; /* failed at once */
	s6p_driver_arm_locked(c); /* it signals the eventfd when done */
	w->events &= ~S6P_POLL_INPUT;
	if (in && s6p_conn_notify_locked(c) >= 0)
		work[(*m)++] = (struct pollfd){.fd = c->notify_fd, .events = POLLIN};
}

/* Swap pending sockets for their eventfds and mask optimistic ones; returns
 * the number of entries to poll (extra eventfds follow the program's n). */
static nfds_t s6p_wait_swap(const struct pollfd *fds, struct pollfd *work,
			    struct s6p_wait_ent *ents, nfds_t n)
{
	nfds_t m = n;

	memcpy(work, fds, n * sizeof *work);
	s6p_fdtab_lock();
	for (nfds_t i = 0; i < n; i++) {
		struct s6p_conn *c = fds[i].fd >= 0 ? s6p_conn_get_locked(fds[i].fd) : NULL;
		ents[i] = (struct s6p_wait_ent){0};
		if (c && c->state == S6P_CONN_OPTIMISTIC)
			s6p_wait_mask(c, &work[i], work, &m);
		if (c && c->state == S6P_CONN_PENDING && c->notify_fd >= 0) {
			work[i].fd = c->notify_fd;
			work[i].events = POLLIN;
			ents[i].kind = S6P_WAIT_SWAPPED;
		} else if (c && c->state == S6P_CONN_OPTIMISTIC) {
			ents[i].kind = S6P_WAIT_MASKED;
		} else if (c && c->state == S6P_CONN_FAILED && c->opt_counted) {
			ents[i].kind = S6P_WAIT_FAILED;
		}
		if (ents[i].kind == S6P_WAIT_SWAPPED || ents[i].kind == S6P_WAIT_MASKED) {
			ents[i].c = c;
			c->notify_users++;
		}
	}
	s6p_fdtab_unlock();
	return m;
}

/* Release the referenced entries; mark those whose handshake ended. */
static void s6p_wait_unswap(struct s6p_wait_ent *ents, nfds_t n)
{
	s6p_fdtab_lock();
	for (nfds_t i = 0; i < n; i++) {
		struct s6p_conn *c = ents[i].c;
		if (!c)
			continue;
		if (!c->forgotten && c->state != S6P_CONN_PENDING &&
		    c->state != S6P_CONN_OPTIMISTIC)
			ents[i].ended = c->state == S6P_CONN_FAILED ? 2 : 1;
		s6p_conn_unref_locked(c);
		ents[i].c = NULL;
	}
	s6p_fdtab_unlock();
}

/* Fill the program's revents; returns the number of ready entries. */
static int s6p_wait_collect(struct pollfd *fds, const struct pollfd *work,
			    const struct s6p_wait_ent *ents, nfds_t n)
{
	int ready = 0;

	for (nfds_t i = 0; i < n; i++) {
		short re = work[i].revents;
		if (ents[i].kind == S6P_WAIT_SWAPPED)
			re = 0;
		else if (ents[i].kind == S6P_WAIT_MASKED)
			re &= ~(S6P_POLL_INPUT | POLLERR | POLLHUP); /* the driver judges those */
		else if (ents[i].kind == S6P_WAIT_FAILED)
			re |= POLLERR | POLLHUP;
		if (ents[i].ended) {
			struct pollfd one = {.fd = fds[i].fd, .events = fds[i].events};
			S6P_REAL(poll)(&one, 1, 0);
			re = one.revents | (ents[i].ended == 2 ? POLLERR | POLLHUP : 0);
		}
		fds[i].revents = re;
		if (re)
			ready++;
	}
	return ready;
}

static int s6p_wait_once(struct pollfd *work, nfds_t n, int64_t left, const sigset_t *sigmask)
{
	if (!sigmask)
		return S6P_REAL(poll)(work, n, left < 0 ? -1 : (int)left);
	struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000};
	return S6P_REAL(ppoll)(work, n, left < 0 ? NULL : &ts, sigmask);
}

int s6p_wait_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	struct pollfd *work = calloc(n ? 2 * n : 1, sizeof *work);
	struct s6p_wait_ent *ents = calloc(n ? n : 1, sizeof *ents);
	int64_t deadline = timeout_ms < 0 ? -1 : s6_now_ms() + timeout_ms;
	int rc;

	if (!work || !ents) {
		free(work), free(ents);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - s6_now_ms();
		if (left < 0 && deadline >= 0)
			left = 0;
		nfds_t m = s6p_wait_swap(fds, work, ents, n);
		rc = s6p_wait_once(work, m, left, sigmask);
		int saved = errno;
		s6p_wait_unswap(ents, n);
		if (rc < 0) {
			errno = saved;
			break;
		}
		rc = s6p_wait_collect(fds, work, ents, n);
		/* Wake-ups that only concern handshakes still running do not count. */
		if (rc > 0 || left == 0)
			break;
	}
	free(work), free(ents);
	return rc;
}
