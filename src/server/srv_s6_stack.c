/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "srv_s6_stack.h"

static void take(srv_s6_stack *st, const s6_s6stack *s, bool domain_target)
{
	if (s->level == S6_S6_LEVEL_IP && s->code == S6_S6_IP_TOS) {
		st->tos = true;
		st->tos_v = (uint8_t)s->value;
	} else if (s->level == S6_S6_LEVEL_IP && s->code == S6_S6_IP_TTL) {
		st->ttl = true;
		st->ttl_v = (uint8_t)s->value;
	} else if (s->level == S6_S6_LEVEL_IP && s->code == S6_S6_IP_NOFRAG) {
		st->nofrag = true;
		st->nofrag_v = (uint8_t)s->value;
	} else if (s->level == S6_S6_LEVEL_IP && s->code == S6_S6_IP_HAPPY_EYEBALLS) {
		st->he = domain_target;
		st->he_v = (uint8_t)s->value;
	} else if (s->level == S6_S6_LEVEL_TCP && s->code == S6_S6_TCP_TFO) {
		st->tfo = true;
		st->tfo_v = s->value;
	} else if (s->level == S6_S6_LEVEL_TCP && s->code == S6_S6_TCP_MULTIPATH) {
		st->mptcp = true;
		st->mptcp_v = (uint8_t)s->value;
	} else if (s->level == S6_S6_LEVEL_TCP && s->code == S6_S6_TCP_BACKLOG) {
		st->backlog = true;
		st->backlog_v = s->value;
	}
}

void srv_s6_stack_from_opts(srv_s6_stack *st, const s6_s6opts *o, bool domain_target)
{
	memset(st, 0, sizeof *st);
	for (size_t i = 0; i < o->n_stack; i++)
		if (o->stack[i].leg & S6_S6_LEG_PROXY_REMOTE)
			take(st, &o->stack[i], domain_target);
}

void srv_s6_stack_prepare(const srv_s6_stack *st, int fd, int family)
{
	bool v6 = family == AF_INET6;
	int v;

	if (st->tos) {
		v = st->tos_v;
		setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS,
			   &v, sizeof v);
	}
	if (st->ttl && st->ttl_v > 0) {
		v = st->ttl_v;
		setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   v6 ? IPV6_UNICAST_HOPS : IP_TTL, &v, sizeof v);
	}
	if (st->nofrag && st->nofrag_v == S6_S6_AVAIL_YES) {
		v = v6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;
		setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &v, sizeof v);
	}
}

static int get_int(int fd, int level, int name, int fallback)
{
	int v = fallback;
	socklen_t len = sizeof v;

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return fallback;
	return v;
}

void srv_s6_stack_applied(const srv_s6_stack *req, int fd, int family,
			  size_t tfo_sent, bool mptcp_used, srv_s6_stack *out)
{
	bool v6 = family == AF_INET6;
	int lvl = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int pmtu;

	*out = *req;
	if (req->tos)
		out->tos_v = (uint8_t)get_int(fd, lvl, v6 ? IPV6_TCLASS : IP_TOS, 0);
	if (req->ttl)
		out->ttl_v = (uint8_t)get_int(fd, lvl, v6 ? IPV6_UNICAST_HOPS : IP_TTL, 64);
	if (req->nofrag) {
		pmtu = get_int(fd, lvl, v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, -1);
		out->nofrag_v = pmtu == (v6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO)
			? S6_S6_AVAIL_YES : S6_S6_AVAIL_NO;
	}
	if (req->tfo)
		out->tfo_v = (uint16_t)tfo_sent;
	if (req->mptcp)
		out->mptcp_v = mptcp_used ? S6_S6_AVAIL_YES : S6_S6_AVAIL_NO;
}

static s6_err put(s6_s6opt_buf *b, uint8_t level, uint8_t code, uint16_t value)
{
	s6_s6stack s = {
		.leg = S6_S6_LEG_PROXY_REMOTE, .level = level, .code = code, .value = value,
	};

	return s6_s6opt_put_stack(b, &s);
}

s6_err srv_s6_stack_echo(s6_s6opt_buf *b, const srv_s6_stack *a)
{
	s6_err err = S6_OK;

	if (a->tos)
		err = put(b, S6_S6_LEVEL_IP, S6_S6_IP_TOS, a->tos_v);
	if (err == S6_OK && a->ttl)
		err = put(b, S6_S6_LEVEL_IP, S6_S6_IP_TTL, a->ttl_v);
	if (err == S6_OK && a->nofrag)
		err = put(b, S6_S6_LEVEL_IP, S6_S6_IP_NOFRAG, a->nofrag_v);
	if (err == S6_OK && a->he)
		err = put(b, S6_S6_LEVEL_IP, S6_S6_IP_HAPPY_EYEBALLS, a->he_v);
	if (err == S6_OK && a->tfo)
		err = put(b, S6_S6_LEVEL_TCP, S6_S6_TCP_TFO, a->tfo_v);
	if (err == S6_OK && a->mptcp)
		err = put(b, S6_S6_LEVEL_TCP, S6_S6_TCP_MULTIPATH, a->mptcp_v);
	if (err == S6_OK && a->backlog)
		err = put(b, S6_S6_LEVEL_TCP, S6_S6_TCP_BACKLOG, a->backlog_v);
	return err;
}

static void add(char *buf, size_t cap, size_t *len, const char *item)
{
	int n = snprintf(buf + *len, cap - *len, "%s%s", *len ? "," : "", item);

	if (n > 0 && (size_t)n < cap - *len)
		*len += (size_t)n;
}

void srv_s6_stack_logstr(const srv_s6_stack *st, char *buf, size_t cap)
{
	char item[24];
	size_t len = 0;

	buf[0] = '\0';
	if (st->tos) {
		snprintf(item, sizeof item, "tos:%u", st->tos_v);
		add(buf, cap, &len, item);
	}
	if (st->ttl) {
		snprintf(item, sizeof item, "ttl:%u", st->ttl_v);
		add(buf, cap, &len, item);
	}
	if (st->nofrag && st->nofrag_v == S6_S6_AVAIL_YES)
		add(buf, cap, &len, "nofrag");
	if (st->tfo)
		add(buf, cap, &len, "tfo");
	if (st->mptcp && st->mptcp_v == S6_S6_AVAIL_YES)
		add(buf, cap, &len, "mptcp");
	if (st->backlog) {
		snprintf(item, sizeof item, "backlog:%u", st->backlog_v);
		add(buf, cap, &len, item);
	}
	if (st->he && st->he_v == S6_S6_AVAIL_YES)
		add(buf, cap, &len, "he");
	if (len == 0)
		snprintf(buf, cap, "-");
}
