/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one INFO line per SOCKS6 request. Integration tests grep its fields,
 * which always appear in this order:
 *   socks6 PEER CMD TARGET auth=A user=U session=S token=T window=W
 *          idata=N syn=data|plain opts=O reply=CODE (text)
 *                                                or  reply=auth-failed
 * Every field that does not apply is "-". Names from the network are
 * sanitized so that a line stays one line with unambiguous fields. */
#ifndef SRV_S6_LOG_H
#define SRV_S6_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "s6_socks6.h"

typedef struct srv_s6_logrec {
	const char *cmd;             /* CONNECT BIND UDP-ASSOCIATE NOOP CMD-n */
	char target[S6_SOCKS6_DOMAIN_MAX + 16];
	const char *auth;            /* none userpass-0rtt userpass-slow session */
	char user[S6_SOCKS6_DOMAIN_MAX + 1];
	const char *session;         /* new reuse invalid teardown - */
	char token[32];              /* N/accepted N/rejected - */
	char window[32];             /* BASE+SIZE - */
	size_t idata;
	const char *syn;             /* data: the client's SYN carried bytes (TFO); plain */
	char opts[96];               /* tos:V,ttl:V,... - */
	char cmd_buf[12];
} srv_s6_logrec;

/* Everything "-", idata 0. */
void srv_s6_log_init(srv_s6_logrec *r);

/* The request's command and target (address type, address, port). */
void srv_s6_log_request(srv_s6_logrec *r, uint8_t command, const s6_s6_addr *a,
			uint16_t port);

void srv_s6_log_user(srv_s6_logrec *r, const char *name);

/* Replace bytes that could break the line with '?'. */
void srv_s6_sanitize(char *dst, size_t cap, const char *src);

/* Emit the line with "reply=CODE (text)". */
void srv_s6_log_reply(const char *peer, const srv_s6_logrec *r, uint8_t code);
/* Emit the line with "reply=auth-failed". */
void srv_s6_log_auth_failed(const char *peer, const srv_s6_logrec *r);

#endif
