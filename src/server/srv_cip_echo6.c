/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMPv6 echo of CONNECT-IP tunnels through ping sockets (see
 * srv_cip_echo6.h). The kernel gives each ping socket an identifier of its
 * own and rewrites every request with it, so the sockets are keyed by the
 * client's identifier and the replies get it back (s6_cip_echo6.c). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>	/* before linux/errqueue.h, which uses timespec */
#include <linux/errqueue.h>

#include "s6_cip_echo6.h"
#include "s6_cip_icmp.h"
#include "s6_cip_ippkt.h"
#include "s6_log.h"
#include "srv_cip_echo6.h"

#define E6_BURST 16        /* reads per wakeup: a busy socket cannot hold the loop */
#define V6_HDR 40
#define E6_DEFAULT_HOPS 64

typedef struct e6_sock {
	srv_watch w;        /* w.fd -1: a free slot */
	srv_cip_echo6 *e;
	uint16_t ident;     /* the client's identifier */
	int hops;           /* the hop limit set; 0: the default */
	uint64_t used_ms;   /* the last request */
	uint64_t used_seq;  /* and its place in order (a millisecond holds many) */
} e6_sock;

struct srv_cip_echo6 {
	srv_conn *c;
	srv_cip_out_fn out;
	srv_timer timer;    /* the next idle expiry */
	bool warned;        /* no ping socket: said once per tunnel */
	uint64_t seq;       /* requests so far */
	e6_sock s[SRV_CIP_ECHO6_SOCKS];
	uint8_t quote[S6_ECHO6_ERROR_MAX], err[S6_ECHO6_ERROR_MAX];
	size_t cap;         /* of pkt: the tunnel MTU and one byte to tell a longer reply */
	uint8_t pkt[];      /* a reply, received at pkt + 40 and built in place */
};

static srv_loop *loop_of(const srv_cip_echo6 *e)
{
	return e->c->srv->loop;
}

static void sock_close(e6_sock *s)
{
	srv_watch_close(loop_of(s->e), &s->w);
	s->w.fd = -1;
}

/* The timer follows the socket that has been idle longest. */
static void arm(srv_cip_echo6 *e)
{
	uint64_t oldest = UINT64_MAX, now = srv_now_ms();

	for (int i = 0; i < SRV_CIP_ECHO6_SOCKS; i++)
		if (e->s[i].w.fd >= 0 && e->s[i].used_ms < oldest)
			oldest = e->s[i].used_ms;
	if (oldest == UINT64_MAX)
		srv_timer_stop(loop_of(e), &e->timer);
	else
		srv_timer_arm(loop_of(e), &e->timer, oldest + SRV_CIP_ECHO6_IDLE_MS > now ?
			      oldest + SRV_CIP_ECHO6_IDLE_MS - now : 0);
}

static void on_timer(srv_timer *t)
{
	srv_cip_echo6 *e = t->owner;
	uint64_t now = srv_now_ms();

	for (int i = 0; i < SRV_CIP_ECHO6_SOCKS; i++)
		if (e->s[i].w.fd >= 0 && now - e->s[i].used_ms >= SRV_CIP_ECHO6_IDLE_MS)
			sock_close(&e->s[i]);
	arm(e);
}

/* A reply from the target: back to the client with its identifier. */
static bool read_reply(e6_sock *s)
{
	srv_cip_echo6 *e = s->e;
	srv_cip_st *st = e->c->state;
	struct sockaddr_in6 from;
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
	struct iovec iov = { e->pkt + V6_HDR, e->cap - V6_HDR };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
	int hop = E6_DEFAULT_HOPS;
	ssize_t n = recvmsg(s->w.fd, &mh, MSG_DONTWAIT);
	size_t len;

	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK;  /* a queued error: go on */
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT &&
		    cm->cmsg_len >= CMSG_LEN(sizeof hop))
			memcpy(&hop, CMSG_DATA(cm), sizeof hop);
	/* The hop limit the reply arrived with; the tunnel's encapsulation
	 * (srv_cip_pkt_hop, in out) takes its one off like for every packet. */
	if ((mh.msg_flags & MSG_TRUNC) || hop < 0 || hop > 255 ||
	    s6_echo6_reply_build(from.sin6_addr.s6_addr, st->a6, (uint8_t)hop, s->ident,
				 e->pkt + V6_HDR, (size_t)n, e->c->srv->cfg.cip->mtu, e->pkt,
				 e->cap, &len) != S6_OK) {
		st->dropped++;
		return true;
	}
	e->out(e->c, e->pkt, len);
	return true;
}

