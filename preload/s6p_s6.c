/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 requests of the shim: planning with the session store and judging
 * the answer (see s6p_s6.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6_tfo.h"
#include "s6p_engine.h"
#include "s6p_s6.h"
#include "s6p_state.h"

struct s6p_s6req *s6p_s6_new(const struct s6p_target *t)
{
	const struct s6p_state *st = s6p_state();
	struct s6p_s6req *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->p.command = S6_SOCKS6_CMD_CONNECT;
	r->p.addr = t->s6dst;
	r->p.port = t->port;
	r->p.stack_opts = st->s6_stack_len ? st->s6_stack : NULL;
	r->p.stack_opts_len = st->s6_stack_len;
	r->p.out = &r->out;
	s6p_str_copy(r->label, sizeof r->label, t->label);
	return r;
}

void s6p_s6_free(struct s6p_s6req *r)
{
	if (!r)
		return;
	s6p_s6_abandon(r);
	if (r->idata)
		explicit_bzero(r->idata, r->p.initial_data_len);
	free(r->idata);
	explicit_bzero(r, sizeof *r);
	free(r);
}

static void s6p_s6_log(s6_log_level level, const struct s6p_s6req *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void s6p_s6_log(s6_log_level level, const struct s6p_s6req *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!s6_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s6_log(level, "proxy %s target %s: socks6: %s", s6p_state()->proxy_str, r->label, msg);
}

/* A user without a usable password cannot authenticate: RFC 1929 needs 1
 * to 255 bytes of each. */
bool s6p_s6_credentials(const char **user, const char **pass)
{
	const s6_config *cfg = &s6p_state()->cfg;
	const char *u = cfg->proxy.has_user ? cfg->proxy.user : cfg->has_user ? cfg->user : NULL;
	const char *p = cfg->proxy.has_pass ? cfg->proxy.pass : cfg->has_pass ? cfg->pass : NULL;

	*user = *pass = NULL;
	if (!u || !u[0] || !p || !p[0])
		return false;
	*user = u;
	*pass = p;
	return true;
}

static void s6p_s6_creds(struct s6p_s6req *r)
{
	bool ok = s6p_s6_credentials(&r->p.user, &r->p.pass);

	r->p.userpass_in_request = ok && s6p_state()->cfg.s6.auth == S6_S6AUTH_0RTT;
}

/* `replayable`: a request is worth a token when a replay would repeat
 * application bytes: initial data in a TCP Fast Open SYN (s6_tfo.h), or,
 * with socks6+tls, in TLS early data, which an attacker can replay too and
 * which the engine sends only for a Request that spends a token. */
static bool s6p_s6_wants_token(const struct s6p_s6req *r)
{
	bool replayable = r->tfo_syn || s6p_engine_scheme();

	return s6_tfo_wants_token(s6p_state()->cfg.s6.spend, replayable, r->p.initial_data_len);
}

s6_err s6p_s6_set_initial_data(struct s6p_s6req *r, const void *data, size_t len, bool tfo)
{
	r->tfo_syn = tfo;
	if (len == 0)
		return S6_OK;
	if (len > S6_S6_INITIAL_DATA_MAX || r->idata)
		return S6_ERR_INVALID_ARG;
	r->idata = malloc(len);
	if (!r->idata)
		return S6_ERR_NOMEM;
	memcpy(r->idata, data, len);
	r->p.initial_data = r->idata;
	r->p.initial_data_len = (uint16_t)len;
	return S6_OK;
}

static void s6p_s6_plan(struct s6p_s6req *r)
{
	const s6_socks6_config *c6 = &s6p_state()->cfg.s6;
	bool spend = !r->token_retried && s6p_s6_wants_token(r);
	s6_s6sess *s = s6p_sess_lock();

	s6_s6sess_plan(s, c6->session, c6->token_window, spend, &r->ticket);
	s6p_sess_unlock();
	r->p.request_session = r->ticket.role == S6_S6SESS_REQUEST;
	r->p.token_window = r->ticket.window_request;
	r->p.session_id = r->ticket.role == S6_S6SESS_USE ? r->ticket.id : NULL;
	r->p.session_id_len = r->p.session_id ? r->ticket.id_len : 0;
	r->p.spend_token = r->ticket.spend;
	r->p.token = r->ticket.token;
	/* Inside a session the proxy must not ask for credentials again. */
	if (r->ticket.role == S6_S6SESS_USE) {
		r->p.user = r->p.pass = NULL;
		r->p.userpass_in_request = false;
	} else {
		s6p_s6_creds(r);
	}
	if (r->p.spend_token)
		s6p_s6_log(S6_LOG_INFO, r, "token %u spent", r->p.token);
}

s6_err s6p_s6_start(s6_hs *hs, struct s6p_s6req *r)
{
	s6_err err;

	s6p_s6_plan(r);
	err = s6_socks6_client_start(hs, &r->p);
	if (err == S6_OK && s6p_engine_scheme())
		err = s6p_engine_wrap(hs, r->p.spend_token);
	if (err != S6_OK)
		s6p_s6_abandon(r);
	return err;
}

void s6p_s6_abandon(struct s6p_s6req *r)
{
	if (r->ticket.role == S6_S6SESS_NONE)
		return;
	s6_s6sess *s = s6p_sess_lock();
	s6_s6sess_abandon(s, &r->ticket);
	s6p_sess_unlock();
	r->ticket.role = S6_S6SESS_NONE;
}

static void s6p_s6_log_outcome(const struct s6p_s6req *r, const s6_s6sess_outcome *o)
{
	if (o->created)
		s6p_s6_log(S6_LOG_INFO, r, "session created%s", r->out.has_idem_window ? " with a token window" : "");
	if (o->reused)
		s6p_s6_log(S6_LOG_INFO, r, "session reused");
	if (r->ticket.role == S6_S6SESS_REQUEST && !o->created)
		s6p_s6_log(S6_LOG_DEBUG, r, "no session (the proxy did not open one)");
	if (o->window_applied)
		s6p_s6_log(S6_LOG_DEBUG, r, "token window %u+%u", r->out.idem_base, r->out.idem_size);
	if (o->token_accepted)
		s6p_s6_log(S6_LOG_INFO, r, "token %u accepted", r->p.token);
}

enum s6p_s6_next s6p_s6_end(struct s6p_s6req *r, s6_hs *hs, bool done)
{
	s6_s6sess_outcome o;
	s6_s6sess *s;

	if (!done)
		s6_socks6_client_classify_eof(hs);
	s = s6p_sess_lock();
	s6_s6sess_apply(s, &r->ticket, &r->out, (int32_t)s6p_pid(), &o);
	s6p_sess_unlock();
	s6p_s6_log_outcome(r, &o);
	if (done) {
		r->ticket.role = S6_S6SESS_NONE;
		s6p_s6_log_stack(r);
		return S6P_S6_DONE;
	}
	if (r->out.session_invalid && r->ticket.role == S6_S6SESS_USE && !r->session_retried) {
		s6p_s6_log(S6_LOG_INFO, r, "session invalid, retrying");
		r->session_retried = true;
		r->ticket.role = S6_S6SESS_NONE;
		return S6P_S6_RETRY;
	}
	if (r->out.idem_rejected && r->ticket.spend && !r->token_retried) {
		s6p_s6_log(S6_LOG_INFO, r, "token %u rejected, retrying", r->ticket.token);
		r->token_retried = true;
		r->ticket.role = S6_S6SESS_NONE;
		return S6P_S6_RETRY;
	}
	r->ticket.role = S6_S6SESS_NONE;
	return S6P_S6_FAILED;
}
