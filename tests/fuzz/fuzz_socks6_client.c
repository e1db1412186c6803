/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 client handshake machine run by the driver over a canned socket.
 * The input chooses the request and plays the proxy:
 *   byte 0  bits 0-1 command (0 CONNECT, 1 BIND, 2 NOOP, 3 CONNECT),
 *           bit 2 credentials, bit 3 0-RTT (RFC 1929 in the Request),
 *           bit 4 session request, bit 5 session id, bit 6 token window,
 *           bit 7 spend a token
 *   byte 1  largest send() the canned socket accepts (0: everything)
 *   byte 2  bits 0-1 target (IPv4, IPv6, domain, IPv4), bits 2-3 initial
 *           data (0, 1, 7, 300 bytes), bit 4 a stack option, bit 5 an
 *           invalid window size, bit 6 255-byte credentials and a 4-byte
 *           session id (else 8), bit 7 session teardown
 *   rest    a script: a control byte, then stream bytes
 * Control byte c: 0xff end of stream, 0xfe EINTR, 0xfd ECONNRESET, c % 16
 * == 0 EAGAIN, c % 16 == 15 all the bytes asked for, else up to c % 16.
 * Properties: start refuses exactly the documented bad combinations; what
 * was sent is the Request the parameters describe, then the initial data,
 * then (slow path) the RFC 1929 request, nothing else; the bytes read are
 * the replies the machine went through, none beyond the last complete one
 * (a reference walk with the message parsers re-reads them); the machine
 * ends DONE, FAILED or WANT_READ consistently with that walk, with a
 * NUL-terminated reason on failure and results matching the replies, and
 * classify_eof names an early close as the header says. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "s6_socks6_client.h"
#include "s6_socks6_msg.h"
#include "s6_userpass.h"

#define SENT_MAX (2 * S6_HS_MAX)

struct canned {
	const uint8_t *script;
	size_t len, pos;
	size_t send_max;
	uint8_t *sent;          /* every byte send() took */
	size_t sent_len;
	uint8_t *got;           /* every stream byte recv() handed over */
	size_t got_len;
};

static struct canned *cur;

static ssize_t canned_send(int fd, const void *buf, size_t len, int flags)
{
	size_t n = cur->send_max && len > cur->send_max ? cur->send_max : len;

	FUZZ_CHECK(len > 0 && cur->sent_len + n <= SENT_MAX);
	memcpy(cur->sent + cur->sent_len, buf, n);
	cur->sent_len += n;
	return (ssize_t)n;
}

static ssize_t canned_recv(int fd, void *buf, size_t len, int flags)
{
	size_t n, left;
	uint8_t c;

	FUZZ_CHECK(len > 0 && len <= S6_HS_MAX);
	if (cur->pos >= cur->len) {
		errno = EAGAIN;
		return -1;
	}
	c = cur->script[cur->pos++];
	if (c == 0xff)
		return 0;
	if (c == 0xfe || c == 0xfd || c % 16 == 0) {
		errno = c == 0xfe ? EINTR : c == 0xfd ? ECONNRESET : EAGAIN;
		return -1;
	}
	left = cur->len - cur->pos;
	n = c % 16 == 15 ? len : c % 16;
	if (n > len)
		n = len;
	if (n > left)
		n = left;
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, cur->script + cur->pos, n);
	memcpy(cur->got + cur->got_len, cur->script + cur->pos, n);
	cur->got_len += n;
	cur->pos += n;
	return (ssize_t)n;
}

static int canned_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	abort();   /* s6_hs_step never polls */
}

static const s6_io canned_io = {canned_send, canned_recv, canned_poll};

/* ---- Parameters ---------------------------------------------------------- */

struct setup {
	s6_s6_client_params p;
	s6_s6_client_result res;
	char user[256], pass[256];
	uint8_t sid[8];
	uint8_t stack[8];
	uint8_t idata[300];
};

