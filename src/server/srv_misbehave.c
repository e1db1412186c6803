/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "s6_cip_http_req.h"
#include "s6_log.h"
#include "s6_socks4.h"
#include "s6_socks6_msg.h"
#include "s6_socks6_opt.h"
#include "srv_cip.h"
#include "srv_misbehave.h"
#include "srv_socks4.h"
#include "srv_socks6.h"

#define FLOOD_CHUNK 4096
#define FLOOD_CHUNKS_PER_EVENT 16   /* other connections get their turn */

enum mode { RUNNING, SILENT, FLOODING };
enum outcome { WAIT, NEXT, GONE };

typedef struct misb_state {
	const srv_misb_script *script;
	const srv_proto *inner;
	enum srv_misb_flavour flavour;
	enum mode mode;
	size_t step;             /* the step running */
	size_t sent;             /* bytes of the current send step sent */
	size_t seen;             /* relay scripts: client bytes looked at */
	size_t want;             /* expect N: bytes still to come */
	bool want_set;
	bool want_out;           /* blocked on a full socket buffer */
	bool armed;              /* the pause timer runs */
	bool sleeping, fired;    /* ... for a sleep step; it has run out */
	unsigned split, split_ms;
	srv_timer timer;
	srv_watch_fn conn_fn;    /* srv_conn's own client handler, for relay */
	uint64_t rng;
	uint8_t flood[FLOOD_CHUNK];
} misb_state;

static void misb_event(srv_watch *w, uint32_t events);
static void misb_run(srv_conn *c);

static const srv_misb_step *cur_step(const misb_state *st)
{
	return &st->script->steps[st->step];
}

static void finish_log(srv_conn *c, const char *how)
{
	misb_state *st = c->state;

	s6_log(S6_LOG_INFO, "%s: misbehave: %s at step %zu of %zu", c->peer_str, how,
	       st->step + 1 > st->script->n_steps ? st->script->n_steps : st->step + 1,
	       st->script->n_steps);
}

/* ---- client input */

static void consume(srv_conn *c, size_t n)
{
	misb_state *st = c->state;

	if (st->script->has_relay)
		st->seen += n;
	else
		srv_buf_consume(&c->up, n);
}

static size_t unseen(const srv_conn *c)
{
	const misb_state *st = c->state;

	return srv_buf_len(&c->up) - st->seen;
}

/* False when the connection is gone. */
static bool read_input(srv_conn *c)
{
	misb_state *st = c->state;

	if (srv_conn_read_client(c) < 0) {
		finish_log(c, strerror(errno));
		srv_conn_close(c);
		return false;
	}
	if (st->mode != RUNNING)
		srv_buf_clear(&c->up);
	return true;
}

/* Input steps: the client closing while one waits ends the script. */
static enum outcome need_input(srv_conn *c)
{
	if (!c->client_eof)
		return WAIT;
	finish_log(c, "client closed");
	srv_conn_close(c);
	return GONE;
}

static enum outcome step_expect(srv_conn *c)
{
	misb_state *st = c->state;
	size_t take;

	if (!st->want_set) {
		st->want = cur_step(st)->arg;
		st->want_set = true;
	}
	take = unseen(c) < st->want ? unseen(c) : st->want;
	consume(c, take);
	st->want -= take;
	if (st->want > 0)
		return need_input(c);
	st->want_set = false;
	return NEXT;
}

/* A SOCKS6 Request and the initial data its options announce. */
static s6_err parse_s6(const uint8_t *b, size_t len, size_t *used)
{
	s6_s6_request rq;
	s6_s6opts o;
	size_t need;
	s6_err r = s6_s6_request_parse(b, len, &rq, used, &need);

	if (r != S6_OK)
		return r;
	if (s6_s6opts_parse(rq.opts, rq.opts_len, &o, NULL, 0) == S6_OK &&
	    o.has_auth_adv)
		*used += o.initial_data_len;
	return *used <= len ? S6_OK : S6_ERR_NEED_MORE;
}

/* The CONNECT-IP Upgrade request head (s6_cip_req is large: not on the
 * stack of every step). */
