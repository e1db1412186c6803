/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "s6_handshake.h"
#include "s6p_real.h"
#include "s6p_wait.h"

/* Swap pending sockets for their eventfds; returns how many were swapped. */
static int s6p_wait_swap(const struct pollfd *fds, struct pollfd *work,
			 struct s6p_conn **held, nfds_t n)
{
	int swapped = 0;

	memcpy(work, fds, n * sizeof *work);
	s6p_fdtab_lock();
	for (nfds_t i = 0; i < n; i++) {
		struct s6p_conn *c = fds[i].fd >= 0 ? s6p_conn_get_locked(fds[i].fd) : NULL;
		held[i] = NULL;
		if (c && c->state == S6P_CONN_PENDING && c->notify_fd >= 0) {
			work[i].fd = c->notify_fd;
			work[i].events = POLLIN;
			c->notify_users++;
			held[i] = c;
			swapped++;
		}
	}
	s6p_fdtab_unlock();
	return swapped;
}

/* Release the swapped entries; mark those whose handshake ended (1 ok, 2 failed). */
static void s6p_wait_unswap(struct s6p_conn **held, char *ended, nfds_t n)
{
	s6p_fdtab_lock();
	for (nfds_t i = 0; i < n; i++) {
		ended[i] = 0;
		if (!held[i])
			continue;
		if (!held[i]->forgotten && held[i]->state != S6P_CONN_PENDING)
			ended[i] = held[i]->state == S6P_CONN_FAILED ? 2 : 1;
		s6p_conn_unref_locked(held[i]);
	}
	s6p_fdtab_unlock();
}

/* Fill the program's revents; returns the number of ready entries. */
static int s6p_wait_collect(struct pollfd *fds, const struct pollfd *work,
			    struct s6p_conn **held, const char *ended, nfds_t n)
{
	int ready = 0;

	for (nfds_t i = 0; i < n; i++) {
		fds[i].revents = held[i] ? 0 : work[i].revents;
		if (ended[i]) {
			struct pollfd one = {.fd = fds[i].fd, .events = fds[i].events};
			S6P_REAL(poll)(&one, 1, 0);
			fds[i].revents = one.revents | (ended[i] == 2 ? POLLERR : 0);
		}
		if (fds[i].revents)
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
	struct pollfd *work = calloc(n ? n : 1, sizeof *work);
	struct s6p_conn **held = calloc(n ? n : 1, sizeof *held);
	char *ended = calloc(n ? n : 1, 1);
	int64_t deadline = timeout_ms < 0 ? -1 : s6_now_ms() + timeout_ms;
	int rc;

	if (!work || !held || !ended) {
		free(work), free(held), free(ended);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - s6_now_ms();
		if (left < 0 && deadline >= 0)
			left = 0;
		s6p_wait_swap(fds, work, held, n);
		rc = s6p_wait_once(work, n, left, sigmask);
		int saved = errno;
		s6p_wait_unswap(held, ended, n);
		if (rc < 0) {
			errno = saved;
			break;
		}
		rc = s6p_wait_collect(fds, work, held, ended, n);
		/* Wake-ups that only concern still-pending handshakes do not count. */
		if (rc > 0 || left == 0)
			break;
	}
	free(work), free(held), free(ended);
	return rc;
}