static void make_target(struct setup *s, uint8_t b2)
{
	s6_s6_addr *a = &s->p.addr;
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};

	memset(a, 0, sizeof *a);
	s->p.port = 443;
	if (s->p.command == S6_SOCKS6_CMD_NOOP) {
		a->type = S6_SOCKS6_ATYP_IPV4;
		s->p.port = 0;
	} else if ((b2 & 3) == 1) {
		a->type = S6_SOCKS6_ATYP_IPV6;
		memcpy(a->ip, v6, 16);
	} else if ((b2 & 3) == 2) {
		a->type = S6_SOCKS6_ATYP_DOMAIN;
		a->domain_len = (uint8_t)snprintf(a->domain, sizeof a->domain, "example.org");
	} else {
		a->type = S6_SOCKS6_ATYP_IPV4;
		a->ip[0] = 192, a->ip[1] = 0, a->ip[2] = 2, a->ip[3] = 7;
	}
}

static void make_params(struct setup *s, uint8_t b0, uint8_t b2)
{
	static const uint8_t cmds[4] = {S6_SOCKS6_CMD_CONNECT, S6_SOCKS6_CMD_BIND,
					S6_SOCKS6_CMD_NOOP, S6_SOCKS6_CMD_CONNECT};
	static const uint16_t idl[4] = {0, 1, 7, 300};
	s6_s6_client_params *p = &s->p;

	memset(s, 0, sizeof *s);
	p->command = cmds[b0 & 3];
	make_target(s, b2);
	if (b0 & 4) {
		size_t n = b2 & 0x40 ? 255 : 5;

		memset(s->user, 'u', n);
		memset(s->pass, 'p', n);
		p->user = s->user;
		p->pass = s->pass;
	}
	p->userpass_in_request = b0 & 8;
	p->request_session = b0 & 0x10;
	if (b0 & 0x20) {
		memcpy(s->sid, "\x5e\x55\x10\x4e\x00\x01\x02\x03", 8);
		p->session_id = s->sid;
		p->session_id_len = b2 & 0x40 ? 4 : 8;
	}
	p->session_teardown = b2 & 0x80;
	p->token_window = b0 & 0x40 ? (b2 & 0x20 ? 0x80000000u : 64) : 0;
	p->spend_token = b0 & 0x80;
	p->token = 0xfffffff0u;
	if (b2 & 0x10) {
		memcpy(s->stack, "\x00\x01\x00\x08\x41\x01\x2e\x00", 8);  /* TOS 0x2e, leg 1 */
		p->stack_opts = s->stack;
		p->stack_opts_len = 8;
	}
	p->initial_data_len = idl[(b2 >> 2) & 3];
	for (size_t i = 0; i < p->initial_data_len; i++)
		s->idata[i] = (uint8_t)(i * 7 + 1);
	p->initial_data = p->initial_data_len ? s->idata : NULL;
	p->out = &s->res;
}

/* What start must say about these parameters (s6_socks6_client.h). */
static s6_err expected_start(const s6_s6_client_params *p)
{
	if (p->userpass_in_request && !p->user)
		return S6_ERR_INVALID_ARG;
	if (p->request_session && p->session_id)
		return S6_ERR_INVALID_ARG;
	if (p->session_teardown && !p->session_id)
		return S6_ERR_INVALID_ARG;
	if (p->token_window >= 0x80000000u)
		return S6_ERR_INVALID_ARG;
	return S6_OK;
}

/* ---- What was sent -------------------------------------------------------- */

