/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 Request and authentication phase (see srv_socks6.h). Everything
 * here runs in the HANDSHAKE phase, so --handshake-timeout bounds the whole
 * exchange, the slow path included. Order of bytes from the client:
 *   Request | initial data (Initial Data Length, CONNECT) | [RFC 1929 request]
 * Initial data is application data for the target: it stays at the front
 * of c->up and is never parsed; the slow path's RFC 1929 request is read
 * behind it and cut out of the buffer. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "s6_log.h"
#include "s6_userpass.h"
#include "srv_s6_reply.h"
#include "srv_s6_state.h"
#include "srv_socks6.h"

/* ---- replies of the authentication phase */

static void send_auth(srv_conn *c, uint8_t type, const s6_s6opt_buf *b)
{
	uint8_t out[S6_SOCKS6_AUTH_REPLY_FIXED_LEN + SRV_S6_REPLY_OPTS_MAX];
	size_t n = srv_s6_pack_auth(type, b->buf, b->len, out, sizeof out);

	if (n == 0 || !srv_conn_send(c, out, n))
		srv_conn_close(c);
}

/* A failed Authentication Reply (after prefix, e.g. an RFC 1929 reply),
 * the log line, then close. */
static void auth_refuse(srv_conn *c, const uint8_t *prefix, size_t plen,
			const s6_s6opt_buf *b)
{
	srv_s6_state *st = c->state;
	uint8_t out[S6_UP_REPLY_LEN + S6_SOCKS6_AUTH_REPLY_FIXED_LEN + SRV_S6_REPLY_OPTS_MAX];
	size_t n;

	if (plen)
		memcpy(out, prefix, plen);
	n = srv_s6_pack_auth(S6_SOCKS6_AUTH_FAILED, b->buf, b->len, out + plen,
			     sizeof out - plen);
	srv_s6_log_auth_failed(c->peer_str, &st->log);
	srv_conn_refuse(c, out, plen + n);
}

static void malformed(srv_conn *c, const char *why)
{
	s6_log(S6_LOG_INFO, "%s: socks6: malformed request: %s; closed", c->peer_str, why);
	srv_conn_close(c);
}

/* ---- sessions and idempotence */

static srv_s6_session *find_session(srv_conn *c)
{
	srv_s6_state *st = c->state;

	if (!st->in_session)
		return NULL;
	return srv_s6_session_find(c->srv->s6_sessions, st->sid, sizeof st->sid,
				   srv_now_ms());
}

/* Session Request: a new session tied to user. Silently nothing when the
 * table is full or no random bytes are available. */
