/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One datagram flow (eng_cip_udp.h): a tunnel scoped to one destination
 * and the association's IP protocol, on a thread of its own: setup as for
 * TCP (eng_cip_setup.h), then the program's datagrams out as IP packets
 * in DATAGRAM capsules and the proxy's packets back as SOCKS6 Datagrams
 * or Error messages. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "eng_cip_setup.h"
#include "eng_cip_udp.h"
#include "s6_cip_icmp.h"
#include "s6_cip_ippkt.h"
#include "s6_handshake.h"
#include "s6_socks6_udp.h"

/* A packet written to the proxy must leave within this. */
#define ENG_CU_WRITE_MS 5000

struct eng_cu_run {
	struct eng_cu_flow *f;
	struct eng_cip_ctx *x;
	s6_s6_addr target;            /* the destination's address (no name) */
	uint8_t pkt[S6_IPPKT_MTU + S6_CIP_CAPSULE_HEAD_MAX];
	uint8_t msg[S6_SOCKS6_UDP_MSG_MAX];
};

static size_t eng_cu_alen(uint8_t v)
{
	return v == 4 ? 4 : 16;
}

static void eng_cu_addr(s6_s6_addr *out, uint8_t v, const uint8_t *ip)
{
	memset(out, 0, sizeof *out);
	out->type = v == 4 ? S6_SOCKS6_ATYP_IPV4 : S6_SOCKS6_ATYP_IPV6;
	memcpy(out->ip, ip, eng_cu_alen(v));
}

static bool eng_cu_echo(uint8_t proto)
{
	return proto == S6_IPPKT_PROTO_ICMP || proto == S6_IPPKT_PROTO_ICMPV6;
}

/* A UDP datagram or echo reply from the target to the program. */
static void eng_cu_deliver(struct eng_cu_run *r, const s6_ippkt *p)
{
	const struct eng_cu_assoc *a = r->f->a;
	s6_s6_udp_msg m = {.type = S6_SOCKS6_UDP_DATAGRAM, .assoc_id = a->id,
			   .port = eng_cu_echo(p->proto) ? 0 : p->sport,
			   .payload = p->payload, .payload_len = p->payload_len};
	size_t len;

	eng_cu_addr(&m.addr, p->v, p->src);
	if (s6_s6_udp_pack(&m, r->msg, sizeof r->msg, &len) == S6_OK)
		(void)!sendto(a->ufd, r->msg, len, MSG_DONTWAIT, (const struct sockaddr *)&a->prog,
			      a->prog_len);
}

/* An ICMP error quoting one of our packets: an Error message (the draft
 * has no code for port unreachable: that one is dropped, as a SOCKS6
 * proxy drops it). The one place that reads ICMP errors. */
static void eng_cu_icmp_error(struct eng_cu_run *r, const uint8_t *pkt, size_t len)
{
	const struct eng_cu_assoc *a = r->f->a;
	s6_icmp_info ii;
	const char *why = NULL;
	s6_s6_addr dst, rep;

	if (s6_icmp_classify(pkt, len, &ii, &why) != S6_OK || ii.proto != a->rec.ipproto ||
	    memcmp(ii.dst, r->x->target.a, eng_cu_alen(ii.version)) != 0 || !ii.has_ports ||
	    ii.sport != a->sport || ii.err == ECONNREFUSED)
		return;
	char who[INET6_ADDRSTRLEN];
	eng_cu_addr(&dst, ii.version, ii.dst);
	eng_cu_addr(&rep, ii.version, ii.reporter);
	inet_ntop(ii.version == 4 ? AF_INET : AF_INET6, ii.reporter, who, sizeof who);
	eng_log("connect-ip %s: ICMP error from %s: %s", r->x->rec.target, who, strerror(ii.err));
	eng_cu_send_error(a, &dst, eng_cu_echo(ii.proto) ? 0 : ii.dport, ii.err, &rep);
}

/* One packet from the proxy (eng_cip_caps on_packet). */
static void eng_cu_packet(void *arg, const uint8_t *pkt, size_t len)
{
	struct eng_cu_run *r = arg;
	const struct eng_cu_assoc *a = r->f->a;
	const struct eng_cip_ip *loc = &r->x->local, *tgt = &r->x->target;
	const char *why = NULL;
	s6_ippkt p;

	if (s6_ippkt_parse(pkt, len, &p, &why) != S6_OK || p.v != loc->v ||
	    memcmp(p.dst, loc->a, eng_cu_alen(p.v)) != 0)
		return; /* broken, or not for our address */
	bool icmp = p.proto == (p.v == 4 ? S6_IPPKT_PROTO_ICMP : S6_IPPKT_PROTO_ICMPV6);
	bool echo_reply = icmp && p.payload && p.icmp_type == (p.v == 4 ? 0 : 129);
	if (icmp && !echo_reply) {
		eng_cu_icmp_error(r, pkt, len);
		return;
	}
	if (p.proto != a->rec.ipproto || memcmp(p.src, tgt->a, eng_cu_alen(p.v)) != 0 ||
	    p.dport != a->sport || !p.payload)
		return; /* only the flow's own traffic reaches the program */
	eng_cu_deliver(r, &p);
}

