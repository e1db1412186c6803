/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Making a UDP association (s6p_udp.h): control connection, the UDP
 * ASSOCIATE request through the SOCKS6 machine (credentials, session and
 * tokens as for CONNECT, s6p_s6.h), then the Association Init. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6_socks6_opt.h"
#include "s6_socks6_udp.h"
#include "s6p_cip.h"
#include "s6p_cip_udp.h"
#include "s6p_io.h"
#include "s6p_real.h"
#include "s6p_s6.h"
#include "s6p_state.h"
#include "s6p_udp.h"

/* Control connections live above the numbers programs usually use, so a
 * program that dup2()s onto low numbers does not hit one. */
#define S6P_UDP_CTL_FD_MIN 512

static int s6p_udp_ctl_connect(const struct sockaddr *proxy, socklen_t plen, int64_t deadline)
{
	int s = S6P_REAL(socket)(proxy->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	if (s < 0)
		return -errno;
	int hi = fcntl(s, F_DUPFD_CLOEXEC, S6P_UDP_CTL_FD_MIN);
	if (hi >= 0) {
		S6P_REAL(close)(s);
		s = hi;
	}
	rc = s6p_connect_timed(s, 0, proxy, plen, deadline, NULL);
	if (rc) {
		S6P_REAL(close)(s);
		return -rc;
	}
	return s;
}

/* Exactly one 12-byte Association Init from the stream. */
static int s6p_udp_read_init(int ctl, uint64_t *id, int64_t deadline)
{
	uint8_t b[S6_SOCKS6_UDP_HDR_LEN];
	size_t got = 0, used = 0, need = 0;
	s6_s6_udp_msg m;

	while (got < sizeof b) {
		int64_t left = deadline - s6_now_ms();
		struct pollfd p = { .fd = ctl, .events = POLLIN };
		if (left <= 0)
			return ETIMEDOUT;
		if (S6P_REAL(poll)(&p, 1, (int)left) < 0 && errno != EINTR)
			return errno;
		ssize_t n = S6P_REAL(recv)(ctl, b + got, sizeof b - got, MSG_DONTWAIT);
		if (n == 0)
			return ECONNRESET;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (n > 0)
			got += (size_t)n;
	}
	if (s6_s6_udp_parse(b, sizeof b, &m, &used, &need) != S6_OK ||
	    m.type != S6_SOCKS6_UDP_ASSOC_INIT)
		return EPROTO;
	*id = m.assoc_id;
	return 0;
}

/* Where datagrams go: the reply's address, or the control connection's peer
 * when the reply names none; in the family of the program's socket. */
static int s6p_udp_relay(struct s6p_udp_assoc *a, const s6_s6_client_result *o)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	memset(&ss, 0, sizeof ss);
	if (o->bound_addr.type == S6_SOCKS6_ATYP_IPV4 && !s6_s6_addr_is_unspecified(&o->bound_addr)) {
		ss.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, o->bound_addr.ip, 4);
	} else if (o->bound_addr.type == S6_SOCKS6_ATYP_IPV6 &&
		   !s6_s6_addr_is_unspecified(&o->bound_addr)) {
		ss.ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, o->bound_addr.ip, 16);
	} else if (S6P_REAL(getpeername)(a->ctl, (struct sockaddr *)&ss, &sl) < 0) {
		return errno;
	}
	if (ss.ss_family == AF_INET && a->family == AF_INET6) {
		struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
		m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m.sin6_addr.s6_addr[12], &((struct sockaddr_in *)&ss)->sin_addr, 4);
		memcpy(&ss, &m, sizeof m);
	} else if (ss.ss_family != a->family) {
		return EAFNOSUPPORT;
	}
	/* sin_port and sin6_port sit at the same offset */
	((struct sockaddr_in *)&ss)->sin_port = htons(o->bound_port);
	a->relay = ss;
	a->relay_len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
					       : sizeof(struct sockaddr_in6);
	return 0;
}

/* The configured stack options, plus the UDP Error option: the proxy's
 * reports of ICMP errors become errno on a connected socket (s6p_udp_io.c). */
static void s6p_udp_opts(const struct s6p_state *st, uint8_t *mem, size_t cap,
			 struct s6p_s6req *r)
{
	s6_s6stack e = { .leg = S6_S6_LEG_PROXY_REMOTE, .level = S6_S6_LEVEL_UDP,
			 .code = S6_S6_UDP_ERROR, .value = S6_S6_AVAIL_YES };
	s6_s6opt_buf b;

	if (st->s6_stack_len > cap)
		return;
	s6_s6opt_buf_init(&b, mem, cap);
	memcpy(mem, st->s6_stack, st->s6_stack_len);
	b.len = st->s6_stack_len;
	if (s6_s6opt_put_stack(&b, &e) != S6_OK)
		return; /* the configured options alone */
	r->p.stack_opts = mem;
	r->p.stack_opts_len = b.len;
}

/* The request, with the session and token retries of s6p_s6.h; each retry
 * on a new control connection. Returns 0 or an errno, a->ctl open on 0;
 * on failure why says what went wrong. */
