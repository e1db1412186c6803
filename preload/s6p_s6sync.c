/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 on a blocking connect(): attempts and reconnections within the
 * connect-timeout (see s6p_s6.h). */
#include <errno.h>
#include <string.h>
#include "s6p_io.h"
#include "s6p_s6.h"

/* A new TCP connection to the proxy on the same socket; hs reports it. */
static bool s6p_s6_reconnect(int fd, int flags, const struct sockaddr *proxy, socklen_t plen,
			     int64_t deadline_ms, s6_hs *hs)
{
	int rc;

	s6p_disconnect(fd);
	rc = s6p_connect_timed(fd, flags, proxy, plen, deadline_ms, NULL);
	if (rc == 0)
		return true;
	s6_hs_fail(hs, S6_ERR_IO, "cannot reach proxy again: %s", strerror(rc));
	hs->sys_errno = rc;
	return false;
}

s6_hs_status s6p_s6_run_sync(int fd, int flags, const struct s6p_target *t,
			     const struct sockaddr *proxy, socklen_t plen,
			     int64_t deadline_ms, s6_hs *hs)
{
	struct s6p_s6req *r = s6p_s6_new(t);
	s6_hs_status st = S6_HS_FAILED;
	s6_err err;

	s6_hs_init(hs, NULL);
	if (!r) {
		s6_hs_fail(hs, S6_ERR_NOMEM, "out of memory");
		return S6_HS_FAILED;
	}
	/* At most three attempts: a session retry and a token retry. */
	for (int attempt = 0; attempt < 3; attempt++) {
		err = s6p_s6_start(hs, r);
		if (err != S6_OK) {
			s6_hs_fail(hs, err, "socks6: cannot build the request: %s", s6_strerror(err));
			break;
		}
		st = s6p_hs_run_request(hs, fd, deadline_ms, true);
		enum s6p_s6_next next = s6p_s6_end(r, hs, st == S6_HS_DONE);
		s6_hs_release(hs);
		if (next != S6P_S6_RETRY)
			break;
		st = S6_HS_FAILED;
		if (!s6p_s6_reconnect(fd, flags, proxy, plen, deadline_ms, hs))
			break;
	}
	s6p_s6_free(r);
	return st;
}
