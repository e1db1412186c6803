/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "s6_bytes.h"
#include "s6_log.h"
#include "s6_socks4.h"
#include "srv_bind.h"
#include "srv_dial.h"
#include "srv_socks4.h"

typedef struct s4_state {
	s6_socks4_request req;
	bool have_req;
	/* "name:port" / "ip:port" with unprintable bytes replaced, for logs */
	char target[S6_SOCKS4_DOMAIN_MAX + 16];
	char user[S6_SOCKS4_USERID_MAX + 1];
	srv_dial dial;          /* CONNECT */
	srv_lookup lookup;      /* BIND to a name: the addresses to expect */
	srv_bind bind;          /* BIND */
} s4_state;

/* ---- logging: one line per request */

/* Names and user ids come from the network: keep log lines single and
 * unambiguous. */
static void sanitize(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? (char)ch : '?';
	}
	dst[i] = '\0';
}

static void format_target(s4_state *st)
{
	char name[S6_SOCKS4_DOMAIN_MAX + 1];
	const s6_socks4_request *rq = &st->req;

	if (rq->domain[0]) {
		sanitize(name, sizeof name, rq->domain);
		/* An IPv6 literal gets brackets so that the port stays clear. */
		if (strchr(name, ':') && name[0] != '[')
			snprintf(st->target, sizeof st->target, "[%s]:%u", name, rq->port);
		else
			snprintf(st->target, sizeof st->target, "%s:%u", name, rq->port);
	} else {
		inet_ntop(AF_INET, rq->ip, name, sizeof name);
		snprintf(st->target, sizeof st->target, "%s:%u", name, rq->port);
	}
	sanitize(st->user, sizeof st->user, rq->userid);
}

static void s4_log(srv_conn *c, s6_log_level level, const char *result)
{
	s4_state *st = c->state;
	bool bind = st->req.command == S6_SOCKS4_CMD_BIND;

	if (!st->have_req) {
		s6_log(level, "%s: %s", c->peer_str, result);
		return;
	}
	s6_log(level, "%s %s %s%s%s%s: %s", c->peer_str, bind ? "BIND" : "CONNECT",
	       st->target, st->user[0] ? " user \"" : "", st->user,
	       st->user[0] ? "\"" : "", result);
}

/* ---- replies */

/* DSTIP/DSTPORT from addr: an IPv6 address cannot be expressed, so only its
 * port goes out with DSTIP 0.0.0.0 ("the proxy's own address"). */
