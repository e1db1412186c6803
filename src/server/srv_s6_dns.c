/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "DNS provided by SOCKS": DNS over TCP (RFC 7766) on the client stream,
 * each query sent by the system resolver (res_nsend) on the resolver's
 * worker threads. Up to DNS_INFLIGHT queries run at once; answers go back
 * in query order (a slot ring); a resolver failure answers SERVFAIL. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "s6_bytes.h"
#include "s6_log.h"
#include "srv_s6_dns.h"
#include "srv_s6_dns_msg.h"

#define DNS_INFLIGHT 8
#define DNS_STREAM_BUF (128 * 1024)   /* holds a full-size frame and more */
#define DNS_DESC_MAX 96

/* One query: the worker's input and output. */
typedef struct dns_work {
	size_t qlen;
	int alen;                       /* answer length, -1: resolver failed */
	uint8_t ans[SRV_DNS_MSG_MAX];
	uint8_t q[];
} dns_work;

typedef struct dns_slot {
	struct srv_s6dns *d;
	srv_resolve_job *job;           /* while running */
	dns_work *work;                 /* once done */
	char desc[DNS_DESC_MAX];
} dns_slot;

struct srv_s6dns {
	srv_conn *c;
	srv_timer idle, kick;
	uint64_t last_activity;
	dns_slot slots[DNS_INFLIGHT];
	unsigned head, count;
	unsigned long queries, answered, failed;
	const char *end_reason;
	bool ending;                    /* dns_end called: the kick closes */
};

/* ---- worker thread */

int srv_s6dns_nsend(const uint8_t *q, size_t qlen, uint8_t *ans, size_t cap)
{
	struct __res_state st;
	int alen;

	memset(&st, 0, sizeof st);
	if (qlen > SRV_DNS_MSG_MAX || cap > SRV_DNS_MSG_MAX || res_ninit(&st) != 0)
		return -1;
	alen = res_nsend(&st, q, (int)qlen, ans, (int)cap);
	if (alen > (int)cap || alen < SRV_DNS_HDR_LEN)
		alen = -1;
	res_nclose(&st);
	return alen;
}

static void dns_run(void *arg)
{
	dns_work *w = arg;

	w->alen = srv_s6dns_nsend(w->q, w->qlen, w->ans, sizeof w->ans);
}

/* ---- loop side */

/* The connection (and d with it) is closed from the kick timer, so that
 * no caller ever holds a freed d; until then every handler returns. */
static void dns_end(srv_s6dns *d, const char *why)
{
	srv_loop *l = d->c->srv->loop;

	if (d->ending)
		return;
	d->ending = true;
	d->end_reason = why;
	srv_watch_set(l, &d->c->client, 0);
	srv_timer_arm(l, &d->kick, 0);
}

static void update(srv_s6dns *d)
{
	srv_conn *c = d->c;
	uint32_t ev = 0;

	if (d->ending)
		return;
	if (!c->client_eof && d->count < DNS_INFLIGHT && srv_buf_room(&c->up) > 0)
		ev |= EPOLLIN;
	if (srv_buf_len(&c->down) > 0)
		ev |= EPOLLOUT;
	if (!srv_watch_set(c->srv->loop, &c->client, ev))
		dns_end(d, "epoll failed");
}

/* The answer frame of the oldest slot, when it is done and fits. */
static bool emit_head(srv_s6dns *d)
{
	dns_slot *s = &d->slots[d->head];
	srv_buf *down = &d->c->down;
	uint8_t sf[SRV_DNS_MSG_MAX], len2[2];
	const uint8_t *a;
	size_t alen;

	if (d->count == 0 || !s->work)
		return false;
	a = s->work->ans;
	alen = s->work->alen > 0 ? (size_t)s->work->alen : 0;
	if (!alen) {
		if (srv_dns_servfail(s->work->q, s->work->qlen, sf, sizeof sf, &alen) != S6_OK)
			alen = 0;
		a = sf;
	}
	if (srv_buf_room(down) < 2 + alen)
		return false;
	s6_put_u16be(len2, (uint16_t)alen);
	srv_buf_append(down, len2, 2);
	srv_buf_append(down, a, alen);
	s6_log(S6_LOG_DEBUG, "%s: socks6-dns query %s: %s, %zu bytes", d->c->peer_str,
	       s->desc, s->work->alen > 0 ? "answered" : "resolver failed, SERVFAIL",
	       alen);
	if (s->work->alen > 0)
		d->answered++;
	else
		d->failed++;
	free(s->work);
	s->work = NULL;
	d->head = (d->head + 1) % DNS_INFLIGHT;
	d->count--;
	return true;
}

static void serve(srv_s6dns *d);

static void job_done(void *owner, void *arg)
{
	dns_slot *s = owner;

	s->job = NULL;
	s->work = arg;
	if (!s->d->ending)
		serve(s->d);
}

/* Queue one query; a job that cannot start is answered SERVFAIL. */
static void submit(srv_s6dns *d, const uint8_t *q, size_t qlen)
{
	dns_slot *s = &d->slots[(d->head + d->count) % DNS_INFLIGHT];
	dns_work *w = malloc(sizeof *w + qlen);

	srv_dns_describe(q, qlen, s->desc, sizeof s->desc);
	d->count++;
	d->queries++;
	if (!w) {
		dns_end(d, "out of memory");
		return;
	}
	w->qlen = qlen;
	w->alen = -1;
	memcpy(w->q, q, qlen);
	s->job = srv_resolve_run(d->c->srv->resolver, dns_run, w, job_done, s);
	if (!s->job)
		s->work = w;
}

