/* SPDX-License-Identifier: GPL-2.0-or-later */
/* select and pselect: while a handshake is pending they run through the same
 * wait as poll, translated to and from fd_sets. */
#include <errno.h>
#include <stdlib.h>
#include "s6_handshake.h"
#include "s6p_real.h"
#include "s6p_udp_hold.h"
#include "s6p_wait.h"

#define S6P_IN_SET (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define S6P_OUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)

static nfds_t s6p_sets_to_poll(int nfds, fd_set *r, fd_set *w, fd_set *e, struct pollfd *p)
{
	nfds_t n = 0;

	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;
		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev)
			p[n++] = (struct pollfd){.fd = fd, .events = ev};
	}
	return n;
}

static int s6p_poll_to_sets(const struct pollfd *p, nfds_t n, fd_set *r, fd_set *w, fd_set *e)
{
	int count = 0;

	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (nfds_t i = 0; i < n; i++) {
		short re = p[i].revents;
		if (re & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
		if (r && (p[i].events & POLLIN) && (re & S6P_IN_SET))
			FD_SET(p[i].fd, r), count++;
		if (w && (p[i].events & POLLOUT) && (re & S6P_OUT_SET))
			FD_SET(p[i].fd, w), count++;
		if (e && (p[i].events & POLLPRI) && (re & POLLPRI))
			FD_SET(p[i].fd, e), count++;
	}
	return count;
}

static int s6p_select_wait(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout_ms,
			   const sigset_t *sigmask)
{
	struct pollfd *p;
	int rc;

	if (nfds < 0 || nfds > FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	p = calloc(nfds ? (size_t)nfds : 1, sizeof *p);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	nfds_t n = s6p_sets_to_poll(nfds, r, w, e, p);
	rc = s6p_udp_wait_poll(p, n, timeout_ms, sigmask);
	if (rc >= 0)
		rc = s6p_poll_to_sets(p, n, r, w, e);
	free(p);
	return rc;
}

S6P_HOOK int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	if (!s6p_wait_needed())
		return S6P_REAL(select)(nfds, r, w, e, tv);
	int64_t start = s6_now_ms();
	int ms = tv ? (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000) : -1;
	int rc = s6p_select_wait(nfds, r, w, e, ms, NULL);
	if (tv) {
		/* Linux reports the time not slept. */
		int64_t left = ms - (s6_now_ms() - start);
		left = left < 0 ? 0 : left;
		tv->tv_sec = left / 1000;
		tv->tv_usec = (left % 1000) * 1000;
	}
	return rc;
}

S6P_HOOK int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		     const sigset_t *sigmask)
{
	sigset_t cur;

	if (!s6p_wait_needed())
		return S6P_REAL(pselect)(nfds, r, w, e, ts, sigmask);
	int ms = ts ? (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000) : -1;
	if (!sigmask) {
		pthread_sigmask(SIG_SETMASK, NULL, &cur);
		sigmask = &cur;
	}
	return s6p_select_wait(nfds, r, w, e, ms, sigmask);
}
