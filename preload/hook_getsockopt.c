/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getsockopt(SO_ERROR): the outcome of a non-blocking or optimistic proxied
 * connect, read once, as the kernel reports a failed connect. */
#include <errno.h>
#include <string.h>
#include "s6p_fdtab.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp.h"

S6P_HOOK int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int rc = 1;

	if (level != SOL_SOCKET || name != SO_ERROR || !val || !len || *len < sizeof(int))
		return S6P_REAL(getsockopt)(fd, level, name, val, len);
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_checked_locked(fd);
	if (c && c->state != S6P_CONN_CONNECTED) {
		s6p_conn_poke_locked(c); /* optimistic: the proxy may have refused */
		int err = c->state == S6P_CONN_FAILED ? c->err : 0;
		c->err = 0;
		if (c->state == S6P_CONN_FAILED)
			s6p_opt_uncount_locked(c); /* told now */
		memcpy(val, &err, sizeof err);
		*len = sizeof err;
		rc = 0;
	}
	s6p_fdtab_unlock();
	int uerr;
	if (rc == 1 && s6p_udp_so_error(fd, &uerr)) { /* a failed UDP association */
		memcpy(val, &uerr, sizeof uerr);
		*len = sizeof uerr;
		rc = 0;
	}
	return rc != 1 ? rc : S6P_REAL(getsockopt)(fd, level, name, val, len);
}
