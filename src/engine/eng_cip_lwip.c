/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lwIP side of a CONNECT-IP tunnel: one netif and one TCP connection
 * per tunnel in the engine's single lwIP instance (see eng_cip.h). lwIP is
 * Debian's build (NO_SYS 0, its own lwipopts.h) used through the raw API
 * only: lwip_init() once, never tcpip_init(); eng_cip_lock serializes every
 * call, timers included, and lwIP's callbacks touch nothing but the
 * tunnel's queues (they may run in another tunnel's thread). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "eng_cip.h"
#include "s6_bytes.h"
#include "s6_cip_icmp.h"

#define ENG_CIP_MTU 1400
#define ENG_CIP_OUT_CAP (512 * 1024)  /* capsules for the proxy */
#define ENG_CIP_DOWN_CAP (128 * 1024) /* above the receive window (64 KiB) */
#define ENG_CIP_SLEEP_MAX 250
/* Unacknowledged program bytes TCP may hold (see eng_cip_connected). */
#define ENG_CIP_SNDBUF (160 * 1024)

struct eng_cip_tun {
	struct netif netif;
	struct tcp_pcb *pcb;
	s6_cip_mode mode;
	struct eng_cip_ip local, target;
	enum eng_cip_tcp_state state;
	int err;
	bool peer_fin;
	bool signaled;           /* wake written, not read yet */
	size_t ack_at;           /* out[] offset of a last, pure ACK; SIZE_MAX: none */
	uint32_t ack_num;        /* its acknowledgement number */
	int wake;
	uint8_t *out, *down;
	size_t out_len, down_len;
};

static pthread_mutex_t eng_cip_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t eng_cip_once = PTHREAD_ONCE_INIT;

static void eng_cip_lwip_init(void)
{
	lwip_init();
}

/* Under the lock. One write until the tunnel's thread has read it: every
 * packet and acknowledgement calls this, and a write each was four in five
 * of the engine's system calls in a bulk transfer. */
static void eng_cip_wake(struct eng_cip_tun *t)
{
	uint64_t one = 1;

	if (t->signaled)
		return;
	t->signaled = true;
	(void)!write(t->wake, &one, sizeof one);
}

/* Is pkt TCP from `from` to `to` (src/dst as asked)? */
static bool eng_cip_pkt_is(const uint8_t *pkt, size_t len, const struct eng_cip_ip *src,
			   const struct eng_cip_ip *dst)
{
	if (len >= 20 && pkt[0] >> 4 == 4 && src->v == 4)
		return pkt[9] == 6 && memcmp(pkt + 12, src->a, 4) == 0 &&
		       memcmp(pkt + 16, dst->a, 4) == 0;
	if (len >= 40 && pkt[0] >> 4 == 6 && src->v == 6)
		return pkt[6] == 6 && memcmp(pkt + 8, src->a, 16) == 0 &&
		       memcmp(pkt + 24, dst->a, 16) == 0;
	return false;
}

/* A TCP segment that only acknowledges (ACK alone, no payload): its
 * acknowledgement number. lwIP adds no IP options. */
static bool eng_cip_pure_ack(const uint8_t *pkt, size_t len, uint32_t *ack)
{
	size_t ip = pkt[0] >> 4 == 4 ? (size_t)(pkt[0] & 15) * 4 : 40;
	const uint8_t *tcp = pkt + ip;

	if (ip > 40 || len < ip + 20 || tcp[13] != 0x10 || ip + (size_t)(tcp[12] >> 4) * 4 != len)
		return false;
	*ack = s6_get_u32be(tcp + 8);
	return true;
}

/* A packet lwIP sends: a DATAGRAM capsule in the queue, when it is TCP
 * from us to the target (nothing else may leave) and there is room (else
 * dropped: TCP sends it again). A pure ACK that acknowledges more than the
 * pure ACK queued last, not yet taken, takes its place: lwIP acknowledges
 * every second segment, and a bulk download read from the proxy in 16 KiB
 * records queued five or six ACKs at once, each one packet for the proxy's
 * stack to take in; the newest says all they said (window included). Equal
 * acknowledgement numbers (duplicate ACKs, window updates) are all sent. */
