/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 UDP ASSOCIATE: the association's UDP socket, forwarding in both
 * directions, the idle limit and the end. See srv_s6_udp_int.h for the
 * layout of the module. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "s6_log.h"
#include "srv_s6_udp_int.h"

/* ---- addresses */

bool s6udp_addr_from_sa(const struct sockaddr_storage *sa, s6_s6_addr *out,
			uint16_t *port)
{
	struct sockaddr_storage ss;

	s6_addr_unmap((const struct sockaddr *)sa, &ss);
	memset(out, 0, sizeof *out);
	*port = s6_addr_port((struct sockaddr *)&ss);
	if (ss.ss_family == AF_INET) {
		out->type = S6_SOCKS6_ATYP_IPV4;
		memcpy(out->ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		return true;
	}
	if (ss.ss_family == AF_INET6) {
		out->type = S6_SOCKS6_ATYP_IPV6;
		memcpy(out->ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* A destination in the socket's family (IPv4 as v4-mapped on a dual-stack
 * socket). False when the socket cannot reach it. */
static bool dest_for_socket(const srv_s6udp *u, const struct sockaddr_storage *in,
			    uint16_t port, struct sockaddr_storage *out, socklen_t *len)
{
	struct sockaddr_in6 *o6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof *out);
	if (in->ss_family == u->family) {
		memcpy(out, in, in->ss_family == AF_INET ?
		       sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	} else if (in->ss_family == AF_INET && u->family == AF_INET6) {
		o6->sin6_family = AF_INET6;
		o6->sin6_addr.s6_addr[10] = o6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&o6->sin6_addr.s6_addr[12],
		       &((const struct sockaddr_in *)in)->sin_addr, 4);
	} else {
		return false;
	}
	if (out->ss_family == AF_INET)
		((struct sockaddr_in *)out)->sin_port = htons(port);
	else
		o6->sin6_port = htons(port);
	*len = s6_addr_len((struct sockaddr *)out);
	return true;
}

static bool same_sa(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	socklen_t la = s6_addr_len((const struct sockaddr *)a);

	return la && la == s6_addr_len((const struct sockaddr *)b) &&
	       s6_addr_port((const struct sockaddr *)a) ==
	       s6_addr_port((const struct sockaddr *)b) &&
	       (a->ss_family == AF_INET ?
		!memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			&((const struct sockaddr_in *)b)->sin_addr, 4) :
		!memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			&((const struct sockaddr_in6 *)b)->sin6_addr, 16));
}

/* ---- activity and the end */

void s6udp_touch(srv_s6udp *u)
{
	u->last_activity = srv_now_ms();
}

void s6udp_idle_expired(srv_timer *t)
{
	srv_s6udp *u = t->owner;
	unsigned idle_ms = u->c->srv->cfg.idle_ms;
	uint64_t quiet = srv_now_ms() - u->last_activity;

	/* Re-armed here only, not on every datagram. */
	if (quiet < idle_ms) {
		srv_timer_arm(u->c->srv->loop, &u->idle, idle_ms - quiet);
		return;
	}
	s6udp_end(u, u->channel == S6UDP_CH_NONE ?
		  "no datagram from the client (idle timeout)" : "idle timeout");
}

void s6udp_end(srv_s6udp *u, const char *why)
{
	srv_loop *l = u->c->srv->loop;

	if (u->ending)
		return;
	u->ending = true;
	u->end_why = why;
	srv_watch_set(l, &u->udp, 0);
	srv_watch_set(l, &u->c->client, 0);
	srv_timer_arm(l, &u->kick, 0);
}

void s6udp_close_now(srv_s6udp *u)
{
	s6_log(S6_LOG_DEBUG, "%s: socks6-udp assoc=%s: %s", u->c->peer_str,
	       u->idhex, u->end_why);
	srv_conn_close(u->c);
}

/* ---- to the client and to remote hosts */

bool s6udp_to_client(srv_s6udp *u, const uint8_t *hdr, size_t hlen,
		     const uint8_t *body, size_t blen)
{
	struct iovec iov[2] = {
		{.iov_base = (void *)hdr, .iov_len = hlen},
		{.iov_base = (void *)body, .iov_len = blen},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	if (u->channel == S6UDP_CH_TCP) {
		if (s6udp_tcp_room(u) < hlen + blen)
			return false;
		return s6udp_tcp_send(u, hdr, hlen) &&
		       (blen == 0 || s6udp_tcp_send(u, body, blen));
	}
	if (u->channel != S6UDP_CH_UDP)
		return false;
	mh.msg_name = &u->client_udp;
	mh.msg_namelen = s6_addr_len((struct sockaddr *)&u->client_udp);
	do
		n = sendmsg(u->udp.fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	/* EAGAIN, EMSGSIZE, an ICMP error for the client: the datagram is
	 * lost, as UDP may lose it. */
	return n >= 0;
}

void s6udp_send_remote(srv_s6udp *u, const struct sockaddr_storage *dst,
		       uint16_t port, const uint8_t *p, size_t n)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	ssize_t r;

	if (!dest_for_socket(u, dst, port, &to, &tolen)) {
		u->up.dropped++;
		return;
	}
	do
		r = sendto(u->udp.fd, p, n, MSG_DONTWAIT, (struct sockaddr *)&to, tolen);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		u->up.dropped++;
		return;
	}
	u->up.dgrams++;
	u->up.bytes += n;
}

static bool ip_to_sa(const s6_s6_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->type == S6_SOCKS6_ATYP_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->ip, 4);
		return true;
	}
	if (a->type == S6_SOCKS6_ATYP_IPV6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, a->ip, 16);
		return true;
	}
	return false;
}

