/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How a non-blocking or optimistic proxied connection advances and ends.
 * Every transition out of PENDING or OPTIMISTIC goes through
 * s6p_conn_end_locked(), which gives the program back its epoll
 * registrations and wakes its pollers; OPTIMISTIC's own step from UNSENT to
 * REPLIES is s6p_conn_send_request_locked(). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6_socks4_client.h"
#include "s6_tfo.h"
#include "s6p_cip.h"
#include "s6p_driver.h"
#include "s6p_io.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_s6.h"
#include "s6p_state.h"
#include "s6p_target.h"

struct epoll_event s6p_epoll_masked(const struct epoll_event *user, int fd)
{
	struct epoll_event ev;

	/* Keep the mode bits, drop the readiness interest: only EPOLLERR/HUP
	 * can still fire, and those carry our tag so epoll_wait drops them. */
	ev.events = user->events & (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP);
	ev.data.u64 = s6p_epoll_mask_tag(fd);
	return ev;
}

static void s6p_epoll_apply(int epfd, int fd, struct epoll_event *ev)
{
	if (S6P_REAL(epoll_ctl)(epfd, EPOLL_CTL_MOD, fd, ev) < 0 && errno == ENOENT)
		S6P_REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, fd, ev); /* socket was replaced */
}

/* OPTIMISTIC: the program may write (its bytes follow the Request) but
 * must not see the replies as input. With no output interest left the
 * registration is tagged like a held one, so a stray EPOLLHUP is dropped;
 * otherwise it keeps the program's data, and an EPOLLHUP or EPOLLERR it
 * sees leads to a read that reports the failure. */
struct epoll_event s6p_epoll_masked_input(const struct epoll_event *user, int fd)
{
	struct epoll_event ev = *user;

	ev.events &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLPRI | EPOLLRDHUP);
	if (!(ev.events & (EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND)))
		ev.data.u64 = s6p_epoll_mask_tag(fd);
	return ev;
}

/* Every number of c (a dup shares the connection) has its own
 * registrations: hold or release them all. */
static void s6p_epoll_each_fd_locked(struct s6p_conn *c, bool hold)
{
	int fd = c->fd;

	for (int i = 0; i < c->fd_refs; i++, fd = s6p_conn_next_fd_locked(c, fd)) {
		for (struct s6p_epreg *r = s6p_epreg_list_locked(fd); r; r = r->next) {
			struct epoll_event ev = r->ev;
			if (hold && c->state == S6P_CONN_OPTIMISTIC)
				ev = s6p_epoll_masked_input(&r->ev, fd);
			else if (hold)
				ev = s6p_epoll_masked(&r->ev, fd);
			s6p_epoll_apply(r->epfd, fd, &ev);
		}
	}
}

void s6p_epoll_hold_locked(struct s6p_conn *c)
{
	s6p_epoll_each_fd_locked(c, true);
}

void s6p_epoll_release_locked(struct s6p_conn *c)
{
	s6p_epoll_each_fd_locked(c, false);
}

void s6p_conn_end_locked(struct s6p_conn *c, enum s6p_conn_state st)
{
	uint64_t one = 1;

	s6p_driver_remove_locked(c);
	c->state = st;
	/* A failed optimistic connect stays counted until the program is told. */
	if (st != S6P_CONN_FAILED || c->err == 0)
		s6p_opt_uncount_locked(c);
	s6p_epoll_release_locked(c);
	if (c->notify_fd >= 0) {
		(void)!S6P_REAL(write)(c->notify_fd, &one, sizeof one);
		if (c->notify_users == 0) {
			S6P_REAL(close)(c->notify_fd);
			c->notify_fd = -1;
		}
	}
}

void s6p_conn_fail_locked(struct s6p_conn *c, int err, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	s6_log(S6_LOG_ERROR, "proxy %s target %s: %s", s6p_state()->proxy_str, c->target, why);
	if (c->s6)
		s6p_s6_abandon(c->s6);
	c->err = err;
	s6p_disconnect(c->fd);
	s6p_conn_end_locked(c, S6P_CONN_FAILED);
}

bool s6p_conn_start_locked(struct s6p_conn *c, const struct s6p_target *t)
{
	s6_err err;

	if (s6_scheme_is_socks6(s6p_state()->cfg.proxy.scheme)) {
		c->s6 = s6p_s6_new(t);
		err = c->s6 ? s6p_s6_start(&c->hs, c->s6) : S6_ERR_NOMEM;
	} else if (s6p_cip_scheme()) {
		err = s6p_cip_start(&c->hs, t);
	} else {
		err = s6_socks4_client_start(&c->hs, &t->req);
	}
	if (err == S6_OK)
		return true;
	s6p_conn_fail_locked(c, s6_err_errno(err), "cannot build the proxy request: %s",
			     s6_strerror(err));
	return false;
}