static err_t eng_cip_output(struct netif *n, struct pbuf *p)
{
	struct eng_cip_tun *t = n->state;
	uint8_t head[S6_CIP_CAPSULE_HEAD_MAX + 8], first[64];
	size_t hlen, len = p->tot_len, at = t->out_len;
	uint32_t ack = 0;
	bool pure;

	if (pbuf_copy_partial(p, first, sizeof first, 0) < 20 ||
	    !eng_cip_pkt_is(first, len < 40 ? len : 40, &t->local, &t->target))
		return ERR_OK;
	pure = eng_cip_pure_ack(first, len, &ack);
	if (s6_cip_datagram_head_encode(t->mode, 0, len, head, sizeof head, &hlen) != S6_OK)
		return ERR_OK;
	if (pure && t->ack_at != SIZE_MAX && t->ack_at + hlen + len == t->out_len &&
	    (int32_t)(ack - t->ack_num) > 0)
		at = t->ack_at;
	if (at + hlen + len > ENG_CIP_OUT_CAP)
		return ERR_OK;
	memcpy(t->out + at, head, hlen);
	pbuf_copy_partial(p, t->out + at + hlen, (u16_t)len, 0);
	t->out_len = at + hlen + len;
	t->ack_at = pure ? at : SIZE_MAX;
	t->ack_num = ack;
	eng_cip_wake(t);
	return ERR_OK;
}

static err_t eng_cip_out4(struct netif *n, struct pbuf *p, const ip4_addr_t *dst)
{
	return eng_cip_output(n, p);
}

static err_t eng_cip_out6(struct netif *n, struct pbuf *p, const ip6_addr_t *dst)
{
	return eng_cip_output(n, p);
}

static err_t eng_cip_netif_init(struct netif *n)
{
	n->name[0] = 'c';
	n->name[1] = 'i';
	n->mtu = ENG_CIP_MTU;
	n->output = eng_cip_out4;
	n->output_ip6 = eng_cip_out6;
	n->flags = 0; /* no ARP, no MLD: a point-to-point IP tunnel */
	return ERR_OK;
}

static void eng_cip_to_lwip(const struct eng_cip_ip *a, ip_addr_t *out)
{
	memset(out, 0, sizeof *out);
	if (a->v == 4) {
		IP_SET_TYPE_VAL(*out, IPADDR_TYPE_V4);
		memcpy(&ip_2_ip4(out)->addr, a->a, 4);
	} else {
		IP_SET_TYPE_VAL(*out, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(out)->addr, a->a, 16);
		ip6_addr_clear_zone(ip_2_ip6(out));
	}
}

/* The netif, up, with the assigned address: IPv6 without autoconfiguration,
 * duplicate address detection or router solicitations (the address is
 * marked preferred at once). */
static bool eng_cip_netif_up(struct eng_cip_tun *t)
{
	ip_addr_t a;

	eng_cip_to_lwip(&t->local, &a);
	if (t->local.v == 4) {
		ip4_addr_t mask, gw;
		ip4_addr_set_u32(&mask, 0xffffffffu);
		ip4_addr_set_zero(&gw);
		if (!netif_add(&t->netif, ip_2_ip4(&a), &mask, &gw, t, eng_cip_netif_init, ip_input))
			return false;
	} else {
		if (!netif_add(&t->netif, NULL, NULL, NULL, t, eng_cip_netif_init, ip_input))
			return false;
		netif_set_ip6_autoconfig_enabled(&t->netif, 0);
		netif_ip6_addr_set(&t->netif, 0, ip_2_ip6(&a));
		netif_ip6_addr_set_state(&t->netif, 0, IP6_ADDR_PREFERRED);
	}
	netif_set_up(&t->netif);
	netif_set_link_up(&t->netif);
	t->netif.rs_count = 0;
	return true;
}

/* ---- TCP callbacks: under the lock, from whichever thread runs lwIP */

static err_t eng_cip_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct eng_cip_tun *t = arg;

	/* Debian's build has TCP_SND_BUF 65535, which bounded uploads to
	 * 64 KiB per round trip through both stacks. lwIP only lowers snd_buf
	 * by what tcp_write takes and raises it by what is acknowledged, never
	 * back to the build's value, so a larger start lasts. Its queue bound
	 * (TCP_SND_QUEUELEN, 180 segments of up to the MSS, 1360 here) still
	 * holds 160 KiB of full segments; tcp_write's ERR_MEM when many small
	 * writes fill it only makes eng_cip_tun_give_up take nothing for now. */
	if (pcb->snd_buf < ENG_CIP_SNDBUF)
		pcb->snd_buf = ENG_CIP_SNDBUF;
	t->state = ENG_CIP_UP;
	eng_cip_wake(t);
	return ERR_OK;
}

static err_t eng_cip_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct eng_cip_tun *t = arg;

	if (!p) {
		t->peer_fin = true;
		eng_cip_wake(t);
		return ERR_OK;
	}
	/* The buffer is larger than the window, which tcp_recved reopens only
	 * as the program takes bytes: ERR_MEM (lwIP offers it again) is a
	 * safety net only. */
	if (t->down_len + p->tot_len > ENG_CIP_DOWN_CAP)
		return ERR_MEM;
	pbuf_copy_partial(p, t->down + t->down_len, p->tot_len, 0);
	t->down_len += p->tot_len;
	pbuf_free(p);
	eng_cip_wake(t);
	return ERR_OK;
}

