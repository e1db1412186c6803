/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP capsule stream after the 101: the connection leaves
 * srv_conn's own handling (phase RELAY) and this file reads capsules from
 * the client, hands IP packets to the tunnel's slirp, and queues capsules
 * towards the client. Malformed capsules end the tunnel with one log line;
 * unknown ones are skipped (RFC 9297 section 3.2). A packet that cannot be
 * queued because the client is slow is dropped, as a router would. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "s6_log.h"
#include "srv_cip_echo6.h"
#include "srv_cip_int.h"

#define DOWN_BUF_SIZE (256 * 1024)

static void tun_fail(srv_conn *c, const char *why)
{
	s6_log(S6_LOG_INFO, "%s: connect-ip tunnel closed: %s", c->peer_str, why);
	srv_conn_close(c);
}

bool srv_cip_tun_send(srv_conn *c, const uint8_t *p, size_t n)
{
	if (c->closed || !srv_buf_append(&c->down, p, n))
		return false;
	if (c->phase == SRV_RELAY &&
	    !srv_watch_set(c->srv->loop, &c->client, c->client.events | EPOLLOUT))
		return false;
	return true;
}

bool srv_cip_send_config(srv_conn *c, const s6_cip_prefix *req, size_t nreq, bool routes)
{
	srv_cip_st *st = c->state;
	s6_cip_prefix a[2];
	uint8_t buf[2 * S6_CIP_ADDR_WIRE_MAX + 16 + SRV_CIP_ROUTES_MAX * S6_CIP_ROUTE_WIRE_MAX];
	size_t n = 0, k;
	bool ok = true;

	memset(a, 0, sizeof a);
	a[0].version = 4;
	memcpy(a[0].addr, st->a4, 4);
	a[0].prefix_len = 32;
	a[1].version = 6;
	memcpy(a[1].addr, st->a6, 16);
	a[1].prefix_len = 128;
	/* An answer carries the Request ID of the request for its family. */
	for (size_t i = 0; i < nreq; i++)
		a[req[i].version == 6].request_id = req[i].request_id;
	if (st->mode == S6_CIP_MODE_RFC9484) {
		ok = s6_cip_addrs_encode(st->mode, S6_CIP_K_ADDRESS_ASSIGN, a, 2, buf,
					 sizeof buf, &n) == S6_OK;
	} else {
		for (int i = 0; i < 2 && ok; i++) {
			ok = s6_cip_addrs_encode(st->mode, S6_CIP_K_ADDRESS_ASSIGN, &a[i], 1,
						 buf + n, sizeof buf - n, &k) == S6_OK;
			n += k;
		}
	}
	if (ok && routes) {
		ok = s6_cip_routes_encode(st->mode, st->routes, st->nroutes, buf + n,
					  sizeof buf - n, &k) == S6_OK;
		n += k;
	}
	return ok && srv_cip_tun_send(c, buf, n);
}

/* A packet from slirp to the client: hop limit, then a DATAGRAM capsule. */
static void to_client(void *owner, uint8_t *pkt, size_t len)
{
	srv_conn *c = owner;
	srv_cip_st *st = c->state;
	uint8_t head[S6_CIP_CAPSULE_HEAD_MAX + 8];
	size_t hl;

	if (!srv_cip_pkt_hop(pkt, len) ||
	    s6_cip_datagram_head_encode(st->mode, 0, len, head, sizeof head, &hl) != S6_OK ||
	    srv_buf_room(&c->down) < hl + len) {
		st->dropped++;
		return;
	}
	srv_cip_tun_send(c, head, hl);
	srv_cip_tun_send(c, pkt, len);
	st->pkts_out++;
}

static void drop_log(srv_conn *c, const char *why)
{
	srv_cip_st *st = c->state;
	uint64_t now = srv_now_ms();

	st->dropped++;
	/* One line a second at most: a client cannot flood the log. */
	if (now - st->drop_logged_ms >= 1000 || st->drop_logged_ms == 0) {
		st->drop_logged_ms = now;
		s6_log(S6_LOG_INFO, "%s: connect-ip packet dropped: %s", c->peer_str, why);
	}
}

static bool on_datagram(srv_conn *c, const uint8_t *body, size_t len)
{
	srv_cip_st *st = c->state;
	const uint8_t *p;
	size_t n;
	uint64_t ctx;
	const char *why = NULL;
	int icmp;

	if (s6_cip_datagram_decode(body, len, &ctx, &p, &n, &why) != S6_OK) {
		tun_fail(c, why ? why : "malformed DATAGRAM");
		return false;
	}
	if (ctx != 0) {
		st->dropped++;   /* unknown contexts are dropped (RFC 9484 sec. 6) */
		return true;
	}
	why = srv_cip_pkt_check(st, c->srv->cfg.cip, p, n, &icmp);
	if (why) {
		drop_log(c, why);
		srv_cip_icmp_send(c, p, n, icmp);   /* the error owed, if any */
		return true;
	}
	st->pkts_in++;
	if (!srv_cip_echo6_input(st->e6, p, n))   /* slirp has no ICMPv6 echo */
		srv_cip_slirp_input(st->sl, p, n);
	return !c->closed;
}