static void check_req_opts(const s6_s6_client_params *p, const s6_s6opts *o)
{
	bool creds = p->user != NULL;

	FUZZ_CHECK(o->has_auth_adv == (creds || p->initial_data_len > 0));
	FUZZ_CHECK(o->initial_data_len == p->initial_data_len);
	FUZZ_CHECK(o->n_methods == (creds ? 1u : 0u));
	if (creds)
		FUZZ_CHECK(o->methods[0] == S6_S6_METHOD_USERPASS);
	FUZZ_CHECK(o->n_auth_data == (p->userpass_in_request ? 1u : 0u));
	if (p->userpass_in_request) {
		s6_userpass up;

		FUZZ_CHECK(s6_userpass_from_authdata(&o->auth_data[0], &up) == S6_OK);
		FUZZ_CHECK(up.ulen == strlen(p->user) && !memcmp(up.user, p->user, up.ulen));
		FUZZ_CHECK(up.plen == strlen(p->pass) && !memcmp(up.pass, p->pass, up.plen));
	}
	FUZZ_CHECK(o->session_request == p->request_session);
	FUZZ_CHECK(o->has_session_id == (p->session_id != NULL));
	if (p->session_id)
		FUZZ_CHECK(o->session_id_len == p->session_id_len &&
			   !memcmp(o->session_id, p->session_id, p->session_id_len));
	FUZZ_CHECK(o->session_teardown == p->session_teardown);
	FUZZ_CHECK(o->has_idem_request == (p->token_window > 0));
	FUZZ_CHECK(o->idem_request_size == p->token_window);
	FUZZ_CHECK(o->has_idem_expend == p->spend_token);
	if (p->spend_token)
		FUZZ_CHECK(o->idem_token == p->token);
	FUZZ_CHECK(o->n_stack == (p->stack_opts_len ? 1u : 0u) && o->n_ignored == 0);
}

static bool same_addr(const s6_s6_addr *a, const s6_s6_addr *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == S6_SOCKS6_ATYP_DOMAIN)
		return a->domain_len == b->domain_len && !strcmp(a->domain, b->domain);
	return !memcmp(a->ip, b->ip, a->type == S6_SOCKS6_ATYP_IPV4 ? 4 : 16);
}

/* Request, initial data, then the slow path's RFC 1929 request: exactly. */
static void check_sent(const struct setup *s, const struct canned *c)
{
	const s6_s6_client_params *p = &s->p;
	s6_s6_request req;
	s6_s6opts o;
	size_t used = 0, need = 0, off;

	FUZZ_CHECK(s6_s6_request_parse(c->sent, c->sent_len, &req, &used, &need) == S6_OK);
	FUZZ_CHECK(req.command == p->command && req.port == p->port);
	FUZZ_CHECK(same_addr(&req.addr, &p->addr));
	FUZZ_CHECK(s6_s6opts_parse(req.opts, req.opts_len, &o, NULL, 0) == S6_OK);
	check_req_opts(p, &o);
	off = used;
	FUZZ_CHECK(c->sent_len - off >= p->initial_data_len);
	FUZZ_CHECK(!memcmp(c->sent + off, s->idata, p->initial_data_len));
	off += p->initial_data_len;
	if (s->res.auth_slow_path) {
		s6_userpass up;

		FUZZ_CHECK(p->user && !p->userpass_in_request);
		FUZZ_CHECK(s6_userpass_parse(c->sent + off, c->sent_len - off, &up, &used,
					     &need) == S6_OK);
		FUZZ_CHECK(up.ulen == strlen(p->user) && !memcmp(up.user, p->user, up.ulen));
		FUZZ_CHECK(up.plen == strlen(p->pass) && !memcmp(up.pass, p->pass, up.plen));
		off += used;
	}
	FUZZ_CHECK(off == c->sent_len);
}

/* ---- What was read: the reference walk ------------------------------------ */

enum kind { K_AUTH, K_UP, K_OP };

struct walk {
	size_t off;             /* end of the complete replies */
	size_t n_ops;
	bool partial, bad;      /* the bytes after off: a started or a bad reply */
	enum kind last;         /* kind of the last complete reply */
	bool last_opts_bad;     /* its options do not parse */
	uint8_t auth_type, last_code;
	bool up_seen;           /* an RFC 1929 reply: raw (slow path) or as */
	uint8_t up_status;      /* Auth Data of an Authentication Reply */
	s6_s6_addr op_addr[2];
	s6_s6stack stack[S6_S6_STACK_MAX];  /* of the first Operation Reply */
	size_t n_stack;
	uint16_t op_port[2];
	s6_s6_client_result acc;  /* options accumulated as the machine does */
};