static s6_err parse_cip(const uint8_t *b, size_t len, size_t *used)
{
	s6_cip_req *rq = malloc(sizeof *rq);
	size_t need;
	s6_err r = rq ? s6_cip_req_parse(b, len, rq, used, &need, NULL) : S6_ERR_NOMEM;

	free(rq);
	return r;
}

static enum outcome step_expect_request(srv_conn *c)
{
	misb_state *st = c->state;
	const uint8_t *b = srv_buf_peek(&c->up) + st->seen;
	size_t used = 0, need;
	s6_socks4_request rq4;
	s6_err r;

	if (st->flavour == SRV_MISB_S6)
		r = parse_s6(b, unseen(c), &used);
	else if (st->flavour == SRV_MISB_CIP)
		r = parse_cip(b, unseen(c), &used);
	else
		r = s6_socks4_request_parse(b, unseen(c), &rq4, &used, &need);
	/* A request larger than the buffer cannot complete either. */
	if (r == S6_ERR_NEED_MORE && srv_buf_room(&c->up) > 0)
		return need_input(c);
	if (r != S6_OK) {
		finish_log(c, r == S6_ERR_NEED_MORE ? "request too long" :
			   "unparsable request");
		srv_conn_close(c);
		return GONE;
	}
	consume(c, used);
	return NEXT;
}

/* ---- output */

/* Transient: wait for EPOLLOUT. Else the client is gone. */
static enum outcome send_failed(srv_conn *c)
{
	misb_state *st = c->state;

	if (srv_errno_transient(errno)) {
		st->want_out = true;
		return WAIT;
	}
	finish_log(c, strerror(errno));
	srv_conn_close(c);
	return GONE;
}

static void arm(srv_conn *c, unsigned ms)
{
	misb_state *st = c->state;

	st->armed = true;
	srv_timer_arm(c->srv->loop, &st->timer, ms);
}

/* In split mode every segment is followed by a pause, the last one of a
 * step too: the next step's first byte must be a segment of its own. */
static enum outcome step_send(srv_conn *c)
{
	misb_state *st = c->state;
	const srv_misb_range *r = &cur_step(st)->bytes[st->flavour];
	const uint8_t *b = st->script->bytes + r->off;

	while (st->sent < r->len) {
		size_t chunk = r->len - st->sent;
		ssize_t n;
		if (st->split && chunk > st->split)
			chunk = st->split;
		n = send(c->client.fd, b + st->sent, chunk, MSG_NOSIGNAL);
		if (n < 0)
			return send_failed(c);
		st->sent += (size_t)n;
		if (st->split && st->split_ms) {
			if (st->sent == r->len)
				break;
			arm(c, st->split_ms);
			return WAIT;
		}
	}
	st->sent = 0;
	if (st->split && st->split_ms)
		arm(c, st->split_ms);
	return NEXT;
}

static uint64_t next_random(misb_state *st)
{
	/* xorshift64: test noise, not secrets */
	st->rng ^= st->rng << 13;
	st->rng ^= st->rng >> 7;
	st->rng ^= st->rng << 17;
	return st->rng;
}

static enum outcome flood(srv_conn *c)
{
	misb_state *st = c->state;

	for (int i = 0; i < FLOOD_CHUNKS_PER_EVENT; i++)
		if (send(c->client.fd, st->flood, sizeof st->flood, MSG_NOSIGNAL) < 0)
			return send_failed(c);
	st->want_out = true;   /* EPOLLOUT brings the next round */
	return WAIT;
}

static enum outcome start_flood(srv_conn *c)
{
	misb_state *st = c->state;

	st->mode = FLOODING;
	srv_buf_clear(&c->up);
	if (cur_step(st)->arg) {
		st->rng = (uint64_t)(uintptr_t)c ^ srv_now_ms() ^ 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i < sizeof st->flood; i += 8) {
			uint64_t v = next_random(st);
			memcpy(st->flood + i, &v, 8);
		}
	}
	finish_log(c, "flooding");
	return flood(c);
}

/* ---- final steps */