static err_t eng_cip_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	eng_cip_wake(arg);
	return ERR_OK;
}

/* The pcb is gone (lwIP freed it). */
static void eng_cip_err(void *arg, err_t err)
{
	struct eng_cip_tun *t = arg;

	t->pcb = NULL;
	if (t->state == ENG_CIP_FAILED)
		return;
	if (err == ERR_CLSD && t->state == ENG_CIP_UP) {
		/* Closed both ways and acknowledged: the normal end. */
		t->peer_fin = true;
		eng_cip_wake(t);
		return;
	}
	if (err == ERR_RST)
		t->err = t->state == ENG_CIP_CONNECTING ? ECONNREFUSED : ECONNRESET;
	else if (err == ERR_ABRT && t->state == ENG_CIP_CONNECTING)
		t->err = ETIMEDOUT; /* SYN retransmissions exhausted */
	else
		t->err = ECONNABORTED;
	t->state = ENG_CIP_FAILED;
	eng_cip_wake(t);
}

static bool eng_cip_tcp_start(struct eng_cip_tun *t, uint16_t port)
{
	ip_addr_t local, target;

	eng_cip_to_lwip(&t->local, &local);
	eng_cip_to_lwip(&t->target, &target);
	t->pcb = tcp_new_ip_type(t->local.v == 4 ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6);
	if (!t->pcb)
		return false;
	tcp_arg(t->pcb, t);
	tcp_recv(t->pcb, eng_cip_recv);
	tcp_sent(t->pcb, eng_cip_sent);
	tcp_err(t->pcb, eng_cip_err);
	tcp_nagle_disable(t->pcb);
	/* Bound to our netif: every tunnel may have the same address. */
	tcp_bind_netif(t->pcb, &t->netif);
	if (tcp_bind(t->pcb, &local, 0) != ERR_OK ||
	    tcp_connect(t->pcb, &target, port, eng_cip_connected) != ERR_OK) {
		tcp_abort(t->pcb);
		t->pcb = NULL;
		return false;
	}
	return true;
}

/* ---- the tunnel */

