/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-connection state of the SOCKS6 handler, shared by its modules:
 * srv_socks6.c (Request, authentication, sessions), srv_s6_cmd.c (CONNECT,
 * NOOP, UDP ASSOCIATE, DNS), srv_s6_bind.c (BIND). */
#ifndef SRV_S6_STATE_H
#define SRV_S6_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_socks6_msg.h"
#include "s6_socks6_opt.h"
#include "srv_bind.h"
#include "srv_conn.h"
#include "srv_dial.h"
#include "srv_s6_dns.h"
#include "srv_s6_log.h"
#include "srv_s6_session.h"
#include "srv_s6_stack.h"
#include "srv_s6_udp.h"

enum srv_s6_step {
	SRV_S6_REQUEST,     /* waiting for the whole Request */
	SRV_S6_IDATA,       /* waiting for the advertised initial data */
	SRV_S6_USERPASS,    /* slow path: waiting for the RFC 1929 request */
	SRV_S6_RUN,         /* authenticated: the command runs */
};

/* Largest option set we put in an Authentication or Operation Reply. */
#define SRV_S6_REPLY_OPTS_MAX 256

typedef struct srv_s6_state {
	enum srv_s6_step step;
	s6_s6_request req;          /* req.opts is not kept: see optbuf */
	uint8_t *optbuf;            /* copy of the Request's options */
	s6_s6opts opts;             /* parsed from optbuf */
	size_t idata_len;           /* initial data after the Request */
	bool in_session;            /* part of a session (not a teardown) */
	uint8_t sid[SRV_S6_SESSION_ID_LEN];
	srv_s6_logrec log;
	srv_s6_stack stack;
	char host[S6_SOCKS6_DOMAIN_MAX + 1];  /* CONNECT/BIND target for srv_dial */
	srv_dial dial;
	srv_lookup lookup;
	srv_bind bind;
	uint8_t *tfo_data;          /* initial data handed to srv_dial */
	srv_s6dns *dns;
	srv_s6udp *udp;
	struct srv_s6_backlog *backlog;     /* owned: initial backlog BIND */
	struct srv_s6_backlog *waiting_on;  /* further BIND in its queue */
	srv_timer wait_timer;               /* --bind-timeout of that wait */
} srv_s6_state;

/* srv_s6_cmd.c: run the authenticated request (phase PENDING). */
void srv_s6_dispatch(srv_conn *c);
/* Operation Reply with a failure code, the log line, then close. */
void srv_s6_fail_op(srv_conn *c, uint8_t code);
/* Target as text for srv_dial / srv_lookup (a literal or the name). */
const char *srv_s6_host(srv_s6_state *st);

/* srv_s6_bind.c */
void srv_s6_start_bind(srv_conn *c);
void srv_s6_bind_init(srv_conn *c);
void srv_s6_bind_release(srv_conn *c);

#endif
