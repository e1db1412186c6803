/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "s6_addr.h"
#include "s6p_target.h"

static void s6p_target_userid(const s6_config *cfg, s6_socks4_request *req)
{
	const char *id = cfg->proxy.has_user ? cfg->proxy.user : cfg->has_user ? cfg->user : "";
	s6p_str_copy(req->userid, sizeof req->userid, id);
}

/* SOCKS6 carries names of up to 255 bytes, as the placeholder map does. */
static void s6p_target_s6_name(struct s6p_target *t, const char *name)
{
	size_t n = strlen(name);

	if (n > S6_SOCKS6_DOMAIN_MAX)
		n = S6_SOCKS6_DOMAIN_MAX;
	t->s6dst.type = S6_SOCKS6_ATYP_DOMAIN;
	memcpy(t->s6dst.domain, name, n);
	t->s6dst.domain[n] = '\0';
	t->s6dst.domain_len = (uint8_t)n;
}

s6_err s6p_target_make(const struct s6p_state *st, const struct sockaddr *sa,
		       socklen_t len, struct s6p_target *t)
{
	struct sockaddr_storage plain;
	uint16_t port = s6_addr_port(sa);
	uint32_t serial;

	memset(t, 0, sizeof *t);
	memcpy(&t->dest, sa, len < sizeof t->dest ? len : sizeof t->dest);
	t->dest_len = len;
	t->req.command = S6_SOCKS4_CMD_CONNECT;
	t->req.port = port;
	t->port = port;
	s6p_target_userid(&st->cfg, &t->req);
	s6_addr_unmap(sa, &plain);
	s6_addr_format((struct sockaddr *)&plain, t->label, sizeof t->label);

	if (s6_ph_is_placeholder((struct sockaddr *)&plain, &serial)) {
		char name[S6_PH_NAME_MAX + 1];
		s6_err err = st->ph ? s6_ph_name(st->ph, serial, name, sizeof name)
				    : S6_ERR_STALE_PLACEHOLDER;
		if (err != S6_OK) {
			snprintf(t->why, sizeof t->why, "placeholder address no longer maps to a name (%s)",
				 s6_strerror(err));
			return S6_ERR_STALE_PLACEHOLDER;
		}
		snprintf(t->req.domain, sizeof t->req.domain, "%s", name);
		snprintf(t->label, sizeof t->label, "%s:%u", name, port);
		t->is_name = true;
		s6p_target_s6_name(t, name);
	} else if (plain.ss_family == AF_INET) {
		memcpy(t->req.ip, &((struct sockaddr_in *)&plain)->sin_addr, 4);
		t->s6dst.type = S6_SOCKS6_ATYP_IPV4;
		memcpy(t->s6dst.ip, t->req.ip, 4);
	} else {
		t->s6dst.type = S6_SOCKS6_ATYP_IPV6;
		memcpy(t->s6dst.ip, &((struct sockaddr_in6 *)&plain)->sin6_addr, 16);
		/* SOCKS4 has no IPv6 field: a SOCKS4a proxy resolves the literal. */
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&plain)->sin6_addr,
			  t->req.domain, sizeof t->req.domain);
	}
	return S6_OK;
}

void s6p_target_to_conn(const struct s6p_target *t, struct s6p_conn *c, enum s6p_conn_state st)
{
	c->state = st;
	c->dest = t->dest;
	c->dest_len = t->dest_len;
	c->is_name = t->is_name;
	s6p_str_copy(c->target, sizeof c->target, t->label);
}