/* SOCKS6 asked for another attempt: a new TCP connection to the proxy on
 * the same socket, within the same deadline; the driver takes it from
 * there (POLLOUT until the proxy accepts). */
static void s6p_conn_retry_locked(struct s6p_conn *c)
{
	s6_err err;
	int fl;

	if (c->state == S6P_CONN_OPTIMISTIC && c->opt_passthru) {
		/* The program's later bytes went to the connection the proxy
		 * refused: a new one would lose them. */
		s6p_conn_fail_locked(c, s6p_hs_errno(&c->hs),
				     "%s (not retried: the program has sent data already)", c->hs.why);
		return;
	}
	if (c->opt_tfo) {
		/* A retry is rare: no TFO, so nothing can be replayed. */
		int off = 0;
		setsockopt(c->fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &off, sizeof off);
		c->opt_tfo = false;
		c->s6->tfo_syn = false;
	}
	s6p_disconnect(c->fd);
	s6_hs_release(&c->hs);
	err = s6p_s6_start(&c->hs, c->s6);
	if (err != S6_OK) {
		s6p_conn_fail_locked(c, s6_err_errno(err), "cannot build the proxy request: %s",
				     s6_strerror(err));
		return;
	}
	c->tcp_up = false;
	/* Never block under the table lock (an optimistic socket may be blocking). */
	fl = S6P_REAL(fcntl)(c->fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		S6P_REAL(fcntl)(c->fd, F_SETFL, fl | O_NONBLOCK);
	int rc = S6P_REAL(connect)(c->fd, (struct sockaddr *)&c->proxy, c->proxy_len);
	int e = errno;
	if (fl >= 0 && !(fl & O_NONBLOCK))
		S6P_REAL(fcntl)(c->fd, F_SETFL, fl);
	errno = e;
	s6p_driver_arm_locked(c); /* the driver sees the new connection up */
	if (rc == 0) {
		c->tcp_up = true;
		s6p_conn_advance_locked(c); /* bounded: at most two retries */
	} else if (errno != EINPROGRESS) {
		s6p_conn_fail_locked(c, e, "cannot reach proxy again: %s", strerror(e));
	}
}

/* The machine ended: SOCKS6 judges the answer (and may try again). */
static void s6p_conn_hs_done_locked(struct s6p_conn *c, bool done)
{
	enum s6p_s6_next next = done ? S6P_S6_DONE : S6P_S6_FAILED;

	if (c->s6)
		next = s6p_s6_end(c->s6, &c->hs, done);
	switch (next) {
	case S6P_S6_DONE:
		s6_log(S6_LOG_INFO, "proxy %s target %s: connected", s6p_state()->proxy_str, c->target);
		s6p_conn_end_locked(c, S6P_CONN_CONNECTED);
		break;
	case S6P_S6_RETRY:
		s6p_conn_retry_locked(c);
		break;
	default:
		s6p_conn_fail_locked(c, s6p_hs_errno(&c->hs), "%s", c->hs.why);
		break;
	}
}

void s6p_conn_advance_locked(struct s6p_conn *c)
{
	if (!c->tcp_up) {
		int soerr = 0;
		socklen_t len = sizeof soerr;
		S6P_REAL(getsockopt)(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr != 0 && s6p_fail_open_direct_locked(c, soerr))
			return;
		if (soerr != 0) {
			s6p_conn_fail_locked(c, soerr, "cannot reach proxy: %s", strerror(soerr));
			return;
		}
		c->tcp_up = true;
	}
	/* SOCKS6 replies come in several parts: peek them in one call. */
	s6p_conn_step_result_locked(c, c->s6 ? s6p_hs_step_peek(&c->hs, c->fd)
					   : s6_hs_step(&c->hs, c->fd, &s6p_real_io));
}

void s6p_conn_step_result_locked(struct s6p_conn *c, s6_hs_status st)
{
	if (st == S6_HS_DONE)
		s6p_conn_hs_done_locked(c, true);
	else if (st == S6_HS_FAILED)
		s6p_conn_hs_done_locked(c, false);
}

void s6p_conn_timeout_locked(struct s6p_conn *c)
{
	unsigned ms = s6p_state()->cfg.connect_timeout_ms;

	if (!c->tcp_up)
		s6p_conn_fail_locked(c, ETIMEDOUT, "proxy did not accept the TCP connection within %u ms", ms);
	else
		s6p_conn_fail_locked(c, ETIMEDOUT, "no answer from proxy within %u ms", ms);
}

void s6p_conn_orphan_locked(struct s6p_conn *c)
{
	/* The parent owns this handshake; in the child the socket is left alone. */
	c->err = ECONNABORTED;
	s6p_driver_remove_locked(c);
	s6p_opt_uncount_locked(c);
	c->state = S6P_CONN_FAILED;
}

int s6p_conn_notify_locked(struct s6p_conn *c)
{
	if (c->notify_fd < 0)
		c->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return c->notify_fd;
}

/* OPTIMISTIC, connecting to the proxy without TFO: true once the TCP
 * connection is up; a refused one fails c (the program learns it from its
 * next call). */
static bool s6p_conn_tcp_check_locked(struct s6p_conn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLOUT};
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (S6P_REAL(poll)(&p, 1, 0) <= 0)
		return false;
	/* Writable without an error or hangup: connected. */
	if (p.revents & (POLLERR | POLLHUP))
		S6P_REAL(getsockopt)(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr != 0) {
		s6p_conn_fail_locked(c, soerr, "cannot reach proxy: %s", strerror(soerr));
		return false;
	}
	c->tcp_up = true;
	return true;
}

