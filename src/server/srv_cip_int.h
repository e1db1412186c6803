/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the CONNECT-IP files of the server: srv_cip.c (request and
 * response), srv_cip_tun.c (the capsule stream), srv_cip_pkt.c (checks on
 * IP packets) and srv_cip_slirp.c (the user-mode network stack). */
#ifndef SRV_CIP_INT_H
#define SRV_CIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_cip_capsule.h"
#include "s6_cip_http_req.h"
#include "srv_cip.h"
#include "srv_resolve.h"

#define SRV_CIP_ROUTES_MAX (SRV_ADDRS_MAX + 2)
#define SRV_CIP_CNAME_DEPTH 8        /* --cname chain bound (loops end here) */
#define SRV_CIP_ALIASES_MAX 1024
#define SRV_CIP_MAX_CAPSULE 16384    /* larger known capsules end the tunnel */

typedef struct srv_cip_slirp srv_cip_slirp;
typedef struct srv_cip_echo6 srv_cip_echo6;

typedef struct srv_cip_st {
	srv_conn *c;
	s6_cip_mode mode;
	s6_cip_scope scope;
	srv_lookup lk;
	char name[S6_CIP_TARGET_MAX];     /* the name resolved (after --cname) */
	long idx;                         /* pool index; -1: none */
	uint8_t a4[4], a6[16];            /* the client's addresses */
	s6_cip_range routes[SRV_CIP_ROUTES_MAX];
	size_t nroutes;
	char next_hop[S6_CIP_TARGET_MAX];
	char aliases[SRV_CIP_ALIASES_MAX]; /* encoded next-hop-aliases */
	bool has_aliases;
	s6_cip_reader rd;
	srv_cip_slirp *sl;
	srv_cip_echo6 *e6;                /* ICMPv6 echo (srv_cip_echo6.c) */
	bool d00_registered;              /* draft-00: context 0 registered */
	uint64_t pkts_in, pkts_out, dropped;
	uint64_t drop_logged_ms;
	unsigned icmp_tokens;             /* ICMP error rate limit (srv_cip_pkt.c) */
	uint64_t icmp_ms, icmp_sent;
} srv_cip_st;

/* srv_cip_tun.c: after the 101 and the first capsules are queued. */
void srv_cip_tun_start(srv_conn *c);
/* Queue one capsule for the client; false (dropped) when there is no room. */
bool srv_cip_tun_send(srv_conn *c, const uint8_t *p, size_t n);
/* Queue ADDRESS_ASSIGN (with the Request IDs of req, may be NULL) and,
 * with routes true, ROUTE_ADVERTISEMENT. */
bool srv_cip_send_config(srv_conn *c, const s6_cip_prefix *req, size_t nreq, bool routes);

/* srv_cip_pkt.c. NULL when a client packet may go on, else the reason;
 * *icmp is then the s6_icmp_reason of the error owed to the sender, or -1
 * when none is (not an IP packet). */
const char *srv_cip_pkt_check(const srv_cip_st *st, const srv_cip_config *cfg,
			      const uint8_t *p, size_t n, int *icmp);
/* The ICMP error for a refused packet (reason from srv_cip_pkt_check) in
 * out, from the proxy's virtual router (the pools' first address); 0 when
 * none may be sent (s6_icmp_may_answer) or the rate limit (a burst of
 * SRV_CIP_ICMP_BURST, then one per SRV_CIP_ICMP_MS) holds it back. */
#define SRV_CIP_ICMP_BURST 10
#define SRV_CIP_ICMP_MS 100
size_t srv_cip_pkt_icmp(srv_cip_st *st, const srv_cip_config *cfg, const uint8_t *p,
			size_t n, int reason, uint64_t now_ms, uint8_t *out, size_t cap);
/* srv_cip_icmp.c: send that error to the client, if any. */
void srv_cip_icmp_send(srv_conn *c, const uint8_t *p, size_t n, int reason);
/* Decrement TTL / hop limit before encapsulation (RFC 9484 section 4.3);
 * false when the packet must be dropped (it reached 0, or is not IP). */
bool srv_cip_pkt_hop(uint8_t *p, size_t n);

/* srv_cip_slirp.c */
typedef void (*srv_cip_out_fn)(void *owner, uint8_t *pkt, size_t len);
srv_cip_slirp *srv_cip_slirp_new(srv_loop *l, const srv_cip_config *cfg,
				 const uint8_t a4[4], const uint8_t a6[16],
				 srv_cip_out_fn out, void *owner);
void srv_cip_slirp_free(srv_cip_slirp *s);
void srv_cip_slirp_input(srv_cip_slirp *s, const uint8_t *pkt, size_t len);

#endif
