/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "s6_addr.h"
#include "s6_log.h"
#include "s6_socks4_client.h"
#include "s6p_cip.h"
#include "s6p_driver.h"
#include "s6p_engine.h"
#include "s6p_io.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"
#include "s6p_s6.h"
#include "s6p_state.h"
#include "s6p_target.h"

/* Make the proxy address usable from fd. A socket whose family cannot reach
 * any proxy address (an AF_INET socket and an IPv6-only proxy, or IPV6_V6ONLY
 * and an IPv4 proxy) is replaced in place by one that can: same fd number,
 * same status and descriptor flags. */
int s6p_proxy_pick(int fd, int family, struct sockaddr_storage *out, socklen_t *outlen)
{
	struct sockaddr_storage addrs[S6P_PROXY_ADDRS_MAX];
	socklen_t lens[S6P_PROXY_ADDRS_MAX];
	s6_err err = S6_OK;
	int domain = family, v6only = 0;
	socklen_t sl = sizeof domain;
	int n;

	if (s6p_engine_scheme() || s6p_cip_scheme()) /* the user's engine on loopback */
		return s6p_engine_pick(family, out, outlen);
	n = s6p_proxy_addrs(addrs, lens, S6P_PROXY_ADDRS_MAX, &err);
	if (n == 0)
		return EHOSTUNREACH;
	/* The common case needs no system call: a proxy address of the
	 * program's family. */
	for (int i = 0; i < n; i++) {
		if (addrs[i].ss_family == family) {
			memcpy(out, &addrs[i], lens[i]);
			*outlen = lens[i];
			return 0;
		}
	}
	S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &domain, &sl);
	for (int i = 0; i < n; i++) {
		if (addrs[i].ss_family == domain) {
			memcpy(out, &addrs[i], lens[i]);
			*outlen = lens[i];
			return 0;
		}
	}
	sl = sizeof v6only;
	if (domain == AF_INET6 &&
	    S6P_REAL(getsockopt)(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &sl) == 0 && !v6only) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&addrs[0];
		struct sockaddr_in6 *m = (struct sockaddr_in6 *)out;
		memset(m, 0, sizeof *m);
		m->sin6_family = AF_INET6;
		m->sin6_port = v4->sin_port;
		m->sin6_addr.s6_addr[10] = m->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m->sin6_addr.s6_addr[12], &v4->sin_addr, 4);
		*outlen = sizeof *m;
		return 0;
	}
	memcpy(out, &addrs[0], lens[0]);
	*outlen = lens[0];
	return s6p_socket_refamily(fd, addrs[0].ss_family);
}

/* fail open: the proxy cannot be reached, go direct (IP targets only). */
static bool s6p_may_fail_open(const struct s6p_target *t, int err)
{
	if (s6p_state()->cfg.fail != S6_FAIL_OPEN || s6p_engine_scheme() || s6p_cip_scheme())
		return false; /* socks6+tls, CONNECT-IP: never around the engine */
	if (t->is_name) {
		s6_log(S6_LOG_ERROR, "proxy %s target %s: proxy unreachable (%s); fail open is not possible for a name resolved remotely",
		       s6p_state()->proxy_str, t->label, strerror(err));
		return false;
	}
	s6_log(S6_LOG_ERROR, "proxy %s target %s: proxy unreachable (%s); connecting directly (fail open)",
	       s6p_state()->proxy_str, t->label, strerror(err));
	return true;
}

bool s6p_fail_open_direct_locked(struct s6p_conn *c, int err)
{
	struct s6p_target t = {.is_name = c->is_name};
	snprintf(t.label, sizeof t.label, "%s", c->target);
	if (!s6p_may_fail_open(&t, err))
		return false;
	s6p_disconnect(c->fd);
	int fd = c->fd;
	struct sockaddr_storage dest = c->dest;
	socklen_t len = c->dest_len;
	/* The program now waits on a direct connect: it is no longer ours. */
	s6p_conn_end_locked(c, S6P_CONN_CONNECTED);
	s6p_fd_forget_locked(fd);
	S6P_REAL(connect)(fd, (struct sockaddr *)&dest, len);
	return true;
}

