/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name resolution off the event loop. getaddrinfo(3) blocks, so it runs in a
 * small pool of worker threads; finished jobs are handed back through an
 * eventfd and their callbacks run on the loop thread. A job cancelled by the
 * loop thread never calls back and is freed by whoever holds it last, so an
 * owner that goes away mid-lookup leaves nothing dangling.
 *
 * srv_lookup is what connection code uses: an address literal (IPv4, IPv6,
 * or [IPv6]) is answered without the pool, a name goes to the pool, and an
 * optional deadline bounds the wait. */
#ifndef SRV_RESOLVE_H
#define SRV_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s6_dns_cname.h"
#include "srv_loop.h"

#define SRV_ADDRS_MAX 16
#define SRV_RESOLVE_THREADS 2

typedef struct srv_addrs {
	struct sockaddr_storage a[SRV_ADDRS_MAX];
	size_t n;
} srv_addrs;

typedef struct srv_resolver srv_resolver;
typedef struct srv_resolve_job srv_resolve_job;
/* res is NULL when the name did not resolve. */
typedef void (*srv_resolve_fn)(void *owner, const srv_addrs *res);

/* Starts the worker threads; the caller must have blocked the signals the
 * loop handles (srv_loop_init does) so that workers inherit the mask. */
srv_resolver *srv_resolver_new(srv_loop *loop, unsigned threads);
/* Joins the workers (waits for lookups in progress) and frees every job. */
void srv_resolver_free(srv_resolver *r);

/* Queue a lookup of name; port is written into every result. NULL on
 * allocation failure or a name longer than 255 bytes. */
srv_resolve_job *srv_resolve_submit(srv_resolver *r, const char *name,
				    uint16_t port, srv_resolve_fn fn, void *owner);
/* Any other blocking work on the same threads (DNS queries for "DNS
 * provided by SOCKS"): work(arg) runs on a worker, then done(owner, arg) on
 * the loop thread, and done owns arg from then on. arg must be one block
 * from malloc: a job cancelled before done frees it with free(). NULL on
 * allocation failure (arg still the caller's). */
typedef void (*srv_job_work_fn)(void *arg);
typedef void (*srv_job_done_fn)(void *owner, void *arg);
srv_resolve_job *srv_resolve_run(srv_resolver *r, srv_job_work_fn work, void *arg,
				 srv_job_done_fn done, void *owner);

/* After this the callback is never called. Loop thread only. */
void srv_resolve_cancel(srv_resolver *r, srv_resolve_job *job);

/* Numeric address ("1.2.3.4", "::1", "[::1]") with port; false otherwise. */
bool srv_resolve_literal(const char *host, uint16_t port, struct sockaddr_storage *out);

/* The CNAME chain of a name as the DNS reports it (srv_lookup_start_cnames):
 * names in CNAME order, in the escaped presentation form of s6_dns_cname.h.
 * known is false when the DNS gave no usable answer (a name from
 * /etc/hosts, NXDOMAIN, a malformed response: why says which). */
typedef struct srv_cnames {
	bool known;
	const char *why;
	size_t n;
	char name[S6_DNS_CNAME_MAX][S6_DNS_NAME_MAX];
} srv_cnames;

typedef struct srv_lookup srv_lookup;
/* res NULL on failure with a short reason ("name not resolved", "timeout"). */
typedef void (*srv_lookup_fn)(srv_lookup *lk, const srv_addrs *res, const char *reason);

struct srv_lookup {
	srv_loop *loop;
	srv_resolver *resolver;
	srv_resolve_job *job;
	srv_timer timer;
	srv_addrs addrs;
	bool literal;
	bool active;
	bool want_cnames;
	/* With srv_lookup_start_cnames: the chain, valid only inside fn;
	 * NULL for literals and failed lookups. */
	const srv_cnames *cnames;
	srv_lookup_fn fn;
	void *owner;
};

void srv_lookup_init(srv_lookup *lk);
/* Always answers through fn, never from inside this call. timeout_ms 0: no
 * deadline. False when the lookup could not even be queued. */
bool srv_lookup_start(srv_lookup *lk, srv_loop *l, srv_resolver *r,
		      const char *host, uint16_t port, unsigned timeout_ms,
		      srv_lookup_fn fn, void *owner);
/* The same, and the worker also asks the DNS (res_nquery, type A) for the
 * name's CNAME chain: lk->cnames during fn. Addresses still come from
 * getaddrinfo, so /etc/hosts and nsswitch keep their say. */
bool srv_lookup_start_cnames(srv_lookup *lk, srv_loop *l, srv_resolver *r,
			     const char *host, uint16_t port, unsigned timeout_ms,
			     srv_lookup_fn fn, void *owner);
/* Safe when idle. */
void srv_lookup_cancel(srv_lookup *lk);

#endif