/* An ICMPv6 error about one of our requests: the same error to the client. */
static void report(e6_sock *s, const struct sockaddr_in6 *target,
		   const struct sock_extended_err *ee, size_t qlen)
{
	srv_cip_echo6 *e = s->e;
	srv_cip_st *st = e->c->state;
	const struct sockaddr_in6 *off = (const struct sockaddr_in6 *)SO_EE_OFFENDER(ee);
	s6_echo6_err er = { .type = ee->ee_type, .code = ee->ee_code, .info = ee->ee_info,
			    .hop = (uint8_t)(s->hops ? s->hops : E6_DEFAULT_HOPS),
			    .ident = s->ident };
	size_t len;

	memcpy(er.reporter, off->sin6_family == AF_INET6 ? off->sin6_addr.s6_addr :
	       target->sin6_addr.s6_addr, 16);
	memcpy(er.client, st->a6, 16);
	memcpy(er.target, target->sin6_addr.s6_addr, 16);
	if (s6_echo6_error_build(&er, e->quote, qlen, e->err, sizeof e->err, &len) != S6_OK)
		return;
	s6_log(S6_LOG_DEBUG, "%s: connect-ip ICMPv6 error %u/%u for echo %u passed on",
	       e->c->peer_str, er.type, er.code, er.ident);
	e->out(e->c, e->err, len);
}

static bool read_error(e6_sock *s)
{
	struct sockaddr_in6 target;
	/* The error, and the hop limit (IPV6_RECVHOPLIMIT covers the queue too). */
	union {
		char b[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6)) +
		       CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { s->e->quote, sizeof s->e->quote };
	struct msghdr mh = { .msg_name = &target, .msg_namelen = sizeof target, .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
	ssize_t n;

	memset(&target, 0, sizeof target);
	n = recvmsg(s->w.fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return false;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		const struct sock_extended_err *ee = (const void *)CMSG_DATA(cm);

		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR &&
		    cm->cmsg_len >= CMSG_LEN(sizeof *ee + sizeof(struct sockaddr_in6)) &&
		    ee->ee_origin == SO_EE_ORIGIN_ICMP6 && target.sin6_family == AF_INET6)
			report(s, &target, ee, (size_t)n);
	}
	return true;
}

static void on_event(srv_watch *w, uint32_t events)
{
	e6_sock *s = w->owner;
	int i;

	if (events & EPOLLERR)
		for (i = 0; i < E6_BURST && read_error(s); i++)
			;
	for (i = 0; i < E6_BURST && read_reply(s); i++)
		;
}

/* A socket for the client's identifier: a new one in a free slot, or in
 * the least recently used one's. NULL (errno set) when none can be made. */
static e6_sock *sock_open(srv_cip_echo6 *e, uint16_t ident)
{
	e6_sock *s = &e->s[0];
	int one = 1, fd;

	for (int i = 0; i < SRV_CIP_ECHO6_SOCKS && s->w.fd >= 0; i++)
		if (e->s[i].w.fd < 0 || e->s[i].used_seq < s->used_seq)
			s = &e->s[i];
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return NULL;
	if (s->w.fd >= 0)
		sock_close(s);
	/* Errors queue only with IPV6_RECVERR; the hop limit of replies. */
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
	*s = (e6_sock){ .e = e, .ident = ident };
	srv_watch_init(&s->w, on_event, s);
	srv_watch_attach(&s->w, fd);
	if (!srv_watch_set(loop_of(e), &s->w, EPOLLIN)) {
		sock_close(s);
		return NULL;
	}
	s6_log(S6_LOG_DEBUG, "%s: connect-ip ping socket for ICMPv6 echo %u", e->c->peer_str,
	       ident);
	return s;
}

/* The request leaves with the hop limit it arrived with (decapsulation
 * takes nothing off, RFC 9484 section 4.3): set on the socket when it
 * changes, as ping sockets take no per-packet hop limit. Multicast never
 * gets here (forwardable). */
static void set_hops(e6_sock *s, uint8_t hop)
{
	int v = hop;

	if (s->hops != v &&
	    setsockopt(s->w.fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof v) == 0)
		s->hops = v;
}

/* The ICMPv6 error a failed send owes the client, or -1. */
static int send_error(int err)
{
	switch (err) {
	case ENETUNREACH:
		return S6_ICMP_R_NO_ROUTE;
	case EHOSTUNREACH:
		return S6_ICMP_R_HOST;
	case EACCES:
	case EPERM:
		return S6_ICMP_R_PROHIBITED;
	default:
		return -1;
	}
}