static int s6p_fail(const struct s6p_target *t, int err, const char *why)
{
	s6_log(S6_LOG_ERROR, "proxy %s target %s: %s", s6p_state()->proxy_str, t->label, why);
	errno = err;
	return -1;
}

/* The handshake of the proxy's scheme, within the deadline. */
static s6_hs_status s6p_handshake_sync(int fd, int flags, const struct s6p_target *t,
				       const struct sockaddr *proxy, socklen_t plen,
				       int64_t deadline, s6_hs *hs)
{
	if (s6_scheme_is_socks6(s6p_state()->cfg.proxy.scheme))
		return s6p_s6_run_sync(fd, flags, t, proxy, plen, deadline, hs);
	if (s6p_cip_scheme()) {
		s6_err err = s6p_cip_start(hs, t);
		if (err != S6_OK) {
			s6_hs_fail(hs, err, "cannot build the engine request: %s", s6_strerror(err));
			return S6_HS_FAILED;
		}
		return s6p_hs_run_request(hs, fd, deadline, false);
	}
	s6_socks4_client_start(hs, &t->req);
	return s6p_hs_run_request(hs, fd, deadline, false);
}

static int s6p_connect_sync(int fd, int flags, const struct s6p_target *t, unsigned probed)
{
	int64_t deadline = s6_now_ms() + s6p_state()->cfg.connect_timeout_ms;
	struct sockaddr_storage proxy;
	socklen_t plen;
	char why[S6_HS_WHY_MAX + 64];
	s6_hs hs;
	int rc = s6p_proxy_pick(fd, t->dest.ss_family, &proxy, &plen);

	if (rc == 0)
		rc = s6p_connect_bounded(fd, flags, (struct sockaddr *)&proxy, plen, deadline,
					 probed & S6P_PROBE_SYNCNT, NULL);
	if (rc != 0) {
		s6p_disconnect(fd);
		if (s6p_may_fail_open(t, rc))
			return S6P_REAL(connect)(fd, (const struct sockaddr *)&t->dest, t->dest_len);
		snprintf(why, sizeof why, "cannot reach proxy: %s", s6p_engine_why(rc));
		return s6p_fail(t, rc, why);
	}
	s6_hs_status st = s6p_handshake_sync(fd, flags, t, (struct sockaddr *)&proxy, plen,
					     deadline, &hs);
	s6_hs_release(&hs);
	if (st != S6_HS_DONE) {
		s6p_disconnect(fd);
		if (hs.err == S6_ERR_PROXY_TIMEOUT) /* name the setting, not what was left of it */
			snprintf(hs.why, sizeof hs.why, "no answer from proxy within %u ms",
				 s6p_state()->cfg.connect_timeout_ms);
		return s6p_fail(t, s6p_hs_errno(&hs), hs.why);
	}
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_new_locked(fd);
	if (c)
		s6p_target_to_conn(t, c, S6P_CONN_CONNECTED);
	s6p_fdtab_unlock();
	s6_log(S6_LOG_INFO, "proxy %s target %s: connected", s6p_state()->proxy_str, t->label);
	return 0;
}

/* Register the pending connection and hand it to the driver. */
static int s6p_connect_pending(int fd, const struct s6p_target *t, bool tcp_up, int notify_fd,
			       const struct sockaddr_storage *proxy, socklen_t plen)
{
	int result = -1, err = EINPROGRESS;

	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_new_locked(fd);
	if (!c) {
		s6p_fdtab_unlock();
		S6P_REAL(close)(notify_fd);
		s6p_disconnect(fd);
		errno = ENOMEM;
		return -1;
	}
	s6p_target_to_conn(t, c, S6P_CONN_PENDING);
	c->notify_fd = notify_fd;
	c->driven = true; /* a non-blocking program waits in poll or epoll */
	c->tcp_up = tcp_up;
	c->deadline_ms = s6_now_ms() + s6p_state()->cfg.connect_timeout_ms;
	c->proxy = *proxy;
	c->proxy_len = plen;
	s6p_epoll_hold_locked(c);
	if (s6p_conn_start_locked(c, t)) { /* else failed and ended already */
		int rc = s6p_driver_add_locked(c);
		if (rc != 0) {
			c->deadline_ms = 0;
			s6p_conn_timeout_locked(c); /* ends it, failed */
			err = rc;
		} else if (tcp_up) {
			s6p_conn_advance_locked(c); /* put the request on the wire now */
		}
	}
	if (c->state == S6P_CONN_CONNECTED)
		result = 0;
	else if (c->state == S6P_CONN_FAILED)
		err = c->err;
	s6p_fdtab_unlock();
	errno = err;
	return result;
}

