/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic SOCKS6 connect: the connect path and what the read, write and
 * wait hooks do with a connection whose replies are outstanding (see
 * s6p_opt.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include "s6_addr.h"
#include "s6_iov.h"
#include "s6_log.h"
#include "s6_tfo.h"
#include "s6p_driver.h"
#include "s6p_engine.h"
#include "s6p_io.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_s6.h"
#include "s6p_state.h"

bool s6p_opt_applies(void)
{
	const s6_config *cfg = &s6p_state()->cfg;
	const char *user, *pass;

	if (!s6_scheme_is_socks6(cfg->proxy.scheme) || !cfg->s6.optimistic ||
	    cfg->fail == S6_FAIL_OPEN)
		return false; /* fail open must see the proxy fail before it answers */
	/* The slow path sends credentials after the first reply: no program
	 * byte may be on the wire before them. */
	return cfg->s6.auth != S6_S6AUTH_SLOW || !s6p_s6_credentials(&user, &pass);
}

/* ---- connect */

static bool s6p_opt_tfo_on(int fd)
{
	int one = 1;

	/* socks6+tls: the engine's loopback leg gains nothing from it (the
	 * engine does TCP Fast Open toward the proxy). */
	if (!s6_tfo_proxy_enabled(s6p_state()->cfg.s6.tfo_proxy) || s6p_engine_scheme())
		return false;
	return setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) == 0;
}

bool s6p_opt_tfo_probe(int fd, const struct sockaddr *sa)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage plain;

	if (st->broken || !s6p_opt_applies() || !s6_tfo_proxy_enabled(st->cfg.s6.tfo_proxy) ||
	    s6p_engine_scheme())
		return false;
	s6_addr_unmap(sa, &plain);
	if (s6_config_excluded(&st->cfg, (struct sockaddr *)&plain))
		return false; /* a direct connection keeps the program's options */
	return s6p_opt_tfo_on(fd);
}

void s6p_opt_tfo_off(int fd)
{
	int off = 0;

	setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &off, sizeof off);
}

/* How connect() to the proxy went. */
struct s6p_opt_start {
	bool tcp_up;      /* connected (or deferred: TFO cookie) */
	bool tfo;         /* TCP_FASTOPEN_CONNECT is set */
	bool at_once;     /* connect() returned 0 itself */
	bool nonblock;    /* the program's socket is non-blocking */
	unsigned flags_epoch; /* s6p_flags_epoch when the flags were read */
};

/* The OPTIMISTIC entry, handed to the driver (its safety net and deadline).
 * A blocking socket's entry is not polled by the driver: the program's
 * own calls advance it (s6p_driver.h) unless it waits in epoll. */
static int s6p_opt_register(int fd, const struct s6p_target *t, const struct sockaddr_storage *proxy,
			    socklen_t plen, const struct s6p_opt_start *how, int64_t deadline)
{
	int rc = ENOMEM;

	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_new_locked(fd);
	if (c) {
		s6p_target_to_conn(t, c, S6P_CONN_OPTIMISTIC);
		c->s6 = s6p_s6_new(t);
		c->opt_phase = S6P_OPT_UNSENT;
		c->tcp_up = how->tcp_up;
		c->opt_tfo = how->tfo;
		c->opt_syn_deferred = how->tfo && how->at_once;
		c->driven = how->nonblock || s6p_epreg_list_locked(fd) != NULL;
		c->nonblock = how->nonblock;
		c->flags_epoch = how->flags_epoch;
		c->proxy = *proxy;
		c->proxy_len = plen;
		c->deadline_ms = deadline;
		c->opt_flush_ms = s6_now_ms() + S6P_OPT_FLUSH_MS;
		s6p_opt_count_locked(c);
		s6p_epoll_hold_locked(c);
		rc = c->s6 ? s6p_driver_add_locked(c) : ENOMEM;
		if (rc != 0)
			s6p_conn_end_locked(c, S6P_CONN_FAILED); /* err 0: a fresh socket again */
	}
	s6p_fdtab_unlock();
	return rc;
}

/* The deferred-connect hint (per process): the last connect() to the proxy
 * came back at once because the kernel held a TFO cookie for it. Within
 * S6P_OPT_DEFER_HINT_MS the next blocking socket calls connect() directly,
 * without the O_NONBLOCK dance: with the cookie still there it defers again.
 * The proxy address is kept as a hash; a torn read only costs the dance. */