/* One datagram of the program out as a packet in a DATAGRAM capsule;
 * false when the tunnel broke. */
static bool eng_cu_send(struct eng_cu_run *r, const struct eng_cu_dgram *d)
{
	const struct eng_cu_assoc *a = r->f->a;
	s6_ippkt_flow fl = {.v = r->x->local.v, .proto = a->rec.ipproto, .sport = a->sport,
			    .dport = d->dport};
	size_t hl = 0, n = 0, head = S6_CIP_CAPSULE_HEAD_MAX;
	s6_err err;

	memcpy(fl.src, r->x->local.a, 16);
	memcpy(fl.dst, r->x->target.a, 16);
	if (eng_cu_echo(fl.proto))
		err = s6_ippkt_echo_build(&fl, ENG_CU_HOP_LIMIT, d->data, d->len, S6_IPPKT_MTU,
					  r->pkt + head, sizeof r->pkt - head, &n);
	else
		err = s6_ippkt_udp_build(&fl, ENG_CU_HOP_LIMIT, d->data, d->len, S6_IPPKT_MTU,
					 r->pkt + head, sizeof r->pkt - head, &n);
	if (err != S6_OK) {
		/* Never truncated, never fragmented: the program learns EMSGSIZE. */
		if (err == S6_ERR_TOO_LONG)
			eng_cu_send_error(a, &r->target, d->dport, EMSGSIZE, NULL);
		return true;
	}
	uint8_t h[S6_CIP_CAPSULE_HEAD_MAX];
	if (s6_cip_datagram_head_encode(a->rec.mode, 0, n, h, sizeof h, &hl) != S6_OK)
		return true;
	memcpy(r->pkt + head - hl, h, hl);
	return eng_cip_tx_write_all(&r->x->tx, r->pkt + head - hl, hl + n,
				    s6_now_ms() + ENG_CU_WRITE_MS);
}

/* The queue, taken whole; NULL when empty or stopping (*stop). */
static struct eng_cu_dgram *eng_cu_take(struct eng_cu_flow *f, bool *stop)
{
	uint64_t v;

	(void)!read(f->wakefd, &v, sizeof v);
	pthread_mutex_lock(&f->mu);
	struct eng_cu_dgram *q = f->q;
	f->q = NULL;
	f->qtail = &f->q;
	f->qn = f->qbytes = 0;
	*stop = f->stop;
	pthread_mutex_unlock(&f->mu);
	return q;
}

static bool eng_cu_flush(struct eng_cu_run *r, bool *stop)
{
	struct eng_cu_dgram *q = eng_cu_take(r->f, stop);
	bool ok = true;

	while (q) {
		struct eng_cu_dgram *next = q->next;
		if (ok && !*stop)
			ok = eng_cu_send(r, q);
		free(q);
		q = next;
	}
	return ok;
}

/* Capsules from the proxy until it has nothing more now; false at its
 * end or on a malformed capsule. */