static int s6p_connect_async(int fd, const struct s6p_target *t)
{
	struct sockaddr_storage proxy;
	socklen_t plen;
	bool tcp_up = false;
	int rc = s6p_proxy_pick(fd, t->dest.ss_family, &proxy, &plen);

	if (rc == 0 && S6P_REAL(connect)(fd, (struct sockaddr *)&proxy, plen) == 0)
		tcp_up = true;
	else if (rc == 0 && errno != EINPROGRESS)
		rc = errno;
	if (rc != 0) {
		char why[128];
		if (s6p_may_fail_open(t, rc))
			return S6P_REAL(connect)(fd, (const struct sockaddr *)&t->dest, t->dest_len);
		snprintf(why, sizeof why, "cannot reach proxy: %s", s6p_engine_why(rc));
		return s6p_fail(t, rc, why);
	}
	int notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (notify_fd < 0) {
		int err = errno;
		s6p_disconnect(fd);
		return s6p_fail(t, err, "cannot create the completion event");
	}
	return s6p_connect_pending(fd, t, tcp_up, notify_fd, &proxy, plen);
}

int s6p_connect_stream(int fd, const struct sockaddr *sa, socklen_t len, unsigned probed)
{
	const struct s6p_state *st = s6p_state();
	struct s6p_target t;
	struct sockaddr_storage plain;

	s6_addr_unmap(sa, &plain);
	if (!probed && s6_config_excluded(&st->cfg, (struct sockaddr *)&plain)) {
		char buf[S6_ADDR_STR_MAX];
		if (s6_log_enabled(S6_LOG_INFO))
			s6_log(S6_LOG_INFO, "target %s: excluded, connecting directly",
			       s6_addr_format(sa, buf, sizeof buf));
		return S6P_REAL(connect)(fd, sa, len);
	}
	s6_err err = s6p_target_make(st, sa, len, &t);
	int flags = err == S6_OK && !st->broken ? s6p_sockfl_get(fd) : -1;
	if (flags < 0)
		s6p_tcp_probe_undo(fd, probed); /* fails below: leave the socket as it was */
	if (err != S6_OK)
		return s6p_fail(&t, s6_err_errno(err), t.why);
	if (st->broken)
		return s6p_fail(&t, EACCES, st->broken_why);
	if (flags < 0)
		return s6p_fail(&t, errno, "cannot read the socket's flags");
	if ((probed & S6P_PROBE_TFO) || s6p_opt_applies())
		return s6p_opt_connect(fd, flags, &t, probed);
	if (flags & O_NONBLOCK)
		return s6p_connect_async(fd, &t);
	return s6p_connect_sync(fd, flags, &t, probed);
}

bool s6p_dgram_allowed(int fd, const struct sockaddr *sa, socklen_t len, const char *what)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage plain;
	char buf[S6_ADDR_STR_MAX];

	s6_addr_unmap(sa, &plain);
	s6_addr_format(sa, buf, sizeof buf);
	if (s6_config_excluded(&st->cfg, (struct sockaddr *)&plain)) {
		s6_log(S6_LOG_INFO, "target %s: excluded, %s goes directly", buf, what);
		return true;
	}
	if (st->cfg.fail == S6_FAIL_OPEN) {
		s6_log(S6_LOG_ERROR, "proxy %s target %s: %s cannot go through this proxy; sent directly (fail open)",
		       st->proxy_str, buf, what);
		return true;
	}
	s6_log(S6_LOG_ERROR, "proxy %s target %s: %s cannot go through this proxy; blocked (fail closed)",
	       st->proxy_str, buf, what);
	errno = EACCES;
	return false;
}