static void pack_reply(uint8_t code, const struct sockaddr_storage *addr,
		       uint8_t out[S6_SOCKS4_REPLY_LEN])
{
	s6_socks4_reply rep = {.code = code};
	struct sockaddr_storage ss;

	if (addr) {
		s6_addr_unmap((const struct sockaddr *)addr, &ss);
		rep.port = s6_addr_port((struct sockaddr *)&ss);
		if (ss.ss_family == AF_INET)
			memcpy(rep.ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	}
	s6_socks4_reply_pack(&rep, out);
}

static void refuse(srv_conn *c, const char *reason)
{
	uint8_t out[S6_SOCKS4_REPLY_LEN];
	char line[160];

	snprintf(line, sizeof line, "rejected: %s", reason);
	s4_log(c, S6_LOG_ERROR, line);
	pack_reply(S6_SOCKS4_REJECTED, NULL, out);
	srv_conn_refuse(c, out, sizeof out);
}

static void grant(srv_conn *c, const struct sockaddr_storage *addr)
{
	uint8_t out[S6_SOCKS4_REPLY_LEN];

	pack_reply(S6_SOCKS4_GRANTED, addr, out);
	srv_conn_send(c, out, sizeof out);
}

/* ---- CONNECT */

static void on_dialed(srv_dial *d, int fd, const char *reason)
{
	srv_conn *c = d->owner;
	struct sockaddr_storage local, remote;
	socklen_t llen = sizeof local, rlen = sizeof remote;
	char buf[S6_ADDR_STR_MAX], line[S6_ADDR_STR_MAX + 32];

	if (fd < 0) {
		refuse(c, reason);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0)
		memset(&local, 0, sizeof local);
	if (getpeername(fd, (struct sockaddr *)&remote, &rlen) < 0)
		memset(&remote, 0, sizeof remote);
	/* Clients ignore a CONNECT reply's address; send the outbound one. */
	grant(c, &local);
	snprintf(line, sizeof line, "granted, connected to %s",
		 s6_addr_format((struct sockaddr *)&remote, buf, sizeof buf));
	s4_log(c, S6_LOG_INFO, line);
	srv_conn_relay(c, fd);
}

static void start_connect(srv_conn *c)
{
	s4_state *st = c->state;
	srv_server *s = c->srv;
	char ip[INET_ADDRSTRLEN];
	const char *host = st->req.domain;

	if (!host[0]) {
		if (s6_get_u32be(st->req.ip) == 0) {
			refuse(c, "invalid destination address");
			return;
		}
		host = inet_ntop(AF_INET, st->req.ip, ip, sizeof ip);
	}
	if (!srv_dial_start(&st->dial, s->loop, s->resolver, host, st->req.port,
			    s->cfg.connect_ms, on_dialed, c))
		refuse(c, "out of resources");
}

/* ---- BIND */

static void on_bound(srv_bind *b, int fd, const char *reason)
{
	srv_conn *c = b->owner;
	char buf[S6_ADDR_STR_MAX], line[S6_ADDR_STR_MAX + 80];

	s6_addr_format((struct sockaddr *)&b->peer, buf, sizeof buf);
	if (fd < 0) {
		if (b->have_peer) {
			snprintf(line, sizeof line, "inbound connection from %s "
				 "does not match the requested address", buf);
			reason = line;
		}
		refuse(c, reason);
		return;
	}
	grant(c, &b->peer);
	snprintf(line, sizeof line, "granted, inbound connection from %s", buf);
	s4_log(c, S6_LOG_INFO, line);
	srv_conn_relay(c, fd);
}

/* Listen, send the first reply, wait for the application server. */
static void open_bind(srv_conn *c, const srv_addrs *expect)
{
	s4_state *st = c->state;
	srv_server *s = c->srv;
	struct sockaddr_storage where;
	char buf[S6_ADDR_STR_MAX], line[S6_ADDR_STR_MAX + 80];
	int err;

	/* The client's own path to us is the address the application
	 * server is most likely to reach too. */
	if (s->cfg.have_bind_addr)
		where = s->cfg.bind_addr;
	else
		s6_addr_unmap((struct sockaddr *)&c->local, &where);
	err = srv_bind_start(&st->bind, s->loop, (struct sockaddr *)&where, expect,
			     s->cfg.bind_ms, on_bound, c);
	if (err) {
		snprintf(line, sizeof line, "cannot listen: %s", strerror(err));
		refuse(c, line);
		return;
	}
	grant(c, &st->bind.local);
	snprintf(line, sizeof line, "listening on %s",
		 s6_addr_format((struct sockaddr *)&st->bind.local, buf, sizeof buf));
	s4_log(c, S6_LOG_DEBUG, line);
}

static void on_bind_lookup(srv_lookup *lk, const srv_addrs *res, const char *reason)
{
	srv_conn *c = lk->owner;

	if (!res)
		refuse(c, reason);
	else
		open_bind(c, res);
}

static void start_bind(srv_conn *c)
{
	s4_state *st = c->state;
	srv_server *s = c->srv;
	srv_addrs expect;
	struct sockaddr_in *in = (struct sockaddr_in *)&expect.a[0];

	if (st->req.domain[0]) {
		if (!srv_lookup_start(&st->lookup, s->loop, s->resolver,
				      st->req.domain, st->req.port,
				      s->cfg.connect_ms, on_bind_lookup, c))
			refuse(c, "out of resources");
		return;
	}
	memset(&expect, 0, sizeof expect);
	in->sin_family = AF_INET;
	memcpy(&in->sin_addr, st->req.ip, 4);
	expect.n = 1;
	open_bind(c, &expect);
}

/* ---- request */

static void malformed(srv_conn *c, const uint8_t *p, size_t len, s6_err err)
{
	char why[96];

	if (err == S6_ERR_BAD_VERSION)
		snprintf(why, sizeof why, "malformed request: version %u", p[0]);
	else if (err == S6_ERR_TOO_LONG)
		snprintf(why, sizeof why, "malformed request: user id or domain too long");
	else if (err == S6_ERR_MALFORMED && len >= 2 &&
		 p[1] != S6_SOCKS4_CMD_CONNECT && p[1] != S6_SOCKS4_CMD_BIND)
		snprintf(why, sizeof why, "malformed request: command %u", p[1]);
	else if (err == S6_ERR_MALFORMED)
		snprintf(why, sizeof why, "malformed request: empty domain");
	else
		snprintf(why, sizeof why, "malformed request: %s", s6_strerror(err));
	refuse(c, why);
}

static bool user_allowed(const srv_config *cfg, const char *user)
{
	if (cfg->n_allow_users == 0)
		return true;
	for (size_t i = 0; i < cfg->n_allow_users; i++)
		if (strcmp(cfg->allow_users[i], user) == 0)
			return true;
	return false;
}

static void s4_input(srv_conn *c)
{
	s4_state *st = c->state;
	const uint8_t *p = srv_buf_peek(&c->up);
	size_t len = srv_buf_len(&c->up), used = 0, need = 0;
	s6_err err = s6_socks4_request_parse(p, len, &st->req, &used, &need);

	if (err == S6_ERR_NEED_MORE)
		return;
	if (err != S6_OK) {
		malformed(c, p, len, err);
		return;
	}
	/* Whatever follows the request is early application data: it stays
	 * in c->up and goes to the target first. */
	srv_buf_consume(&c->up, used);
	srv_conn_handshake_done(c);
	st->have_req = true;
	format_target(st);
	if (!user_allowed(&c->srv->cfg, st->req.userid))
		refuse(c, "user id not allowed");
	else if (st->req.command == S6_SOCKS4_CMD_CONNECT)
		start_connect(c);
	else
		start_bind(c);
}

static void s4_init(srv_conn *c)
{
	s4_state *st = c->state;

	srv_dial_init(&st->dial);
	srv_lookup_init(&st->lookup);
	srv_bind_init(&st->bind);
}

static void s4_release(srv_conn *c)
{
	s4_state *st = c->state;

	srv_dial_cancel(&st->dial);
	srv_lookup_cancel(&st->lookup);
	srv_bind_cancel(&st->bind);
}

const srv_proto srv_socks4_proto = {
	.name = "socks4a",
	.state_size = sizeof(s4_state),
	.init = s4_init,
	.input = s4_input,
	.release = s4_release,
};
