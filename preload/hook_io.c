/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The read/write family: a socket whose proxy handshake is still running
 * answers EAGAIN, as a connecting non-blocking socket does, so no program
 * byte can slip in front of the proxy request; an optimistic SOCKS6
 * connection turns the first write into initial data and consumes the
 * replies before the first read (s6p_opt.h). Otherwise straight through. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "s6p_fdtab.h"
#include "s6p_opt.h"
#include "s6p_real.h"

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *sa, socklen_t *salen);

S6P_HOOK ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r;

	return s6p_opt_read_gate(fd, 0, &r) ? r : S6P_REAL(read)(fd, buf, n);
}

S6P_HOOK ssize_t write(int fd, const void *buf, size_t n)
{
	struct iovec v = {(void *)buf, n};
	ssize_t r;

	return s6p_opt_write_gate(fd, &v, 1, 0, true, &r) ? r : S6P_REAL(write)(fd, buf, n);
}

S6P_HOOK ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r;

	return s6p_opt_read_gate(fd, 0, &r) ? r : S6P_REAL(readv)(fd, iov, cnt);
}

S6P_HOOK ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r;

	return s6p_opt_write_gate(fd, iov, cnt, 0, iov != NULL, &r) ? r
		: S6P_REAL(writev)(fd, iov, cnt);
}

S6P_HOOK ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct iovec v = {(void *)buf, n};
	ssize_t r;

	return s6p_opt_write_gate(fd, &v, 1, flags, true, &r) ? r
		: S6P_REAL(send)(fd, buf, n, flags);
}

S6P_HOOK ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t r;

	return s6p_opt_read_gate(fd, flags, &r) ? r : S6P_REAL(recv)(fd, buf, n, flags);
}

S6P_HOOK ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
			  socklen_t *salen)
{
	ssize_t r;

	return s6p_opt_read_gate(fd, flags, &r) ? r
		: S6P_REAL(recvfrom)(fd, buf, n, flags, sa, salen);
}

S6P_HOOK ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t r;

	return s6p_opt_read_gate(fd, flags, &r) ? r : S6P_REAL(recvmsg)(fd, msg, flags);
}

/* Fortified programs call these instead; the size check is theirs to keep. */
S6P_HOOK ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		abort();
	return read(fd, buf, n);
}

S6P_HOOK ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		abort();
	return recv(fd, buf, n, flags);
}

S6P_HOOK ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				struct sockaddr *sa, socklen_t *salen)
{
	if (n > buflen)
		abort();
	return recvfrom(fd, buf, n, flags, sa, salen);
}