static void new_session(srv_conn *c, const char *user, s6_s6opt_buf *b)
{
	srv_s6_state *st = c->state;
	uint8_t id[SRV_S6_SESSION_ID_LEN];

	if (!c->srv->s6_sessions ||
	    getrandom(id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id)
		return;
	if (!srv_s6_session_create(c->srv->s6_sessions, id, user, srv_now_ms()))
		return;
	if (s6_s6opt_put_session_id(b, id, sizeof id) != S6_OK)
		return;
	memcpy(st->sid, id, sizeof id);
	st->in_session = true;
	st->log.session = "new";
}

static void issue_window(srv_conn *c, srv_s6_session *s)
{
	srv_s6_state *st = c->state;
	uint32_t base;

	if (!st->opts.has_idem_request || s->ledger.valid)
		return;
	if (getrandom(&base, sizeof base, GRND_NONBLOCK) != (ssize_t)sizeof base)
		return;
	srv_s6_session_issue_window(s, st->opts.idem_request_size,
				    c->srv->cfg.s6->token_window, base);
}

/* Idempotence options, inside a session only. False: the token was
 * rejected and the connection refused. */
static bool idempotence(srv_conn *c, s6_s6opt_buf *b)
{
	srv_s6_state *st = c->state;
	srv_s6_session *s = find_session(c);
	uint32_t tok = st->opts.idem_token;

	if (!s)
		return true;
	issue_window(c, s);
	if (st->opts.has_idem_expend) {
		bool ok = s->ledger.valid && s6_token_ledger_spend(&s->ledger, tok);
		snprintf(st->log.token, sizeof st->log.token, "%u/%s", tok,
			 ok ? "accepted" : "rejected");
		if (!ok) {
			s6_s6opt_buf fb;
			uint8_t mem[16];
			s6_s6opt_buf_init(&fb, mem, sizeof mem);
			s6_s6opt_put_idem_rejected(&fb);
			auth_refuse(c, NULL, 0, &fb);
			return false;
		}
		s6_s6opt_put_idem_accepted(b);
	}
	if (s->ledger.valid) {
		s6_s6opt_put_idem_window(b, s->ledger.base, s->ledger.size);
		snprintf(st->log.window, sizeof st->log.window, "%u+%u",
			 s->ledger.base, s->ledger.size);
	}
	return true;
}

/* Authenticated (user NULL: none): session options, the successful
 * Authentication Reply (after prefix), then the command. */
static void auth_ok(srv_conn *c, const char *user, const uint8_t *prefix,
		    size_t plen, s6_s6opt_buf *b)
{
	srv_s6_state *st = c->state;

	srv_s6_log_user(&st->log, user);
	if (st->opts.session_request && !st->opts.has_session_id)
		new_session(c, user, b);
	if (!idempotence(c, b))
		return;
	/* CONNECT: the Authentication Reply waits for the Operation Reply
	 * (at most the dial), so both reach the client in one segment. */
	srv_conn_hold(c, st->req.command == S6_SOCKS6_CMD_CONNECT);
	if (plen && !srv_conn_send(c, prefix, plen)) {
		srv_conn_close(c);
		return;
	}
	send_auth(c, S6_SOCKS6_AUTH_SUCCESS, b);
	if (c->closed)
		return;
	st->step = SRV_S6_RUN;
	srv_conn_handshake_done(c);
	srv_s6_dispatch(c);
}

/* A Request carrying a Session ID: no authentication, the session's
 * credentials apply. A teardown request is served outside the session
 * (the draft) and deletes it. */
static void auth_session(srv_conn *c, s6_s6opt_buf *b)
{
	srv_s6_state *st = c->state;
	srv_s6_sessions *t = c->srv->s6_sessions;
	srv_s6_session *s = t ? srv_s6_session_find(t, st->opts.session_id,
						     st->opts.session_id_len,
						     srv_now_ms()) : NULL;
	char user[S6_UP_FIELD_MAX + 1];

	st->log.auth = "session";
	if (!s) {
		st->log.session = "invalid";
		s6_s6opt_put_session_invalid(b);
		auth_refuse(c, NULL, 0, b);
		return;
	}
	snprintf(user, sizeof user, "%s", s->user);
	s6_s6opt_put_session_ok(b);
	if (st->opts.session_teardown) {
		st->log.session = "teardown";
		srv_s6_session_delete(t, s);
	} else {
		st->log.session = "reuse";
		memcpy(st->sid, s->id, sizeof st->sid);
		st->in_session = true;
	}
	auth_ok(c, user, NULL, 0, b);
}

/* ---- username/password */

static const srv_s6_user *check_userpass(srv_conn *c, const s6_userpass *up)
{
	const srv_s6_user *u = srv_s6_users_check(&c->srv->cfg.s6->users, up);

	if (!u)
		srv_s6_log_user(&((srv_s6_state *)c->state)->log, (const char *)up->user);
	return u;
}

/* 0-RTT: the RFC 1929 request in an Authentication Data option; the
 * RFC 1929 reply goes back the same way. */
static void auth_0rtt(srv_conn *c, const s6_s6authdata *ad, s6_s6opt_buf *b)
{
	srv_s6_state *st = c->state;
	const srv_s6_user *u;
	s6_userpass up;

	st->log.auth = "userpass-0rtt";
	if (s6_userpass_from_authdata(ad, &up) != S6_OK) {
		malformed(c, "bad username/password authentication data");
		return;
	}
	u = check_userpass(c, &up);
	explicit_bzero(&up, sizeof up);
	s6_s6opt_put_userpass_reply(b, u ? S6_UP_SUCCESS : S6_UP_FAILURE);
	if (!u)
		auth_refuse(c, NULL, 0, b);
	else
		auth_ok(c, (const char *)u->name, NULL, 0, b);
}

/* Remove n bytes at offset off of the buffer (the slow path's RFC 1929
 * request sits behind the initial data). */
static void buf_cut(srv_buf *buf, size_t off, size_t n)
{
	uint8_t *p = buf->data + buf->head + off;

	memmove(p, p + n, srv_buf_len(buf) - off - n);
	buf->tail -= n;
	explicit_bzero(buf->data + buf->tail, n);
}

static void slow_path_input(srv_conn *c)
{
	srv_s6_state *st = c->state;
	const uint8_t *p = srv_buf_peek(&c->up) + st->idata_len;
	size_t len = srv_buf_len(&c->up) - st->idata_len, used = 0, need = 0;
	uint8_t rep[S6_UP_REPLY_LEN], mem[SRV_S6_REPLY_OPTS_MAX];
	s6_s6opt_buf b;
	s6_userpass up;
	const srv_s6_user *u;
	s6_err err = s6_userpass_parse(p, len, &up, &used, &need);

	if (err == S6_ERR_NEED_MORE)
		return;
	if (err != S6_OK) {
		malformed(c, "bad username/password request (slow path)");
		return;
	}
	buf_cut(&c->up, st->idata_len, used);
	u = check_userpass(c, &up);
	explicit_bzero(&up, sizeof up);
	s6_userpass_reply_pack(u ? S6_UP_SUCCESS : S6_UP_FAILURE, rep);
	s6_s6opt_buf_init(&b, mem, sizeof mem);
	if (!u)
		auth_refuse(c, rep, sizeof rep, &b);
	else
		auth_ok(c, (const char *)u->name, rep, sizeof rep, &b);
}

/* ---- authentication choice */

static void authenticate(srv_conn *c)
{
	srv_s6_state *st = c->state;
	const srv_s6_config *cfg = c->srv->cfg.s6;
	uint8_t mem[SRV_S6_REPLY_OPTS_MAX];
	const s6_s6authdata *ad;
	s6_s6opt_buf b;

	s6_s6opt_buf_init(&b, mem, sizeof mem);
	if (st->opts.has_session_id) {
		auth_session(c, &b);
		return;
	}
	if (cfg->users.n == 0) {
		st->log.auth = "none";
		auth_ok(c, NULL, NULL, 0, &b);
		return;
	}
	ad = s6_s6opts_find_auth_data(&st->opts, S6_S6_METHOD_USERPASS);
	if (ad) {
		auth_0rtt(c, ad, &b);
		return;
	}
	if (s6_s6opts_advertises(&st->opts, S6_S6_METHOD_USERPASS)) {
		/* Slow path: "failed" with a method selection means
		 * "negotiate method 2 now" (draft-11, Authentication Replies). */
		st->log.auth = "userpass-slow";
		s6_s6opt_put_auth_select(&b, S6_S6_METHOD_USERPASS);
		send_auth(c, S6_SOCKS6_AUTH_FAILED, &b);
		st->step = SRV_S6_USERPASS;
		if (!c->closed && srv_buf_len(&c->up) > st->idata_len)
			slow_path_input(c);
		return;
	}
	st->log.auth = "none";
	s6_s6opt_put_auth_select(&b, S6_S6_METHOD_NO_ACCEPTABLE);
	auth_refuse(c, NULL, 0, &b);
}

/* ---- the Request */

static void version_mismatch(srv_conn *c, uint8_t version)
{
	uint8_t out[S6_SOCKS6_VERSION_MISMATCH_LEN];

	s6_log(S6_LOG_INFO, "%s: socks6: request with version %u: version mismatch "
	       "reply sent", c->peer_str, version);
	s6_s6_version_mismatch_pack(out);
	srv_conn_refuse(c, out, sizeof out);
}

/* Keep a copy of the options: the parsed request points into c->up, which
 * moves when it is compacted. */
static bool take_options(srv_conn *c, const s6_s6_request *req)
{
	srv_s6_state *st = c->state;
	char why[96];

	st->req = *req;
	st->req.opts = NULL;
	if (req->opts_len) {
		st->optbuf = malloc(req->opts_len);
		if (!st->optbuf) {
			s6_log(S6_LOG_ERROR, "%s: socks6: out of memory", c->peer_str);
			srv_conn_close(c);
			return false;
		}
		memcpy(st->optbuf, req->opts, req->opts_len);
	}
	if (s6_s6opts_parse(st->optbuf, req->opts_len, &st->opts, why, sizeof why) != S6_OK) {
		malformed(c, why);
		return false;
	}
	return true;
}

/* Did the client's SYN carry data (TCP Fast Open toward us)? */
static const char *syn_kind(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    (ti.tcpi_options & TCPI_OPT_SYN_DATA))
		return "data";
	return "plain";
}

