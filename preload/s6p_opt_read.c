/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic connect: the read hooks' side. The replies are taken off the
 * front of what the proxy sends before the program sees a byte; a program
 * that reads first sends the Request alone (see s6p_opt.h). */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include "s6p_driver.h"
#include "s6p_io.h"
#include "s6p_opt.h"
#include "s6p_opt_int.h"
#include "s6p_proxy.h"
#include "s6p_real.h"

static bool s6p_opt_read_locked(struct s6p_conn *c, int flags, ssize_t *ret)
{
	int err;

	if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_UNSENT)
		s6p_conn_send_request_locked(c, NULL, 0); /* the program reads first */
	s6p_conn_poke_locked(c);
	if (c->state == S6P_CONN_OPTIMISTIC && !s6p_opt_nonblocking(c, flags)) {
		err = s6p_opt_wait_locked(c, false);
		if (err) {
			errno = err;
			*ret = -1;
			return true;
		}
	}
	return s6p_opt_answer_locked(c, ret);
}

/* The common read: the Request is out on an established connection, the
 * replies are all that stands before the program's bytes. */
static bool s6p_opt_fast_ok(const struct s6p_conn *c)
{
	return c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_REPLIES &&
	       c->tcp_up && c->hs.out_len == 0;
}

/* One recv into the program's buffer: the machine parses the replies off
 * its front and what follows them is moved down. 1: answered (*ret bytes),
 * 0: nothing for the program yet (EAGAIN, or replies only), -1: EOF or an
 * error, for the general path (the machine's own recv reports it). */
static int s6p_opt_recv_replies_locked(struct s6p_conn *c, void *buf, size_t len, ssize_t *ret)
{
	size_t taken;
	ssize_t n = S6P_REAL(recv)(c->fd, buf, len, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return -1;
	s6p_conn_step_result_locked(c, s6p_hs_step_given(&c->hs, c->fd, buf, (size_t)n, &taken));
	if (c->state != S6P_CONN_CONNECTED || (size_t)n == taken)
		return 0; /* more replies to come, a retry, or failed: bytes dropped */
	memmove(buf, (uint8_t *)buf + taken, (size_t)n - taken);
	*ret = n - (ssize_t)taken;
	return 1;
}

/* A blocking read waits for input within connect-timeout; 0 (c may have
 * failed: timeout), EINTR or EBADF (c is gone once unreferenced). */
static int s6p_opt_wait_in_locked(struct s6p_conn *c)
{
	int64_t left = c->deadline_ms - s6_now_ms();

	if (left > 0)
		return s6p_opt_poll_locked(c, POLLIN, left, false);
	s6p_conn_timeout_locked(c);
	return 0;
}

/* read/recv into one buffer: poll (blocking only) and one recv take the
 * replies and the first bytes after them, no peek. Anything unusual (flags,
 * a socket not up, a retry) goes the general way. */
static bool s6p_opt_read_buf_locked(struct s6p_conn *c, void *buf, size_t len, int flags,
				    ssize_t *ret)
{
	int r = 0, err = 0;

	if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_UNSENT)
		s6p_conn_send_request_locked(c, NULL, 0); /* the program reads first */
	bool nb = s6p_opt_fast_ok(c) && s6p_opt_nonblocking(c, flags);
	c->notify_users++; /* the wait drops the lock */
	while (!err && s6p_opt_fast_ok(c)) {
		if (!nb)
			err = s6p_opt_wait_in_locked(c);
		if (err || !s6p_opt_fast_ok(c))
			break;
		r = s6p_opt_recv_replies_locked(c, buf, len, ret);
		if (r != 0 || nb)
			break;
	}
	s6p_conn_unref_locked(c);
	if (err) {
		errno = err;
		*ret = -1;
		return true;
	}
	if (r == 1)
		return true;
	if (r == 0 && (c->state != S6P_CONN_OPTIMISTIC || s6p_opt_fast_ok(c)))
		return s6p_opt_answer_locked(c, ret);
	return s6p_opt_read_locked(c, flags, ret);
}

bool s6p_opt_read_gate(int fd, int flags, ssize_t *ret)
{
	struct s6p_conn *c = s6p_opt_gate_begin(fd);

	return c && s6p_opt_gate_end(s6p_opt_read_locked(c, flags, ret));
}

bool s6p_opt_read_gate_buf(int fd, void *buf, size_t len, int flags, ssize_t *ret)
{
	struct s6p_conn *c = s6p_opt_gate_begin(fd);

	if (!c)
		return false;
	if (len == 0 || (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC)))
		return s6p_opt_gate_end(s6p_opt_read_locked(c, flags, ret));
	return s6p_opt_gate_end(s6p_opt_read_buf_locked(c, buf, len, flags, ret));
}

void s6p_opt_epoll_wait_hint(int epfd)
{
	struct s6p_conn *c, *next;

	if (atomic_load_explicit(&s6p_opt_count, memory_order_relaxed) == 0)
		return;
	s6p_fdtab_lock();
	for (c = s6p_driver_list_locked(); c; c = next) {
		next = c->next_pending;
		if (c->state != S6P_CONN_OPTIMISTIC || c->opt_phase != S6P_OPT_UNSENT)
			continue;
		for (struct s6p_epreg *r = s6p_epreg_list_locked(c->fd); r; r = r->next) {
			if (r->epfd == epfd && s6p_opt_reads_first(r->ev.events & EPOLLIN,
								   r->ev.events & EPOLLOUT)) {
				s6p_conn_send_request_locked(c, NULL, 0);
				break;
			}
		}
	}
	s6p_fdtab_unlock();
}
