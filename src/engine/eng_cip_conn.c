/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Setting up one CONNECT-IP tunnel (see eng_cip.h): transport, HTTP/1.1
 * Upgrade, Proxy-Status and block-alias, address and route capsules, the
 * target's address; then the relay. Every wait is bounded by the
 * handshake timeout; every failure is one status record for the program
 * and one log line. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include "eng_cip.h"
#include "eng_cip_setup.h"
#include "eng_cip_udp.h"
#include "s6_cip_alias.h"
#include "s6_cip_http.h"
#include "s6_cip_template.h"
#include "s6_handshake.h"
#include "s6_proxy_status.h"

void eng_cip_status(int cfd, bool ok, int err, const char *reason)
{
	s6_eng_status s = {.code = ok ? S6_ENG_OK : S6_ENG_FAILED, .err = (uint16_t)(ok ? 0 : err)};
	uint8_t buf[S6_ENG_STATUS_MAX];
	size_t len;

	snprintf(s.reason, sizeof s.reason, "%s", reason);
	if (s6_eng_status_encode(&s, buf, sizeof buf, &len) == S6_OK)
		(void)!send(cfd, buf, len, MSG_NOSIGNAL);
}

__attribute__((format(printf, 3, 4)))
static bool eng_cip_fail(struct eng_cip_ctx *x, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, sizeof x->why, fmt, ap);
	va_end(ap);
	x->err = err;
	return false;
}

/* Plain TCP to the proxy (connect-ip-plain), within the deadline. */
static bool eng_cip_plain(struct eng_cip_ctx *x)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char port[8];
	int rc, e = EHOSTUNREACH;

	snprintf(port, sizeof port, "%u", x->h->port);
	if ((rc = getaddrinfo(x->h->host, port, &hints, &res)) != 0)
		return eng_cip_fail(x, EHOSTUNREACH, "cannot resolve proxy %.100s: %s", x->h->host,
				    gai_strerror(rc));
	for (struct addrinfo *ai = res; ai && x->tx.fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		socklen_t sl = sizeof e;
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS &&
		     poll(&p, 1, (int)(x->deadline - s6_now_ms())) == 1 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 && e == 0))
			x->tx.fd = fd;
		else
			close(fd);
		if (x->tx.fd < 0 && e == 0)
			e = ETIMEDOUT;
	}
	freeaddrinfo(res);
	if (x->tx.fd < 0)
		return eng_cip_fail(x, e, "cannot reach proxy: %s", strerror(e));
	return true;
}

