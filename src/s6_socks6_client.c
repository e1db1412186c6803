/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 client handshake machine: builds the Request, then walks the
 * replies (see s6_socks6_client.h). Each reply is parsed with the
 * incremental parsers of s6_socks6_msg.h: their exact *need drives
 * s6_hs_expect_more(), so the driver never reads beyond a reply. */
#include <stdlib.h>
#include <string.h>

#include "s6_socks6_client.h"
#include "s6_socks6_msg.h"
#include "s6_userpass.h"

enum {
	PH_AUTH1 = 0,     /* first Authentication Reply */
	PH_UP_REPLY,      /* RFC 1929 reply (slow path) */
	PH_AUTH2,         /* second Authentication Reply */
	PH_OP,            /* Operation Reply (BIND: twice) */
};

static s6_err on_input(s6_hs *hs);

static const s6_hs_proto socks6_proto = {
	.name = "socks6",
	.on_input = on_input,
};

/* ---- Request ------------------------------------------------------------ */

static bool has_creds(const s6_s6_client_params *p)
{
	return p->user != NULL;
}

static s6_err check_params(const s6_s6_client_params *p)
{
	if (!p->out || (p->user == NULL) != (p->pass == NULL))
		return S6_ERR_INVALID_ARG;
	if (p->userpass_in_request && !has_creds(p))
		return S6_ERR_INVALID_ARG;
	/* "A client MUST NOT attempt to initiate a session from within a
	 * different session." */
	if (p->request_session && p->session_id)
		return S6_ERR_INVALID_ARG;
	if (p->session_teardown && !p->session_id)
		return S6_ERR_INVALID_ARG;
	if ((p->session_id_len && !p->session_id) || (p->stack_opts_len && !p->stack_opts) ||
	    (p->initial_data_len && !p->initial_data))
		return S6_ERR_INVALID_ARG;
	if (p->initial_data_len > S6_S6_INITIAL_DATA_MAX)
		return S6_ERR_INVALID_ARG;
	if (p->command != S6_SOCKS6_CMD_CONNECT && p->command != S6_SOCKS6_CMD_BIND &&
	    p->command != S6_SOCKS6_CMD_NOOP && p->command != S6_SOCKS6_CMD_UDP_ASSOCIATE)
		return S6_ERR_INVALID_ARG;
	return S6_OK;
}

/* Authentication options: an advertisement whenever we have credentials
 * (the slow path needs it) or initial data (its length lives there). */
static s6_err put_auth_opts(s6_s6opt_buf *b, const s6_s6_client_params *p)
{
	const uint8_t userpass = S6_S6_METHOD_USERPASS;
	s6_err err = S6_OK;

	if (has_creds(p) || p->initial_data_len)
		err = s6_s6opt_put_auth_adv(b, p->initial_data_len, &userpass,
					    has_creds(p) ? 1 : 0);
	if (err == S6_OK && p->userpass_in_request)
		err = s6_s6opt_put_userpass(b, p->user, strlen(p->user),
					    p->pass, strlen(p->pass));
	return err;
}

static s6_err put_session_opts(s6_s6opt_buf *b, const s6_s6_client_params *p)
{
	s6_err err = S6_OK;

	if (p->request_session)
		err = s6_s6opt_put_session_request(b);
	if (err == S6_OK && p->session_id)
		err = s6_s6opt_put_session_id(b, p->session_id, p->session_id_len);
	if (err == S6_OK && p->session_teardown)
		err = s6_s6opt_put_session_teardown(b);
	if (err == S6_OK && p->token_window)
		err = s6_s6opt_put_idem_request(b, p->token_window);
	if (err == S6_OK && p->spend_token)
		err = s6_s6opt_put_idem_expend(b, p->token);
	return err;
}

/* The builder reports TOO_LONG for a full buffer and INVALID_ARG for bad
 * values; pre-encoded stack options are appended as they are. */
static s6_err build_opts(s6_s6opt_buf *b, const s6_s6_client_params *p)
{
	s6_err err = put_auth_opts(b, p);

	if (err == S6_OK)
		err = put_session_opts(b, p);
	if (err != S6_OK || !p->stack_opts_len)
		return err;
	if (p->stack_opts_len > b->cap - b->len)
		return S6_ERR_TOO_LONG;
	memcpy(b->buf + b->len, p->stack_opts, p->stack_opts_len);
	b->len += p->stack_opts_len;
	return S6_OK;
}

