/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 Listen Backlog (draft-11, "Listen Backlog options"): a BIND inside
 * a session that asks for a backlog opens a listener that stays open as
 * long as that initial connection does (which relays nothing). Further
 * BIND requests of the same session to the listener's address and port
 * each get one of the queued inbound connections, in arrival order. At
 * most one backlog per session; the session holds it (s->backlog), the
 * initial connection owns it. */
#ifndef SRV_S6_BACKLOG_H
#define SRV_S6_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "srv_conn.h"
#include "srv_s6_session.h"

#define SRV_S6_BACKLOG_MAX 64   /* backlog granted, and waiting BINDs */

typedef struct srv_s6_backlog {
	srv_server *srv;
	srv_watch listener;
	struct sockaddr_storage local;
	unsigned backlog;
	uint8_t sid[SRV_S6_SESSION_ID_LEN];
	srv_conn *owner;
	srv_conn *waiters[SRV_S6_BACKLOG_MAX];
	size_t n_waiters;
} srv_s6_backlog;

/* Initial BIND: listen on where with the granted backlog, register with
 * session s, send the Operation Reply and keep the connection open until
 * the client closes it. Returns an errno value (0: done, c handed over). */
int srv_s6_backlog_open(srv_conn *c, srv_s6_session *s, const struct sockaddr *where,
			unsigned requested);

/* The session's backlog when addr:port names its listener, else NULL. */
srv_s6_backlog *srv_s6_backlog_match(srv_s6_session *s, const struct sockaddr *addr);

/* Further BIND: the first Operation Reply now, the second with the next
 * inbound connection. False (nothing done) when too many wait already. */
bool srv_s6_backlog_wait(srv_s6_backlog *b, srv_conn *c);

/* From the protocol's release: the owner closes the backlog (waiters get a
 * failure reply), a waiter leaves the queue. */
void srv_s6_backlog_release(srv_s6_backlog *b, srv_conn *c);

#endif
