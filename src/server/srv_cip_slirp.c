/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One libslirp instance per CONNECT-IP tunnel, driven by the server's
 * epoll loop (no thread): slirp's sockets go into a small epoll set of
 * the tunnel's own, whose descriptor is one watch of the main loop; a
 * loop timer covers slirp's timeouts and timers. After every call into
 * slirp the set is brought up to date from slirp_pollfds_fill, and when
 * the set or the timer fires, poll(2) with a zero timeout gives slirp the
 * events of its descriptors.
 *
 * slirp speaks Ethernet: packets from the client get a frame header, and
 * slirp's ARP requests and IPv6 neighbour solicitations for the client's
 * address are answered here, so that only IP packets addressed to the
 * client leave towards it. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <libslirp.h>

#include "s6_bytes.h"
#include "s6_log.h"
#include "srv_cip_int.h"

#define SL_FDS_MAX 256
#define SL_TIMERS_MAX 4
#define ETH_HLEN 14
#define FRAME_MAX (ETH_HLEN + 65536)

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t host_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

typedef struct sl_timer {
	bool used;
	int64_t expire_ms;        /* -1: not armed */
	SlirpTimerId id;
	void *cb_opaque;
} sl_timer;

struct srv_cip_slirp {
	Slirp *slirp;
	srv_loop *loop;
	int epfd;
	srv_watch watch;
	srv_timer timer;
	srv_cip_out_fn out;
	void *owner;
	uint8_t a4[4], a6[16];
	struct pollfd pfd[SL_FDS_MAX];
	int npfd;
	int reg[SL_FDS_MAX];      /* descriptors in epfd */
	short regev[SL_FDS_MAX];  /* and the events they are registered with */
	int nreg;
	uint32_t timeout;
	bool kick;                /* a neighbour answered: see sync_set */
	sl_timer timers[SL_TIMERS_MAX];
	uint8_t frame[FRAME_MAX];
};

static int64_t now_ns(void *opaque)
{
	return (int64_t)srv_now_ms() * 1000000;
}

static void *timer_new(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	srv_cip_slirp *s = opaque;

	for (int i = 0; i < SL_TIMERS_MAX; i++)
		if (!s->timers[i].used) {
			s->timers[i] = (sl_timer){ true, -1, id, cb_opaque };
			return &s->timers[i];
		}
	return NULL;
}

static void timer_free(void *t, void *opaque)
{
	if (t)
		((sl_timer *)t)->used = false;
}

static void timer_mod(void *t, int64_t expire_ms, void *opaque)
{
	if (t)
		((sl_timer *)t)->expire_ms = expire_ms;
}

static void guest_error(const char *msg, void *opaque)
{
	s6_log(S6_LOG_DEBUG, "connect-ip slirp: %s", msg);
}

/* slirp opened or closed a socket: see sync_fds. */
static void fd_changed(int fd, void *opaque)
{
	srv_cip_slirp *s = opaque;

	for (int i = 0; i < s->nreg; i++)
		s->regev[i] = -1;
}
static void nop_notify(void *opaque) {}

