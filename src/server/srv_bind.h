/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening half of a BIND request: listen on a fresh port, wait (with a
 * deadline) for exactly one inbound connection, and accept it only when its
 * source address is one of the expected ones (an empty list: any). */
#ifndef SRV_BIND_H
#define SRV_BIND_H

#include <stdbool.h>
#include <sys/socket.h>

#include "srv_loop.h"
#include "srv_resolve.h"

typedef struct srv_bind srv_bind;
/* fd >= 0: the inbound connection (now owned by the callee), from b->peer.
 * fd < 0: failed with reason; b->have_peer says whether a connection arrived
 * (and was closed because its source did not match). */
typedef void (*srv_bind_fn)(srv_bind *b, int fd, const char *reason);

struct srv_bind {
	srv_loop *loop;
	srv_watch listener;
	srv_timer deadline;
	srv_addrs expect;
	struct sockaddr_storage local;  /* where we listen, actual port */
	struct sockaddr_storage peer;   /* who connected */
	bool have_peer;
	bool active;
	srv_bind_fn fn;
	void *owner;
};

void srv_bind_init(srv_bind *b);
/* Listen on addr (its port is ignored: the kernel picks one). Returns 0 or
 * an errno value. b->local then holds the listening address. */
int srv_bind_start(srv_bind *b, srv_loop *l, const struct sockaddr *addr,
		   const srv_addrs *expect, unsigned timeout_ms,
		   srv_bind_fn fn, void *owner);
void srv_bind_cancel(srv_bind *b);

/* Same host address (ports ignored; IPv4-mapped IPv6 equals IPv4). */
bool srv_addr_same_host(const struct sockaddr *a, const struct sockaddr *b);

#endif
