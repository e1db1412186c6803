/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Outbound TCP connection for a proxied request: resolve the host (literal
 * or name), then try each address in turn with a non-blocking connect, the
 * whole attempt bounded by one deadline. */
#ifndef SRV_DIAL_H
#define SRV_DIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "srv_loop.h"
#include "srv_resolve.h"

typedef struct srv_dial srv_dial;
/* fd >= 0: connected non-blocking socket, now owned by the callee.
 * fd < 0: failed; reason is a short static text ("connection refused",
 * "name not resolved", "timeout", ...). */
typedef void (*srv_dial_fn)(srv_dial *d, int fd, const char *reason);

struct srv_dial {
	srv_loop *loop;
	srv_lookup lookup;
	const srv_addrs *addrs;  /* the lookup's result */
	size_t next;             /* next address to try */
	int last_err;            /* errno of the latest failed attempt */
	srv_watch sock;
	srv_timer deadline;
	bool active;
	srv_dial_fn fn;
	void *owner;
	/* Optional, set between srv_dial_init and srv_dial_start (SOCKS6):
	 * allow: false skips an address (counted as EACCES);
	 * prepare: socket options on each new socket before it connects;
	 * idata: sent in the SYN with TCP Fast Open (sendto MSG_FASTOPEN),
	 *   idata_sent says how much of it the kernel took (the rest, or
	 *   all of it when TFO was not possible, is the owner's to send);
	 * mptcp: try IPPROTO_MPTCP first, mptcp_used says whether it was. */
	bool (*allow)(srv_dial *d, const struct sockaddr *sa);
	void (*prepare)(srv_dial *d, int fd, int family);
	const uint8_t *idata;
	size_t idata_len, idata_sent;
	bool mptcp, mptcp_used;
};

void srv_dial_init(srv_dial *d);
/* The callback always comes later, from the loop. timeout_ms 0: no limit
 * beyond the kernel's own. False when nothing could be started. */
bool srv_dial_start(srv_dial *d, srv_loop *l, srv_resolver *r, const char *host,
		    uint16_t port, unsigned timeout_ms, srv_dial_fn fn, void *owner);
/* Safe when idle; closes any socket in progress. */
void srv_dial_cancel(srv_dial *d);

/* Short reason text for a connect(2) errno. */
const char *srv_dial_reason(int err);

#endif
