/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 commands after authentication: CONNECT (with TCP Fast Open of the
 * initial data and the remote-leg stack options), NOOP, UDP ASSOCIATE and
 * the DNS service (CONNECT to 0.0.0.0 or :: port 53). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s6_cidr.h"
#include "s6_log.h"
#include "srv_s6_reply.h"
#include "srv_s6_state.h"
#include "srv_socks6.h"

#define DNS_PORT 53

void srv_s6_fail_op(srv_conn *c, uint8_t code)
{
	srv_s6_state *st = c->state;
	uint8_t out[S6_SOCKS6_OP_REPLY_FIXED_LEN + 16];
	size_t n = srv_s6_pack_op(code, NULL, NULL, 0, out, sizeof out);

	srv_s6_log_reply(c->peer_str, &st->log, code);
	srv_conn_refuse(c, out, n);
}

/* Successful Operation Reply; false when the connection is gone. */
static bool send_op(srv_conn *c, const struct sockaddr *bound, const uint8_t *opts,
		    size_t opts_len)
{
	uint8_t out[S6_SOCKS6_OP_REPLY_FIXED_LEN + 16 + SRV_S6_REPLY_OPTS_MAX];
	size_t n = srv_s6_pack_op(S6_SOCKS6_REP_SUCCESS, bound, opts, opts_len,
				  out, sizeof out);

	srv_conn_hold(c, false);
	if (n == 0 || !srv_conn_send(c, out, n)) {
		srv_conn_close(c);
		return false;
	}
	return true;
}

const char *srv_s6_host(srv_s6_state *st)
{
	const s6_s6_addr *a = &st->req.addr;

	if (a->type == S6_SOCKS6_ATYP_IPV4)
		return inet_ntop(AF_INET, a->ip, st->host, sizeof st->host);
	if (a->type == S6_SOCKS6_ATYP_IPV6)
		return inet_ntop(AF_INET6, a->ip, st->host, sizeof st->host);
	return a->domain;
}

/* ---- CONNECT */

static bool dial_allow(srv_dial *d, const struct sockaddr *sa)
{
	srv_conn *c = d->owner;
	const srv_s6_config *cfg = c->srv->cfg.s6;

	for (size_t i = 0; i < cfg->n_deny; i++)
		if (s6_cidr_match(&cfg->deny[i], sa))
			return false;
	return true;
}

static void dial_prepare(srv_dial *d, int fd, int family)
{
	srv_conn *c = d->owner;
	srv_s6_state *st = c->state;

	srv_s6_stack_prepare(&st->stack, fd, family);
}

static void on_dialed(srv_dial *d, int fd, const char *reason)
{
	srv_conn *c = d->owner;
	srv_s6_state *st = c->state;
	struct sockaddr_storage local;
	socklen_t llen = sizeof local;
	uint8_t mem[SRV_S6_REPLY_OPTS_MAX];
	s6_s6opt_buf b;
	srv_s6_stack applied;

	if (fd < 0) {
		srv_s6_fail_op(c, srv_s6_dial_code(reason, d->last_err));
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0)
		memset(&local, 0, sizeof local);
	/* What the SYN carried has reached the target: it leaves c->up,
	 * the rest goes first once relaying starts. */
	srv_buf_consume(&c->up, d->idata_sent);
	srv_s6_stack_applied(&st->stack, fd, local.ss_family, d->idata_sent,
			     d->mptcp_used, &applied);
	s6_s6opt_buf_init(&b, mem, sizeof mem);
	srv_s6_stack_echo(&b, &applied);
	if (!send_op(c, (struct sockaddr *)&local, b.buf, b.len)) {
		close(fd);
		return;
	}
	srv_s6_log_reply(c->peer_str, &st->log, S6_SOCKS6_REP_SUCCESS);
	/* A plain byte stream from now on: a TLS front may relay it itself. */
	srv_conn_relay_direct(c, fd);
}