/* Options and the packed message are up to 16 KiB each: heap, not stack
 * (the shim runs in application threads). */
static s6_err queue_request(s6_hs *hs, const s6_s6_client_params *p)
{
	uint8_t *opts = malloc(S6_SOCKS6_OPTIONS_MAX + S6_SOCKS6_MSG_MAX);
	uint8_t *msg = opts + S6_SOCKS6_OPTIONS_MAX;
	s6_s6_request req = {.command = p->command, .port = p->port, .addr = p->addr};
	s6_s6opt_buf b;
	size_t len = 0;
	s6_err err;

	if (!opts)
		return S6_ERR_NOMEM;
	s6_s6opt_buf_init(&b, opts, S6_SOCKS6_OPTIONS_MAX);
	err = build_opts(&b, p);
	req.opts = b.len ? opts : NULL;
	req.opts_len = b.len;
	if (err == S6_OK)
		err = s6_s6_request_pack(&req, msg, S6_SOCKS6_MSG_MAX, &len);
	if (err == S6_OK)
		err = s6_hs_queue(hs, msg, len);
	if (err == S6_OK && p->initial_data_len)
		err = s6_hs_queue(hs, p->initial_data, p->initial_data_len);
	/* The options may hold the password: wipe what was written (all of
	 * the message buffer when packing failed part way), not 32 KiB per
	 * connect. */
	explicit_bzero(opts, b.len);
	explicit_bzero(msg, err == S6_OK ? len : S6_SOCKS6_MSG_MAX);
	free(opts);
	return err;
}

s6_err s6_socks6_client_start(s6_hs *hs, const s6_s6_client_params *p)
{
	s6_err err;

	if (!hs || !p)
		return S6_ERR_INVALID_ARG;
	err = check_params(p);
	if (err != S6_OK)
		return err;
	s6_hs_init(hs, &socks6_proto);
	memset(p->out, 0, sizeof(*p->out));
	err = queue_request(hs, p);
	if (err != S6_OK) {
		s6_hs_release(hs);
		return err;
	}
	hs->u.s6.out = p->out;
	hs->u.s6.user = p->user;
	hs->u.s6.pass = p->pass;
	hs->u.s6.command = p->command;
	hs->u.s6.phase = PH_AUTH1;
	hs->u.s6.replies_left = p->command == S6_SOCKS6_CMD_BIND ? 2 : 1;
	hs->u.s6.creds_sent = p->userpass_in_request;
	return s6_hs_expect(hs, S6_SOCKS6_AUTH_REPLY_FIXED_LEN);
}

bool s6_socks6_client_bind_ready(const s6_hs *hs)
{
	return hs && hs->proto == &socks6_proto &&
	       hs->u.s6.command == S6_SOCKS6_CMD_BIND && hs->u.s6.phase == PH_OP &&
	       hs->u.s6.replies_left == 1 && hs->err == S6_OK && !hs->done;
}

s6_err s6_socks6_client_classify_eof(s6_hs *hs)
{
	const uint8_t *b;

	if (!hs || hs->proto != &socks6_proto)
		return hs ? hs->err : S6_ERR_INVALID_ARG;
	if (hs->err != S6_ERR_PROXY_CLOSED || hs->u.s6.phase != PH_AUTH1 || hs->in_len == 0)
		return hs->err;
	b = s6_hs_input(hs);
	if (s6_s6_reply_at_eof(b, hs->in_len) == S6_ERR_BAD_VERSION) {
		s6_hs_fail(hs, S6_ERR_BAD_VERSION,
			   "proxy does not speak SOCKS6 (version mismatch reply)");
	} else if (hs->in_len == 1 && b[0] != S6_SOCKS6_VERSION) {
		/* A proxy of another version answers with its own one-byte
		 * Version Mismatch Reply (the draft's rule, read for any
		 * version): one byte, then the close. */
		s6_hs_fail(hs, S6_ERR_BAD_VERSION,
			   "proxy does not speak SOCKS6 (version mismatch reply: version %u)",
			   b[0]);
	} else if (b[0] != S6_SOCKS6_VERSION) {
		s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL,
			   "socks6: proxy is not a SOCKS6 proxy (reply starts with %02x, then closed)",
			   b[0]);
	}
	return hs->err;
}

/* ---- Replies ------------------------------------------------------------ */

/* A reply that is not SOCKS6: name the parser's complaint and show the
 * first bytes, which usually tell what the peer really is. */
