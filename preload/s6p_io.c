/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include "s6p_io.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"
#include "s6p_state.h"

static ssize_t s6p_io_send(int fd, const void *buf, size_t len, int flags)
{
	return S6P_REAL(send)(fd, buf, len, flags);
}

static ssize_t s6p_io_recv(int fd, void *buf, size_t len, int flags)
{
	return S6P_REAL(recv)(fd, buf, len, flags);
}

static int s6p_io_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	return S6P_REAL(poll)(fds, n, timeout_ms);
}

const s6_io s6p_real_io = {s6p_io_send, s6p_io_recv, s6p_io_poll};

#define S6P_PEEK_MAX 1024

struct s6p_peek {
	int fd;
	size_t len, off;               /* bytes peeked; bytes the machine took */
	uint8_t buf[S6P_PEEK_MAX];
};

/* The step in progress on this thread (the I/O table has no context). */
static __thread struct s6p_peek *s6p_peek_cur;

/* Discard the bytes the machine took: they are replies, already parsed. */
static int s6p_peek_consume(struct s6p_peek *pk)
{
	while (pk->off > 0) {
		ssize_t n = S6P_REAL(recv)(pk->fd, NULL, pk->off, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > pk->off) {
			if (n >= 0)
				errno = EIO; /* cannot happen: the bytes were peeked */
			return -1;
		}
		pk->off -= (size_t)n;
	}
	pk->len = 0;
	return 0;
}

static ssize_t s6p_peek_recv(int fd, void *buf, size_t len, int flags)
{
	struct s6p_peek *pk = s6p_peek_cur;
	size_t take;

	if (!pk || pk->fd != fd)
		return S6P_REAL(recv)(fd, buf, len, flags);
	if (pk->off == pk->len && pk->len > 0 && pk->len < sizeof pk->buf) {
		/* All that had arrived is taken: the caller polls (which
		 * consumes it first) instead of a recv that finds nothing. */
		errno = EAGAIN;
		return -1;
	}
	if (pk->off == pk->len) {
		if (s6p_peek_consume(pk) < 0)
			return -1;
		ssize_t n = S6P_REAL(recv)(fd, pk->buf, sizeof pk->buf, flags | MSG_PEEK);
		if (n <= 0)
			return n;
		pk->len = (size_t)n;
	}
	take = len < pk->len - pk->off ? len : pk->len - pk->off;
	memcpy(buf, pk->buf + pk->off, take);
	pk->off += take;
	return (ssize_t)take;
}

/* A wait between steps: what the machine took must be gone, or the poll
 * would see it as new input. */
static int s6p_peek_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	if (s6p_peek_cur && s6p_peek_consume(s6p_peek_cur) < 0)
		return -1;
	return S6P_REAL(poll)(fds, n, timeout_ms);
}

static const s6_io s6p_peek_io = {s6p_io_send, s6p_peek_recv, s6p_peek_poll};

static s6_hs_status s6p_peek_end(struct s6p_peek *pk, s6_hs *hs, s6_hs_status st)
{
	s6p_peek_cur = NULL;
	if (s6p_peek_consume(pk) == 0 || st == S6_HS_FAILED)
		return st;
	/* Replies left in the socket would reach the program as data. */
	hs->sys_errno = errno;
	s6_hs_fail(hs, S6_ERR_IO, "receive from proxy: %s", strerror(errno));
	return S6_HS_FAILED;
}

s6_hs_status s6p_hs_step_peek(s6_hs *hs, int fd)
{
	struct s6p_peek pk = {.fd = fd};

	s6p_peek_cur = &pk;
	return s6p_peek_end(&pk, hs, s6_hs_step(hs, fd, &s6p_peek_io));
}

s6_hs_status s6p_hs_run_peek(s6_hs *hs, int fd, int timeout_ms)
{
	struct s6p_peek pk = {.fd = fd};

	s6p_peek_cur = &pk;
	return s6p_peek_end(&pk, hs, s6_hs_run(hs, fd, &s6p_peek_io, timeout_ms));
}

/* Bytes already received into the program's buffer, offered to the
 * machine: it takes only reply bytes (in_want), the rest is the program's. */
struct s6p_given {
	int fd;
	const uint8_t *buf;
	size_t len, off;
};

static __thread struct s6p_given *s6p_given_cur;

static ssize_t s6p_given_recv(int fd, void *buf, size_t len, int flags)
{
	struct s6p_given *g = s6p_given_cur;

	if (!g || g->fd != fd)
		return S6P_REAL(recv)(fd, buf, len, flags);
	if (g->off == g->len) {
		errno = EAGAIN; /* the caller receives more itself */
		return -1;
	}
	size_t take = len < g->len - g->off ? len : g->len - g->off;
	memcpy(buf, g->buf + g->off, take);
	g->off += take;
	return (ssize_t)take;
}

static const s6_io s6p_given_io = {s6p_io_send, s6p_given_recv, s6p_io_poll};

s6_hs_status s6p_hs_step_given(s6_hs *hs, int fd, const void *buf, size_t len, size_t *taken)
{
	struct s6p_given g = {.fd = fd, .buf = buf, .len = len};

	s6p_given_cur = &g;
	s6_hs_status st = s6_hs_step(hs, fd, &s6p_given_io);
	s6p_given_cur = NULL;
	*taken = g.off;
	return st;
}