static bool eng_cip_open(struct eng_cip_ctx *x)
{
	size_t sent;
	int one = 1, fd = -1;

	x->tx.fd = -1;
	if (x->rec.plain) {
		if (!eng_cip_plain(x))
			return false;
	} else {
		x->tx.ssl = eng_tls_open(x->h, NULL, 0, &sent, &fd, &x->err, x->why, sizeof x->why);
		if (!x->tx.ssl)
			return false;
		x->tx.fd = fd;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	setsockopt(x->tx.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return true;
}

/* The Upgrade request, and in draft-00 the registration of context 0. */
static bool eng_cip_request(struct eng_cip_ctx *x)
{
	char proto[4];
	const s6_cip_tvars v = {.target = x->rec.target, .ipproto = proto};
	const char *tmpl = x->rec.tmpl[0] ? x->rec.tmpl : S6_CIP_TEMPLATE_DEFAULT;
	char path[S6_ENG_CIP_TMPL_MAX * 3 + 1], auth[S6_ENG_HOST_MAX + 16], req[4096];
	size_t len, rlen;
	bool v6 = strchr(x->h->host, ':') != NULL;

	snprintf(proto, sizeof proto, "%u", x->rec.ipproto);
	if (s6_cip_template_expand(tmpl, &v, path, sizeof path, &len) != S6_OK)
		return eng_cip_fail(x, EINVAL, "connect-ip: the URI template does not expand");
	snprintf(auth, sizeof auth, "%s%s%s:%u", v6 ? "[" : "", x->h->host, v6 ? "]" : "",
		 x->h->port);
	s6_cip_http_req r = {
		.mode = x->rec.mode, .authority = auth, .path = path,
		.user = x->rec.has_user ? x->rec.user : NULL,
		.pass = x->rec.has_user ? x->rec.pass : NULL,
	};
	if (s6_cip_http_request(&r, req, sizeof req, &rlen) != S6_OK)
		return eng_cip_fail(x, EINVAL, "connect-ip: cannot build the request");
	if (x->rec.mode == S6_CIP_MODE_DRAFT00) {
		size_t clen;
		if (s6_cip_register_encode(0, (uint8_t *)req + rlen, sizeof req - rlen, &clen) != S6_OK)
			return eng_cip_fail(x, EINVAL, "connect-ip: cannot build the request");
		rlen += clen;
	}
	bool ok = eng_cip_tx_write_all(&x->tx, req, rlen, x->deadline);
	explicit_bzero(req, sizeof req);
	if (!ok)
		return eng_cip_fail(x, ECONNRESET, "connect-ip: the proxy closed the connection");
	return true;
}

/* Wait for the transport to be readable; false at the deadline. */
static bool eng_cip_wait_in(struct eng_cip_ctx *x, int64_t until)
{
	struct pollfd p = {.fd = x->tx.fd, .events = eng_cip_tx_events(&x->tx, true, false)};
	int64_t left = until - s6_now_ms();

	return left > 0 && poll(&p, 1, (int)left) == 1;
}

/* The response head; what follows it starts the capsule stream. */
static bool eng_cip_head(struct eng_cip_ctx *x)
{
	size_t len = 0, used = 0, need = 0;
	const char *w = NULL;

	for (;;) {
		ssize_t n = eng_cip_tx_read(&x->tx, x->head + len, sizeof x->head - len);
		if (n == 0)
			return eng_cip_fail(x, ECONNRESET, "connect-ip: the proxy closed the "
					    "connection before answering");
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return eng_cip_fail(x, errno, "connect-ip: reading the answer: %s", strerror(errno));
		if (n < 0) {
			if (!eng_cip_wait_in(x, x->deadline))
				return eng_cip_fail(x, ETIMEDOUT, "connect-ip: no answer from the proxy "
						    "within %d s", ENG_HANDSHAKE_TIMEOUT_S);
			continue;
		}
		len += (size_t)n;
		s6_err err = s6_cip_http_response(x->head, len, &x->resp, &used, &need, &w);
		if (err == S6_ERR_NEED_MORE && len < sizeof x->head)
			continue;
		if (err == S6_OK)
			break;
		if (err == S6_ERR_REFUSED || err == S6_ERR_NOT_ALLOWED)
			return eng_cip_fail(x, err == S6_ERR_NOT_ALLOWED ? EACCES : ECONNREFUSED,
					    "connect-ip: the proxy answered '%s' instead of 101",
					    x->resp.status_line);
		return eng_cip_fail(x, EPROTO, "connect-ip: bad answer from the proxy (%s)%s%s",
				    w ? w : s6_strerror(err), x->resp.status_line[0] ? ": " : "",
				    x->resp.status_line);
	}
	x->caps.in_len = len - used;
	memcpy(x->caps.in, x->head + used, x->caps.in_len);
	return true;
}

/* A name of the alias chain matching a block-alias pattern. */
static const char *eng_cip_blocked(const struct eng_cip_ctx *x, const char *name)
{
	for (unsigned i = 0; i < x->rec.n_block; i++)
		if (s6_cip_alias_match(x->rec.block[i], name))
			return x->rec.block[i];
	return NULL;
}

/* "next-hop ADDR, aliases a > b > c" of the members that carry them. */
static void eng_cip_chain(struct eng_cip_ctx *x)
{
	size_t n = 0;

	x->chain[0] = '\0';
	for (size_t i = 0; i < x->ps.ndecoded; i++) {
		const s6_ps_member *m = &x->ps.m[i];
		if (m->has_next_hop)
			n += (size_t)snprintf(x->chain + n, n < sizeof x->chain ? sizeof x->chain - n : 0,
					      "%snext-hop %s", n ? ", " : "", m->next_hop);
		for (size_t k = 0; m->has_aliases && k < m->naliases; k++)
			n += (size_t)snprintf(x->chain + n, n < sizeof x->chain ? sizeof x->chain - n : 0,
					      "%s%s", k ? " > " : n ? ", aliases " : "aliases ",
					      m->alias[k]);
	}
}

/* Proxy-Status: an invalid field is ignored whole (logged); a valid one
 * gives the alias chain, which block-alias may refuse. */
static bool eng_cip_aliases(struct eng_cip_ctx *x)
{
	const char *w = NULL;

	if (!x->resp.has_proxy_status)
		return true;
	if (x->resp.proxy_status_overflow ||
	    s6_ps_parse(x->resp.proxy_status, x->resp.proxy_status_len, &x->ps, &w) != S6_OK) {
		eng_log("connect-ip %s: invalid Proxy-Status ignored (%s)", x->rec.target,
			x->resp.proxy_status_overflow ? "too long" : w ? w : "malformed");
		memset(&x->ps, 0, sizeof x->ps);
		return true;
	}
	eng_cip_chain(x);
	if (x->chain[0])
		eng_log("connect-ip %s: %s", x->rec.target, x->chain);
	for (size_t i = 0; i < x->ps.ndecoded; i++) {
		const s6_ps_member *m = &x->ps.m[i];
		for (size_t k = 0; k < m->naliases; k++) {
			const char *p = eng_cip_blocked(x, m->alias[k]);
			if (p)
				return eng_cip_fail(x, EACCES, "connect-ip: blocked: alias %.100s of %.60s "
						    "matches block-alias %.60s", m->alias[k],
						    x->rec.target, p);
		}
	}
	return true;
}

/* Ask for an address of each version (RFC 9484: Request IDs 1 and 2; in
 * draft-00 one address per capsule). */
static bool eng_cip_ask(struct eng_cip_ctx *x)
{
	s6_cip_prefix p[2] = {{.request_id = 1, .version = 4, .prefix_len = 32},
			      {.request_id = 2, .version = 6, .prefix_len = 128}};
	uint8_t buf[2 * (S6_CIP_CAPSULE_HEAD_MAX + S6_CIP_ADDR_WIRE_MAX)];
	size_t len = 0, l2 = 0;
	bool d00 = x->rec.mode == S6_CIP_MODE_DRAFT00;

	if (s6_cip_addrs_encode(x->rec.mode, S6_CIP_K_ADDRESS_REQUEST, p, d00 ? 1 : 2, buf,
				sizeof buf, &len) != S6_OK ||
	    (d00 && s6_cip_addrs_encode(x->rec.mode, S6_CIP_K_ADDRESS_REQUEST, p + 1, 1, buf + len,
					sizeof buf - len, &l2) != S6_OK))
		return false;
	return eng_cip_tx_write_all(&x->tx, buf, len + l2, x->deadline);
}

/* Read capsules into caps; false on EOF, error or a malformed capsule. */
static bool eng_cip_read_caps(struct eng_cip_ctx *x)
{
	struct eng_cip_caps *c = &x->caps;
	char why[S6_ENG_REASON_MAX + 1];

	for (;;) {
		if (!eng_cip_caps_feed(c, NULL, why, sizeof why))
			return eng_cip_fail(x, EPROTO, "%s", why);
		ssize_t n = eng_cip_tx_read(&x->tx, c->in + c->in_len, sizeof c->in - c->in_len);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == 0)
			return eng_cip_fail(x, ECONNRESET, "connect-ip: the proxy closed the tunnel%s",
					    c->in_len ? " inside a capsule" : "");
		if (errno == EAGAIN || errno == EINTR)
			return true;
		return eng_cip_fail(x, errno, "connect-ip: reading capsules: %s", strerror(errno));
	}
}

/* Addresses and routes, bounded: ADDRESS_REQUEST after ENG_CIP_ADDR_ASK_MS
 * without an address; routes at most that long after the address. */
static bool eng_cip_wait_caps(struct eng_cip_ctx *x)
{
	int64_t start = s6_now_ms(), routes_by = 0;
	bool asked = false;

	for (;;) {
		if (!eng_cip_read_caps(x))
			return false;
		int64_t now = s6_now_ms(), until = x->deadline;
		if (x->caps.have_addr && x->caps.have_routes)
			return true;
		if (x->caps.have_addr && !routes_by)
			routes_by = now + ENG_CIP_ADDR_ASK_MS;
		if (routes_by && now >= routes_by)
			return eng_cip_fail(x, ENETUNREACH, "connect-ip: the proxy advertised no route");
		if (now >= x->deadline)
			return eng_cip_fail(x, ETIMEDOUT, "connect-ip: no address assigned within %d s",
					    ENG_HANDSHAKE_TIMEOUT_S);
		if (!asked && !x->caps.have_addr && now >= start + ENG_CIP_ADDR_ASK_MS) {
			asked = true;
			if (!eng_cip_ask(x))
				return eng_cip_fail(x, ECONNRESET, "connect-ip: cannot send ADDRESS_REQUEST");
			eng_log("connect-ip %s: no address after %d ms: sent ADDRESS_REQUEST",
				x->rec.target, ENG_CIP_ADDR_ASK_MS);
		}
		if (!asked && !x->caps.have_addr)
			until = start + ENG_CIP_ADDR_ASK_MS;
		if (routes_by)
			until = routes_by;
		eng_cip_wait_in(x, until);
	}
}

static bool eng_cip_literal(const char *s, struct eng_cip_ip *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->a) == 1)
		out->v = 4;
	else if (inet_pton(AF_INET6, s, out->a) == 1)
		out->v = 6;
	return out->v != 0;
}

