/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poll, ppoll and their fortified entry points. */
#include <errno.h>
#include <stdlib.h>
#include "s6p_real.h"
#include "s6p_udp_hold.h"
#include "s6p_wait.h"

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		const sigset_t *sigmask, size_t fdslen);

S6P_HOOK int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!s6p_wait_needed())
		return S6P_REAL(poll)(fds, n, timeout);
	return s6p_udp_wait_poll(fds, n, timeout, NULL);
}

static int s6p_ts_ms(const struct timespec *ts)
{
	if (!ts)
		return -1;
	long long ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

S6P_HOOK int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *sigmask)
{
	if (!s6p_wait_needed())
		return S6P_REAL(ppoll)(fds, n, ts, sigmask);
	if (!sigmask) {
		sigset_t cur;
		pthread_sigmask(SIG_SETMASK, NULL, &cur);
		return s6p_udp_wait_poll(fds, n, s6p_ts_ms(ts), &cur);
	}
	return s6p_udp_wait_poll(fds, n, s6p_ts_ms(ts), sigmask);
}

S6P_HOOK int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof *fds < n)
		abort(); /* what the fortified libc does on a buffer overflow */
	return poll(fds, n, timeout);
}

S6P_HOOK int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
			 const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof *fds < n)
		abort();
	return ppoll(fds, n, ts, sigmask);
}
