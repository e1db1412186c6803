/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS inside a UDP association: a Datagram to 0.0.0.0 or :: port 53 is not
 * sent anywhere; it is a query for the server's resolver, as a CONNECT to
 * that address is the DNS service over TCP (srv_s6_dns.c, "DNS provided by
 * SOCKS"). The answer comes back as a Datagram from that same address and
 * port, so the client can tell it from remote traffic (socks6ify's shim
 * shows it as coming from the nameserver the program asked). Up to
 * S6UDP_DNS_INFLIGHT queries run at once on the resolver's workers; more
 * are dropped, as a busy nameserver drops UDP. A query the resolver cannot
 * answer gets SERVFAIL; something that is not a query is dropped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "s6_log.h"
#include "srv_s6_dns.h"
#include "srv_s6_dns_msg.h"
#include "srv_s6_udp_int.h"

#define DNS_PORT 53

/* The worker's input and output: one malloc block (srv_resolve_run). */
typedef struct dns_udp_work {
	size_t qlen;
	int alen;                       /* -1: the resolver failed */
	uint8_t ans[SRV_DNS_MSG_MAX];
	uint8_t q[];
} dns_udp_work;

static void dns_udp_run(void *arg)
{
	dns_udp_work *w = arg;

	w->alen = srv_s6dns_nsend(w->q, w->qlen, w->ans, sizeof w->ans);
}

/* The answer (or SERVFAIL) as a Datagram from the address asked. */
static void dns_udp_reply(srv_s6udp *u, uint8_t atyp, const dns_udp_work *w)
{
	uint8_t hdr[S6_SOCKS6_UDP_DGRAM_FIXED_LEN + 16], sf[SRV_DNS_HDR_LEN + 512];
	s6_s6_addr from = {.type = atyp};
	const uint8_t *a = w->ans;
	size_t alen = w->alen > 0 ? (size_t)w->alen : 0, hlen;
	char desc[96];

	srv_dns_describe(w->q, w->qlen, desc, sizeof desc);
	if (!alen) {
		u->dns_failed++;
		a = sf;
		if (srv_dns_servfail(w->q, w->qlen, sf, sizeof sf, &alen) != S6_OK)
			return;
	}
	if (s6_s6_udp_datagram_header_pack(u->id, &from, DNS_PORT, alen, hdr, sizeof hdr,
					   &hlen) != S6_OK || !s6udp_to_client(u, hdr, hlen, a, alen)) {
		u->down.dropped++;
		return;
	}
	s6udp_touch(u);
	u->down.dgrams++;
	u->down.bytes += alen;
	s6_log(S6_LOG_DEBUG, "%s: socks6-udp assoc=%s dns query %s: %s, %zu bytes",
	       u->c->peer_str, u->idhex, desc,
	       w->alen > 0 ? "answered" : "resolver failed, SERVFAIL", alen);
}

static void dns_udp_done(void *owner, void *arg)
{
	s6udp_dns_slot *s = owner;

	s->job = NULL;
	if (!s->u->ending)
		dns_udp_reply(s->u, s->atyp, arg);
	free(arg);
}

void s6udp_dns_query(srv_s6udp *u, const s6_s6_udp_msg *m)
{
	s6udp_dns_slot *s = NULL;
	dns_udp_work *w;

	for (unsigned i = 0; i < S6UDP_DNS_INFLIGHT && !s; i++)
		if (!u->dns[i].job)
			s = &u->dns[i];
	if (!s || !srv_dns_is_query(m->payload, m->payload_len) ||
	    !(w = malloc(sizeof *w + m->payload_len))) {
		u->up.dropped++;
		return;
	}
	w->qlen = m->payload_len;
	w->alen = -1;
	memcpy(w->q, m->payload, m->payload_len);
	s->u = u;
	s->atyp = m->addr.type;
	s->job = srv_resolve_run(u->c->srv->resolver, dns_udp_run, w, dns_udp_done, s);
	if (!s->job) {
		free(w);
		u->up.dropped++;
		return;
	}
	u->dns_queries++;
	u->up.dgrams++;
	u->up.bytes += m->payload_len;
}

void s6udp_dns_free(srv_s6udp *u)
{
	for (unsigned i = 0; i < S6UDP_DNS_INFLIGHT; i++) {
		if (u->dns[i].job)
			srv_resolve_cancel(u->c->srv->resolver, u->dns[i].job);
		u->dns[i].job = NULL;
	}
}
