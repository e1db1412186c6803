/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 Stack options on the proxy-remote leg: what the client asked for,
 * applying it to the outbound (or listening) socket, and the options the
 * Operation Reply echoes with the values actually in force. Options for
 * the client-proxy leg alone are not supported and ignored, as the draft
 * allows; an option for both legs is honoured on the remote leg. */
#ifndef SRV_S6_STACK_H
#define SRV_S6_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_socks6_opt.h"

typedef struct srv_s6_stack {
	bool tos, ttl, nofrag, he, tfo, mptcp, backlog;  /* present */
	uint8_t tos_v, ttl_v;
	uint8_t nofrag_v, he_v, mptcp_v;                  /* availability 1/2 */
	uint16_t tfo_v, backlog_v;                       /* payload, backlog */
} srv_s6_stack;

/* The remote-leg options of a Request. Happy Eyeballs counts only with a
 * domain-name target (the draft: otherwise ignore it). */
void srv_s6_stack_from_opts(srv_s6_stack *st, const s6_s6opts *o, bool domain_target);

/* Before connect/listen: TOS/TCLASS, TTL/hop limit, path MTU discovery
 * ("do" = DF set). Failures are tolerated: the echo reads back. */
void srv_s6_stack_prepare(const srv_s6_stack *st, int fd, int family);

/* The values in force on fd (same fields as asked; IP values read back
 * from the socket). tfo_sent: bytes of initial data the SYN carried;
 * mptcp_used: the socket is MPTCP. Fields the client did not send stay
 * absent: the echo answers exactly what was asked. */
void srv_s6_stack_applied(const srv_s6_stack *req, int fd, int family,
			  size_t tfo_sent, bool mptcp_used, srv_s6_stack *out);

/* Append the echo options (Leg = 2). */
s6_err srv_s6_stack_echo(s6_s6opt_buf *b, const srv_s6_stack *applied);

/* "tos:V,ttl:V,nofrag,tfo,mptcp,backlog:N,he" for what the client asked,
 * "-" for nothing. */
void srv_s6_stack_logstr(const srv_s6_stack *st, char *buf, size_t cap);

#endif