/* TFO only when asked (the draft forbids it otherwise) and only with data
 * to carry, at most the Payload Size the client allows (0: any). */
static void setup_tfo(srv_conn *c)
{
	srv_s6_state *st = c->state;
	size_t n = st->idata_len;

	if (!st->stack.tfo || n == 0 || srv_buf_len(&c->up) < n)
		return;
	if (st->stack.tfo_v && st->stack.tfo_v < n)
		n = st->stack.tfo_v;
	st->tfo_data = malloc(n);
	if (!st->tfo_data)
		return;
	memcpy(st->tfo_data, srv_buf_peek(&c->up), n);
	st->dial.idata = st->tfo_data;
	st->dial.idata_len = n;
}

static void start_dns(srv_conn *c)
{
	srv_s6_state *st = c->state;

	if (!send_op(c, NULL, NULL, 0))
		return;
	srv_s6_log_reply(c->peer_str, &st->log, S6_SOCKS6_REP_SUCCESS);
	st->dns = srv_s6dns_start(c);
}

static void start_connect(srv_conn *c)
{
	srv_s6_state *st = c->state;
	srv_server *s = c->srv;

	if (s6_s6_addr_is_unspecified(&st->req.addr)) {
		if (st->req.port == DNS_PORT)
			start_dns(c);
		else
			srv_s6_fail_op(c, S6_SOCKS6_REP_HOST_UNREACH);
		return;
	}
	if (st->req.port == 0) {
		srv_s6_fail_op(c, S6_SOCKS6_REP_HOST_UNREACH);
		return;
	}
	if (s->cfg.s6->n_deny)
		st->dial.allow = dial_allow;
	st->dial.prepare = dial_prepare;
	st->dial.mptcp = st->stack.mptcp && st->stack.mptcp_v == S6_S6_AVAIL_YES;
	setup_tfo(c);
	if (!srv_dial_start(&st->dial, s->loop, s->resolver, srv_s6_host(st),
			    st->req.port, s->cfg.connect_ms, on_dialed, c))
		srv_s6_fail_op(c, S6_SOCKS6_REP_FAILURE);
}

/* ---- NOOP, UDP ASSOCIATE */

/* NOOP: success, then close once the reply is out (the client must close
 * too). Useful as a probe and to carry a Session Teardown. */
static void do_noop(srv_conn *c)
{
	srv_s6_state *st = c->state;
	uint8_t out[S6_SOCKS6_OP_REPLY_FIXED_LEN + 16];
	size_t n = srv_s6_pack_op(S6_SOCKS6_REP_SUCCESS, NULL, NULL, 0, out, sizeof out);

	srv_s6_log_reply(c->peer_str, &st->log, S6_SOCKS6_REP_SUCCESS);
	srv_conn_refuse(c, out, n);
}

/* The UDP module sends the Operation Reply itself; failures it refuses. */
static void do_udp(srv_conn *c)
{
	srv_s6_state *st = c->state;
	s6_s6_request req = st->req;
	uint8_t code = S6_SOCKS6_REP_FAILURE;

	/* Session and idempotence options went out in the Authentication
	 * Reply; the UDP module adds its own to the Operation Reply. */
	req.opts = st->optbuf;
	st->udp = srv_s6udp_start(c, &req, &st->opts, NULL, 0, &code);
	srv_s6_log_reply(c->peer_str, &st->log, code);
}

void srv_s6_dispatch(srv_conn *c)
{
	srv_s6_state *st = c->state;

	switch (st->req.command) {
	case S6_SOCKS6_CMD_NOOP: do_noop(c); break;
	case S6_SOCKS6_CMD_CONNECT: start_connect(c); break;
	case S6_SOCKS6_CMD_BIND: srv_s6_start_bind(c); break;
	case S6_SOCKS6_CMD_UDP_ASSOCIATE: do_udp(c); break;
	default: srv_s6_fail_op(c, S6_SOCKS6_REP_CMD_UNSUPPORTED); break;
	}
}