static void reply_frame(srv_cip_slirp *s, uint8_t *f, size_t n, uint16_t type)
{
	memcpy(f, host_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	s6_put_u16be(f + 12, type);
	slirp_input(s->slirp, f, (int)n);
}

/* ARP request for the client's IPv4 address: answer with the guest MAC. */
static void arp(srv_cip_slirp *s, const uint8_t *f, size_t n)
{
	uint8_t r[ETH_HLEN + 28];
	const uint8_t *a = f + ETH_HLEN;

	if (n < ETH_HLEN + 28 || s6_get_u16be(a + 6) != 1 || memcmp(a + 24, s->a4, 4) != 0)
		return;
	memcpy(r + ETH_HLEN, a, 8);
	s6_put_u16be(r + ETH_HLEN + 6, 2);
	memcpy(r + ETH_HLEN + 8, guest_mac, 6);
	memcpy(r + ETH_HLEN + 14, s->a4, 4);
	memcpy(r + ETH_HLEN + 18, a + 8, 10);     /* sender becomes target */
	reply_frame(s, r, sizeof r, 0x0806);
	s->kick = true;
}

static uint16_t cksum6(const uint8_t *ip, const uint8_t *icmp, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 8; i < 40; i += 2)
		sum += s6_get_u16be(ip + i);
	sum += (uint32_t)len + 58;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += s6_get_u16be(icmp + i);
	if (len & 1)
		sum += (uint32_t)icmp[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Neighbour solicitation for the client's IPv6 address: advertisement. */
static void ndp(srv_cip_slirp *s, const uint8_t *ip, size_t n)
{
	uint8_t r[ETH_HLEN + 40 + 32];
	uint8_t *o = r + ETH_HLEN, *icmp = o + 40;

	if (n < 40 + 24 || ip[6] != 58 || ip[40] != 135 || memcmp(ip + 48, s->a6, 16) != 0)
		return;
	memset(r, 0, sizeof r);
	o[0] = 0x60;
	s6_put_u16be(o + 4, 32);
	o[6] = 58;
	o[7] = 255;
	memcpy(o + 8, s->a6, 16);
	memcpy(o + 24, ip + 8, 16);
	icmp[0] = 136;
	icmp[4] = 0x60;                  /* solicited, override */
	memcpy(icmp + 8, s->a6, 16);
	icmp[24] = 2;                    /* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, guest_mac, 6);
	s6_put_u16be(icmp + 2, cksum6(o, icmp, 32));
	reply_frame(s, r, sizeof r, 0x86dd);
	s->kick = true;
}

static bool to_guest(const srv_cip_slirp *s, const uint8_t *ip, size_t n, bool v6)
{
	if (!v6)
		return n >= 20 && ip[0] >> 4 == 4 && memcmp(ip + 16, s->a4, 4) == 0;
	/* Router advertisements and other NDP stay here. */
	if (n >= 41 && ip[6] == 58 && ip[40] >= 133 && ip[40] <= 137)
		return false;
	return n >= 40 && ip[0] >> 4 == 6 && memcmp(ip + 24, s->a6, 16) == 0;
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	srv_cip_slirp *s = opaque;
	const uint8_t *f = buf;
	uint16_t type;
	uint8_t *copy;

	if (len < ETH_HLEN)
		return (ssize_t)len;
	type = s6_get_u16be(f + 12);
	if (type == 0x0806)
		arp(s, f, len);
	else if (type == 0x86dd)
		ndp(s, f + ETH_HLEN, len - ETH_HLEN);
	if ((type == 0x0800 || type == 0x86dd) &&
	    to_guest(s, f + ETH_HLEN, len - ETH_HLEN, type == 0x86dd)) {
		/* The hop-limit update needs a writable copy. */
		copy = malloc(len - ETH_HLEN);
		if (copy) {
			memcpy(copy, f + ETH_HLEN, len - ETH_HLEN);
			s->out(s->owner, copy, len - ETH_HLEN);
			free(copy);
		}
	}
	return (ssize_t)len;
}

static const SlirpCb callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = now_ns,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = fd_changed,
	.unregister_poll_fd = fd_changed,
	.notify = nop_notify,
	.timer_new_opaque = timer_new,
};

/* ---- the loop side */

static int add_poll(int fd, int events, void *opaque)
{
	srv_cip_slirp *s = opaque;
	short ev = 0;

	if (s->npfd >= SL_FDS_MAX)
		return -1;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = ev };
	return s->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	srv_cip_slirp *s = opaque;
	short r;
	int ev = 0;

	if (idx < 0 || idx >= s->npfd)
		return 0;
	r = s->pfd[idx].revents;
	if (r & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (r & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (r & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (r & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (r & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static void fill(srv_cip_slirp *s)
{
	s->npfd = 0;
	s->timeout = UINT32_MAX;
	slirp_pollfds_fill(s->slirp, &s->timeout, add_poll, s);
}

/* Where fd is in l[0..n), or -1. */
static int fd_index(const int *l, int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (l[i] == fd)
			return i;
	return -1;
}

/* Register fd with ev: MOD when it should be in the set (ADD if the kernel
 * dropped it: closed and the number reused), else ADD (MOD if present). */
static void reg_put(srv_cip_slirp *s, int fd, short ev, bool known)
{
	struct epoll_event e = { .events = (uint32_t)ev, .data.fd = fd };
	int first = known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (epoll_ctl(s->epfd, first, fd, &e) == 0 ||
	    epoll_ctl(s->epfd, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &e) == 0)
		return;
	s6_log(S6_LOG_DEBUG, "connect-ip slirp: epoll: %s", strerror(errno));
}

/* The tunnel's epoll set follows the last fill, with epoll_ctl only for
 * what changed: slirp asks for the same few descriptors after nearly every
 * packet, and a call per descriptor per packet cost more than the packet.
 * slirp announces the sockets it opens and closes (register_poll_fd,
 * unregister_poll_fd): that forgets the registrations (regev -1), so a
 * number closed and reused within one call into slirp is registered anew. */
static void sync_fds(srv_cip_slirp *s)
{
	int reg[SL_FDS_MAX], keep = 0;
	short regev[SL_FDS_MAX];

	for (int k = 0; k < s->npfd; k++) {
		int fd = s->pfd[k].fd, i = fd_index(s->reg, s->nreg, fd), j = fd_index(reg, keep, fd);

		if (j >= 0) {                    /* asked for twice: both events */
			if ((regev[j] | s->pfd[k].events) != regev[j])
				reg_put(s, fd, regev[j] |= s->pfd[k].events, true);
			continue;
		}
		if (i < 0 || s->regev[i] != s->pfd[k].events)
			reg_put(s, fd, s->pfd[k].events, i >= 0);
		reg[keep] = fd;
		regev[keep++] = s->pfd[k].events;
	}
	for (int i = 0; i < s->nreg; i++)       /* what slirp no longer asks for */
		if (fd_index(reg, keep, s->reg[i]) < 0)
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->reg[i], NULL);
	memcpy(s->reg, reg, (size_t)keep * sizeof reg[0]);
	memcpy(s->regev, regev, (size_t)keep * sizeof regev[0]);
	s->nreg = keep;
}

/* The epoll set and the timer (the earliest of slirp's timeout and its
 * timers) after a call into slirp. */
static void sync_set(srv_cip_slirp *s)
{
	uint64_t now = srv_now_ms(), wait;

	fill(s);
	wait = s->timeout;
	sync_fds(s);
	for (int i = 0; i < SL_TIMERS_MAX; i++) {
		const sl_timer *t = &s->timers[i];

		if (t->used && t->expire_ms >= 0)
			wait = (uint64_t)t->expire_ms <= now ? 0 :
			       (uint64_t)t->expire_ms - now < wait ? (uint64_t)t->expire_ms - now : wait;
	}
	/* slirp keeps the packet that asked for the neighbour queued until its
	 * next poll: an ICMP error it sends in answer to the first packet
	 * would otherwise wait for the client's next one (seconds, for a SYN). */
	if (s->kick)
		wait = 0;
	s->kick = false;
	if (wait == UINT32_MAX)
		srv_timer_stop(s->loop, &s->timer);
	else
		srv_timer_arm(s->loop, &s->timer, wait);
}

static void step(srv_cip_slirp *s)
{
	uint64_t now = srv_now_ms();
	int r;

	for (int i = 0; i < SL_TIMERS_MAX; i++) {
		sl_timer *t = &s->timers[i];

		if (t->used && t->expire_ms >= 0 && (uint64_t)t->expire_ms <= now) {
			t->expire_ms = -1;
			slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
		}
	}
	fill(s);
	r = poll(s->pfd, (nfds_t)s->npfd, 0);
	slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);
	sync_set(s);
}

static void on_set(srv_watch *w, uint32_t events)
{
	step(w->owner);
}

static void on_timer(srv_timer *t)
{
	step(t->owner);
}

void srv_cip_slirp_input(srv_cip_slirp *s, const uint8_t *pkt, size_t len)
{
	if (len + ETH_HLEN > sizeof s->frame)
		return;
	memcpy(s->frame + ETH_HLEN, pkt, len);
	reply_frame(s, s->frame, len + ETH_HLEN, pkt[0] >> 4 == 6 ? 0x86dd : 0x0800);
	sync_set(s);
}

static void config(SlirpConfig *sc, const srv_cip_config *cfg)
{
	uint32_t net = s6_get_u32be(cfg->pool4.addr);
	uint32_t mask = cfg->pool4.prefix ? ~0u << (32 - cfg->pool4.prefix) : 0;

	memset(sc, 0, sizeof *sc);
	sc->version = 4;
	sc->in_enabled = true;
	sc->vnetwork.s_addr = htonl(net);
	sc->vnetmask.s_addr = htonl(mask);
	sc->vhost.s_addr = htonl(net + 1);
	sc->vdhcp_start.s_addr = htonl(net + 4);
	sc->vnameserver.s_addr = htonl(net + 3);
	sc->in6_enabled = true;
	memcpy(sc->vprefix_addr6.s6_addr, cfg->pool6.addr, 16);
	sc->vprefix_len = cfg->pool6.prefix;
	memcpy(sc->vhost6.s6_addr, cfg->pool6.addr, 16);
	sc->vhost6.s6_addr[15] |= 1;
	memcpy(sc->vnameserver6.s6_addr, cfg->pool6.addr, 16);
	sc->vnameserver6.s6_addr[15] |= 3;
	sc->if_mtu = cfg->mtu;
	sc->if_mru = cfg->mtu;
	sc->disable_host_loopback = true;
	sc->disable_dns = true;
	sc->disable_dhcp = true;
}

srv_cip_slirp *srv_cip_slirp_new(srv_loop *l, const srv_cip_config *cfg,
				 const uint8_t a4[4], const uint8_t a6[16],
				 srv_cip_out_fn out, void *owner)
{
	srv_cip_slirp *s = calloc(1, sizeof *s);
	SlirpConfig sc;

	if (!s)
		return NULL;
	s->loop = l;
	s->out = out;
	s->owner = owner;
	memcpy(s->a4, a4, 4);
	memcpy(s->a6, a6, 16);
	srv_watch_init(&s->watch, on_set, s);
	srv_timer_init(&s->timer, on_timer, s);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	config(&sc, cfg);
	s->slirp = s->epfd >= 0 ? slirp_new(&sc, &callbacks, s) : NULL;
	if (!s->slirp) {
		if (s->epfd >= 0)
			close(s->epfd);
		free(s);
		return NULL;
	}
	srv_watch_attach(&s->watch, s->epfd);
	if (!srv_watch_set(l, &s->watch, EPOLLIN)) {
		srv_cip_slirp_free(s);
		return NULL;
	}
	sync_set(s);
	return s;
}

void srv_cip_slirp_free(srv_cip_slirp *s)
{
	if (!s)
		return;
	srv_timer_stop(s->loop, &s->timer);
	srv_watch_close(s->loop, &s->watch);   /* closes epfd */
	slirp_cleanup(s->slirp);
	free(s);
}