static enum outcome silence(srv_conn *c)
{
	misb_state *st = c->state;

	st->mode = SILENT;
	srv_buf_clear(&c->up);
	srv_conn_handshake_done(c);   /* no handshake timeout: never answer */
	finish_log(c, "silent");
	return WAIT;
}

static enum outcome reset(srv_conn *c)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(c->client.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	finish_log(c, "reset");
	srv_conn_close(c);
	return GONE;
}

static enum outcome close_gracefully(srv_conn *c)
{
	static const uint8_t nothing;
	misb_state *st = c->state;

	srv_timer_stop(c->srv->loop, &st->timer);
	finish_log(c, "closed");
	srv_conn_refuse(c, &nothing, 0);   /* not NULL: it reaches memcpy */
	return GONE;
}

/* The listener's protocol from here: a fresh state of its own, the
 * connection's own client handler, the handshake deadline again, and every
 * byte the client sent so far as if it had just arrived. */
static enum outcome relay(srv_conn *c)
{
	misb_state *st = c->state;
	const srv_proto *inner = st->inner;
	srv_watch_fn fn = st->conn_fn;
	void *state = calloc(1, inner->state_size ? inner->state_size : 1);

	if (!state) {
		finish_log(c, "out of memory");
		srv_conn_close(c);
		return GONE;
	}
	finish_log(c, "relaying");
	srv_timer_stop(c->srv->loop, &st->timer);
	free(c->state);
	c->state = state;
	c->proto = inner;
	c->client.fn = fn;
	c->phase = SRV_HANDSHAKE;
	if (c->srv->cfg.handshake_ms)
		srv_timer_arm(c->srv->loop, &c->timer, c->srv->cfg.handshake_ms);
	if (inner->init)
		inner->init(c);
	if (!c->closed && srv_buf_len(&c->up) > 0)
		inner->input(c);
	/* One event lets the connection's own handler settle its interest. */
	if (!c->closed && (c->phase == SRV_HANDSHAKE || c->phase == SRV_PENDING) &&
	    !srv_watch_set(c->srv->loop, &c->client, EPOLLIN | EPOLLOUT))
		srv_conn_close(c);
	return GONE;
}

/* ---- the script */

static enum outcome run_step(srv_conn *c)
{
	misb_state *st = c->state;
	const srv_misb_step *s = cur_step(st);

	switch (s->kind) {
	case SRV_MISB_EXPECT: return step_expect(c);
	case SRV_MISB_EXPECT_REQUEST: return step_expect_request(c);
	case SRV_MISB_SEND: return step_send(c);
	case SRV_MISB_SPLIT:
		st->split = s->arg;
		st->split_ms = s->arg2;
		return NEXT;
	case SRV_MISB_SLEEP:
		if (st->fired) {
			st->fired = false;
			return NEXT;
		}
		st->sleeping = true;
		arm(c, s->arg);
		return WAIT;
	case SRV_MISB_SILENCE: return silence(c);
	case SRV_MISB_RST: return reset(c);
	case SRV_MISB_CLOSE: return close_gracefully(c);
	case SRV_MISB_FLOOD: return start_flood(c);
	case SRV_MISB_RELAY: return relay(c);
	}
	return close_gracefully(c);
}

static void update_watch(srv_conn *c)
{
	misb_state *st = c->state;
	uint32_t ev = 0;

	if (!c->client_eof && srv_buf_room(&c->up) > 0)
		ev |= EPOLLIN;
	if (st->want_out)
		ev |= EPOLLOUT;
	if (!srv_watch_set(c->srv->loop, &c->client, ev))
		srv_conn_close(c);
}

static void misb_run(srv_conn *c)
{
	misb_state *st = c->state;
	enum outcome o = NEXT;

	st->want_out = false;
	if (st->mode == FLOODING)
		o = flood(c);
	else if (st->mode == SILENT && c->client_eof)
		o = need_input(c);
	else if (st->mode == SILENT)
		o = WAIT;
	while (o == NEXT && !st->armed) {
		if (st->step == st->script->n_steps) {
			o = close_gracefully(c);
			break;
		}
		o = run_step(c);
		if (o == NEXT)
			st->step++;
	}
	if (o != GONE && !c->closed)
		update_watch(c);
}

