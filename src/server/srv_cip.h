/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP listeners of socks6ify-server (--connect-ip, --connect-ip-tls;
 * RFC 9484 over HTTP/1.1, draft-00 as a compatibility mode).
 *
 * A request is an HTTP/1.1 Upgrade (s6_cip_http_req.h) whose path carries
 * the scope (target, ipproto). The proxy checks Basic credentials against
 * the SOCKS6 user table (--user/--users; 407 without them), resolves a
 * named target (its CNAME chain from the DNS, or from --cname for tests),
 * answers 101 with Proxy-Status, assigns the client one IPv4 and one IPv6
 * address from the pools, advertises the routes of the scope, and then
 * carries the client's IP packets through a per-tunnel libslirp instance
 * (srv_cip_slirp.c): TCP, UDP and ICMP echo become ordinary sockets of
 * this process, so no root and no TUN device are needed. */
#ifndef SRV_CIP_H
#define SRV_CIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_cidr.h"
#include "srv_conn.h"

#define SRV_CIP_MTU_DEFAULT 1500
#define SRV_CIP_POOL_FIRST 16       /* host indices below are slirp's own */

typedef struct srv_cip_cname {
	const char *name, *target;  /* into argv */
} srv_cip_cname;

typedef struct srv_cip_config {
	bool draft00;                /* --connect-ip-draft00: every request */
	s6_cidr pool4, pool6;        /* --connect-ip-pool */
	unsigned mtu;
	srv_cip_cname *cname;        /* --cname NAME=TARGET */
	size_t n_cname;
} srv_cip_config;

void srv_cip_config_defaults(srv_cip_config *c);
void srv_cip_config_free(srv_cip_config *c);
/* Option values; false with a one-line reason. */
bool srv_cip_opt_pool(srv_cip_config *c, const char *arg, char *why, size_t whylen);
bool srv_cip_opt_cname(srv_cip_config *c, const char *arg, char *why, size_t whylen);
bool srv_cip_opt_mtu(srv_cip_config *c, const char *arg, char *why, size_t whylen);

/* The address pool: one host index per tunnel, the same index in both
 * families. */
typedef struct srv_cip_pool srv_cip_pool;
srv_cip_pool *srv_cip_pool_new(const srv_cip_config *c);
void srv_cip_pool_free(srv_cip_pool *p);
/* -1 when the pool is exhausted. */
long srv_cip_pool_take(srv_cip_pool *p);
void srv_cip_pool_put(srv_cip_pool *p, long idx);
/* Address idx of a pool's network (4 or 16 bytes). */
void srv_cip_pool_addr(const s6_cidr *net, long idx, uint8_t *out);

extern const srv_proto srv_cip_proto;       /* "connect-ip" */
extern const srv_proto srv_cip_tls_proto;   /* "connect-ip-tls" */

#endif
