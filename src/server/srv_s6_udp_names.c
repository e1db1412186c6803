/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Datagrams to a domain name: the name is resolved once (srv_lookup, off
 * the loop) and kept for a minute in a small per-association table, so a
 * flow of datagrams does not cost one lookup each. Datagrams that arrive
 * while their name resolves wait in a short queue; when the table, the
 * queue or the byte budget is full, they are dropped, as UDP may drop. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_log.h"
#include "srv_s6_udp_int.h"

#define LOOKUP_TIMEOUT_MS 10000

static void drop_pending(srv_s6udp *u, s6udp_name *e, bool count)
{
	for (s6udp_pending *p; (p = e->pending);) {
		e->pending = p->next;
		u->pending_bytes -= p->len;
		if (count)
			u->up.dropped++;
		free(p);
	}
	e->npending = 0;
}

/* The first address the socket can send to (a v4-only socket cannot
 * reach IPv6). */
static bool pick_addr(const srv_s6udp *u, const srv_addrs *res,
		      struct sockaddr_storage *out)
{
	for (size_t i = 0; i < res->n; i++) {
		if (u->family == AF_INET6 || res->a[i].ss_family == AF_INET) {
			*out = res->a[i];
			return true;
		}
	}
	return false;
}

static void on_resolved(srv_lookup *lk, const srv_addrs *res, const char *reason)
{
	s6udp_name *e = lk->owner;
	srv_s6udp *u = e->u;
	uint64_t now = srv_now_ms();

	if (!res || !pick_addr(u, res, &e->addr)) {
		s6_log(S6_LOG_DEBUG, "%s: socks6-udp assoc=%s: %s: %s", u->c->peer_str,
		       u->idhex, e->name, res ? "no usable address" : reason);
		e->state = S6UDP_N_FAILED;
		e->expires = now + S6UDP_NAME_NEG_TTL_MS;
		drop_pending(u, e, true);
		return;
	}
	e->state = S6UDP_N_OK;
	e->expires = now + S6UDP_NAME_TTL_MS;
	while (e->pending && !u->ending) {
		s6udp_pending *p = e->pending;
		e->pending = p->next;
		e->npending--;
		u->pending_bytes -= p->len;
		s6udp_send_remote(u, &e->addr, p->port, p->data, p->len);
		free(p);
	}
}

static void enqueue(srv_s6udp *u, s6udp_name *e, uint16_t port,
		    const uint8_t *data, size_t n)
{
	s6udp_pending *p, **tail = &e->pending;

	if (e->npending >= S6UDP_NAME_PENDING_MAX ||
	    u->pending_bytes + n > S6UDP_PENDING_BYTES_MAX ||
	    !(p = malloc(sizeof *p + n))) {
		u->up.dropped++;
		return;
	}
	p->next = NULL;
	p->port = port;
	p->len = n;
	memcpy(p->data, data, n);
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	e->npending++;
	u->pending_bytes += n;
}

static void start_lookup(srv_s6udp *u, s6udp_name *e)
{
	srv_server *s = u->c->srv;

	e->state = S6UDP_N_RESOLVING;
	if (!srv_lookup_start(&e->lk, s->loop, s->resolver, e->name, 0,
			      LOOKUP_TIMEOUT_MS, on_resolved, e)) {
		e->state = S6UDP_N_FAILED;
		e->expires = srv_now_ms() + S6UDP_NAME_NEG_TTL_MS;
	}
}

/* The entry for name, or a free or least recently used one that is not
 * resolving (reset for name); NULL when every entry is busy resolving. */
static s6udp_name *find_slot(srv_s6udp *u, const char *name)
{
	s6udp_name *victim = NULL;

	for (size_t i = 0; i < S6UDP_NAMES_MAX; i++) {
		s6udp_name *e = &u->names[i];
		if (e->state != S6UDP_N_FREE && !strcmp(e->name, name))
			return e;
		if (e->state == S6UDP_N_RESOLVING)
			continue;
		if (!victim || e->state == S6UDP_N_FREE ||
		    (victim->state != S6UDP_N_FREE && e->last_used < victim->last_used))
			victim = e;
	}
	if (!victim)
		return NULL;
	drop_pending(u, victim, true);
	victim->state = S6UDP_N_FREE;
	snprintf(victim->name, sizeof victim->name, "%s", name);
	return victim;
}

void s6udp_names_send(srv_s6udp *u, const char *name, uint16_t port,
		      const uint8_t *p, size_t n)
{
	s6udp_name *e = find_slot(u, name);
	uint64_t now = srv_now_ms();

	if (!e) {
		u->up.dropped++;
		return;
	}
	e->last_used = now;
	if (e->state != S6UDP_N_RESOLVING &&
	    (e->state == S6UDP_N_FREE || now >= e->expires))
		start_lookup(u, e);
	switch (e->state) {
	case S6UDP_N_OK:
		s6udp_send_remote(u, &e->addr, port, p, n);
		break;
	case S6UDP_N_RESOLVING:
		enqueue(u, e, port, p, n);
		break;
	default:
		u->up.dropped++;
		break;
	}
}

void s6udp_names_free(srv_s6udp *u)
{
	for (size_t i = 0; i < S6UDP_NAMES_MAX; i++) {
		srv_lookup_cancel(&u->names[i].lk);
		drop_pending(u, &u->names[i], false);
		u->names[i].state = S6UDP_N_FREE;
	}
}
