/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getpeername(2): a proxied socket reports the destination the program asked
 * for, never the proxy. */
#include <errno.h>
#include <string.h>
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_udp.h"

S6P_HOOK int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	int rc = 1;

	if (s6p_udp_peername(fd, sa, len, &rc))
		return rc;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_checked_locked(fd);
	if (c && (c->state == S6P_CONN_CONNECTED || c->state == S6P_CONN_OPTIMISTIC)) {
		if (!sa || !len) {
			errno = EFAULT;
			rc = -1;
		} else {
			/* Like the kernel: truncate to the caller's buffer, report the full size. */
			memcpy(sa, &c->dest, *len < c->dest_len ? *len : c->dest_len);
			*len = c->dest_len;
			rc = 0;
		}
	} else if (c) {
		errno = ENOTCONN;
		rc = -1;
	}
	s6p_fdtab_unlock();
	return rc != 1 ? rc : S6P_REAL(getpeername)(fd, sa, len);
}