/* The target's address: the literal the program used, else the proxy's
 * next-hop, else a one-address route it advertised for TCP. */
static bool eng_cip_target_ip(struct eng_cip_ctx *x)
{
	if (eng_cip_literal(x->rec.target, &x->target))
		return true;
	for (size_t i = 0; i < x->ps.ndecoded; i++)
		if (x->ps.m[i].has_next_hop && eng_cip_literal(x->ps.m[i].next_hop, &x->target))
			return true;
	for (size_t i = 0; i < x->caps.nroute; i++) {
		const s6_cip_range *r = &x->caps.route[i];
		size_t n = r->version == 4 ? 4 : 16;
		if ((r->proto == 0 || r->proto == x->rec.ipproto) && memcmp(r->start, r->end, n) == 0) {
			x->target.v = r->version;
			memcpy(x->target.a, r->start, n);
			return true;
		}
	}
	return eng_cip_fail(x, EHOSTUNREACH, "connect-ip: the proxy did not say which address "
			    "%.100s has", x->rec.target);
}

static bool eng_cip_loopback(const struct eng_cip_ip *ip)
{
	static const uint8_t v6lo[16] = {[15] = 1};

	return ip->v == 4 ? ip->a[0] == 127 : memcmp(ip->a, v6lo, 16) == 0;
}