#define S6P_OPT_DEFER_HINT_MS (30 * 60 * 1000) /* the kernel keeps cookies an hour */
#define S6P_OPT_DEFER_SLOW_MS 2                /* a connect that took this long
						* did a handshake: no cookie */
static _Atomic uint64_t s6p_opt_hint_key;
static _Atomic int64_t s6p_opt_hint_ms;

static uint64_t s6p_opt_hint_hash(const struct sockaddr_storage *sa, socklen_t len)
{
	const uint8_t *p = (const uint8_t *)sa;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (socklen_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h | 1; /* never the empty key */
}

static void s6p_opt_hint_set(const struct sockaddr_storage *sa, socklen_t len, bool deferred)
{
	atomic_store_explicit(&s6p_opt_hint_key, deferred ? s6p_opt_hint_hash(sa, len) : 0,
			      memory_order_relaxed);
	atomic_store_explicit(&s6p_opt_hint_ms, s6_now_ms(), memory_order_relaxed);
}

static bool s6p_opt_hint_fresh(const struct sockaddr_storage *sa, socklen_t len)
{
	int64_t at = atomic_load_explicit(&s6p_opt_hint_ms, memory_order_relaxed);

	return atomic_load_explicit(&s6p_opt_hint_key, memory_order_relaxed) ==
	       s6p_opt_hint_hash(sa, len) && s6_now_ms() - at < S6P_OPT_DEFER_HINT_MS;
}

/* TCP_SYNCNT for a blocking connect() bounded by connect-timeout: with the
 * 1 s initial RTO and doubling, n retries give up after 2^(n+1) - 1 s.
 * 0 when even one retry (3 s) does not fit: no direct connect then. */
int s6p_opt_syncnt(int64_t timeout_ms)
{
	int n = 0;

	while (n < 127 && ((int64_t)2 << (n + 1)) - 1 <= timeout_ms / 1000)
		n++;
	return n;
}

/* A blocking socket with a fresh hint: connect() directly, its SYN retries
 * bounded by TCP_SYNCNT. False when the hint does not apply. */
static bool s6p_opt_connect_direct(int fd, const struct sockaddr_storage *proxy, socklen_t plen,
				   struct s6p_opt_start *how, int *rc)
{
	int syncnt = s6p_opt_syncnt(s6p_state()->cfg.connect_timeout_ms);

	if (how->nonblock || !how->tfo || syncnt == 0 || !s6p_opt_hint_fresh(proxy, plen) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof syncnt) != 0)
		return false;
	int64_t t0 = s6_now_ms();
	*rc = S6P_REAL(connect)(fd, (const struct sockaddr *)proxy, plen) == 0 ? 0 : errno;
	/* A fast return is taken as deferred even after a (local) handshake:
	 * that only makes the replay rules stricter than needed. */
	how->tcp_up = *rc == 0;
	how->at_once = *rc == 0 && s6_now_ms() - t0 < S6P_OPT_DEFER_SLOW_MS;
	if (!how->at_once)
		s6p_opt_hint_set(proxy, plen, false);
	return true;
}

int s6p_opt_connect(int fd, int flags, const struct s6p_target *t, bool tfo_set)
{
	int64_t deadline = s6_now_ms() + s6p_state()->cfg.connect_timeout_ms;
	struct sockaddr_storage proxy;
	socklen_t plen;
	struct s6p_opt_start how = {
		.nonblock = flags & O_NONBLOCK,
		.flags_epoch = atomic_load_explicit(&s6p_flags_epoch, memory_order_relaxed),
	};
	int rc = s6p_proxy_pick(fd, t->dest.ss_family, &proxy, &plen);

	if (rc == 0) {
		how.tfo = tfo_set || s6p_opt_tfo_on(fd);
		/* With a TFO cookie the kernel defers the SYN to the first send:
		 * connect returns 0 at once, blocking socket or not. */
		if (s6p_opt_connect_direct(fd, &proxy, plen, &how, &rc)) {
			/* done: rc and how are set */
		} else if (how.nonblock) {
			if (S6P_REAL(connect)(fd, (struct sockaddr *)&proxy, plen) == 0)
				how.tcp_up = how.at_once = true;
			else if (errno != EINPROGRESS)
				rc = errno;
		} else {
			rc = s6p_connect_timed(fd, flags, (struct sockaddr *)&proxy, plen, deadline,
					       &how.at_once);
			how.tcp_up = rc == 0;
		}
		if (rc == 0 && how.tfo && !how.nonblock)
			s6p_opt_hint_set(&proxy, plen, how.at_once);
	}
	if (rc == 0)
		rc = s6p_opt_register(fd, t, &proxy, plen, &how, deadline);
	if (rc != 0) {
		s6p_disconnect(fd);
		s6_log(S6_LOG_ERROR, "proxy %s target %s: cannot reach proxy: %s",
		       s6p_state()->proxy_str, t->label, strerror(rc));
		errno = rc;
		return -1;
	}
	if (flags & O_NONBLOCK) {
		errno = EINPROGRESS;
		return -1;
	}
	return 0;
}