static bool eng_cu_read(struct eng_cu_run *r)
{
	struct eng_cip_caps *c = &r->x->caps;
	char why[S6_ENG_REASON_MAX + 1];

	for (;;) {
		if (!eng_cip_caps_feed(c, NULL, why, sizeof why)) {
			eng_log("%s", why);
			return false;
		}
		ssize_t n = eng_cip_tx_read(&r->x->tx, c->in + c->in_len, sizeof c->in - c->in_len);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
}

/* The tunnel is up: relay until it ends or the association stops it. */
static void eng_cu_relay(struct eng_cu_run *r)
{
	bool stop = false;

	r->x->caps.on_packet = eng_cu_packet;
	r->x->caps.on_packet_arg = r;
	if (!eng_cu_read(r) || !eng_cu_flush(r, &stop))
		return;
	while (!stop) {
		struct pollfd p[2] = {{.fd = r->x->tx.fd, .events = eng_cip_tx_events(&r->x->tx, true,
										      false)},
				      {.fd = r->f->wakefd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (p[0].revents && !eng_cu_read(r))
			return;
		if (p[1].revents && !eng_cu_flush(r, &stop))
			return;
	}
}

/* The flow ended: later datagrams learn why, queued ones now. */
static void eng_cu_end(struct eng_cu_flow *f, const s6_s6_addr *target, int err)
{
	bool stop;

	pthread_mutex_lock(&f->mu);
	f->done = true;
	f->err = err;
	f->done_at = s6_now_ms();
	pthread_mutex_unlock(&f->mu);
	for (struct eng_cu_dgram *q = eng_cu_take(f, &stop), *next; q; q = next) {
		next = q->next;
		if (!stop)
			eng_cu_send_error(f->a, target, q->dport, err, NULL);
		free(q);
	}
}

static void eng_cu_prepare(struct eng_cu_run *r)
{
	const struct eng_cu_assoc *a = r->f->a;
	const s6_s6_addr *d = &r->f->dst;

	r->x->h = &a->h;
	r->x->rec = a->rec;
	r->x->rec.port = 1; /* not part of the scope: the proxy never sees it */
	if (d->type == S6_SOCKS6_ATYP_DOMAIN)
		snprintf(r->x->rec.target, sizeof r->x->rec.target, "%s", d->domain);
	else
		inet_ntop(d->type == S6_SOCKS6_ATYP_IPV4 ? AF_INET : AF_INET6, d->ip,
			  r->x->rec.target, sizeof r->x->rec.target);
	r->x->cfd = -1;
	r->x->deadline = s6_now_ms() + ENG_HANDSHAKE_TIMEOUT_S * 1000;
	r->target = *d;
	eng_cip_ctx_init(r->x);
}

static void *eng_cu_flow_main(void *arg)
{
	struct eng_cu_run *r = calloc(1, sizeof *r);
	struct eng_cu_flow *f = arg;
	char a[INET6_ADDRSTRLEN];

	if (!r || !(r->x = calloc(1, sizeof *r->x))) {
		free(r);
		eng_cu_end(f, &f->dst, ENOMEM);
		return NULL;
	}
	r->f = f;
	eng_cu_prepare(r);
	if (!eng_cip_setup(r->x)) {
		eng_log("proxy %s:%u: target %s: %s", f->a->h.host, f->a->h.port, r->x->rec.target,
			r->x->why);
		eng_cu_end(f, &r->target, r->x->err ? r->x->err : EHOSTUNREACH);
	} else {
		eng_cu_addr(&r->target, r->x->target.v, r->x->target.a);
		inet_ntop(r->x->target.v == 4 ? AF_INET : AF_INET6, r->x->target.a, a, sizeof a);
		eng_log("connect-ip %s %s%s%s: tunnel up", f->a->rec.ipproto == 17 ? "udp" : "echo",
			a, r->x->chain[0] ? ", " : "", r->x->chain);
		eng_cu_relay(r);
		eng_cu_end(f, &r->target, ECONNRESET);
	}
	eng_cip_close(r->x);
	explicit_bzero(&r->x->rec, sizeof r->x->rec);
	free(r->x);
	free(r);
	return NULL;
}

struct eng_cu_flow *eng_cu_flow_start(const struct eng_cu_assoc *a, const s6_s6_addr *dst)
{
	struct eng_cu_flow *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->a = a;
	f->dst = *dst;
	f->qtail = &f->q;
	f->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&f->mu, NULL);
	if (f->wakefd < 0 || pthread_create(&f->thread, NULL, eng_cu_flow_main, f) != 0) {
		if (f->wakefd >= 0)
			close(f->wakefd);
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	return f;
}

bool eng_cu_flow_push(struct eng_cu_flow *f, uint16_t dport, const uint8_t *data, size_t len)
{
	struct eng_cu_dgram *d = malloc(sizeof *d + len);
	uint64_t one = 1;
	bool ok;

	if (!d)
		return false;
	d->next = NULL;
	d->dport = dport;
	d->len = len;
	memcpy(d->data, data, len);
	pthread_mutex_lock(&f->mu);
	ok = !f->done && f->qn < ENG_CU_QUEUE_MAX && f->qbytes + len <= ENG_CU_QUEUE_BYTES;
	if (ok) {
		*f->qtail = d;
		f->qtail = &d->next;
		f->qn++;
		f->qbytes += len;
	}
	pthread_mutex_unlock(&f->mu);
	if (!ok)
		free(d);
	else
		(void)!write(f->wakefd, &one, sizeof one);
	return ok;
}

void eng_cu_flow_free(struct eng_cu_flow *f)
{
	uint64_t one = 1;
	bool stop;

	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_mutex_unlock(&f->mu);
	(void)!write(f->wakefd, &one, sizeof one);
	pthread_join(f->thread, NULL);
	for (struct eng_cu_dgram *q = eng_cu_take(f, &stop), *next; q; q = next) {
		next = q->next;
		free(q);
	}
	close(f->wakefd);
	pthread_mutex_destroy(&f->mu);
	free(f);
}