static bool eng_cip_pick(struct eng_cip_ctx *x)
{
	char a[INET6_ADDRSTRLEN];

	if (!eng_cip_target_ip(x))
		return false;
	inet_ntop(x->target.v == 4 ? AF_INET : AF_INET6, x->target.a, a, sizeof a);
	if (!eng_cip_routed(&x->caps, &x->target, x->rec.ipproto))
		return eng_cip_fail(x, ENETUNREACH, "connect-ip: %s is outside the routes the proxy "
				    "advertised", a);
	if (!eng_cip_local(&x->caps, x->target.v, &x->local))
		return eng_cip_fail(x, ENETUNREACH, "connect-ip: no IPv%u address assigned",
				    x->target.v);
	/* lwIP sends to its own address and to loopback through a callback
	 * of its tcpip thread, which this use has not: it would abort. */
	if (memcmp(x->local.a, x->target.a, 16) == 0 || eng_cip_loopback(&x->target))
		return eng_cip_fail(x, EHOSTUNREACH, "connect-ip: the target %s is a loopback or our "
				    "own address, which the tunnel cannot carry", a);
	return true;
}

/* The end of the tunnel: close_notify and FIN, and what the proxy sent
 * meanwhile read away, so that the close is not a reset. */
void eng_cip_close(struct eng_cip_ctx *x)
{
	if (x->tx.fd >= 0) {
		if (x->tx.ssl)
			SSL_shutdown(x->tx.ssl);
		shutdown(x->tx.fd, SHUT_WR);
		for (int i = 0; i < 64 && recv(x->tx.fd, x->head, sizeof x->head, MSG_DONTWAIT) > 0; i++)
			;
	}
	if (x->tx.ssl)
		eng_tls_close(x->tx.ssl, x->tx.fd);
	else if (x->tx.fd >= 0)
		close(x->tx.fd);
}

