/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic connect: how a hook finds the connection it must act on, and
 * how a blocking call waits for it (see s6p_opt_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include "s6p_driver.h"
#include "s6p_opt_int.h"
#include "s6p_proxy.h"
#include "s6p_real.h"

/* The entry of fd when a hook must act on it: a handshake in progress, or
 * a failure of an optimistic connect the program has not been told. */
static struct s6p_conn *s6p_opt_lookup_locked(int fd)
{
	struct s6p_conn *c = s6p_conn_get_locked(fd);

	if (!c || c->state == S6P_CONN_CONNECTED ||
	    (c->state == S6P_CONN_FAILED && !c->opt_counted))
		return NULL;
	return s6p_conn_get_checked_locked(fd);
}

/* The gates: the fd's optimistic connection with the table locked, or NULL
 * (nothing locked) on the fast path; the end keeps the answer's errno. */
struct s6p_conn *s6p_opt_gate_begin(int fd)
{
	if (!s6p_fdtab_watching())
		return NULL;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_opt_lookup_locked(fd);
	if (!c)
		s6p_fdtab_unlock();
	return c;
}

bool s6p_opt_gate_end(bool answered)
{
	int saved = errno;

	s6p_fdtab_unlock();
	errno = saved;
	return answered;
}

/* The flags read at connect() serve until an F_SETFL or FIONBIO anywhere
 * (s6p_fdtab.h): one F_GETFL per connection, not one per call. */
bool s6p_opt_nonblocking(struct s6p_conn *c, int flags)
{
	unsigned epoch = atomic_load_explicit(&s6p_flags_epoch, memory_order_relaxed);

	if (flags & MSG_DONTWAIT)
		return true;
	if (c->flags_epoch != epoch) {
		int fl = S6P_REAL(fcntl)(c->fd, F_GETFL);
		c->nonblock = fl < 0 || (fl & O_NONBLOCK);
		c->flags_epoch = epoch;
	}
	return c->nonblock;
}

/* After the gate's work: EAGAIN while the handshake runs, a failure once,
 * else the real call (false). */
bool s6p_opt_answer_locked(struct s6p_conn *c, ssize_t *ret)
{
	if (c->state == S6P_CONN_PENDING || c->state == S6P_CONN_OPTIMISTIC) {
		/* The program will wait somehow: the driver must move on. */
		s6p_driver_arm_locked(c);
		errno = EAGAIN;
		*ret = -1;
		return true;
	}
	if (c->state != S6P_CONN_FAILED || !c->opt_counted)
		return false;
	errno = c->err ? c->err : ECONNABORTED;
	c->err = 0;
	s6p_opt_uncount_locked(c);
	*ret = -1;
	return true;
}

/* One wait on c's socket with the lock dropped (the caller holds a
 * reference), then let the machine look at what changed. 0, or EINTR (a
 * signal), EBADF (closed meanwhile: c is gone once unreferenced). */
int s6p_opt_poll_locked(struct s6p_conn *c, short events, int64_t left_ms, bool poke)
{
	struct pollfd p = {.fd = c->fd, .events = events};

	s6p_fdtab_unlock();
	int n = S6P_REAL(poll)(&p, 1, (int)left_ms);
	int e = errno;
	s6p_fdtab_lock();
	if (c->forgotten)
		return EBADF;
	if (n < 0 && e == EINTR)
		return EINTR;
	if (poke)
		s6p_conn_poke_locked(c);
	return 0;
}

/* A blocking call waits, within connect-timeout, until the replies are in
 * (or, until_flushed, until the queued Request has left). The lock is
 * dropped while polling; a reference keeps c. Returns 0, or the errno to
 * answer with: EINTR (a signal), EBADF (closed meanwhile: c is gone). */
int s6p_opt_wait_locked(struct s6p_conn *c, bool until_flushed)
{
	int err = 0;

	c->notify_users++;
	while (!err && c->state == S6P_CONN_OPTIMISTIC && (!until_flushed || c->hs.out_len > 0)) {
		int64_t wake, left = c->deadline_ms - s6_now_ms();
		if (left <= 0) {
			s6p_conn_timeout_locked(c);
			break;
		}
		short ev = s6p_conn_driver_events_locked(c, &wake);
		err = s6p_opt_poll_locked(c, ev ? ev : POLLIN, left, true);
	}
	s6p_conn_unref_locked(c);
	return err;
}

/* The Request is out and the proxy has answered the SYN (or failed:
 * the next call tells). */
static bool s6p_opt_settled_locked(struct s6p_conn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLOUT};

	return c->state != S6P_CONN_OPTIMISTIC ||
	       (c->hs.out_len == 0 && S6P_REAL(poll)(&p, 1, 0) > 0);
}

/* Until the Request (with the program's first bytes) is out and the proxy
 * has answered the SYN, within until_ms: from then on the bytes are the
 * kernel's to deliver, while a close in SYN-SENT would drop them. The lock
 * is dropped while polling; 0, EINTR or EBADF (c is gone) as above. */
int s6p_opt_settle_locked(struct s6p_conn *c, int64_t until_ms)
{
	int err = 0;

	c->notify_users++;
	while (!err && c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_REPLIES) {
		int64_t left = until_ms - s6_now_ms();
		if (s6p_opt_settled_locked(c))
			break;
		if (left <= 0)
			break;
		err = s6p_opt_poll_locked(c, POLLOUT, left, true);
	}
	s6p_conn_unref_locked(c);
	return err;
}
