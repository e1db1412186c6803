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
#include "s6p_udp.h"

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *sa, socklen_t *salen);

/* A UDP socket with an association: the datagram unwrapped (s6p_udp.h). */
static bool s6p_udp_in(int fd, const struct iovec *iov, int cnt, int flags,
		       struct sockaddr *sa, socklen_t *salen, ssize_t *r)
{
	struct msghdr m = { .msg_name = sa, .msg_namelen = sa && salen ? *salen : 0,
			    .msg_iov = (struct iovec *)iov, .msg_iovlen = cnt > 0 ? (size_t)cnt : 0 };

	if (s6p_udp_recvmsg(fd, &m, flags, r) != S6P_UDP_DONE)
		return false;
	if (sa && salen && *r >= 0)
		*salen = m.msg_namelen;
	return true;
}

/* ... and sent to its connected destination through the association. */
static bool s6p_udp_out(int fd, const struct iovec *iov, int cnt, int flags, ssize_t *r)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = cnt > 0 ? (size_t)cnt : 0 };

	return s6p_udp_sendmsg(fd, &m, flags, r) == S6P_UDP_DONE;
}

S6P_HOOK ssize_t read(int fd, void *buf, size_t n)
{
	struct iovec v = {buf, n};
	ssize_t r;

	if (s6p_udp_in(fd, &v, 1, 0, NULL, NULL, &r))
		return r;
	return s6p_opt_read_gate_buf(fd, buf, n, 0, &r) ? r : S6P_REAL(read)(fd, buf, n);
}

S6P_HOOK ssize_t write(int fd, const void *buf, size_t n)
{
	struct iovec v = {(void *)buf, n};
	ssize_t r;

	if (s6p_udp_out(fd, &v, 1, 0, &r))
		return r;
	return s6p_opt_write_gate(fd, &v, 1, 0, true, &r) ? r : S6P_REAL(write)(fd, buf, n);
}

S6P_HOOK ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r;

	if (s6p_udp_in(fd, iov, cnt, 0, NULL, NULL, &r))
		return r;
	return s6p_opt_read_gate(fd, 0, &r) ? r : S6P_REAL(readv)(fd, iov, cnt);
}

S6P_HOOK ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r;

	if (s6p_udp_out(fd, iov, cnt, 0, &r))
		return r;
	return s6p_opt_write_gate(fd, iov, cnt, 0, iov != NULL, &r) ? r
		: S6P_REAL(writev)(fd, iov, cnt);
}

S6P_HOOK ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct iovec v = {(void *)buf, n};
	ssize_t r;

	if (s6p_udp_out(fd, &v, 1, flags, &r))
		return r;
	return s6p_opt_write_gate(fd, &v, 1, flags, true, &r) ? r
		: S6P_REAL(send)(fd, buf, n, flags);
}

S6P_HOOK ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	struct iovec v = {buf, n};
	ssize_t r;

	if (s6p_udp_in(fd, &v, 1, flags, NULL, NULL, &r))
		return r;
	return s6p_opt_read_gate_buf(fd, buf, n, flags, &r) ? r : S6P_REAL(recv)(fd, buf, n, flags);
}

S6P_HOOK ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
			  socklen_t *salen)
{
	struct iovec v = {buf, n};
	ssize_t r;

	if (s6p_udp_in(fd, &v, 1, flags, sa, salen, &r))
		return r;
	if (!sa && s6p_opt_read_gate_buf(fd, buf, n, flags, &r))
		return r; /* with an address to fill, the general way below */
	return s6p_opt_read_gate(fd, flags, &r) ? r
		: S6P_REAL(recvfrom)(fd, buf, n, flags, sa, salen);
}

S6P_HOOK ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t r;

	if (s6p_udp_recvmsg(fd, msg, flags, &r) == S6P_UDP_DONE)
		return r;
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
