/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Listening sockets: each one serves one protocol. Accepts are spread over
 * loop iterations, --max-clients is enforced at accept time (the connection
 * is accepted and closed at once, with a log line), and running out of file
 * descriptors pauses accepting briefly instead of spinning. */
#ifndef SRV_LISTEN_H
#define SRV_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "srv_conn.h"

typedef struct srv_listener {
	struct srv_listener *next;
	srv_server *srv;
	const srv_proto *proto;
	srv_watch watch;
	srv_timer pause;
	struct sockaddr_storage addr;   /* actual address, port included */
} srv_listener;

/* Bind and listen; logs "listening PROTO ADDR" with the actual port, or the
 * reason it failed. */
bool srv_listen_add(srv_server *s, const struct sockaddr *addr, const srv_proto *proto);
void srv_listen_close_all(srv_server *s);

#endif