void s6udp_client_datagram(srv_s6udp *u, const s6_s6_udp_msg *m)
{
	struct sockaddr_storage dst;

	s6udp_touch(u);
	/* The unspecified address, port 53: a query for our resolver, as a
	 * CONNECT there is the DNS service. */
	if (m->port == 53 && s6_s6_addr_is_unspecified(&m->addr) &&
	    m->addr.type != S6_SOCKS6_ATYP_DOMAIN) {
		s6udp_dns_query(u, m);
		return;
	}
	/* Address and port zero: only a confirmation ("Proxying UDP
	 * servers"); nothing to forward. Port 0 cannot be sent to anyway. */
	if (m->port == 0 || s6_s6_addr_is_unspecified(&m->addr))
		return;
	if (m->addr.type == S6_SOCKS6_ATYP_DOMAIN) {
		s6udp_names_send(u, m->addr.domain, m->port, m->payload, m->payload_len);
		return;
	}
	if (ip_to_sa(&m->addr, m->port, &dst))
		s6udp_send_remote(u, &dst, m->port, m->payload, m->payload_len);
}

/* ---- the UDP socket */

void s6udp_confirm(srv_s6udp *u, enum s6udp_channel ch,
		   const struct sockaddr_storage *from)
{
	s6_s6_udp_msg m = {.type = S6_SOCKS6_UDP_ASSOC_CONFIRM, .assoc_id = u->id};
	uint8_t msg[S6_SOCKS6_UDP_HDR_LEN];
	struct sockaddr_storage shown;
	char buf[S6_ADDR_STR_MAX] = "";
	size_t len;

	u->channel = ch;
	if (from) {
		u->client_udp = *from;
		s6_addr_unmap((const struct sockaddr *)from, &shown);
		s6_addr_format((struct sockaddr *)&shown, buf, sizeof buf);
	}
	if (s6_s6_udp_pack(&m, msg, sizeof msg, &len) != S6_OK ||
	    !s6udp_tcp_send(u, msg, len)) {
		s6udp_end(u, "cannot queue the confirmation");
		return;
	}
	s6_log(S6_LOG_DEBUG, "%s: socks6-udp assoc=%s confirmed over %s%s",
	       u->c->peer_str, u->idhex, ch == S6UDP_CH_TCP ? "TCP" : "UDP from ", buf);
	s6udp_update_udp_interest(u);
}

/* One datagram that came from a remote host: to the client, prefixed. */
static void from_remote(srv_s6udp *u, const struct sockaddr_storage *from,
			const uint8_t *p, size_t n)
{
	uint8_t hdr[S6_SOCKS6_UDP_DGRAM_FIXED_LEN + 16];
	s6_s6_addr a;
	uint16_t port;
	size_t hlen;

	if (!s6udp_addr_from_sa(from, &a, &port) ||
	    s6_s6_udp_datagram_header_pack(u->id, &a, port, n, hdr, sizeof hdr,
					   &hlen) != S6_OK ||
	    !s6udp_to_client(u, hdr, hlen, p, n)) {
		u->down.dropped++;
		return;
	}
	s6udp_touch(u);
	u->down.dgrams++;
	u->down.bytes += n;
}

/* Who sent it: the client (its confirmed source, or a first Datagram with
 * our ID), or a remote host. Messages with our ID that do not match the
 * mapping are dropped (draft: "silently dropped"), as is anything before
 * the association is confirmed. */
static void one_datagram(srv_s6udp *u, const struct sockaddr_storage *from,
			 const uint8_t *p, size_t n)
{
	bool from_client = u->channel == S6UDP_CH_UDP && same_sa(from, &u->client_udp);
	s6_s6_udp_msg m;
	size_t used, need;
	bool ours = s6_s6_udp_parse(p, n, &m, &used, &need) == S6_OK &&
		    m.type == S6_SOCKS6_UDP_DATAGRAM && m.assoc_id == u->id;

	if (from_client) {
		/* Anything else from the client is ignored (padding after
		 * LENGTH is allowed, a LENGTH past the end is not). */
		if (ours)
			s6udp_client_datagram(u, &m);
		return;
	}
	if (ours && u->channel == S6UDP_CH_NONE) {
		s6udp_confirm(u, S6UDP_CH_UDP, from);
		if (!u->ending)
			s6udp_client_datagram(u, &m);
		return;
	}
	if (!ours && u->channel != S6UDP_CH_NONE)
		from_remote(u, from, p, n);
	else if (ours)
		u->up.dropped++;    /* our ID, but not the mapped source */
}

void s6udp_udp_event(srv_watch *w, uint32_t events)
{
	srv_s6udp *u = w->owner;

	if (u->ending)
		return;
	if (events & EPOLLERR)
		s6udp_icmp_drain(u);
	for (unsigned i = 0; i < S6UDP_RX_BURST && !u->ending; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(w->fd, u->rx, S6UDP_RX_MAX, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* Other errors are a reported ICMP error (IP_RECVERR) or
		 * EINTR: the socket is still fine. */
		if (n < 0)
			continue;
		one_datagram(u, &from, u->rx, (size_t)n);
		/* The stream is full: leave the rest in the kernel's buffer. */
		if (u->channel == S6UDP_CH_TCP && s6udp_tcp_room(u) < S6UDP_RX_MAX)
			break;
	}
	s6udp_update_udp_interest(u);
}

void s6udp_update_udp_interest(srv_s6udp *u)
{
	uint32_t ev = EPOLLIN;

	if (u->ending)
		return;
	/* Back-pressure: with the stream as channel, read remote datagrams
	 * only when a full-size one would fit. */
	if (u->channel == S6UDP_CH_TCP && s6udp_tcp_room(u) < S6UDP_RX_MAX)
		ev = 0;
	if (!srv_watch_set(u->c->srv->loop, &u->udp, ev))
		s6udp_end(u, "epoll failed");
}
