/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sendto, sendmsg, sendmmsg, recvmmsg: UDP goes through a SOCKS6 UDP
 * association (s6p_udp.h); other datagrams with an explicit destination are
 * held to the proxy policy (nothing leaves directly unless excluded or fail
 * open), so UDP, DNS and ICMP cannot leak around the proxy. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include "s6p_fdtab.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp.h"

static bool s6p_inet(const struct sockaddr *sa, socklen_t len)
{
	return sa && len >= sizeof(sa_family_t) &&
	       (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
}

/* Only non-stream sockets: on a TCP socket the kernel ignores the address. */
static bool s6p_send_allowed(int fd, const struct sockaddr *sa, socklen_t len)
{
	int type = 0;
	socklen_t tl = sizeof type;

	if (!s6p_inet(sa, len))
		return true;
	if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type == SOCK_STREAM)
		return true;
	return s6p_dgram_allowed(fd, sa, len, type == SOCK_DGRAM ? "UDP" : "raw IP");
}

S6P_HOOK ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			const struct sockaddr *sa, socklen_t len)
{
	struct iovec v = {(void *)buf, n};
	struct msghdr m = { .msg_name = (void *)sa, .msg_namelen = len, .msg_iov = &v, .msg_iovlen = 1 };
	ssize_t r;
	enum s6p_udp_verdict u = s6p_udp_sendmsg(fd, &m, flags, &r);

	if (u == S6P_UDP_DONE)
		return r;
	if (u == S6P_UDP_OTHER && !s6p_send_allowed(fd, sa, len))
		return -1;
	/* A stream socket ignores the address (MSG_FASTOPEN aside). */
	if (!(flags & MSG_FASTOPEN) && s6p_opt_write_gate(fd, &v, 1, flags, true, &r))
		return r;
	if (s6p_fd_busy(fd))
		return -1;
	return S6P_REAL(sendto)(fd, buf, n, flags, sa, len);
}

S6P_HOOK ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t r;
	enum s6p_udp_verdict u = s6p_udp_sendmsg(fd, msg, flags, &r);

	if (u == S6P_UDP_DONE)
		return r;
	if (u == S6P_UDP_OTHER && msg && !s6p_send_allowed(fd, msg->msg_name, msg->msg_namelen))
		return -1;
	/* Ancillary data cannot become initial data: the Request goes alone. */
	if (msg && s6p_opt_write_gate(fd, msg->msg_iov, (int)msg->msg_iovlen, flags,
				      msg->msg_iov && msg->msg_controllen == 0, &r))
		return r;
	if (s6p_fd_busy(fd))
		return -1;
	return S6P_REAL(sendmsg)(fd, msg, flags);
}

/* Datagrams of a UDP socket one by one through s6p_udp_sendmsg(); returns
 * how many went (-1 when none), or 0 with *other when the socket is not one
 * of those (the first message says). */
static int s6p_udp_sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags, bool *other)
{
	unsigned int i = 0;

	*other = false;
	for (; i < n; i++) {
		ssize_t r;
		enum s6p_udp_verdict u = s6p_udp_sendmsg(fd, &vec[i].msg_hdr, flags, &r);
		if (u == S6P_UDP_OTHER && i == 0) {
			*other = true;
			return 0;
		}
		if (u != S6P_UDP_DONE)
			r = S6P_REAL(sendmsg)(fd, &vec[i].msg_hdr, flags);
		if (r < 0)
			break;
		vec[i].msg_len = (unsigned int)r;
	}
	return i ? (int)i : -1;
}

S6P_HOOK int sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags)
{
	bool other = true;
	int sent = vec && n ? s6p_udp_sendmmsg(fd, vec, n, flags, &other) : 0;

	if (!other)
		return sent;
	for (unsigned int i = 0; vec && i < n; i++) {
		const struct msghdr *m = &vec[i].msg_hdr;
		if (!s6p_send_allowed(fd, m->msg_name, m->msg_namelen))
			return -1;
	}
	ssize_t r;
	if (s6p_opt_write_gate(fd, NULL, 0, flags, false, &r))
		return (int)r;
	if (s6p_fd_busy(fd))
		return -1;
	return S6P_REAL(sendmmsg)(fd, vec, n, flags);
}

/* ms left until deadline (a CLOCK_MONOTONIC time), 0 when past. */
static int s6p_mmsg_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
		       (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Wait for the next datagram: at once when the flags or socket say not to
 * block, else until the deadline. False when none may come in time. */
static bool s6p_mmsg_wait(int fd, int flags, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int fl = S6P_REAL(fcntl)(fd, F_GETFL);

	if (!deadline || (flags & MSG_DONTWAIT) || (fl >= 0 && (fl & O_NONBLOCK)))
		return true;
	/* Bounded by the deadline; EINTR retried while time is left. */
	for (int left; (left = s6p_mmsg_left(deadline)) > 0;) {
		int n = S6P_REAL(poll)(&p, 1, left);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* One more datagram into *m, waiting as s6p_mmsg_wait says; a datagram
 * the shim dropped (not from the proxy) does not end the wait. */
static bool s6p_mmsg_next(int fd, struct msghdr *m, int f, const struct timespec *dl, ssize_t *r)
{
	/* Bounded: each round waits for a datagram until the deadline. */
	for (int round = 0; round < 1024; round++) {
		if (!s6p_mmsg_wait(fd, f, dl) ||
		    s6p_udp_recvmsg(fd, m, f | MSG_DONTWAIT, r) != S6P_UDP_DONE)
			return false;
		if (*r >= 0)
			return true;
		if (errno != EAGAIN || !dl || s6p_mmsg_left(dl) == 0)
			return false;
	}
	return false;
}

/* The first datagram as the flags say; the others as the kernel takes them
 * (man recvmmsg): with MSG_WAITFORONE only those already there, else, with
 * a timeout, those that arrive before it expires (the time left is written
 * back), without one those already there (the kernel would block for all
 * n). */
S6P_HOOK int recvmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags,
		      struct timespec *tmo)
{
	int f = flags & ~MSG_WAITFORONE;
	struct timespec deadline, *dl = NULL;
	unsigned int i = 0;
	ssize_t r;

	if (tmo && !(flags & MSG_WAITFORONE)) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += tmo->tv_sec;
		deadline.tv_nsec += tmo->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		dl = &deadline;
	}
	if (!vec || n == 0 || s6p_udp_recvmsg(fd, &vec[0].msg_hdr, f, &r) != S6P_UDP_DONE)
		return S6P_REAL(recvmmsg)(fd, vec, n, flags, tmo);
	while (r >= 0) {
		vec[i++].msg_len = (unsigned int)r;
		if (i == n || !s6p_mmsg_next(fd, &vec[i].msg_hdr, f, dl, &r))
			break;
	}
	if (dl) {
		int left = s6p_mmsg_left(dl);
		tmo->tv_sec = left / 1000;
		tmo->tv_nsec = (left % 1000) * 1000000L;
	}
	return i ? (int)i : -1;
}