/* ---- the hooks' side */

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

/* The flags read at connect() serve until an F_SETFL or FIONBIO anywhere
 * (s6p_fdtab.h): one F_GETFL per connection, not one per call. */
static bool s6p_opt_nonblocking(struct s6p_conn *c, int flags)
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
static bool s6p_opt_answer_locked(struct s6p_conn *c, ssize_t *ret)
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
static int s6p_opt_poll_locked(struct s6p_conn *c, short events, int64_t left_ms, bool poke)
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
static int s6p_opt_wait_locked(struct s6p_conn *c, bool until_flushed)
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
static int s6p_opt_settle_locked(struct s6p_conn *c, int64_t until_ms)
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

/* The gates: the fd's optimistic connection with the table locked, or NULL
 * (nothing locked) on the fast path; the end keeps the answer's errno. */
static struct s6p_conn *s6p_opt_gate_begin(int fd)
{
	if (!s6p_fdtab_watching())
		return NULL;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_opt_lookup_locked(fd);
	if (!c)
		s6p_fdtab_unlock();
	return c;
}

static bool s6p_opt_gate_end(bool answered)
{
	int saved = errno;

	s6p_fdtab_unlock();
	errno = saved;
	return answered;
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

/* The first write: its first bytes become the Request's initial data. */
static bool s6p_opt_first_write_locked(struct s6p_conn *c, const struct iovec *iov, int cnt,
				       int flags, ssize_t *ret)
{
	uint8_t *buf = malloc(S6_S6_INITIAL_DATA_MAX);
	size_t n, total = s6_iov_total(iov, (size_t)cnt);

	if (!buf) {
		errno = ENOBUFS;
		*ret = -1;
		return true;
	}
	n = s6_iov_gather(iov, (size_t)cnt, buf, S6_S6_INITIAL_DATA_MAX);
	s6p_conn_send_request_locked(c, buf, n);
	explicit_bzero(buf, n);
	free(buf);
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

/* The program's first bytes are ours until the proxy has the SYN's answer
 * (the write returned without waiting for it): let them leave before the
 * socket goes, within until_ms. */
static void s6p_opt_settle_fd_locked(int fd, int64_t until_ms)
{
	struct s6p_conn *c = s6p_conn_get_locked(fd);

	if (c && c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_REPLIES &&
	    c->s6 && c->s6->p.initial_data_len > 0 && s6p_conn_get_checked_locked(fd) == c)
		s6p_opt_settle_locked(c, until_ms < c->deadline_ms ? until_ms : c->deadline_ms);
}

void s6p_opt_before_close(int fd)
{
	if (atomic_load_explicit(&s6p_opt_count, memory_order_relaxed) == 0)
		return;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_locked(fd);
	if (!c || c->fd_refs <= 1) /* a copy stays open: nothing is dropped */
		s6p_opt_settle_fd_locked(fd, s6_now_ms() + S6P_OPT_CLOSE_WAIT_MS);
	s6p_fdtab_unlock();
}

void s6p_opt_settle_all(int64_t until_ms)
{
	int fds[64], n = 0;

	if (atomic_load_explicit(&s6p_opt_count, memory_order_relaxed) == 0)
		return;
	s6p_fdtab_lock();
	/* Settling drops the lock: take the numbers first. */
	for (struct s6p_conn *c = s6p_driver_list_locked(); c && n < 64; c = c->next_pending)
		if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_REPLIES)
			fds[n++] = c->fd;
	for (int i = 0; i < n; i++)
		s6p_opt_settle_fd_locked(fds[i], until_ms);
	s6p_fdtab_unlock();
}
