/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic connect: the write hooks' side. The program's first write
 * becomes the Request's initial data; later ones pass behind the Request
 * (see s6p_opt.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "s6_iov.h"
#include "s6_socks6_client.h"
#include "s6p_driver.h"
#include "s6p_opt.h"
#include "s6p_opt_int.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_s6.h"

/* A blocking write gives all its bytes, as the kernel would: once the
 * Request is out, what did not fit in the initial data follows directly. */
static ssize_t s6p_opt_write_rest(struct s6p_conn *c, const struct iovec *iov, int cnt,
				  int flags, size_t skip)
{
	struct iovec rest[64];
	struct msghdr msg = {.msg_iov = rest};
	int i = 0;

	for (; i < cnt && skip >= iov[i].iov_len; i++)
		skip -= iov[i].iov_len;
	for (; i < cnt && msg.msg_iovlen < 64; i++, skip = 0) {
		rest[msg.msg_iovlen].iov_base = (uint8_t *)iov[i].iov_base + skip;
		rest[msg.msg_iovlen++].iov_len = iov[i].iov_len - skip;
	}
	if (msg.msg_iovlen == 0)
		return 0; /* what was taken is the answer */
	if (c->state != S6P_CONN_OPTIMISTIC && c->state != S6P_CONN_CONNECTED)
		return 0; /* failed: the next call says so */
	c->opt_passthru = true;
	int fd = c->fd;
	s6p_fdtab_unlock();
	ssize_t n = S6P_REAL(sendmsg)(fd, &msg, flags);
	s6p_fdtab_lock();
	return n > 0 ? n : 0;
}

/* The Request with the first bytes of iov as initial data; their number
 * (at most S6_S6_INITIAL_DATA_MAX), or -1 without memory. The request keeps
 * its own copy: one buffer (write, send) is handed over as it is. */
static ssize_t s6p_opt_send_first(struct s6p_conn *c, const struct iovec *iov, int cnt)
{
	size_t n;
	uint8_t *buf;

	if (cnt == 1 || iov[0].iov_len >= S6_S6_INITIAL_DATA_MAX) {
		n = iov[0].iov_len < S6_S6_INITIAL_DATA_MAX ? iov[0].iov_len : S6_S6_INITIAL_DATA_MAX;
		s6p_conn_send_request_locked(c, iov[0].iov_base, n);
		return (ssize_t)n;
	}
	buf = malloc(S6_S6_INITIAL_DATA_MAX);
	if (!buf)
		return -1;
	n = s6_iov_gather(iov, (size_t)cnt, buf, S6_S6_INITIAL_DATA_MAX);
	s6p_conn_send_request_locked(c, buf, n);
	explicit_bzero(buf, n);
	free(buf);
	return (ssize_t)n;
}

/* The first write: its first bytes become the Request's initial data. */
static bool s6p_opt_first_write_locked(struct s6p_conn *c, const struct iovec *iov, int cnt,
				       int flags, ssize_t *ret)
{
	size_t total = s6_iov_total(iov, (size_t)cnt);
	ssize_t taken = s6p_opt_send_first(c, iov, cnt);

	if (taken < 0) {
		errno = ENOBUFS;
		*ret = -1;
		return true;
	}
	size_t n = (size_t)taken;
	if (c->state == S6P_CONN_FAILED)
		return s6p_opt_answer_locked(c, ret);
	*ret = (ssize_t)n;
	if (total == n && c->hs.out_len == 0)
		return true; /* the common case: close and exit settle (below) */
	if (s6p_opt_nonblocking(c, flags)) {
		if (c->hs.out_len > 0)
			s6p_driver_arm_locked(c); /* bytes behind the SYN */
		return true;
	}
	/* A blocking write returns once its bytes are the kernel's, as after
	 * a completed connect (a program may exit right after it, and a
	 * shutdown() in SYN-SENT would drop them). */
	c->notify_users++; /* settle and write_rest drop the lock */
	if (s6p_opt_settle_locked(c, c->deadline_ms) == 0 && total > n)
		*ret += s6p_opt_write_rest(c, iov, cnt, flags, n);
	s6p_conn_unref_locked(c);
	return true;
}

static bool s6p_opt_write_locked(struct s6p_conn *c, const struct iovec *iov, int cnt,
				 int flags, bool may_take, ssize_t *ret)
{
	if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_UNSENT) {
		if (may_take && !(flags & MSG_OOB) && s6_iov_total(iov, (size_t)cnt) > 0)
			return s6p_opt_first_write_locked(c, iov, cnt, flags, ret);
		s6p_conn_send_request_locked(c, NULL, 0);
	}
	s6p_conn_poke_locked(c);
	if (c->state == S6P_CONN_OPTIMISTIC && c->hs.out_len > 0 &&
	    !s6p_opt_nonblocking(c, flags)) {
		int err = s6p_opt_wait_locked(c, true);
		if (err) {
			errno = err;
			*ret = -1;
			return true;
		}
	}
	if (c->state == S6P_CONN_OPTIMISTIC && c->hs.out_len == 0) {
		c->opt_passthru = true; /* behind the Request: the kernel keeps the order */
		return false;
	}
	return s6p_opt_answer_locked(c, ret);
}

bool s6p_opt_write_gate(int fd, const struct iovec *iov, int cnt, int flags, bool may_take,
			ssize_t *ret)
{
	struct s6p_conn *c = s6p_opt_gate_begin(fd);

	return c && s6p_opt_gate_end(s6p_opt_write_locked(c, iov, cnt < 0 ? 0 : cnt, flags,
							  may_take, ret));
}