static s6_err parse_kind(enum kind k, const uint8_t *b, size_t len, size_t *used,
			 size_t *need, s6_s6_auth_reply *ar, s6_s6_op_reply *or, uint8_t *st)
{
	if (k == K_AUTH)
		return s6_s6_auth_reply_parse(b, len, ar, used, need);
	if (k == K_OP)
		return s6_s6_op_reply_parse(b, len, or, used, need);
	return s6_userpass_reply_parse(b, len, st, used, need);
}

static size_t fixed_len(enum kind k)
{
	return k == K_AUTH ? S6_SOCKS6_AUTH_REPLY_FIXED_LEN :
	       k == K_OP ? S6_SOCKS6_OP_REPLY_FIXED_LEN : S6_UP_REPLY_LEN;
}

static void accumulate(struct walk *w, const uint8_t *opts, size_t len, s6_s6opts *o)
{
	s6_s6_client_result *r = &w->acc;

	w->last_opts_bad = s6_s6opts_parse(opts, len, o, NULL, 0) != S6_OK;
	if (w->last_opts_bad)
		return;
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
}

/* r bytes of a reply the parser calls bad. The machine reads the fixed
 * part, then exactly what the parser says it needs, parsing at each stop:
 * true when it parsed at r (so it saw the bad reply), false when it is
 * still short of its next stop. Every earlier stop must have said NEED_MORE
 * (else it read on after a bad reply). */
static bool parsed_at(enum kind k, const uint8_t *b, size_t r)
{
	s6_s6_auth_reply ar;
	s6_s6_op_reply or;
	uint8_t st;
	size_t l = fixed_len(k), used, need;

	while (l < r) {
		FUZZ_CHECK(parse_kind(k, b, l, &used, &need, &ar, &or, &st) == S6_ERR_NEED_MORE);
		l += need;
	}
	return l == r;
}

/* One complete reply at w->off; record what the machine must have seen. */
static void take(struct walk *w, enum kind k, const s6_s6_auth_reply *ar,
		 const s6_s6_op_reply *or, uint8_t status)
{
	s6_s6opts o;

	w->last = k;
	w->last_opts_bad = false;
	if (k == K_AUTH) {
		const s6_s6authdata *ad;
		uint8_t st;

		w->auth_type = ar->type;    /* recorded before its options */
		accumulate(w, ar->opts, ar->opts_len, &o);
		ad = w->last_opts_bad ? NULL : s6_s6opts_find_auth_data(&o, S6_S6_METHOD_USERPASS);
		if (ad && s6_userpass_reply_from_authdata(ad, &st) == S6_OK)
			w->up_seen = true, w->up_status = st;
	} else if (k == K_UP) {
		w->up_seen = true;
		w->up_status = status;
	} else {
		/* An Operation Reply with bad options records nothing. */
		accumulate(w, or->opts, or->opts_len, &o);
		if (w->last_opts_bad)
			return;
		w->last_code = or->code;
		if (w->n_ops == 0 && or->code == S6_SOCKS6_REP_SUCCESS) {
			memcpy(w->stack, o.stack, o.n_stack * sizeof o.stack[0]);
			w->n_stack = o.n_stack;
		}
		if (w->n_ops < 2) {
			w->op_addr[w->n_ops] = or->addr;
			w->op_port[w->n_ops] = or->port;
		}
		w->n_ops++;
	}
}

static void walk_replies(const struct canned *c, bool slow, size_t n_ops, struct walk *w)
{
	enum kind seq[5];
	size_t n = 0;

	memset(w, 0, sizeof *w);
	seq[n++] = K_AUTH;
	if (slow)
		seq[n++] = K_UP, seq[n++] = K_AUTH;
	while (n_ops--)
		seq[n++] = K_OP;
	for (size_t i = 0; i < n && w->off < c->got_len; i++) {
		s6_s6_auth_reply ar;
		s6_s6_op_reply or;
		uint8_t st = 0;
		size_t used = 0, need = 0, r = c->got_len - w->off;
		s6_err e = parse_kind(seq[i], c->got + w->off, r, &used, &need, &ar, &or, &st);

		if (e == S6_ERR_NEED_MORE ||
		    (e != S6_OK && !parsed_at(seq[i], c->got + w->off, r))) {
			w->partial = true;
			return;
		}
		if (e != S6_OK) {
			w->bad = true;
			return;
		}
		take(w, seq[i], &ar, &or, st);
		w->off += used;
	}
	/* Every reply of the exchange complete: not a byte beyond them. */
	FUZZ_CHECK(w->off == c->got_len);
}