static s6_err fail_protocol(s6_hs *hs, const char *what, s6_err perr)
{
	const uint8_t *b = s6_hs_input(hs);

	s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL,
		   "socks6: invalid %s (%s): %02x %02x %02x %02x", what,
		   perr == S6_ERR_BAD_VERSION ? "version is not 6" : s6_strerror(perr),
		   b[0], hs->in_len > 1 ? b[1] : 0, hs->in_len > 2 ? b[2] : 0,
		   hs->in_len > 3 ? b[3] : 0);
	return S6_ERR_PROXY_PROTOCOL;
}

/* Copy what the options say into the result. */
static s6_err take_opts(s6_hs *hs, const uint8_t *buf, size_t len, s6_s6opts *o)
{
	s6_s6_client_result *r = hs->u.s6.out;
	char why[96];
	s6_err err = s6_s6opts_parse(buf, len, o, why, sizeof(why));

	if (err != S6_OK) {
		s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL, "socks6: bad reply options: %s", why);
		return S6_ERR_PROXY_PROTOCOL;
	}
	if (o->has_session_id) {
		r->has_session_id = true;
		memcpy(r->session_id, o->session_id, o->session_id_len);
		r->session_id_len = o->session_id_len;
	}
	if (o->has_idem_window) {
		r->has_idem_window = true;
		r->idem_base = o->idem_window_base;
		r->idem_size = o->idem_window_size;
	}
	r->session_ok |= o->session_ok;
	r->session_invalid |= o->session_invalid;
	r->idem_accepted |= o->idem_accepted;
	r->idem_rejected |= o->idem_rejected;
	return S6_OK;
}

/* The 0-RTT answer: an Auth Data option of method 2 holding the RFC 1929
 * reply. A malformed one is ignored; the reply type decides. */
static void take_up_status(s6_hs *hs, const s6_s6opts *o)
{
	const s6_s6authdata *ad = s6_s6opts_find_auth_data(o, S6_S6_METHOD_USERPASS);
	uint8_t status;

	if (ad && s6_userpass_reply_from_authdata(ad, &status) == S6_OK) {
		hs->u.s6.out->has_up_status = true;
		hs->u.s6.out->up_status = status;
	}
}

static s6_err start_slow_path(s6_hs *hs)
{
	const char *u = hs->u.s6.user, *pw = hs->u.s6.pass;
	uint8_t req[S6_UP_REQUEST_MAX];
	size_t n = 0;
	s6_err err = s6_userpass_pack(u, strlen(u), pw, strlen(pw), req, sizeof(req), &n);

	if (err == S6_OK)
		err = s6_hs_queue(hs, req, n);
	explicit_bzero(req, sizeof(req));
	if (err != S6_OK)
		return err;
	hs->u.s6.creds_sent = true;
	hs->u.s6.out->auth_slow_path = true;
	hs->u.s6.phase = PH_UP_REPLY;
	return s6_hs_expect(hs, S6_UP_REPLY_LEN);
}

static s6_err auth_failed(s6_hs *hs, const s6_s6opts *o)
{
	const s6_s6_client_result *r = hs->u.s6.out;

	if (o->session_invalid) {
		s6_hs_fail(hs, S6_ERR_NOT_ALLOWED, "socks6: session invalid");
		return hs->err;
	}
	if (o->idem_rejected) {
		s6_hs_fail(hs, S6_ERR_NOT_ALLOWED, "socks6: idempotence token rejected");
		return hs->err;
	}
	/* Only the first reply may open a negotiation (spec: "The second
	 * Authentication Reply MUST NOT allow for further negotiations"). */
	if (hs->u.s6.phase == PH_AUTH1 && o->has_auth_select) {
		if (o->auth_select == S6_S6_METHOD_USERPASS && hs->u.s6.user &&
		    !hs->u.s6.creds_sent)
			return start_slow_path(hs);
		if (o->auth_select != S6_S6_METHOD_USERPASS) {
			s6_hs_fail(hs, S6_ERR_NOT_ALLOWED,
				   "socks6: authentication failed (proxy selected method %u%s)",
				   o->auth_select,
				   o->auth_select == S6_S6_METHOD_NO_ACCEPTABLE
					   ? ": no acceptable methods" : "");
			return hs->err;
		}
	}
	s6_hs_fail(hs, S6_ERR_NOT_ALLOWED, "socks6: authentication failed%s",
		   r->has_up_status && r->up_status != S6_UP_SUCCESS
			   ? " (username/password rejected)"
			   : !hs->u.s6.user ? " (no credentials configured)" : "");
	return hs->err;
}

