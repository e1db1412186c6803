/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include "s6p_io.h"
#include "s6p_real.h"

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
			if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
				return errno;
			return soerr;
		}
	}
}

int s6p_connect_timed(int fd, int flags, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline_ms)
{
	int rc = 0;

	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return errno;
	if (S6P_REAL(connect)(fd, sa, len) < 0) {
		rc = errno;
		if (rc == EINPROGRESS || rc == EINTR)
			rc = s6p_wait_connected(fd, deadline_ms);
	}
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags);
	return rc;
}

int s6p_socket_refamily(int fd, int family)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	int nfd = socket(family, SOCK_STREAM, 0);

	if (nfd < 0)
		return errno;
	if (fl >= 0)
		fcntl(nfd, F_SETFL, fl);
	int rc = S6P_REAL(dup3)(nfd, fd, (fdfl >= 0 && (fdfl & FD_CLOEXEC)) ? O_CLOEXEC : 0);
	int err = errno;
	S6P_REAL(close)(nfd);
	return rc < 0 ? err : 0;
}
