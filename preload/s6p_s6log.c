/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the proxy did with the Stack options: one line per option asked for
 * or reported, "socks6: stack option NAME LEG: what". A proxy must echo
 * every supported option the client sent; one it leaves out was ignored. */
#include <stdio.h>
#include "s6_log.h"
#include "s6_socks6_opt.h"
#include "s6p_s6.h"
#include "s6p_state.h"

static const char *s6p_stack_name(const s6_s6stack *st)
{
	static const struct {
		uint8_t level, code;
		const char *name;
	} names[] = {
		{S6_S6_LEVEL_IP, S6_S6_IP_TOS, "tos"},
		{S6_S6_LEVEL_IP, S6_S6_IP_HAPPY_EYEBALLS, "happy-eyeballs"},
		{S6_S6_LEVEL_IP, S6_S6_IP_TTL, "ttl"},
		{S6_S6_LEVEL_IP, S6_S6_IP_NOFRAG, "no-fragment"},
		{S6_S6_LEVEL_TCP, S6_S6_TCP_TFO, "tfo"},
		{S6_S6_LEVEL_TCP, S6_S6_TCP_MULTIPATH, "mptcp"},
		{S6_S6_LEVEL_TCP, S6_S6_TCP_BACKLOG, "backlog"},
		{S6_S6_LEVEL_UDP, S6_S6_UDP_ERROR, "udp-error"},
		{S6_S6_LEVEL_UDP, S6_S6_UDP_PORT_PARITY, "port-parity"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].level == st->level && names[i].code == st->code)
			return names[i].name;
	return "?";
}

static const char *s6p_leg_name(uint8_t leg)
{
	return leg == S6_S6_LEG_CLIENT_PROXY ? "proxy" : leg == S6_S6_LEG_PROXY_REMOTE ? "remote" : "both";
}

/* The value as the configuration file writes it. */
static void s6p_stack_value(const s6_s6stack *st, char *buf, size_t len)
{
	bool avail = (st->level == S6_S6_LEVEL_IP && (st->code == S6_S6_IP_HAPPY_EYEBALLS ||
						     st->code == S6_S6_IP_NOFRAG)) ||
		     (st->level == S6_S6_LEVEL_TCP && st->code == S6_S6_TCP_MULTIPATH) ||
		     (st->level == S6_S6_LEVEL_UDP && st->code == S6_S6_UDP_ERROR);

	if (avail)
		snprintf(buf, len, "%s", st->value == S6_S6_AVAIL_YES ? "on" : "off");
	else
		snprintf(buf, len, "%u", st->value);
}

static const s6_s6stack *s6p_stack_find(const s6_s6stack *v, size_t n, const s6_s6stack *want)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].level == want->level && v[i].code == want->code &&
		    s6_s6stack_legs_overlap(v[i].leg, want->leg))
			return &v[i];
	return NULL;
}

static void s6p_stack_line(const struct s6p_s6req *r, const s6_s6stack *st, const char *what)
{
	s6_log(S6_LOG_INFO, "proxy %s target %s: socks6: stack option %s %s: %s",
	       s6p_state()->proxy_str, r->label, s6p_stack_name(st), s6p_leg_name(st->leg), what);
}

void s6p_s6_log_stack(const struct s6p_s6req *r)
{
	s6_s6opts asked;
	char val[16], what[64];

	if (!s6_log_enabled(S6_LOG_INFO))
		return;
	asked.n_stack = 0;
	if (r->p.stack_opts_len &&
	    s6_s6opts_parse(r->p.stack_opts, r->p.stack_opts_len, &asked, NULL, 0) != S6_OK)
		asked.n_stack = 0;
	for (size_t i = 0; i < asked.n_stack; i++) {
		const s6_s6stack *a = &asked.stack[i];
		if (s6p_stack_find(r->out.stack, r->out.n_stack, a))
			continue;
		s6p_stack_value(a, val, sizeof val);
		snprintf(what, sizeof what, "asked %s, not confirmed (ignored)", val);
		s6p_stack_line(r, a, what);
	}
	for (size_t i = 0; i < r->out.n_stack; i++) {
		const s6_s6stack *e = &r->out.stack[i];
		const s6_s6stack *a = s6p_stack_find(asked.stack, asked.n_stack, e);
		char aval[16];
		s6p_stack_value(e, val, sizeof val);
		if (a) {
			s6p_stack_value(a, aval, sizeof aval);
			snprintf(what, sizeof what, "asked %s, proxy did %s", aval, val);
		} else {
			snprintf(what, sizeof what, "proxy did %s (not asked)", val);
		}
		s6p_stack_line(r, e, what);
	}
}
