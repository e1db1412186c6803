/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Datagrams through CONNECT-IP in the engine (issue 7): UDP, and ICMP
 * echo of ping sockets.
 *
 * The shim already speaks SOCKS6 UDP ASSOCIATE for every UDP socket, with
 * non-blocking first datagrams, held sockets, dup copies, connect() and
 * AF_UNSPEC, UDP Error messages and dns-udp (preload/s6p_udp*.c). So for a
 * connect-ip:// or https:// proxy the engine offers that very association
 * on loopback: the shim's control connection carries the handoff header
 * with S6_ENG_FLAG_CIP and a record whose ipproto is 17 (1 or 58: echo);
 * the engine answers the status record, a SOCKS6 Operation Reply naming a
 * loopback UDP port (the relay), and an Association Init. The program's
 * datagrams, with the SOCKS6 Datagram header in front, reach that port;
 * the engine turns each into an IP packet from the address the proxy
 * assigned and the program's own port, in a DATAGRAM capsule of a tunnel
 * scoped to (destination, ipproto): one tunnel per destination of the
 * association, opened on its first datagram by a thread of its own (setup
 * as for TCP: name or literal as the target, Proxy-Status, block-alias,
 * routes), at most ENG_CU_FLOWS_MAX at once, the least recently used
 * closed to make room. Packets from the tunnel are checked (addresses,
 * ports, checksums) and come back as Datagrams from their real source;
 * ICMP errors quoting the flow, and a tunnel that cannot be opened,
 * become SOCKS6 UDP Error messages (ENETUNREACH, EHOSTUNREACH, EMSGSIZE
 * in the program). The association ends with the control connection. */
#ifndef ENG_CIP_UDP_H
#define ENG_CIP_UDP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "eng.h"
#include "s6_engine_cip.h"
#include "s6_socks6.h"

#define ENG_CU_FLOWS_MAX 16
/* Datagrams waiting for their tunnel to come up; beyond that, dropped (a
 * full socket buffer loses datagrams the same way). */
#define ENG_CU_QUEUE_MAX 64
#define ENG_CU_QUEUE_BYTES (256 * 1024)
/* A destination whose tunnel failed is answered with Error messages for
 * this long before a new tunnel is tried. */
#define ENG_CU_RETRY_MS 2000
#define ENG_CU_HOP_LIMIT 64

/* What every flow of an association shares; fixed once the first
 * datagram arrived. */
struct eng_cu_assoc {
	s6_eng_hdr h;
	s6_eng_cip rec;               /* template, mode, credentials, patterns */
	int ufd;                      /* the relay: loopback UDP */
	struct sockaddr_storage prog; /* the program's socket */
	socklen_t prog_len;
	uint16_t sport;               /* its port: UDP source port, echo identifier */
	uint64_t id;
};

struct eng_cu_dgram {
	struct eng_cu_dgram *next;
	uint16_t dport;
	size_t len;
	uint8_t data[];
};

struct eng_cu_flow {
	const struct eng_cu_assoc *a;
	s6_s6_addr dst;               /* the destination: address or name */
	pthread_t thread;
	int wakefd;                   /* eventfd: queue or stop changed */
	pthread_mutex_t mu;           /* guards what follows */
	struct eng_cu_dgram *q, **qtail;
	size_t qn, qbytes;
	bool stop;                    /* the association closes it */
	bool done;                    /* the tunnel failed or ended */
	int err;                      /* done: why */
	int64_t done_at;
	int64_t last_use;             /* association thread only */
	bool warned;                  /* association thread only: drops logged */
};

/* eng_cip_udp.c: a connection whose record has ipproto 17, 1 or 58. */
void eng_cip_udp_serve(int cfd, const s6_eng_hdr *h, const s6_eng_cip *rec);
/* A SOCKS6 UDP Error message to the program about a datagram to (addr,
 * port) that met err (ENETUNREACH, EHOSTUNREACH, EMSGSIZE, or anything
 * else as host unreachable); reporter NULL: addr itself. */
void eng_cu_send_error(const struct eng_cu_assoc *a, const s6_s6_addr *addr, uint16_t port,
		       int err, const s6_s6_addr *reporter);

/* eng_cip_udp_flow.c */
struct eng_cu_flow *eng_cu_flow_start(const struct eng_cu_assoc *a, const s6_s6_addr *dst);
/* Queue a datagram (copied): false when the flow is done or full. */
bool eng_cu_flow_push(struct eng_cu_flow *f, uint16_t dport, const uint8_t *data, size_t len);
/* Stop the thread, wait for it, free. */
void eng_cu_flow_free(struct eng_cu_flow *f);

#endif
