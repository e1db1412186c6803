/* SPDX-License-Identifier: GPL-2.0-or-later */
/* epoll: every registration is recorded so that one made before connect()
 * can be held back during the proxy handshake (see s6p_proxy.h); events of a
 * held-back registration carry a tag and are dropped here. */
#include <errno.h>
#include "s6_handshake.h"
#include "s6p_driver.h"
#include "s6p_fdtab.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp_hold.h"

S6P_HOOK int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int rc;

	s6p_fdtab_lock();
	if (op == EPOLL_CTL_DEL) {
		rc = S6P_REAL(epoll_ctl)(epfd, op, fd, ev);
		if (rc == 0)
			s6p_epreg_del_locked(fd, epfd);
	} else if (!ev || (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD)) {
		rc = S6P_REAL(epoll_ctl)(epfd, op, fd, ev);
	} else {
		struct s6p_conn *c = s6p_conn_get_checked_locked(fd);
		struct epoll_event use = *ev;
		if (c && c->state == S6P_CONN_PENDING)
			use = s6p_epoll_masked(ev, fd);
		else if (c && c->state == S6P_CONN_OPTIMISTIC) {
			use = s6p_epoll_masked_input(ev, fd);
			s6p_driver_arm_locked(c); /* it restores the registration */
		}
		rc = S6P_REAL(epoll_ctl)(epfd, op, fd, &use);
		if (rc == 0)
			s6p_epreg_set_locked(fd, epfd, ev);
	}
	int saved = errno;
	s6p_fdtab_unlock();
	if (rc == 0 && ev && (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD))
		s6p_udp_epoll_after_ctl(fd); /* a held UDP socket: no output yet */
	errno = saved;
	return rc;
}

/* Drop tagged events in place (a failed UDP association's becomes its
 * socket's EPOLLERR); returns how many remain. */
static int s6p_epoll_filter(int epfd, struct epoll_event *events, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++) {
		if (!s6p_epoll_is_mask_tag(events[i].data.u64) ||
		    s6p_udp_eperr_translate(epfd, &events[i]))
			events[kept++] = events[i];
	}
	return kept;
}

static int s6p_epoll_wait_common(int epfd, struct epoll_event *events, int max,
				 int timeout, const sigset_t *sigmask, bool use_pwait)
{
	int64_t deadline = timeout < 0 ? -1 : s6_now_ms() + timeout;

	s6p_opt_epoll_wait_hint(epfd);
	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - s6_now_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		int n = use_pwait ? S6P_REAL(epoll_pwait)(epfd, events, max, (int)left, sigmask)
				  : S6P_REAL(epoll_wait)(epfd, events, max, (int)left);
		if (n <= 0)
			return n;
		n = s6p_epoll_filter(epfd, events, n);
		if (n > 0 || left == 0)
			return n;
	}
}

S6P_HOOK int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
	return s6p_epoll_wait_common(epfd, events, max, timeout, NULL, false);
}

S6P_HOOK int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
			 const sigset_t *sigmask)
{
	return s6p_epoll_wait_common(epfd, events, max, timeout, sigmask, true);
}