static void misb_event(srv_watch *w, uint32_t events)
{
	srv_conn *c = w->owner;

	(void)events;
	if (read_input(c))
		misb_run(c);
}

static void misb_timer(srv_timer *t)
{
	srv_conn *c = t->owner;
	misb_state *st = c->state;

	st->armed = false;
	st->fired = st->sleeping;
	st->sleeping = false;
	misb_run(c);
}

/* ---- the protocol stand-ins */

static void misb_init(srv_conn *c, const srv_proto *inner, enum srv_misb_flavour f)
{
	misb_state *st = c->state;

	st->script = c->srv->cfg.misbehave;
	st->inner = inner;
	st->flavour = f;
	srv_timer_init(&st->timer, misb_timer, c);
	st->conn_fn = c->client.fn;
	c->client.fn = misb_event;
	s6_log(S6_LOG_DEBUG, "%s: misbehave: %zu steps", c->peer_str, st->script->n_steps);
	/* The first step runs from the loop: srv_conn_new is not done with
	 * the connection yet (a step may close it). */
	arm(c, 0);
}

static void misb_init6(srv_conn *c)
{
	misb_init(c, &srv_socks6_proto, SRV_MISB_S6);
}

static void misb_init4(srv_conn *c)
{
	misb_init(c, &srv_socks4_proto, SRV_MISB_S4);
}

static void misb_init_cip(srv_conn *c)
{
	misb_init(c, &srv_cip_proto, SRV_MISB_CIP);
}

/* Client bytes arrive through misb_event, never through here. */
static void misb_input(srv_conn *c)
{
	(void)c;
}

static void misb_release(srv_conn *c)
{
	misb_state *st = c->state;

	srv_timer_stop(c->srv->loop, &st->timer);
}

static const srv_proto misb_socks6_proto = {
	.name = "socks6", .state_size = sizeof(misb_state),
	.init = misb_init6, .input = misb_input, .release = misb_release,
};

static const srv_proto misb_socks4_proto = {
	.name = "socks4a", .state_size = sizeof(misb_state),
	.init = misb_init4, .input = misb_input, .release = misb_release,
};

static const srv_proto misb_cip_proto = {
	.name = "connect-ip", .state_size = sizeof(misb_state),
	.init = misb_init_cip, .input = misb_input, .release = misb_release,
};

/* Every send step has bytes for the flavour (SOCKS helpers have none for
 * CONNECT-IP, nor CONNECT-IP helpers for SOCKS). */
static bool all_sends_have(const srv_misb_script *s, enum srv_misb_flavour f)
{
	for (size_t i = 0; i < s->n_steps; i++)
		if (s->steps[i].kind == SRV_MISB_SEND && !s->steps[i].bytes[f].valid)
			return false;
	return true;
}

const srv_proto *srv_misb_wrap(const srv_proto *inner, const srv_misb_script *s,
			       char *why, size_t whylen)
{
	if (inner == &srv_cip_proto && all_sends_have(s, SRV_MISB_CIP))
		return &misb_cip_proto;
	if (inner == &srv_cip_proto) {
		snprintf(why, whylen, "the script uses SOCKS replies (auth-ok, auth-fail, "
			 "op-ok, reply) on a --connect-ip listener");
		return NULL;
	}
	if (s->cip_only) {
		snprintf(why, whylen, "the script uses CONNECT-IP helpers (http-101, capsule) "
			 "on a --%s listener", inner->name);
		return NULL;
	}
	if (inner == &srv_socks6_proto && !s->s4_only)
		return &misb_socks6_proto;
	if (inner == &srv_socks4_proto && !s->s6_only)
		return &misb_socks4_proto;
	if (inner == &srv_socks4_proto)
		snprintf(why, whylen, "the script uses SOCKS6 replies (auth-ok, "
			 "auth-fail, options) on a --socks4a listener");
	else
		snprintf(why, whylen, "not available on --%s listeners", inner->name);
	return NULL;
}