static void request_input(srv_conn *c)
{
	srv_s6_state *st = c->state;
	const uint8_t *p = srv_buf_peek(&c->up);
	size_t len = srv_buf_len(&c->up), used = 0, need = 0;
	s6_s6_request req;
	s6_err err = s6_s6_request_parse(p, len, &req, &used, &need);

	if (err == S6_ERR_NEED_MORE)
		return;
	if (err == S6_ERR_BAD_VERSION) {
		version_mismatch(c, p[0]);
		return;
	}
	if (err != S6_OK) {
		malformed(c, err == S6_ERR_TOO_LONG ? "options longer than 16384 bytes"
			  : s6_strerror(err));
		return;
	}
	if (!take_options(c, &req))
		return;
	srv_buf_consume(&c->up, used);
	srv_s6_log_request(&st->log, req.command, &req.addr, req.port);
	/* Initial data exists for CONNECT only (draft-11, Authentication
	 * Method options); the codec caps its length at 2^14. */
	if (req.command == S6_SOCKS6_CMD_CONNECT && st->opts.has_auth_adv)
		st->idata_len = st->opts.initial_data_len;
	st->log.idata = st->idata_len;
	st->log.syn = syn_kind(c->client.fd);
	srv_s6_stack_from_opts(&st->stack, &st->opts,
			       req.addr.type == S6_SOCKS6_ATYP_DOMAIN);
	srv_s6_stack_logstr(&st->stack, st->log.opts, sizeof st->log.opts);
	st->step = SRV_S6_IDATA;
}