/* Every whole query in c->up while slots are free: how many were taken,
 * -1 when the stream ended on a framing error. */
static int take_queries(srv_s6dns *d)
{
	srv_conn *c = d->c;
	int taken = 0;

	while (d->count < DNS_INFLIGHT && srv_buf_len(&c->up) > 0 && !d->ending) {
		size_t mlen = 0, used = 0, need = 0;
		const uint8_t *p = srv_buf_peek(&c->up);
		s6_err e = srv_dns_frame(p, srv_buf_len(&c->up), &mlen, &used, &need);

		if (e == S6_ERR_NEED_MORE)
			break;
		if (e != S6_OK || !srv_dns_is_query(p + 2, mlen)) {
			dns_end(d, "a message that is not a DNS query");
			return -1;
		}
		submit(d, p + 2, mlen);
		srv_buf_consume(&c->up, used);
		d->last_activity = srv_now_ms();
		taken++;
	}
	return d->ending ? -1 : taken;
}

/* Answers out in order, then the socket; the end once the client has
 * closed and every answer is out. */
static void flush(srv_s6dns *d)
{
	srv_conn *c = d->c;

	while (!d->ending && emit_head(d))
		;
	if (d->ending)
		return;
	if (srv_buf_write(&c->down, c->client.fd) < 0 && !srv_errno_transient(errno)) {
		dns_end(d, strerror(errno));
		return;
	}
	if (srv_buf_len(&c->down) > 0 || d->count > 0)
		d->last_activity = srv_now_ms();
	if (c->client_eof && d->count == 0 && srv_buf_len(&c->down) == 0) {
		dns_end(d, srv_buf_len(&c->up) ? "client closed mid-query" :
			"client closed");
		return;
	}
	update(d);
}

/* Finished answers out (freeing slots), queries waiting in c->up into the
 * free slots, again while that makes progress (a query whose job could not
 * start is answered at once), then the socket. */
static void serve(srv_s6dns *d)
{
	int taken;

	do {
		while (!d->ending && emit_head(d))
			;
		taken = take_queries(d);
		if (taken < 0)
			return;
	} while (taken > 0 && d->count > 0 && d->slots[d->head].work);
	flush(d);
}

static void step(srv_s6dns *d)
{
	srv_conn *c = d->c;
	ssize_t n = 0;

	if (d->ending)
		return;
	if (!c->client_eof && srv_buf_room(&c->up) > 0 && d->count < DNS_INFLIGHT) {
		n = srv_buf_read(&c->up, c->client.fd);
		if (n < 0 && !srv_errno_transient(errno)) {
			dns_end(d, strerror(errno));
			return;
		}
		if (n == 0)
			c->client_eof = true;
	}
	serve(d);
}

static void client_event(srv_watch *w, uint32_t events)
{
	(void)events;
	step(w->owner);
}

static void kick(srv_timer *t)
{
	srv_s6dns *d = t->owner;

	if (d->ending)
		srv_conn_close(d->c);
	else
		serve(d);
}

static void idle_expired(srv_timer *t)
{
	srv_s6dns *d = t->owner;
	unsigned idle_ms = d->c->srv->cfg.idle_ms;
	uint64_t quiet = srv_now_ms() - d->last_activity;

	/* Queries in flight are bounded by the resolver's own timeouts. */
	if (d->count > 0 || quiet < idle_ms) {
		srv_timer_arm(d->c->srv->loop, &d->idle,
			      d->count > 0 ? idle_ms : idle_ms - quiet);
		return;
	}
	dns_end(d, "idle timeout");
}

srv_s6dns *srv_s6dns_start(srv_conn *c)
{
	srv_s6dns *d = calloc(1, sizeof *d);

	if (!d || !srv_buf_grow(&c->up, DNS_STREAM_BUF) || !srv_buf_grow(&c->down, DNS_STREAM_BUF)) {
		free(d);
		s6_log(S6_LOG_ERROR, "%s: socks6-dns: out of memory", c->peer_str);
		srv_conn_close(c);
		return NULL;
	}
	d->c = c;
	for (unsigned i = 0; i < DNS_INFLIGHT; i++)
		d->slots[i].d = d;
	srv_timer_init(&d->idle, idle_expired, d);
	srv_timer_init(&d->kick, kick, d);
	d->last_activity = srv_now_ms();
	if (c->phase == SRV_HANDSHAKE)
		srv_conn_handshake_done(c);
	c->phase = SRV_RELAY;
	c->client.fn = client_event;
	c->client.owner = d;
	if (c->srv->cfg.idle_ms)
		srv_timer_arm(c->srv->loop, &d->idle, c->srv->cfg.idle_ms);
	/* Queries already in c->up, served from the loop, not from here. */
	srv_timer_arm(c->srv->loop, &d->kick, 0);
	update(d);
	return d;
}

void srv_s6dns_free(srv_s6dns *d)
{
	srv_loop *l;

	if (!d)
		return;
	l = d->c->srv->loop;
	s6_log(S6_LOG_INFO, "socks6-dns %s ended: %lu queries, %lu answered, %lu "
	       "SERVFAIL%s%s", d->c->peer_str, d->queries, d->answered, d->failed,
	       d->end_reason ? ", " : "", d->end_reason ? d->end_reason : "");
	srv_timer_stop(l, &d->idle);
	srv_timer_stop(l, &d->kick);
	for (unsigned i = 0; i < DNS_INFLIGHT; i++) {
		dns_slot *s = &d->slots[i];
		if (s->job)
			srv_resolve_cancel(d->c->srv->resolver, s->job);
		free(s->work);
	}
	free(d);
}