/* ---- The end state -------------------------------------------------------- */

static void check_results(const s6_s6_client_result *r, const struct walk *w)
{
	const s6_s6_client_result *a = &w->acc;

	FUZZ_CHECK(r->has_session_id == a->has_session_id &&
		   r->session_id_len == a->session_id_len &&
		   !memcmp(r->session_id, a->session_id, a->session_id_len));
	FUZZ_CHECK(r->has_idem_window == a->has_idem_window && r->idem_base == a->idem_base &&
		   r->idem_size == a->idem_size);
	FUZZ_CHECK(r->session_ok == a->session_ok && r->session_invalid == a->session_invalid);
	FUZZ_CHECK(r->idem_accepted == a->idem_accepted &&
		   r->idem_rejected == a->idem_rejected);
	FUZZ_CHECK(r->has_op_reply == (w->n_ops > 0));
	if (w->n_ops)
		FUZZ_CHECK(r->reply_code == w->last_code);
	if (w->off > 0)
		FUZZ_CHECK(r->auth_type == w->auth_type);
	FUZZ_CHECK(w->up_seen == r->has_up_status);
	if (w->up_seen)
		FUZZ_CHECK(r->up_status == w->up_status);
}

static void check_done(const s6_hs *hs, const struct setup *s, const struct walk *w,
		       size_t n_ops)
{
	const s6_s6_client_result *r = &s->res;

	FUZZ_CHECK(hs->err == S6_OK && !w->partial && !w->bad && w->n_ops == n_ops);
	FUZZ_CHECK(r->auth_type == S6_SOCKS6_AUTH_SUCCESS && r->reply_code == 0);
	FUZZ_CHECK(same_addr(&r->bound_addr, &w->op_addr[0]) && r->bound_port == w->op_port[0]);
	FUZZ_CHECK(r->n_stack == w->n_stack);
	for (size_t i = 0; i < w->n_stack; i++)
		FUZZ_CHECK(r->stack[i].leg == w->stack[i].leg &&
			   r->stack[i].level == w->stack[i].level &&
			   r->stack[i].code == w->stack[i].code &&
			   r->stack[i].value == w->stack[i].value &&
			   r->stack[i].reserve == w->stack[i].reserve);
	FUZZ_CHECK(r->has_peer == (n_ops == 2));
	if (n_ops == 2)
		FUZZ_CHECK(same_addr(&r->peer_addr, &w->op_addr[1]) &&
			   r->peer_port == w->op_port[1]);
	if (r->auth_slow_path)
		FUZZ_CHECK(r->has_up_status && r->up_status == S6_UP_SUCCESS);
}

static bool documented_failure(s6_err e)
{
	return e == S6_ERR_NOT_ALLOWED || e == S6_ERR_PROXY_PROTOCOL ||
	       e == S6_ERR_PROXY_CLOSED || e == S6_ERR_PROXY_FAILURE ||
	       e == S6_ERR_NET_UNREACHABLE || e == S6_ERR_HOST_UNREACHABLE ||
	       e == S6_ERR_REFUSED || e == S6_ERR_CMD_UNSUPPORTED ||
	       e == S6_ERR_TARGET_UNSUPPORTED || e == S6_ERR_TARGET_TIMEOUT;
}

/* What classify_eof must make of a failure: a close during the first
 * Authentication Reply after one byte is a Version Mismatch Reply (of any
 * version), after more bytes starting with another version not SOCKS6. */
static s6_err classified(s6_err before, const struct walk *w, const struct canned *c)
{
	if (before != S6_ERR_PROXY_CLOSED || w->off > 0 || c->got_len == 0)
		return before;
	if (c->got_len == 1)
		return S6_ERR_BAD_VERSION;
	return c->got[0] != S6_SOCKS6_VERSION ? S6_ERR_PROXY_PROTOCOL : before;
}