static s6_err on_auth_reply(s6_hs *hs)
{
	s6_s6_auth_reply rep;
	s6_s6opts o;
	size_t used = 0, need = 0;
	s6_err err = s6_s6_auth_reply_parse(s6_hs_input(hs), hs->in_len, &rep, &used, &need);

	if (err == S6_ERR_NEED_MORE)
		return s6_hs_expect_more(hs, need);
	if (err != S6_OK)
		return fail_protocol(hs, "authentication reply", err);
	hs->u.s6.out->auth_type = rep.type;
	err = take_opts(hs, rep.opts, rep.opts_len, &o);
	if (err != S6_OK)
		return err;
	take_up_status(hs, &o);
	if (rep.type != S6_SOCKS6_AUTH_SUCCESS)
		return auth_failed(hs, &o);
	hs->u.s6.phase = PH_OP;
	return s6_hs_expect(hs, S6_SOCKS6_OP_REPLY_FIXED_LEN);
}

static s6_err on_up_reply(s6_hs *hs)
{
	uint8_t status = 0;
	size_t used = 0, need = 0;
	s6_err err = s6_userpass_reply_parse(s6_hs_input(hs), hs->in_len, &status, &used, &need);

	if (err != S6_OK)
		return fail_protocol(hs, "username/password reply", err);
	hs->u.s6.out->has_up_status = true;
	hs->u.s6.out->up_status = status;
	/* RFC 1929: on failure the server closes; waiting for the second
	 * Authentication Reply would add nothing. */
	if (status != S6_UP_SUCCESS) {
		s6_hs_fail(hs, S6_ERR_NOT_ALLOWED,
			   "socks6: authentication failed (username/password rejected, status %u)",
			   status);
		return hs->err;
	}
	hs->u.s6.phase = PH_AUTH2;
	return s6_hs_expect(hs, S6_SOCKS6_AUTH_REPLY_FIXED_LEN);
}

static void record_addr(s6_hs *hs, const s6_s6_op_reply *rep, const s6_s6opts *o)
{
	s6_s6_client_result *r = hs->u.s6.out;

	r->has_op_reply = true;
	r->reply_code = rep->code;
	if (hs->u.s6.replies_left == 2 || hs->u.s6.command != S6_SOCKS6_CMD_BIND) {
		r->bound_addr = rep->addr;
		r->bound_port = rep->port;
		memcpy(r->stack, o->stack, o->n_stack * sizeof(o->stack[0]));
		r->n_stack = o->n_stack;
	} else {
		r->has_peer = true;
		r->peer_addr = rep->addr;
		r->peer_port = rep->port;
	}
}

static s6_err on_op_reply(s6_hs *hs)
{
	s6_s6_op_reply rep;
	s6_s6opts o;
	size_t used = 0, need = 0;
	s6_err err = s6_s6_op_reply_parse(s6_hs_input(hs), hs->in_len, &rep, &used, &need);
	bool second = hs->u.s6.command == S6_SOCKS6_CMD_BIND && hs->u.s6.replies_left == 1;

	if (err == S6_ERR_NEED_MORE)
		return s6_hs_expect_more(hs, need);
	if (err != S6_OK)
		return fail_protocol(hs, "operation reply", err);
	err = take_opts(hs, rep.opts, rep.opts_len, &o);
	if (err != S6_OK)
		return err;
	if (rep.code != S6_SOCKS6_REP_SUCCESS) {
		hs->u.s6.out->has_op_reply = true;
		hs->u.s6.out->reply_code = rep.code;
		s6_hs_fail(hs, s6_s6_reply_err(rep.code), "socks6: %sreply %u: %s",
			   second ? "second " : "", rep.code, s6_s6_reply_str(rep.code));
		return hs->err;
	}
	record_addr(hs, &rep, &o);
	if (--hs->u.s6.replies_left > 0)
		return s6_hs_expect(hs, S6_SOCKS6_OP_REPLY_FIXED_LEN);
	s6_hs_finish(hs);
	return S6_OK;
}

static s6_err on_input(s6_hs *hs)
{
	switch (hs->u.s6.phase) {
	case PH_AUTH1:
	case PH_AUTH2:
		return on_auth_reply(hs);
	case PH_UP_REPLY:
		return on_up_reply(hs);
	default:
		return on_op_reply(hs);
	}
}
