/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sendto, sendmsg, sendmmsg: a datagram with an explicit destination is held
 * to the proxy policy (nothing leaves directly unless excluded or fail open),
 * so UDP, DNS and ICMP cannot leak around the proxy. */
#include <errno.h>
#include "s6p_fdtab.h"
#include "s6p_proxy.h"
#include "s6p_real.h"

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
	if (!s6p_send_allowed(fd, sa, len) || s6p_fd_busy(fd))
		return -1;
	return S6P_REAL(sendto)(fd, buf, n, flags, sa, len);
}

S6P_HOOK ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (msg && !s6p_send_allowed(fd, msg->msg_name, msg->msg_namelen))
		return -1;
	if (s6p_fd_busy(fd))
		return -1;
	return S6P_REAL(sendmsg)(fd, msg, flags);
}

S6P_HOOK int sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags)
{
	for (unsigned int i = 0; vec && i < n; i++) {
		const struct msghdr *m = &vec[i].msg_hdr;
		if (!s6p_send_allowed(fd, m->msg_name, m->msg_namelen))
			return -1;
	}
	if (s6p_fd_busy(fd))
		return -1;
	return S6P_REAL(sendmmsg)(fd, vec, n, flags);
}