static int s6p_udp_request(struct s6p_udp_assoc *a, const struct s6p_target *dst,
			   const struct sockaddr *proxy, socklen_t plen, int64_t deadline,
			   s6_s6_client_result *res, char *why, size_t cap)
{
	struct s6p_target t = { .s6dst = { .type = S6_SOCKS6_ATYP_IPV4 } };
	struct s6p_s6req *r;
	uint8_t opts[S6_CONFIG_STACK_OPTS_MAX + 8];
	s6_hs hs;
	int rc = ENOMEM;

	/* The machine's own log lines name the datagram's destination too. */
	snprintf(t.label, sizeof t.label, "%s", dst->label);
	r = s6p_s6_new(&t);
	if (!r)
		return ENOMEM;
	r->p.command = S6_SOCKS6_CMD_UDP_ASSOCIATE;
	s6p_udp_opts(s6p_state(), opts, sizeof opts, r);
	for (int attempt = 0; attempt < 3; attempt++) {
		s6_hs_init(&hs, NULL);
		if (s6p_s6_start(&hs, r) != S6_OK) {
			rc = EINVAL;
			snprintf(why, cap, "cannot build the UDP ASSOCIATE request");
			break;
		}
		s6_hs_status st = s6p_hs_run_request(&hs, a->ctl, deadline, true);
		enum s6p_s6_next next = s6p_s6_end(r, &hs, st == S6_HS_DONE);
		rc = st == S6_HS_DONE ? 0 : s6p_hs_errno(&hs);
		if (rc && next != S6P_S6_RETRY)
			snprintf(why, cap, "UDP ASSOCIATE failed: %s", hs.why);
		s6_hs_release(&hs);
		if (next != S6P_S6_RETRY)
			break;
		S6P_REAL(close)(a->ctl);
		a->ctl = s6p_udp_ctl_connect(proxy, plen, deadline);
		if (a->ctl < 0) {
			rc = -a->ctl;
			snprintf(why, cap, "cannot reach the proxy: %s", strerror(rc));
			break;
		}
	}
	if (rc == 0)
		*res = r->out;
	s6p_s6_free(r);
	return rc;
}

/* A proxy address the program's socket can reach. */
static int s6p_udp_pick_proxy(int family, struct sockaddr_storage *out, socklen_t *len)
{
	struct sockaddr_storage addrs[S6P_PROXY_ADDRS_MAX];
	socklen_t lens[S6P_PROXY_ADDRS_MAX];
	s6_err err = S6_OK;
	int n = s6p_proxy_addrs(addrs, lens, S6P_PROXY_ADDRS_MAX, &err);

	for (int i = 0; i < n; i++) {
		if (addrs[i].ss_family == family || family == AF_INET6) {
			*out = addrs[i];
			*len = lens[i];
			return 0;
		}
	}
	return n ? EAFNOSUPPORT : s6_err_errno(err);
}

int s6p_udp_assoc_open(int fd, const struct s6p_target *t, struct s6p_udp_assoc *a,
		       char *why, size_t cap)
{
	const struct s6p_state *st = s6p_state();
	int64_t deadline = s6_now_ms() + st->cfg.connect_timeout_ms;
	struct sockaddr_storage proxy;
	socklen_t plen = 0, fl = sizeof a->family;
	s6_s6_client_result res;
	int rc;

	a->ctl = -1;
	snprintf(why, cap, "failed");
	if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &a->family, &fl) < 0) {
		rc = errno;
		snprintf(why, cap, "not a socket: %s", strerror(rc));
		return rc;
	}
	rc = s6p_cip_scheme() ? s6p_cip_udp_pick(a->family, &proxy, &plen)
			      : s6p_udp_pick_proxy(a->family, &proxy, &plen);
	if (rc)
		snprintf(why, cap, "no proxy address for this socket: %s", strerror(rc));
	if (rc == 0) {
		a->ctl = s6p_udp_ctl_connect((struct sockaddr *)&proxy, plen, deadline);
		rc = a->ctl < 0 ? -a->ctl : 0;
		if (rc)
			snprintf(why, cap, "cannot reach the proxy: %s", strerror(rc));
	}
	if (rc == 0 && s6p_cip_scheme()) /* the engine: CONNECT-IP (s6p_cip_udp.h) */
		rc = s6p_cip_udp_request(fd, a->ctl, t, deadline, &res, why, cap);
	else if (rc == 0)
		rc = s6p_udp_request(a, t, (struct sockaddr *)&proxy, plen, deadline, &res, why, cap);
	if (rc == 0 && (rc = s6p_udp_relay(a, &res)) != 0)
		snprintf(why, cap, "unusable relay address: %s", strerror(rc));
	if (rc == 0 && (rc = s6p_udp_read_init(a->ctl, &a->id, deadline)) != 0)
		snprintf(why, cap, "no Association Init: %s", strerror(rc));
	if (rc && a->ctl >= 0) {
		S6P_REAL(close)(a->ctl);
		a->ctl = -1;
	}
	return rc;
}

void s6p_udp_assoc_log_fail(const struct s6p_target *t, const char *why, unsigned dropped)
{
	const char *proxy = s6p_state()->proxy_str;

	if (dropped)
		s6_log(S6_LOG_ERROR, "proxy %s target %s: UDP association: %s; "
		       "%u queued datagram(s) dropped", proxy, t->label, why, dropped);
	else
		s6_log(S6_LOG_ERROR, "proxy %s target %s: UDP association: %s",
		       proxy, t->label, why);
}

bool s6p_udp_assoc_alive(int ctl)
{
	uint8_t b[256];

	/* Bounded: what the proxy sends on the stream is a few small messages. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = S6P_REAL(recv)(ctl, b, sizeof b, MSG_DONTWAIT);
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
	}
	return true;
}
