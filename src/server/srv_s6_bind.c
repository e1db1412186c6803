/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 BIND: listen, first Operation Reply with the listening address,
 * second with the peer that connected, then relay. In SOCKS6 the
 * Request's address is the desired bind address, not the expected peer,
 * so any source is accepted. The port the client asks for is not
 * honoured: the kernel picks one (the reply says which). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "s6_addr.h"
#include "s6_log.h"
#include "srv_s6_backlog.h"
#include "srv_s6_reply.h"
#include "srv_s6_state.h"
#include "srv_socks6.h"

static bool send_op(srv_conn *c, const struct sockaddr *addr, const s6_s6opt_buf *b)
{
	uint8_t out[S6_SOCKS6_OP_REPLY_FIXED_LEN + 16 + SRV_S6_REPLY_OPTS_MAX];
	size_t n = srv_s6_pack_op(S6_SOCKS6_REP_SUCCESS, addr, b->buf, b->len,
				  out, sizeof out);

	if (n == 0 || !srv_conn_send(c, out, n)) {
		srv_conn_close(c);
		return false;
	}
	return true;
}

static void on_bound(srv_bind *bd, int fd, const char *reason)
{
	srv_conn *c = bd->owner;
	srv_s6_state *st = c->state;
	uint8_t mem[SRV_S6_REPLY_OPTS_MAX];
	s6_s6opt_buf b;
	srv_s6_stack want = st->stack, applied;

	if (fd < 0) {
		s6_log(S6_LOG_DEBUG, "%s: socks6 BIND: %s", c->peer_str, reason);
		srv_s6_fail_op(c, strcmp(reason, "timeout") == 0
			       ? S6_SOCKS6_REP_TIMEOUT : S6_SOCKS6_REP_FAILURE);
		return;
	}
	/* The IP-level options apply to the accepted connection; the
	 * listener-level ones were answered in the first reply. */
	want.tfo = want.backlog = want.he = false;
	srv_s6_stack_prepare(&want, fd, bd->peer.ss_family);
	srv_s6_stack_applied(&want, fd, bd->peer.ss_family, 0, false, &applied);
	s6_s6opt_buf_init(&b, mem, sizeof mem);
	srv_s6_stack_echo(&b, &applied);
	if (!send_op(c, (struct sockaddr *)&bd->peer, &b)) {
		close(fd);
		return;
	}
	srv_s6_log_reply(c->peer_str, &st->log, S6_SOCKS6_REP_SUCCESS);
	srv_conn_relay(c, fd);
}

/* Where to listen: the requested address, else --bind-address, else the
 * address the client reached us on. */
static bool bind_where(srv_conn *c, struct sockaddr_storage *where)
{
	srv_s6_state *st = c->state;
	const s6_s6_addr *a = &st->req.addr;

	if (a->type == S6_SOCKS6_ATYP_DOMAIN)
		return false;
	if (!s6_s6_addr_is_unspecified(a))
		return srv_resolve_literal(srv_s6_host(st), 0, where);
	if (c->srv->cfg.have_bind_addr)
		*where = c->srv->cfg.bind_addr;
	else
		s6_addr_unmap((struct sockaddr *)&c->local, where);
	return true;
}

/* ---- Listen Backlog (sessions only) */

static void on_wait_timeout(srv_timer *t)
{
	srv_conn *c = t->owner;
	srv_s6_state *st = c->state;

	if (st->waiting_on)
		srv_s6_backlog_release(st->waiting_on, c);
	srv_s6_fail_op(c, S6_SOCKS6_REP_TIMEOUT);
}

void srv_s6_bind_init(srv_conn *c)
{
	srv_s6_state *st = c->state;

	srv_timer_init(&st->wait_timer, on_wait_timeout, c);
}

void srv_s6_bind_release(srv_conn *c)
{
	srv_s6_state *st = c->state;

	if (st->waiting_on)
		srv_s6_backlog_release(st->waiting_on, c);
	if (st->backlog)
		srv_s6_backlog_release(st->backlog, c);
	srv_timer_stop(c->srv->loop, &st->wait_timer);
}

/* True when the request was handled as part of a session's backlog: a
 * further BIND to the backlog's address, or the initial one. */
static bool backlog_bind(srv_conn *c)
{
	srv_s6_state *st = c->state;
	srv_s6_session *s;
	srv_s6_backlog *b;
	struct sockaddr_storage where;
	int err;

	if (!st->in_session || !c->srv->s6_sessions)
		return false;
	s = srv_s6_session_find(c->srv->s6_sessions, st->sid, sizeof st->sid, srv_now_ms());
	if (!s)
		return false;
	if (st->req.addr.type != S6_SOCKS6_ATYP_DOMAIN &&
	    srv_resolve_literal(srv_s6_host(st), st->req.port, &where) &&
	    (b = srv_s6_backlog_match(s, (struct sockaddr *)&where)) != NULL) {
		if (!srv_s6_backlog_wait(b, c))
			srv_s6_fail_op(c, S6_SOCKS6_REP_FAILURE);
		return true;
	}
	if (!st->stack.backlog || st->stack.backlog_v == 0 || s->backlog)
		return false;
	if (!bind_where(c, &where)) {
		srv_s6_fail_op(c, S6_SOCKS6_REP_ATYP_UNSUPPORTED);
		return true;
	}
	err = srv_s6_backlog_open(c, s, (struct sockaddr *)&where, st->stack.backlog_v);
	if (err)
		srv_s6_fail_op(c, S6_SOCKS6_REP_FAILURE);
	else
		srv_s6_log_reply(c->peer_str, &st->log, S6_SOCKS6_REP_SUCCESS);
	return true;
}

/* ---- BIND */

void srv_s6_start_bind(srv_conn *c)
{
	srv_s6_state *st = c->state;
	srv_server *s = c->srv;
	struct sockaddr_storage where;
	srv_addrs any = {.n = 0};
	uint8_t mem[SRV_S6_REPLY_OPTS_MAX];
	s6_s6opt_buf b;
	srv_s6_stack first = {0};
	char buf[S6_ADDR_STR_MAX];
	int err;

	if (backlog_bind(c))
		return;
	if (!bind_where(c, &where)) {
		srv_s6_fail_op(c, S6_SOCKS6_REP_ATYP_UNSUPPORTED);
		return;
	}
	err = srv_bind_start(&st->bind, s->loop, (struct sockaddr *)&where, &any,
			     s->cfg.bind_ms, on_bound, c);
	if (err) {
		s6_log(S6_LOG_DEBUG, "%s: socks6 BIND: cannot listen: %s", c->peer_str,
		       strerror(err));
		srv_s6_fail_op(c, err == EADDRNOTAVAIL || err == EACCES
			       ? S6_SOCKS6_REP_NOT_ALLOWED : S6_SOCKS6_REP_FAILURE);
		return;
	}
	/* Without a session no backlog is negotiated: "the proxy signals a
	 * backlog length of 0". */
	first.backlog = st->stack.backlog;
	first.backlog_v = 0;
	s6_s6opt_buf_init(&b, mem, sizeof mem);
	srv_s6_stack_echo(&b, &first);
	if (!send_op(c, (struct sockaddr *)&st->bind.local, &b))
		return;
	s6_log(S6_LOG_DEBUG, "%s: socks6 BIND: listening on %s", c->peer_str,
	       s6_addr_format((struct sockaddr *)&st->bind.local, buf, sizeof buf));
}
