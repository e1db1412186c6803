/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP in the engine (issue 7, client side, TCP).
 *
 * One tunnel per proxied TCP connection: the shim hands the program's
 * socket over exactly as for socks6+tls, with an s6_engine_cip.h record
 * behind the header; the engine opens TLS (or plain HTTP when configured,
 * for tests) to the proxy, makes an HTTP/1.1 Upgrade scoped to the target
 * and IP protocol 6, reads the address and route capsules, checks the
 * Proxy-Status alias chain against block-alias, and then carries the
 * program's bytes over a TCP connection of lwIP, the userspace TCP/IP
 * stack, whose IP packets travel as DATAGRAM capsules.
 *
 * Why scoped, one tunnel per connection, rather than one shared tunnel per
 * proxy: the proxy then knows the target (it resolves a name, sends
 * Proxy-Status with the CNAME chain for that very connection, and can
 * refuse it by policy), routes are those of one target (no routing
 * between tunnels of different programs), and a tunnel's failure or
 * close concerns one connection only. lwIP's state is global to the
 * process, so the tunnels share one lwIP instance, each with its own
 * netif; every lwIP call holds eng_cip_lock (lwIP is not thread safe),
 * and lwIP's callbacks only fill the tunnel's queues and wake its thread,
 * whichever thread ran them. No packet leaves a netif unless it is TCP to
 * the tunnel's target (IPv6 router solicitations, MLD and the like are
 * dropped), and none enters unless it is from the target to the assigned
 * address. */
#ifndef ENG_CIP_H
#define ENG_CIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "eng.h"
#include "s6_cip_capsule.h"
#include "s6_engine_cip.h"

#define ENG_CIP_ADDRS_MAX 8
#define ENG_CIP_ROUTES_MAX 32
/* Waits for the first address capsule before asking with ADDRESS_REQUEST. */
#define ENG_CIP_ADDR_ASK_MS 1000

struct eng_cip_ip {
	uint8_t v;               /* 4 or 6 */
	uint8_t a[16];
};

/* The transport to the proxy: TLS or plain TCP; fd non-blocking. */
struct eng_cip_tx {
	SSL *ssl;
	int fd;
	bool rd_wants_out, wr_wants_in; /* TLS wants the other direction */
};

/* n > 0 bytes, 0 at EOF, -1 with errno (EAGAIN: try after a poll). */
ssize_t eng_cip_tx_read(struct eng_cip_tx *t, void *buf, size_t len);
ssize_t eng_cip_tx_write(struct eng_cip_tx *t, const void *buf, size_t len);
/* Send all within the deadline; false on error or timeout. */
bool eng_cip_tx_write_all(struct eng_cip_tx *t, const void *buf, size_t len, int64_t deadline);
/* Poll events for the transport: want in and/or out. */
short eng_cip_tx_events(const struct eng_cip_tx *t, bool in, bool out);

/* The proxy's capsule state during setup and relay (eng_cip_caps.c). */
struct eng_cip_caps {
	s6_cip_reader rd;
	s6_cip_mode mode;
	s6_cip_prefix addr[ENG_CIP_ADDRS_MAX];
	size_t naddr;
	bool have_addr, have_routes;
	s6_cip_range route[ENG_CIP_ROUTES_MAX];
	size_t nroute;
	uint8_t in[70000];      /* stream bytes not consumed yet */
	size_t in_len;
	/* Without a tun: where DATAGRAM packets go (eng_cip_udp.h), or NULL. */
	void (*on_packet)(void *arg, const uint8_t *pkt, size_t len);
	void *on_packet_arg;
};

struct eng_cip_tun;
/* Consume what in[] holds: address and route capsules update caps,
 * DATAGRAMs go to tun (NULL: dropped, the stack is not up yet). false
 * with why on a malformed capsule (the tunnel must end). */
bool eng_cip_caps_feed(struct eng_cip_caps *c, struct eng_cip_tun *tun, char *why,
		       size_t whylen);
/* Is ip (of protocol proto) inside an advertised route? */
bool eng_cip_routed(const struct eng_cip_caps *c, const struct eng_cip_ip *ip, uint8_t proto);
/* The first assigned address of version v. */
bool eng_cip_local(const struct eng_cip_caps *c, uint8_t v, struct eng_cip_ip *out);

/* The lwIP side (eng_cip_lwip.c). */
struct eng_cip_tun *eng_cip_tun_new(s6_cip_mode mode, const struct eng_cip_ip *local,
				    const struct eng_cip_ip *target, uint16_t port,
				    char *why, size_t whylen);
void eng_cip_tun_free(struct eng_cip_tun *tun);
/* One IP packet from the proxy. */
void eng_cip_tun_input(struct eng_cip_tun *tun, const uint8_t *pkt, size_t len);
/* The fd that becomes readable when the tunnel's queues changed. */
int eng_cip_tun_wakefd(const struct eng_cip_tun *tun);
/* An ICMP error quoting the tunnel's SYN (eng_cip_icmp.c): the connection
 * fails with in->err while it connects; false when the quote is not of
 * this connection's SYN or the connection is past that. */
struct s6_icmp_info;
bool eng_cip_tun_icmp(struct eng_cip_tun *tun, const struct s6_icmp_info *in);
/* eng_cip_icmp.c: true when pkt is an ICMP error (handled; never lwIP's). */
bool eng_cip_icmp_input(struct eng_cip_tun *tun, const uint8_t *pkt, size_t len);

enum eng_cip_tcp_state { ENG_CIP_CONNECTING = 0, ENG_CIP_UP, ENG_CIP_FAILED };

/* A snapshot and the transfers between the tunnel and its thread, each
 * under the lock: run the timers, take capsules for the proxy (at most
 * cap bytes), take bytes for the program, give program bytes to TCP. */
struct eng_cip_io {
	enum eng_cip_tcp_state state;
	int err;                 /* ENG_CIP_FAILED: errno */
	bool peer_fin;           /* the target closed and down[] is empty */
	size_t sndbuf;           /* program bytes TCP takes now */
	size_t down_ready;       /* bytes for the program */
	uint32_t sleep_ms;       /* next lwIP timer */
};
void eng_cip_tun_poll(struct eng_cip_tun *tun, struct eng_cip_io *io);
size_t eng_cip_tun_take_out(struct eng_cip_tun *tun, uint8_t *buf, size_t cap);
size_t eng_cip_tun_take_down(struct eng_cip_tun *tun, uint8_t *buf, size_t cap);
size_t eng_cip_tun_give_up(struct eng_cip_tun *tun, const uint8_t *buf, size_t len);
/* The program closed its side: FIN to the target. */
void eng_cip_tun_shut(struct eng_cip_tun *tun);

/* eng_cip_conn.c: a connection whose header has S6_ENG_FLAG_CIP; rec is
 * what followed the header (the record first). */
void eng_cip_serve(int cfd, const s6_eng_hdr *h, const uint8_t *rec, size_t len);
/* Relay between the program and the tunnel (eng_cip_relay.c); sends the
 * status record once TCP to the target is up (or failed). */
void eng_cip_relay(int cfd, struct eng_cip_tx *tx, struct eng_cip_caps *caps,
		   struct eng_cip_tun *tun, int64_t deadline, const char *okmsg);
void eng_cip_status(int cfd, bool ok, int err, const char *reason);

#endif
