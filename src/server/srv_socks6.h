/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 (draft-11) on the server side: the Request, authentication (none,
 * username/password in the Request or by the slow path), sessions and
 * idempotence tokens, then CONNECT, BIND, NOOP and UDP ASSOCIATE. The wire
 * format is s6_socks6_msg's and s6_socks6_opt's; this file drives the
 * connection and the srv_s6_* modules do the rest. */
#ifndef SRV_SOCKS6_H
#define SRV_SOCKS6_H

#include <stddef.h>

#include "s6_cidr.h"
#include "srv_conn.h"
#include "srv_s6_auth.h"

typedef struct srv_s6_config {
	srv_s6_users users;          /* none: no authentication */
	s6_cidr *deny;               /* CONNECT targets refused with reply 2 */
	size_t n_deny;
	unsigned session_timeout_ms; /* idle sessions are dropped (0: never) */
	unsigned max_sessions;
	unsigned token_window;       /* largest token window issued */
} srv_s6_config;

extern const srv_proto srv_socks6_proto;

#endif