bool eng_cip_setup(struct eng_cip_ctx *x)
{
	return eng_cip_open(x) && eng_cip_request(x) && eng_cip_head(x) && eng_cip_aliases(x) &&
	       eng_cip_wait_caps(x) && eng_cip_pick(x);
}

void eng_cip_ctx_init(struct eng_cip_ctx *x)
{
	x->tx.fd = -1;
	x->caps.mode = x->rec.mode;
	s6_cip_reader_init(&x->caps.rd, x->rec.mode, sizeof x->caps.in - S6_CIP_CAPSULE_HEAD_MAX);
}

void eng_cip_serve(int cfd, const s6_eng_hdr *h, const uint8_t *rec, size_t len)
{
	struct eng_cip_ctx *x = calloc(1, sizeof *x);
	struct eng_cip_tun *tun = NULL;
	size_t used = 0, need = 0;
	char ok[S6_ENG_REASON_MAX + 64], a[INET6_ADDRSTRLEN]; /* cut to the record's limit */

	if (!x || s6_eng_cip_parse(rec, len, &x->rec, &used, &need) != S6_OK) {
		eng_log("refused a connection: bad connect-ip record");
		eng_cip_status(cfd, false, EPROTO, "engine: bad connect-ip record");
		free(x);
		return;
	}
	if (x->rec.ipproto != 6) { /* UDP or ICMP echo: an association */
		eng_cip_udp_serve(cfd, h, &x->rec);
		explicit_bzero(&x->rec, sizeof x->rec);
		free(x);
		return;
	}
	x->cfd = cfd;
	x->h = h;
	x->deadline = s6_now_ms() + ENG_HANDSHAKE_TIMEOUT_S * 1000;
	eng_cip_ctx_init(x);
	if (eng_cip_setup(x))
		tun = eng_cip_tun_new(x->rec.mode, &x->local, &x->target, x->rec.port, x->why,
				      sizeof x->why);
	if (tun) {
		inet_ntop(x->target.v == 4 ? AF_INET : AF_INET6, x->target.a, a, sizeof a);
		snprintf(ok, sizeof ok, "connect-ip %s%s%s", a, x->chain[0] ? ", " : "", x->chain);
		eng_log("proxy %s:%u: %s (%s, %s)", h->host, h->port, ok,
			x->rec.mode == S6_CIP_MODE_DRAFT00 ? "draft-00" : "RFC 9484",
			x->rec.plain ? "plain HTTP" : "TLS");
		eng_cip_relay(cfd, &x->tx, &x->caps, tun, x->deadline, ok);
		eng_cip_tun_free(tun);
	} else {
		if (!x->err)
			x->err = ENOMEM;
		eng_log("proxy %s:%u: target %s: %s", h->host, h->port, x->rec.target, x->why);
		eng_cip_status(cfd, false, x->err, x->why);
	}
	eng_cip_close(x);
	explicit_bzero(&x->rec, sizeof x->rec);
	free(x);
}