static void check_failed(s6_hs *hs, const struct setup *s, const struct walk *w,
			 const struct canned *c)
{
	const s6_s6_client_result *r = &s->res;
	s6_err before = hs->err, after;

	FUZZ_CHECK(documented_failure(hs->err) && hs->why[0] != '\0');
	FUZZ_CHECK(memchr(hs->why, '\0', sizeof hs->why) != NULL);
	/* A bad reply fails as a protocol error, and only it or bad options. */
	if (w->bad)
		FUZZ_CHECK(hs->err == S6_ERR_PROXY_PROTOCOL);
	if (hs->err == S6_ERR_PROXY_PROTOCOL)
		FUZZ_CHECK(w->bad || w->last_opts_bad);
	if (w->partial)
		FUZZ_CHECK(hs->err == S6_ERR_PROXY_CLOSED);
	if (hs->err != S6_ERR_PROXY_CLOSED && hs->err != S6_ERR_PROXY_PROTOCOL &&
	    hs->err != S6_ERR_NOT_ALLOWED)
		FUZZ_CHECK(r->has_op_reply && hs->err == s6_s6_reply_err(r->reply_code));
	after = s6_socks6_client_classify_eof(hs);
	FUZZ_CHECK(after == hs->err && hs->why[0] != '\0');
	FUZZ_CHECK(memchr(hs->why, '\0', sizeof hs->why) != NULL);
	FUZZ_CHECK(after == classified(before, w, c));
}

static void check_end(s6_hs *hs, s6_hs_status st, const struct setup *s,
		      const struct canned *c)
{
	size_t n_ops = s->p.command == S6_SOCKS6_CMD_BIND ? 2 : 1;
	struct walk w;

	FUZZ_CHECK(st == S6_HS_DONE || st == S6_HS_FAILED || st == S6_HS_WANT_READ);
	check_sent(s, c);
	walk_replies(c, s->res.auth_slow_path, n_ops, &w);
	check_results(&s->res, &w);
	if (st == S6_HS_WANT_READ) {
		FUZZ_CHECK(c->pos == c->len && !hs->done && hs->err == S6_OK);
		FUZZ_CHECK(s6_hs_events(hs) == POLLIN && !w.bad);
		FUZZ_CHECK(hs->in_len == c->got_len - w.off);
		return;
	}
	FUZZ_CHECK(hs->done && s6_hs_events(hs) == 0);
	if (st == S6_HS_DONE)
		check_done(hs, s, &w, n_ops);
	else
		check_failed(hs, s, &w, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct setup *s = malloc(sizeof *s);
	struct canned c = {0};
	s6_hs_status st = S6_HS_WANT_WRITE;
	s6_hs hs;
	s6_err e;

	if (!s)
		abort();
	make_params(s, size > 0 ? data[0] : 0, size > 2 ? data[2] : 0);
	e = s6_socks6_client_start(&hs, &s->p);
	FUZZ_CHECK(e == expected_start(&s->p));
	if (e != S6_OK || size < 3) {
		if (e == S6_OK)
			s6_hs_release(&hs);
		free(s);
		return 0;
	}
	c.script = data + 3;
	c.len = size - 3;
	c.send_max = data[1];
	c.sent = malloc(SENT_MAX);
	c.got = malloc(c.len ? c.len : 1);
	if (!c.sent || !c.got)
		abort();
	cur = &c;
	/* Every step consumes a script byte or finishes; the bound only
	 * guards against a driver that spins. */
	for (size_t i = 0; i <= size + 4; i++) {
		st = s6_hs_step(&hs, 3, &canned_io);
		if (st == S6_HS_DONE || st == S6_HS_FAILED)
			break;
		if (st == S6_HS_WANT_READ && c.pos >= c.len)
			break;
		if (s6_socks6_client_bind_ready(&hs))
			FUZZ_CHECK(s->res.has_op_reply && !s->res.has_peer);
	}
	check_end(&hs, st, s, &c);
	s6_hs_release(&hs);
	cur = NULL;
	free(c.got);
	free(c.sent);
	free(s);
	return 0;
}
