/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connect(2): TCP goes through the proxy, datagram and raw sockets are held
 * to the fail-closed policy, everything else (AF_UNIX, ...) is untouched. */
#include <errno.h>
#include "s6_addr.h"
#include "s6p_dupset.h"
#include "s6p_fdtab.h"
#include "s6p_forkset.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp.h"

/* A second connect() on a socket we handle answers like the kernel would. */
static int s6p_connect_again(int fd, bool *handled)
{
	int rc = 0;

	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_checked_locked(fd);
	*handled = c != NULL;
	if (c && c->state == S6P_CONN_PENDING) {
		errno = EALREADY;
		rc = -1;
	} else if (c && (c->state == S6P_CONN_CONNECTED || c->state == S6P_CONN_OPTIMISTIC)) {
		errno = EISCONN;
		rc = -1;
	} else if (c) {
		/* Failed: an error not read yet through SO_ERROR is returned now
		 * (as the kernel does); either way the socket is fresh again. */
		if (c->err) {
			errno = c->err;
			rc = -1;
		} else {
			*handled = false;
		}
		s6p_fd_forget_locked(fd);
	}
	s6p_fdtab_unlock();
	return rc;
}

S6P_HOOK int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int type = 0;
	socklen_t tl = sizeof type;
	bool handled;

	if (sa && len >= sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC)
		return s6p_udp_unconnect(fd, sa, len);
	if (!sa || len < sizeof(sa_family_t) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return S6P_REAL(connect)(fd, sa, len);
	if (len < s6_addr_len(sa)) {
		errno = EINVAL;
		return -1;
	}
	/* Only a TCP socket takes a TCP option: when the connect sets one
	 * anyway, setting it first spares the SO_TYPE query. */
	unsigned probed = s6p_tcp_probe(fd, sa);
	if (!probed && S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return S6P_REAL(connect)(fd, sa, len); /* EBADF, ENOTSOCK from the kernel */
	if (!probed && type == SOCK_DGRAM)
		return s6p_udp_connect(fd, sa, len);
	if (!probed && type != SOCK_STREAM) {
		if (!s6p_dgram_allowed(fd, sa, len, "raw IP"))
			return -1;
		return S6P_REAL(connect)(fd, sa, len);
	}
	int rc = s6p_connect_again(fd, &handled);
	if (handled) {
		s6p_tcp_probe_undo(fd, probed);
		return rc;
	}
	/* A fork meanwhile waits for this call (s6p_forkset.h). */
	s6p_inflight_begin(fd);
	rc = s6p_connect_stream(fd, sa, len, probed);
	int e = errno;
	s6p_inflight_end(fd);
	s6p_dupset_attach(fd); /* copies made before this connect() */
	errno = e;
	return rc;
}
