/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS over TCP through the proxy for the res_* hooks (see s6p_resdns.h): a
 * socket never in the fd table runs the blocking SOCKS6 path to 0.0.0.0:53,
 * then carries framed queries and their answers, one at a time; the thread
 * keeps it for its next call (s6p_resdns_conn.c). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include "s6_bytes.h"
#include "s6_log.h"
#include "s6p_engine.h"
#include "s6p_io.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_resdns.h"
#include "s6p_s6.h"
#include "s6p_state.h"
#include "s6p_target.h"

bool s6p_resdns_usable(void)
{
	const struct s6p_state *st = s6p_state();

	return !st->broken && st->cfg.proxy.scheme == S6_SCHEME_SOCKS6;
}

/* Wait for ev on fd until deadline: 0, or an errno (ETIMEDOUT). */
static int s6p_resdns_wait(int fd, short ev, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};

	for (;;) {
		int64_t left = deadline - s6_now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		int n = S6P_REAL(poll)(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return errno;
	}
}

/* Send or receive exactly len bytes. */
static int s6p_resdns_io(int fd, bool out, uint8_t *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		int rc = s6p_resdns_wait(fd, out ? POLLOUT : POLLIN, deadline);
		if (rc != 0)
			return rc;
		ssize_t n = out ? S6P_REAL(send)(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL)
				: S6P_REAL(recv)(fd, buf, len, MSG_DONTWAIT);
		if (n == 0)
			return ECONNRESET;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno;
		}
		len -= (size_t)n;
		buf += n;
	}
	return 0;
}

/* Connect fd through the proxy to its DNS service: 0 or an errno (logged). */
static int s6p_resdns_open(int fd, int64_t deadline, const char *call)
{
	struct sockaddr_in dns = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct sockaddr_storage proxy;
	socklen_t plen;
	struct s6p_target t;
	s6_hs hs;
	int flags, rc;

	if (s6p_target_make(s6p_state(), (struct sockaddr *)&dns, sizeof dns, &t) != S6_OK)
		return EINVAL;
	rc = s6p_proxy_pick(fd, AF_INET, &proxy, &plen);
	flags = S6P_REAL(fcntl)(fd, F_GETFL);
	if (rc == 0 && flags < 0)
		rc = errno;
	if (rc == 0)
		rc = s6p_connect_timed(fd, flags, (struct sockaddr *)&proxy, plen, deadline, NULL);
	if (rc != 0) {
		s6_log(S6_LOG_ERROR, "proxy %s: %s: cannot reach proxy: %s",
		       s6p_state()->proxy_str, call, s6p_engine_why(rc));
		return rc;
	}
	s6_hs_status st = s6p_s6_run_sync(fd, flags, &t, (struct sockaddr *)&proxy, plen,
					  deadline, &hs);
	s6_hs_release(&hs);
	if (st == S6_HS_DONE)
		return 0;
	s6_log(S6_LOG_ERROR, "proxy %s: %s: DNS service refused: %s",
	       s6p_state()->proxy_str, call, hs.why);
	return s6p_hs_errno(&hs);
}

/* A kept stream the proxy closed meanwhile fails this way at the send or
 * before the first answer byte: worth one more try on a new stream. */
static bool s6p_resdns_dead(int err)
{
	return err == EPIPE || err == ECONNRESET || err == ENOTCONN;
}

/* The framed exchange on a connected stream: the answer's length or -errno.
 * *again: the stream was found dead before any answer byte came. */
static int s6p_resdns_exchange(int fd, const unsigned char *msg, int mlen,
			       unsigned char *ans, int anslen, int64_t deadline, bool *again)
{
	uint8_t hdr[2], junk[512];
	int rc, len, take;

	s6_put_u16be(hdr, (uint16_t)mlen);
	rc = s6p_resdns_io(fd, true, hdr, 2, deadline);
	if (rc == 0)
		rc = s6p_resdns_io(fd, true, (uint8_t *)msg, (size_t)mlen, deadline);
	if (rc == 0)
		rc = s6p_resdns_io(fd, false, hdr, 2, deadline);
	*again = s6p_resdns_dead(rc);
	if (rc != 0)
		return -rc;
	len = s6_get_u16be(hdr);
	take = len < anslen ? len : anslen;
	rc = s6p_resdns_io(fd, false, ans, (size_t)take, deadline);
	if (rc != 0)
		return -rc;
	/* An answer to another question is no answer (RFC 7766 ids). */
	if (len < 12 || take < 2 || memcmp(ans, msg, 2) != 0)
		return -EPROTO;
	/* The rest of a cut answer, so that the stream stays in step. */
	for (int skip = len - take; skip > 0; skip -= (int)sizeof junk) {
		rc = s6p_resdns_io(fd, false, junk,
				   skip < (int)sizeof junk ? (size_t)skip : sizeof junk, deadline);
		if (rc != 0)
			return -rc;
	}
	if (take < len && take > 2)
		ans[2] |= 0x02; /* TC: the program's buffer was too small */
	return take;
}

/* The thread's kept stream, or a new one through the proxy: the fd, or
 * -errno (logged). *kept: it is the kept one. */
static int s6p_resdns_stream(int64_t deadline, const char *call, bool *kept)
{
	int fd = s6p_resdns_conn_take(), rc;

	*kept = fd >= 0;
	if (fd >= 0)
		return fd;
	fd = s6p_resdns_conn_socket();
	if (fd < 0)
		return -errno;
	rc = s6p_resdns_open(fd, deadline, call);
	if (rc == 0)
		return fd;
	S6P_REAL(close)(fd);
	return -rc;
}

int s6p_resdns_send(const unsigned char *msg, int mlen, unsigned char *ans, int anslen,
		    const char *call)
{
	int64_t deadline = s6_now_ms() + s6p_state()->cfg.connect_timeout_ms;
	bool kept = false, again = false;
	int rc = -EINVAL;

	if (mlen < 12 || mlen > 65535 || anslen < 12) {
		errno = EINVAL;
		return -1;
	}
	/* Bounded: a second round only after a kept stream was found dead. */
	for (int round = 0; round < 2 && (round == 0 || (kept && again)); round++) {
		int fd = s6p_resdns_stream(deadline, call, &kept);
		if (fd < 0) {
			errno = -fd;
			return -1;
		}
		rc = s6p_resdns_exchange(fd, msg, mlen, ans, anslen, deadline, &again);
		if (rc >= 0) {
			s6p_resdns_conn_keep(fd);
			return rc;
		}
		S6P_REAL(close)(fd);
		if (kept && again)
			s6_log(S6_LOG_DEBUG, "proxy %s: %s: the kept DNS stream was closed (%s), "
			       "a new one", s6p_state()->proxy_str, call, strerror(-rc));
	}
	s6_log(S6_LOG_ERROR, "proxy %s: %s: no DNS answer: %s", s6p_state()->proxy_str, call,
	       strerror(-rc));
	errno = -rc;
	return -1;
}