struct eng_cip_tun *eng_cip_tun_new(s6_cip_mode mode, const struct eng_cip_ip *local,
				    const struct eng_cip_ip *target, uint16_t port,
				    char *why, size_t whylen)
{
	struct eng_cip_tun *t = calloc(1, sizeof *t);
	bool ok;

	pthread_once(&eng_cip_once, eng_cip_lwip_init);
	if (t) {
		t->out = malloc(ENG_CIP_OUT_CAP);
		t->down = malloc(ENG_CIP_DOWN_CAP);
		t->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
	if (!t || !t->out || !t->down || t->wake < 0) {
		snprintf(why, whylen, "connect-ip: out of memory or file descriptors");
		if (t && t->wake >= 0)
			close(t->wake);
		if (t) {
			free(t->out);
			free(t->down);
		}
		free(t);
		return NULL;
	}
	t->mode = mode;
	t->ack_at = SIZE_MAX;
	t->local = *local;
	t->target = *target;
	pthread_mutex_lock(&eng_cip_lock);
	ok = eng_cip_netif_up(t);
	if (ok && !eng_cip_tcp_start(t, port)) {
		netif_remove(&t->netif);
		ok = false;
	}
	pthread_mutex_unlock(&eng_cip_lock);
	if (!ok) {
		snprintf(why, whylen, "connect-ip: cannot set up the userspace TCP/IP stack");
		t->wake = (close(t->wake), -1);
		free(t->out);
		free(t->down);
		free(t);
		return NULL;
	}
	return t;
}

void eng_cip_tun_free(struct eng_cip_tun *t)
{
	pthread_mutex_lock(&eng_cip_lock);
	if (t->pcb) {
		tcp_arg(t->pcb, NULL);
		tcp_recv(t->pcb, NULL);
		tcp_sent(t->pcb, NULL);
		tcp_err(t->pcb, NULL);
		tcp_abort(t->pcb); /* TIME_WAIT: freed quietly; else a RST */
		t->pcb = NULL;
	}
	netif_remove(&t->netif);
	pthread_mutex_unlock(&eng_cip_lock);
	close(t->wake);
	free(t->out);
	free(t->down);
	free(t);
}

int eng_cip_tun_wakefd(const struct eng_cip_tun *t)
{
	return t->wake;
}

void eng_cip_tun_input(struct eng_cip_tun *t, const uint8_t *pkt, size_t len)
{
	struct pbuf *p;

	/* Only TCP from the target to us: nothing for lwIP to forward
	 * (its build forwards between netifs) or to answer. ICMP errors
	 * about our connection are read beside lwIP (eng_cip_icmp.c). */
	if (len > 0xffff || !eng_cip_pkt_is(pkt, len, &t->target, &t->local)) {
		eng_cip_icmp_input(t, pkt, len);
		return;
	}
	pthread_mutex_lock(&eng_cip_lock);
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	if (p && pbuf_take(p, pkt, (u16_t)len) == ERR_OK) {
		if (t->netif.input(p, &t->netif) != ERR_OK)
			pbuf_free(p);
	} else if (p) {
		pbuf_free(p);
	}
	pthread_mutex_unlock(&eng_cip_lock);
}

bool eng_cip_tun_icmp(struct eng_cip_tun *t, const s6_icmp_info *in)
{
	size_t alen = t->local.v == 4 ? 4 : 16;
	bool hit;

	pthread_mutex_lock(&eng_cip_lock);
	hit = t->pcb && t->state == ENG_CIP_CONNECTING && in->version == t->local.v &&
	      memcmp(in->src, t->local.a, alen) == 0 && memcmp(in->dst, t->target.a, alen) == 0 &&
	      in->sport == t->pcb->local_port && in->dport == t->pcb->remote_port &&
	      in->seq - t->pcb->lastack <= t->pcb->snd_nxt - t->pcb->lastack;
	if (hit) {
		t->state = ENG_CIP_FAILED;   /* first: eng_cip_err then keeps err */
		t->err = in->err;
		tcp_abort(t->pcb);           /* no more SYNs */
		t->pcb = NULL;
		eng_cip_wake(t);
	}
	pthread_mutex_unlock(&eng_cip_lock);
	return hit;
}

void eng_cip_tun_poll(struct eng_cip_tun *t, struct eng_cip_io *io)
{
	uint64_t n;
	u32_t sleep;

	pthread_mutex_lock(&eng_cip_lock);
	if (t->signaled) {
		(void)!read(t->wake, &n, sizeof n);
		t->signaled = false;
	}
	sys_check_timeouts();
	sleep = sys_timeouts_sleeptime();
	io->state = t->state;
	io->err = t->err;
	io->peer_fin = t->peer_fin && t->down_len == 0;
	io->sndbuf = t->pcb && t->state == ENG_CIP_UP ? tcp_sndbuf(t->pcb) : 0;
	io->down_ready = t->down_len;
	io->sleep_ms = sleep < ENG_CIP_SLEEP_MAX ? sleep : ENG_CIP_SLEEP_MAX;
	pthread_mutex_unlock(&eng_cip_lock);
}

size_t eng_cip_tun_take_out(struct eng_cip_tun *t, uint8_t *buf, size_t cap)
{
	size_t n;

	pthread_mutex_lock(&eng_cip_lock);
	n = t->out_len < cap ? t->out_len : cap;
	memcpy(buf, t->out, n);
	memmove(t->out, t->out + n, t->out_len - n);
	t->out_len -= n;
	t->ack_at = SIZE_MAX; /* what is taken is on its way */
	pthread_mutex_unlock(&eng_cip_lock);
	return n;
}

size_t eng_cip_tun_take_down(struct eng_cip_tun *t, uint8_t *buf, size_t cap)
{
	size_t n;

	pthread_mutex_lock(&eng_cip_lock);
	n = t->down_len < cap ? t->down_len : cap;
	memcpy(buf, t->down, n);
	memmove(t->down, t->down + n, t->down_len - n);
	t->down_len -= n;
	/* The window reopens as the program takes the bytes. */
	for (size_t left = n; t->pcb && left > 0;) {
		u16_t k = left > 0xffff ? 0xffff : (u16_t)left;
		tcp_recved(t->pcb, k);
		left -= k;
	}
	pthread_mutex_unlock(&eng_cip_lock);
	return n;
}

size_t eng_cip_tun_give_up(struct eng_cip_tun *t, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&eng_cip_lock);
	if (t->pcb && t->state == ENG_CIP_UP) {
		size_t room = tcp_sndbuf(t->pcb);
		n = len < room ? len : room;
		if (n > 0xffff)
			n = 0xffff;
		if (n && tcp_write(t->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			n = 0;
		tcp_output(t->pcb);
	}
	pthread_mutex_unlock(&eng_cip_lock);
	return n;
}

void eng_cip_tun_shut(struct eng_cip_tun *t)
{
	pthread_mutex_lock(&eng_cip_lock);
	if (t->pcb && t->state == ENG_CIP_UP) {
		tcp_shutdown(t->pcb, 0, 1);
		tcp_output(t->pcb);
	}
	pthread_mutex_unlock(&eng_cip_lock);
}