static void send_request(e6_sock *s, const s6_ippkt *p, const uint8_t *pkt, size_t len)
{
	srv_cip_echo6 *e = s->e;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	int reason;

	memcpy(to.sin6_addr.s6_addr, p->dst, 16);
	set_hops(s, p->hop);
	s->used_ms = srv_now_ms();
	s->used_seq = ++e->seq;
	if (sendto(s->w.fd, p->payload, p->payload_len, MSG_DONTWAIT,
		   (const struct sockaddr *)&to, sizeof to) >= 0)
		return;
	reason = send_error(errno);
	((srv_cip_st *)e->c->state)->dropped++;
	s6_log(S6_LOG_DEBUG, "%s: connect-ip ICMPv6 echo %u not sent: %s", e->c->peer_str,
	       s->ident, strerror(errno));
	if (reason >= 0)
		srv_cip_icmp_send(e->c, pkt, len, reason);
}

/* No ping socket: one clear line per tunnel, and the client learns at
 * once (administratively prohibited) instead of timing out. */
static void no_socket(srv_cip_echo6 *e, const uint8_t *pkt, size_t len)
{
	if (!e->warned)
		s6_log(S6_LOG_ERROR, "%s: connect-ip cannot forward ICMPv6 echo: no ping socket "
		       "(%s); the server's group must be in net.ipv4.ping_group_range",
		       e->c->peer_str, strerror(errno));
	e->warned = true;
	((srv_cip_st *)e->c->state)->dropped++;
	srv_cip_icmp_send(e->c, pkt, len, S6_ICMP_R_PROHIBITED);
}

/* A destination a router forwards to: not unspecified or loopback, not
 * IPv4-mapped, link-local or multicast (the proxy's own links are none of
 * the client's business; RFC 4291 2.5.2, 2.5.3, 2.5.6). */
static bool forwardable(const uint8_t d[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t i = 0;

	while (i < 15 && d[i] == 0)
		i++;
	if (i == 15 && d[15] <= 1)
		return false;
	return memcmp(d, mapped, sizeof mapped) != 0 && d[0] != 0xff &&
	       !(d[0] == 0xfe && (d[1] & 0xc0) == 0x80);
}

bool srv_cip_echo6_input(srv_cip_echo6 *e, const uint8_t *pkt, size_t len)
{
	s6_ippkt p;
	const char *why;
	e6_sock *s = NULL;

	/* TCP and UDP, the bulk, go on without a look at their checksums. */
	if (!e || len < V6_HDR || pkt[0] >> 4 != 6 || pkt[6] == 6 || pkt[6] == 17 ||
	    s6_ippkt_parse(pkt, len, &p, &why) != S6_OK || p.proto != S6_IPPKT_PROTO_ICMPV6 ||
	    p.icmp_type != S6_ECHO6_REQUEST || !p.payload || p.payload[1] != 0)
		return false;
	if (!forwardable(p.dst)) {
		((srv_cip_st *)e->c->state)->dropped++;
		srv_cip_icmp_send(e->c, pkt, len, S6_ICMP_R_PROHIBITED);
		return true;
	}
	for (int i = 0; i < SRV_CIP_ECHO6_SOCKS && !s; i++)
		if (e->s[i].w.fd >= 0 && e->s[i].ident == p.sport)
			s = &e->s[i];
	if (!s)
		s = sock_open(e, p.sport);
	if (!s) {
		no_socket(e, pkt, len);
		return true;
	}
	send_request(s, &p, pkt, len);
	if (!srv_timer_armed(&e->timer))
		arm(e);
	return true;
}

srv_cip_echo6 *srv_cip_echo6_new(srv_conn *c, srv_cip_out_fn out)
{
	size_t cap = c->srv->cfg.cip->mtu + 1;
	srv_cip_echo6 *e = calloc(1, sizeof *e + cap);

	if (!e)
		return NULL;
	e->cap = cap;
	e->c = c;
	e->out = out;
	srv_timer_init(&e->timer, on_timer, e);
	for (int i = 0; i < SRV_CIP_ECHO6_SOCKS; i++)
		srv_watch_init(&e->s[i].w, on_event, &e->s[i]);
	return e;
}

void srv_cip_echo6_free(srv_cip_echo6 *e)
{
	if (!e)
		return;
	for (int i = 0; i < SRV_CIP_ECHO6_SOCKS; i++)
		if (e->s[i].w.fd >= 0)
			sock_close(&e->s[i]);
	srv_timer_stop(loop_of(e), &e->timer);
	free(e);
}
