/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP request handling: parse, authenticate, scope, resolve, answer
 * (see srv_cip.h). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s6_addr.h"
#include "s6_cip_template.h"
#include "s6_log.h"
#include "s6_proxy_status.h"
#include "srv_cip_echo6.h"
#include "srv_cip_int.h"
#include "srv_s6_auth.h"
#include "srv_socks6.h"
#include "srv_tls.h"

#define TEMPLATE_PREFIX "/.well-known/masque/ip/"
#define RESP_MAX 2048

static const srv_cip_config *cfg_of(const srv_conn *c)
{
	return c->srv->cfg.cip;
}

static void refuse(srv_conn *c, int status, const char *text, const char *reason)
{
	char buf[512];
	int n;

	s6_log(S6_LOG_INFO, "%s: connect-ip refused: %d %s (%s)", c->peer_str, status,
	       text, reason);
	n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\nConnection: close\r\n%s"
		     "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\n",
		     status, text, status == 407 ?
		     "Proxy-Authenticate: Basic realm=\"socks6ify\"\r\n" : "",
		     strlen(reason) + 1, reason);
	srv_conn_refuse(c, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static bool authorized(srv_conn *c, const s6_cip_req *r)
{
	const srv_s6_users *u = &c->srv->cfg.s6->users;
	const srv_s6_user *who;
	s6_userpass up;
	const char *why;

	if (u->n == 0)
		return true;
	if (!r->has_auth || s6_cip_req_basic(r->auth, &up, &why) != S6_OK)
		return false;
	who = srv_s6_users_check(u, &up);
	if (who)
		s6_log(S6_LOG_DEBUG, "%s: connect-ip user %s", c->peer_str, who->name);
	return who != NULL;
}

/* Full routes of one family, or one range. */
static void add_range(srv_cip_st *st, int fam, const uint8_t *lo, const uint8_t *hi)
{
	s6_cip_range *r;
	size_t len = fam == AF_INET ? 4 : 16;

	if (st->nroutes >= SRV_CIP_ROUTES_MAX)
		return;
	r = &st->routes[st->nroutes++];
	memset(r, 0, sizeof *r);
	r->version = fam == AF_INET ? 4 : 6;
	memcpy(r->start, lo, len);
	memcpy(r->end, hi, len);
	r->proto = st->scope.ipproto;
}

static void add_prefix(srv_cip_st *st, const s6_cidr *n)
{
	uint8_t hi[16];
	size_t len = n->family == AF_INET ? 4 : 16;

	memcpy(hi, n->addr, len);
	for (size_t bit = n->prefix; bit < len * 8; bit++)
		hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	add_range(st, n->family, n->addr, hi);
}

static int range_cmp(const void *a, const void *b)
{
	const s6_cip_range *x = a, *y = b;

	if (x->version != y->version)
		return x->version - y->version;
	return memcmp(x->start, y->start, 16);
}

/* Sorted, duplicates dropped: ROUTE_ADVERTISEMENT's order rules. */
static void routes_normalize(srv_cip_st *st)
{
	size_t o = 0;

	qsort(st->routes, st->nroutes, sizeof st->routes[0], range_cmp);
	for (size_t i = 0; i < st->nroutes; i++)
		if (o == 0 || range_cmp(&st->routes[o - 1], &st->routes[i]) != 0)
			st->routes[o++] = st->routes[i];
	st->nroutes = o;
}

static void routes_any(srv_cip_st *st)
{
	s6_cidr all;

	s6_cidr_parse("0.0.0.0/0", &all);
	add_prefix(st, &all);
	s6_cidr_parse("::/0", &all);
	add_prefix(st, &all);
}

/* One more name of next-hop-aliases; false (the list unchanged) when it
 * does not fit. */
static bool alias_append(srv_cip_st *st, const char *name)
{
	size_t used = strlen(st->aliases), enc = 0;

	if (used + 2 >= sizeof st->aliases)
		return false;
	if (used)
		st->aliases[used++] = ',';
	if (s6_ps_alias_encode(name, st->aliases + used, sizeof st->aliases - used,
			       &enc) != S6_OK) {
		st->aliases[used ? used - 1 : 0] = '\0';
		return false;
	}
	return true;
}

/* Follow --cname from the target; the chain becomes next-hop-aliases.
 * False when no entry applies: the DNS then tells the chain. */
static bool cname_chain(srv_cip_st *st, const srv_cip_config *cfg)
{
	size_t depth;

	snprintf(st->name, sizeof st->name, "%s", st->scope.target);
	st->aliases[0] = '\0';
	st->has_aliases = true;
	for (depth = 0; depth < SRV_CIP_CNAME_DEPTH; depth++) {
		const srv_cip_cname *hit = NULL;
		size_t nl = strlen(st->name);

		for (size_t i = 0; i < cfg->n_cname && !hit; i++)
			if (strncasecmp(cfg->cname[i].name, st->name, nl) == 0 &&
			    cfg->cname[i].name[nl] == '=')
				hit = &cfg->cname[i];
		if (!hit)
			break;
		snprintf(st->name, sizeof st->name, "%s", hit->target);
		if (!alias_append(st, st->name))
			break;
	}
	return depth > 0;
}

/* The chain the resolver found in the DNS (an empty list when the DNS
 * had none to tell, e.g. for a name from /etc/hosts). */
static void dns_chain(srv_conn *c, const srv_cnames *cn)
{
	srv_cip_st *st = c->state;

	if (!cn)
		return;
	if (!cn->known) {
		s6_log(S6_LOG_DEBUG, "%s: connect-ip %s: no CNAME chain from the DNS (%s)",
		       c->peer_str, st->name, cn->why ? cn->why : "?");
		return;
	}
	for (size_t i = 0; i < cn->n; i++)
		if (!alias_append(st, cn->name[i]))
			break;
	if (cn->n)
		s6_log(S6_LOG_INFO, "%s: connect-ip %s: CNAME chain from the DNS: %s",
		       c->peer_str, st->name, st->aliases);
}

static void respond(srv_conn *c);

static void looked_up(srv_lookup *lk, const srv_addrs *res, const char *reason)
{
	srv_conn *c = lk->owner;
	srv_cip_st *st = c->state;

	if (!res || res->n == 0) {
		refuse(c, 502, "Bad Gateway", reason ? reason : "name not resolved");
		return;
	}
	dns_chain(c, lk->cnames);
	for (size_t i = 0; i < res->n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&res->a[i];

		if (sa->sa_family == AF_INET)
			add_range(st, AF_INET, (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr,
				  (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
		else if (sa->sa_family == AF_INET6)
			add_range(st, AF_INET6,
				  ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr,
				  ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	}
	if (st->nroutes == 0) {
		refuse(c, 502, "Bad Gateway", "no usable address");
		return;
	}
	inet_ntop(st->routes[0].version == 4 ? AF_INET : AF_INET6, st->routes[0].start,
		  st->next_hop, sizeof st->next_hop);
	respond(c);
}

/* The scope's routes, by lookup when the target is a name. */
static void scope_routes(srv_conn *c)
{
	srv_cip_st *st = c->state;
	s6_cidr lit;

	if (st->scope.any_target) {
		routes_any(st);
		respond(c);
		return;
	}
	if (s6_cidr_parse(st->scope.target, &lit) == S6_OK && !lit.port) {
		add_prefix(st, &lit);
		snprintf(st->next_hop, sizeof st->next_hop, "%s", st->scope.target);
		respond(c);
		return;
	}
	srv_lookup_init(&st->lk);
	if (cname_chain(st, cfg_of(c)) ?
	    !srv_lookup_start(&st->lk, c->srv->loop, c->srv->resolver, st->name, 0,
			      c->srv->cfg.connect_ms, looked_up, c) :
	    !srv_lookup_start_cnames(&st->lk, c->srv->loop, c->srv->resolver, st->name, 0,
				     c->srv->cfg.connect_ms, looked_up, c))
		refuse(c, 503, "Service Unavailable", "cannot queue the lookup");
}

static size_t head_101(const srv_cip_st *st, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "HTTP/1.1 101 Switching Protocols\r\n"
			 "Connection: Upgrade\r\nUpgrade: connect-ip\r\n%s"
			 "Proxy-Status: socks6ify",
			 st->mode == S6_CIP_MODE_RFC9484 ? "Capsule-Protocol: ?1\r\n" : "");
	size_t len = (size_t)n;

	if (st->next_hop[0])
		len += (size_t)snprintf(buf + len, cap - len, "; next-hop=\"%s\"", st->next_hop);
	if (st->has_aliases)
		len += (size_t)snprintf(buf + len, cap - len, "; next-hop-aliases=\"%s\"",
					st->aliases);
	len += (size_t)snprintf(buf + len, cap - len, "\r\n\r\n");
	return len < cap ? len : 0;
}

static void respond(srv_conn *c)
{
	srv_cip_st *st = c->state;
	char head[RESP_MAX + SRV_CIP_ALIASES_MAX];
	size_t n;

	routes_normalize(st);
	st->idx = srv_cip_pool_take(c->srv->cip_pool);
	if (st->idx < 0) {
		st->idx = -1;
		refuse(c, 503, "Service Unavailable", "address pool exhausted");
		return;
	}
	srv_cip_pool_addr(&cfg_of(c)->pool4, st->idx, st->a4);
	srv_cip_pool_addr(&cfg_of(c)->pool6, st->idx, st->a6);
	n = head_101(st, head, sizeof head);
	if (!n || !srv_conn_send(c, head, n) || !srv_cip_send_config(c, NULL, 0, true)) {
		refuse(c, 500, "Internal Server Error", "response too large");
		return;
	}
	srv_cip_tun_start(c);
}

static s6_err check_request(srv_conn *c, const s6_cip_req *r, const char **why)
{
	srv_cip_st *st = c->state;

	if (strcmp(r->method, "GET") != 0 || !r->http11)
		return (*why = "not an HTTP/1.1 GET"), S6_ERR_MALFORMED;
	if (!r->upgrade_connect_ip || !r->connection_upgrade)
		return (*why = "not an Upgrade to connect-ip"), S6_ERR_MALFORMED;
	if (r->has_body_framing)
		return (*why = "Content-Length or Transfer-Encoding in an upgrade"),
		       S6_ERR_MALFORMED;
	st->mode = r->capsule_protocol && !cfg_of(c)->draft00 ? S6_CIP_MODE_RFC9484
							      : S6_CIP_MODE_DRAFT00;
	return s6_cip_req_scope(r->path, TEMPLATE_PREFIX, &st->scope, why);
}

static void cip_input(srv_conn *c)
{
	srv_cip_st *st = c->state;
	s6_cip_req req;
	size_t used = 0, need = 0;
	const char *why = "bad request";
	s6_err e;

	e = s6_cip_req_parse(srv_buf_peek(&c->up), srv_buf_len(&c->up), &req, &used,
			     &need, &why);
	if (e == S6_ERR_NEED_MORE)
		return;
	if (e == S6_OK)
		e = check_request(c, &req, &why);
	if (e != S6_OK) {
		refuse(c, e == S6_ERR_TOO_LONG ? 431 : 400,
		       e == S6_ERR_TOO_LONG ? "Request Header Fields Too Large" : "Bad Request",
		       why);
		return;
	}
	if (!authorized(c, &req)) {
		refuse(c, 407, "Proxy Authentication Required",
		       req.has_auth ? "bad credentials" : "no credentials");
		return;
	}
	srv_buf_consume(&c->up, used);
	srv_conn_handshake_done(c);
	s6_log(S6_LOG_INFO, "%s: connect-ip %s target %s ipproto %u", c->peer_str,
	       st->mode == S6_CIP_MODE_RFC9484 ? "rfc9484" : "draft-00",
	       st->scope.any_target ? "*" : st->scope.target, st->scope.ipproto);
	scope_routes(c);
}

static void cip_init(srv_conn *c)
{
	srv_cip_st *st = c->state;

	st->c = c;
	st->idx = -1;
	srv_lookup_init(&st->lk);
}

static void cip_release(srv_conn *c)
{
	srv_cip_st *st = c->state;

	srv_lookup_cancel(&st->lk);
	if (st->sl) {
		s6_log(S6_LOG_DEBUG, "%s: connect-ip closed: %llu packets in, %llu out, "
		       "%llu dropped, %llu ICMP errors sent", c->peer_str,
		       (unsigned long long)st->pkts_in, (unsigned long long)st->pkts_out,
		       (unsigned long long)st->dropped, (unsigned long long)st->icmp_sent);
		srv_cip_slirp_free(st->sl);
		srv_cip_echo6_free(st->e6);
		st->e6 = NULL;
		st->sl = NULL;
	}
	if (st->idx >= 0)
		srv_cip_pool_put(c->srv->cip_pool, st->idx);
	st->idx = -1;
}

const srv_proto srv_cip_proto = {
	.name = "connect-ip",
	.state_size = sizeof(srv_cip_st),
	.init = cip_init,
	.input = cip_input,
	.release = cip_release,
};

static void cip_tls_accept(srv_server *s, int fd, const struct sockaddr *peer)
{
	srv_tls_accept_inner(s, fd, peer, &srv_cip_proto);
}

const srv_proto srv_cip_tls_proto = {
	.name = "connect-ip-tls",
	.accept = cip_tls_accept,
};
