/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Listening sockets: each one serves one protocol. Accepts are spread over
 * loop iterations, --max-clients is enforced at accept time (the connection
 * is accepted and closed at once, with a log line at most once a second per
 * listener, so a connection flood cannot flood the log), and running out of file
 * descriptors pauses accepting briefly instead of spinning. */
#ifndef SRV_LISTEN_H
#define SRV_LISTEN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "srv_conn.h"

typedef struct srv_listener {
	struct srv_listener *next;
	srv_server *srv;
	const srv_proto *proto;
	srv_watch watch;
	srv_timer pause;
	struct sockaddr_storage addr;   /* actual address, port included */
	uint64_t cap_logged_ms;         /* last "too many clients" line */
	unsigned cap_unlogged;          /* refusals since, not logged */
} srv_listener;

/* Bind and listen; logs "listening PROTO ADDR" with the actual port, or the
 * reason it failed. */
bool srv_listen_add(srv_server *s, const struct sockaddr *addr, const srv_proto *proto);
void srv_listen_close_all(srv_server *s);

#endif