static bool on_address_request(srv_conn *c, const s6_cip_event *ev)
{
	srv_cip_st *st = c->state;
	s6_cip_prefix req[4];
	size_t n = 0;
	const char *why = NULL;

	if (s6_cip_addrs_decode(st->mode, S6_CIP_K_ADDRESS_REQUEST, ev->body, ev->body_len,
				req, 4, &n, &why) != S6_OK) {
		tun_fail(c, why ? why : "malformed ADDRESS_REQUEST");
		return false;
	}
	s6_log(S6_LOG_DEBUG, "%s: connect-ip ADDRESS_REQUEST with %zu entries",
	       c->peer_str, n);
	if (!srv_cip_send_config(c, req, n, false))
		tun_fail(c, "cannot queue ADDRESS_ASSIGN");
	return !c->closed;
}

static bool on_capsule(srv_conn *c, const s6_cip_event *ev)
{
	srv_cip_st *st = c->state;
	s6_cip_range r[SRV_CIP_ROUTES_MAX];
	s6_cip_prefix a[4];
	uint64_t ctx, fmt;
	size_t n, extra;
	const char *why = NULL;

	switch (ev->kind) {
	case S6_CIP_K_DATAGRAM:
		return on_datagram(c, ev->body, ev->body_len);
	case S6_CIP_K_ADDRESS_REQUEST:
		return on_address_request(c, ev);
	case S6_CIP_K_ADDRESS_ASSIGN:
		/* The client assigning us addresses: checked, not used. */
		if (s6_cip_addrs_decode(st->mode, ev->kind, ev->body, ev->body_len, a, 4,
					&n, &why) == S6_OK)
			return true;
		break;
	case S6_CIP_K_ROUTE_ADVERTISEMENT:
		if (s6_cip_routes_decode(ev->body, ev->body_len, r, SRV_CIP_ROUTES_MAX, &n,
					 &why) == S6_OK)
			return true;
		break;
	case S6_CIP_K_REGISTER_CONTEXT:
		if (s6_cip_register_decode(ev->body, ev->body_len, &ctx, &fmt, &extra,
					   &why) != S6_OK)
			break;
		if (ctx != 0 || fmt != S6_CIP_D00_FORMAT_IP_PACKET || extra || st->d00_registered) {
			why = "bad REGISTER_DATAGRAM_CONTEXT";
			break;
		}
		st->d00_registered = true;
		return true;
	default:
		return true;
	}
	tun_fail(c, why ? why : "malformed capsule");
	return false;
}

/* Every whole capsule in c->up. */
static void capsules(srv_conn *c)
{
	srv_cip_st *st = c->state;

	while (!c->closed && srv_buf_len(&c->up) > 0) {
		s6_cip_event ev;
		size_t used = 0, need = 0;
		const char *why = NULL;
		s6_err e = s6_cip_read(&st->rd, srv_buf_peek(&c->up), srv_buf_len(&c->up),
				       &ev, &used, &need, &why);

		if (e == S6_ERR_NEED_MORE)
			return;
		if (e != S6_OK) {
			tun_fail(c, why ? why : s6_strerror(e));
			return;
		}
		if (ev.ev == S6_CIP_EV_CAPSULE && !on_capsule(c, &ev))
			return;
		srv_buf_consume(&c->up, used);
	}
}

static void tun_update(srv_conn *c)
{
	uint32_t ev = 0;

	if (c->closed)
		return;
	if (!c->client_eof && srv_buf_room(&c->up) > 0)
		ev |= EPOLLIN;
	if (srv_buf_len(&c->down) > 0)
		ev |= EPOLLOUT;
	if (!srv_watch_set(c->srv->loop, &c->client, ev))
		srv_conn_close(c);
}

static void tun_event(srv_watch *w, uint32_t events)
{
	srv_conn *c = w->owner;
	ssize_t n;

	if (srv_buf_len(&c->down) > 0 && srv_buf_write(&c->down, c->client.fd) < 0 &&
	    !srv_errno_transient(errno)) {
		tun_fail(c, strerror(errno));
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && srv_buf_room(&c->up) > 0) {
		n = srv_buf_read(&c->up, c->client.fd);
		if (n == 0 || (n < 0 && !srv_errno_transient(errno))) {
			s6_log(S6_LOG_DEBUG, "%s: connect-ip client %s", c->peer_str,
			       n == 0 ? "closed the tunnel" : strerror(errno));
			srv_conn_close(c);
			return;
		}
		capsules(c);
	}
	tun_update(c);
}

void srv_cip_tun_start(srv_conn *c)
{
	srv_cip_st *st = c->state;

	if (c->closed)
		return;
	s6_cip_reader_init(&st->rd, st->mode, SRV_CIP_MAX_CAPSULE);
	srv_buf_grow(&c->down, DOWN_BUF_SIZE);
	st->sl = srv_cip_slirp_new(c->srv->loop, c->srv->cfg.cip, st->a4, st->a6,
				   to_client, c);
	if (!st->sl) {
		tun_fail(c, "cannot start the network stack");
		return;
	}
	st->e6 = srv_cip_echo6_new(c, to_client);
	c->phase = SRV_RELAY;
	c->client.fn = tun_event;
	c->client.owner = c;
	capsules(c);   /* capsules that came with the request */
	tun_update(c);
}