static int s6p_left_ms(int64_t deadline_ms)
{
	int64_t left = deadline_ms - s6_now_ms();

	return left > 0 ? (int)left : 0;
}

s6_hs_status s6p_hs_run_request(s6_hs *hs, int fd, int64_t deadline_ms, bool peek)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	/* A poll that fails or times out leaves the rest to the run. */
	if (s6_hs_send_upto(hs, fd, &s6p_real_io, SIZE_MAX) == S6_HS_WANT_READ)
		S6P_REAL(poll)(&p, 1, s6p_left_ms(deadline_ms));
	if (peek)
		return s6p_hs_run_peek(hs, fd, s6p_left_ms(deadline_ms));
	return s6_hs_run(hs, fd, &s6p_real_io, s6p_left_ms(deadline_ms));
}

void s6p_disconnect(int fd)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_family = AF_UNSPEC;
	int saved = errno;
	S6P_REAL(connect)(fd, &sa, sizeof sa);
	errno = saved;
}

int s6p_hs_errno(const s6_hs *hs)
{
	if (hs->err == S6_ERR_IO && hs->sys_errno != 0)
		return hs->sys_errno;
	return s6_err_errno(hs->err);
}

static int s6p_wait_connected(int fd, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - s6_now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int n = S6P_REAL(poll)(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return errno;
		if (n > 0) {
			int soerr = 0;
			socklen_t sl = sizeof soerr;
			/* Writable without an error or hangup: connected. */
			if (!(pfd.revents & (POLLERR | POLLHUP)))
				return 0;
			if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
				return errno;
			return soerr;
		}
	}
}

int s6p_connect_timed(int fd, int flags, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline_ms, bool *at_once)
{
	int rc = 0;

	if (at_once)
		*at_once = false;
	/* The real fcntl: our own flag changes do not touch s6p_flags_epoch. */
	if (!(flags & O_NONBLOCK) && S6P_REAL(fcntl)(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return errno;
	if (S6P_REAL(connect)(fd, sa, len) == 0) {
		if (at_once)
			*at_once = true;
	} else {
		rc = errno;
		if (rc == EINPROGRESS || rc == EINTR)
			rc = s6p_wait_connected(fd, deadline_ms);
	}
	if (!(flags & O_NONBLOCK))
		S6P_REAL(fcntl)(fd, F_SETFL, flags);
	return rc;
}

int s6p_syncnt(int64_t timeout_ms)
{
	int n = 0;

	while (n < 127 && ((int64_t)2 << (n + 1)) - 1 <= timeout_ms / 1000)
		n++;
	return n;
}

bool s6p_syncnt_allowed(void)
{
	return s6p_state()->cfg.fail != S6_FAIL_OPEN;
}

int s6p_connect_bounded(int fd, int flags, const struct sockaddr *sa, socklen_t len,
			int64_t deadline_ms, bool syncnt_set, bool *at_once)
{
	int n = syncnt_set ? 1 : s6p_syncnt(deadline_ms - s6_now_ms());

	if ((flags & O_NONBLOCK) || n == 0 || !s6p_syncnt_allowed() ||
	    (!syncnt_set && setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &n, sizeof n) != 0))
		return s6p_connect_timed(fd, flags, sa, len, deadline_ms, at_once);
	int64_t t0 = s6_now_ms();
	if (S6P_REAL(connect)(fd, sa, len) == 0) {
		if (at_once)
			*at_once = s6_now_ms() - t0 < S6P_DEFER_SLOW_MS;
		return 0;
	}
	if (at_once)
		*at_once = false;
	int rc = errno;
	/* A signal (EINTR) or the program's SO_SNDTIMEO (EINPROGRESS) ended
	 * the wait, not the handshake: wait for it up to the deadline. */
	if (rc == EINTR || rc == EINPROGRESS)
		rc = s6p_wait_connected(fd, deadline_ms);
	return rc;
}

/* The TCP options the shim may have set on fd, onto nfd. */
static void s6p_copy_tcp_opts(int fd, int nfd)
{
	static const int opts[] = {TCP_SYNCNT, TCP_FASTOPEN_CONNECT};

	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		int v = 0;
		socklen_t vl = sizeof v;
		if (getsockopt(fd, IPPROTO_TCP, opts[i], &v, &vl) == 0 && v > 0)
			setsockopt(nfd, IPPROTO_TCP, opts[i], &v, sizeof v);
	}
}

int s6p_socket_refamily(int fd, int family)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	int nfd = socket(family, SOCK_STREAM, 0);

	if (nfd < 0)
		return errno;
	if (fl >= 0)
		fcntl(nfd, F_SETFL, fl);
	s6p_copy_tcp_opts(fd, nfd);
	int rc = S6P_REAL(dup3)(nfd, fd, (fdfl >= 0 && (fdfl & FD_CLOEXEC)) ? O_CLOEXEC : 0);
	int err = errno;
	S6P_REAL(close)(nfd);
	s6p_sockfl_forget(nfd);
	s6p_sockfl_forget(fd);
	return rc < 0 ? err : 0;
}