void s6p_conn_send_request_locked(struct s6p_conn *c, const void *data, size_t len)
{
	const s6_socks6_config *c6 = &s6p_state()->cfg.s6;
	/* Only a deferred connect (TFO cookie) puts the Request in a SYN; after
	 * a full TCP handshake nothing can be replayed. */
	bool syn = c->opt_syn_deferred;
	s6_err err = s6p_s6_set_initial_data(c->s6, data, len, syn);

	if (err == S6_OK)
		err = s6p_s6_start(&c->hs, c->s6);
	if (err != S6_OK) {
		s6p_conn_fail_locked(c, s6_err_errno(err), "cannot build the proxy request: %s",
				     s6_strerror(err));
		return;
	}
	c->opt_phase = S6P_OPT_REPLIES;
	s6p_driver_kick_locked(c); /* it now waits for the replies */
	if (!c->tcp_up && !s6p_conn_tcp_check_locked(c)) {
		s6p_driver_arm_locked(c); /* it sends once the proxy accepts */
		return;
	}
	c->opt_syn_deferred = false; /* the SYN leaves with this send */
	/* The replay rule: without a token (auto), the SYN carries the Request
	 * and the program's bytes follow once the proxy has answered the SYN.
	 * Otherwise Request and bytes leave in one send: two sends would let
	 * Nagle hold the second until the first is acknowledged. */
	size_t upto = c->hs.out_len;
	if (syn && len && !s6_tfo_syn_may_carry_data(c6->tfo_proxy, c->s6->p.spend_token))
		upto -= len;
	/* No read yet: the replies are a round trip away. */
	if (s6_hs_send_upto(&c->hs, c->fd, &s6p_real_io, upto) == S6_HS_FAILED)
		s6p_conn_hs_done_locked(c, false);
}

void s6p_conn_poke_locked(struct s6p_conn *c)
{
	if (c->state != S6P_CONN_OPTIMISTIC)
		return;
	if (!c->tcp_up && !s6p_conn_tcp_check_locked(c))
		return;
	if (c->opt_phase == S6P_OPT_REPLIES)
		s6p_conn_advance_locked(c);
}

short s6p_conn_driver_events_locked(const struct s6p_conn *c, int64_t *wake_ms)
{
	short ev = c->tcp_up ? s6_hs_events(&c->hs) : POLLOUT;

	*wake_ms = c->deadline_ms;
	if (c->state != S6P_CONN_OPTIMISTIC)
		return ev ? ev : POLLOUT;
	if (c->opt_phase == S6P_OPT_UNSENT) {
		/* Only errors wake us before the safety net sends the Request. */
		if (c->opt_flush_ms < *wake_ms)
			*wake_ms = c->opt_flush_ms;
		return 0;
	}
	return ev ? ev : POLLIN;
}

void s6p_conn_service_locked(struct s6p_conn *c, short revents, int64_t now)
{
	if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_UNSENT) {
		/* The safety net: a Request is never left unsent. The program
		 * is busy elsewhere, so the driver takes the replies too. */
		if (revents || now >= c->opt_flush_ms) {
			s6p_driver_arm_locked(c);
			s6p_conn_send_request_locked(c, NULL, 0);
		}
	} else if (revents) {
		s6p_conn_advance_locked(c); /* may free c (fail open) */
		return;
	} else if (!c->driven && now >= c->deadline_ms) {
		s6p_conn_poke_locked(c); /* replies nobody has read yet */
	}
	if ((c->state == S6P_CONN_PENDING || c->state == S6P_CONN_OPTIMISTIC) &&
	    now >= c->deadline_ms)
		s6p_conn_timeout_locked(c);
}