static void s6_input(srv_conn *c)
{
	srv_s6_state *st = c->state;

	if (st->step == SRV_S6_REQUEST)
		request_input(c);
	if (c->closed || c->phase != SRV_HANDSHAKE)
		return;
	if (st->step == SRV_S6_IDATA && srv_buf_len(&c->up) >= st->idata_len)
		authenticate(c);
	else if (st->step == SRV_S6_USERPASS)
		slow_path_input(c);
}

static void s6_init(srv_conn *c)
{
	srv_s6_state *st = c->state;

	st->step = SRV_S6_REQUEST;
	srv_s6_log_init(&st->log);
	srv_dial_init(&st->dial);
	srv_lookup_init(&st->lookup);
	srv_bind_init(&st->bind);
	srv_s6_bind_init(c);
}

static void s6_release(srv_conn *c)
{
	srv_s6_state *st = c->state;

	srv_dial_cancel(&st->dial);
	srv_lookup_cancel(&st->lookup);
	srv_bind_cancel(&st->bind);
	srv_s6_bind_release(c);
	if (st->dns)
		srv_s6dns_free(st->dns);
	if (st->udp)
		srv_s6udp_free(st->udp);
	st->dns = NULL;
	st->udp = NULL;
	if (st->optbuf)
		explicit_bzero(st->optbuf, st->req.opts_len);
	free(st->optbuf);
	free(st->tfo_data);
	st->optbuf = NULL;
	st->tfo_data = NULL;
	/* The options may hold a password. */
	explicit_bzero(&st->opts, sizeof st->opts);
}

const srv_proto srv_socks6_proto = {
	.name = "socks6",
	.state_size = sizeof(srv_s6_state),
	.init = s6_init,
	.input = s6_input,
	.release = s6_release,
};
