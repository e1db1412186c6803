/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 UDP ASSOCIATE: the Operation Reply with its options, the
 * Association Init, and the end of an association. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "s6_bytes.h"
#include "s6_log.h"
#include "s6_socks6_msg.h"
#include "srv_s6_udp_int.h"

static void make_idhex(srv_s6udp *u)
{
	uint8_t id[8];

	s6_put_u32be(id, (uint32_t)(u->id >> 32));
	s6_put_u32be(id + 4, (uint32_t)u->id);
	for (int i = 0; i < 8; i++)
		snprintf(u->idhex + 2 * i, 3, "%02x", id[i]);
}

static bool new_id(srv_s6udp *u)
{
	uint8_t b[8];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return false;
	u->id = ((uint64_t)s6_get_u32be(b) << 32) | s6_get_u32be(b + 4);
	make_idhex(u);
	return true;
}

static void free_udp(srv_s6udp *u)
{
	srv_loop *l = u->c->srv->loop;

	srv_timer_stop(l, &u->idle);
	srv_timer_stop(l, &u->kick);
	s6udp_names_free(u);
	s6udp_dns_free(u);
	srv_watch_close(l, &u->udp);
	s6udp_sock_release(u);
	free(u->rx);
	free(u);
}

static srv_s6udp *udp_alloc(srv_conn *c)
{
	srv_s6udp *u = calloc(1, sizeof *u);

	if (!u)
		return NULL;
	u->c = c;
	u->reserve_fd = -1;
	srv_watch_init(&u->udp, s6udp_udp_event, u);
	srv_timer_init(&u->idle, s6udp_idle_expired, u);
	srv_timer_init(&u->kick, s6udp_tcp_kick, u);
	for (size_t i = 0; i < S6UDP_NAMES_MAX; i++) {
		u->names[i].u = u;
		srv_lookup_init(&u->names[i].lk);
	}
	u->rx = malloc(S6UDP_RX_MAX);
	if (!u->rx || !new_id(u) || !srv_buf_grow(&c->up, S6UDP_STREAM_BUF) ||
	    !srv_buf_grow(&c->down, S6UDP_STREAM_BUF)) {
		free_udp(u);
		return NULL;
	}
	return u;
}

static void refuse(srv_conn *c, uint8_t code, const uint8_t *opts, size_t opts_len,
		   const char *why)
{
	s6_s6_op_reply rep = {.code = code, .opts = opts, .opts_len = opts_len};
	uint8_t out[S6_SOCKS6_MSG_MAX];
	size_t len;

	rep.addr.type = S6_SOCKS6_ATYP_IPV4;
	s6_log(S6_LOG_INFO, "socks6-udp %s: refused: %s", c->peer_str, why);
	if (s6_s6_op_reply_pack(&rep, out, sizeof out, &len) != S6_OK)
		len = 0;
	srv_conn_refuse(c, out, len);
}

static uint8_t errno_reply(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return S6_SOCKS6_REP_NOT_ALLOWED;
	case EAFNOSUPPORT:
		return S6_SOCKS6_REP_ATYP_UNSUPPORTED;
	default:
		return S6_SOCKS6_REP_FAILURE;
	}
}

/* The requested bind address: AF_UNSPEC for "any" (0.0.0.0 or ::). */
static bool wanted_addr(const s6_s6_request *req, struct sockaddr_storage *want)
{
	memset(want, 0, sizeof *want);
	if (req->addr.type == S6_SOCKS6_ATYP_DOMAIN)
		return false;
	if (s6_s6_addr_is_unspecified(&req->addr)) {
		want->ss_family = AF_UNSPEC;
	} else if (req->addr.type == S6_SOCKS6_ATYP_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)want;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, req->addr.ip, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)want;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, req->addr.ip, 16);
	}
	/* The port goes into both layouts at the same offset. */
	((struct sockaddr_in *)want)->sin_port = htons(req->port);
	return true;
}

typedef struct udp_choice {
	bool want_icmp, has_icmp_opt;
	bool has_parity_opt;
	uint8_t parity, got_parity;
	bool reserve, got_reserve;
} udp_choice;

static void read_options(srv_s6udp *u, const s6_s6_request *req,
			 const s6_s6opts *opts, udp_choice *ch)
{
	const s6_s6stack *e = s6_s6opts_find_stack(opts, S6_S6_LEVEL_UDP,
						   S6_S6_UDP_ERROR, S6_S6_LEG_PROXY_REMOTE);
	const s6_s6stack *p = s6_s6opts_find_stack(opts, S6_S6_LEVEL_UDP,
						   S6_S6_UDP_PORT_PARITY,
						   S6_S6_LEG_PROXY_REMOTE);

	memset(ch, 0, sizeof *ch);
	ch->has_icmp_opt = e != NULL;
	ch->want_icmp = e && e->value == S6_S6_AVAIL_YES;
	ch->has_parity_opt = p != NULL;
	/* "If the UDP ASSOCIATE request does not have the Port field set to
	 * 0 ..., the proxy MUST ignore the suggested parity." */
	if (p && req->port == 0) {
		ch->parity = (uint8_t)p->value;
		ch->reserve = p->reserve && ch->parity != S6_S6_PARITY_ANY;
	}
	if (opts->has_session_id) {
		u->has_session = true;
		u->session_id_len = opts->session_id_len;
		memcpy(u->session_id, opts->session_id, opts->session_id_len);
	}
}

/* reply_opts, then our UDP Error and Port Parity answers. */
static bool build_opts(const udp_choice *ch, bool icmp, const uint8_t *reply_opts,
		       size_t reply_opts_len, s6_s6opt_buf *b)
{
	s6_s6stack st = {.leg = S6_S6_LEG_PROXY_REMOTE, .level = S6_S6_LEVEL_UDP};

	if (reply_opts_len > b->cap)
		return false;
	memcpy(b->buf, reply_opts, reply_opts_len);
	b->len = reply_opts_len;
	if (ch->has_icmp_opt) {
		st.code = S6_S6_UDP_ERROR;
		st.value = icmp ? S6_S6_AVAIL_YES : S6_S6_AVAIL_NO;
		if (s6_s6opt_put_stack(b, &st) != S6_OK)
			return false;
	}
	if (ch->has_parity_opt) {
		st.code = S6_S6_UDP_PORT_PARITY;
		st.value = ch->got_parity;
		st.reserve = ch->got_reserve ? 1 : 0;
		if (s6_s6opt_put_stack(b, &st) != S6_OK)
			return false;
	}
	return true;
}

/* Where the client sends its datagrams: the address it reached us at
 * (or the specific one it asked for) with the UDP socket's port. */
static void reply_address(srv_s6udp *u, const struct sockaddr_storage *want,
			  s6_s6_addr *a, uint16_t *port)
{
	struct sockaddr_storage bound, shown;
	socklen_t len = sizeof bound;

	if (want->ss_family == AF_UNSPEC ||
	    getsockname(u->udp.fd, (struct sockaddr *)&bound, &len) < 0)
		bound = u->c->local;
	s6_addr_unmap((struct sockaddr *)&bound, &shown);
	if (shown.ss_family == AF_INET)
		((struct sockaddr_in *)&shown)->sin_port = htons(u->port);
	else if (shown.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&shown)->sin6_port = htons(u->port);
	if (!s6udp_addr_from_sa(&shown, a, port)) {
		memset(a, 0, sizeof *a);
		a->type = S6_SOCKS6_ATYP_IPV4;
		*port = u->port;
	}
	s6_addr_format((struct sockaddr *)&shown, u->udp_str, sizeof u->udp_str);
}

static bool send_reply_and_init(srv_s6udp *u, const struct sockaddr_storage *want,
				const s6_s6opt_buf *ob)
{
	s6_s6_op_reply rep = {.code = S6_SOCKS6_REP_SUCCESS, .opts = ob->buf,
			      .opts_len = ob->len};
	s6_s6_udp_msg init = {.type = S6_SOCKS6_UDP_ASSOC_INIT, .assoc_id = u->id};
	uint8_t out[S6_SOCKS6_MSG_MAX];
	size_t len, ilen;

	reply_address(u, want, &rep.addr, &rep.port);
	if (s6_s6_op_reply_pack(&rep, out, sizeof out, &len) != S6_OK ||
	    s6_s6_udp_pack(&init, out + len, sizeof out - len, &ilen) != S6_OK)
		return false;
	return s6udp_tcp_send(u, out, len + ilen);
}

static void log_start(srv_s6udp *u)
{
	s6_log(S6_LOG_INFO, "socks6-udp %s assoc=%s udp=%s%s", u->c->peer_str,
	       u->idhex, u->udp_str, u->icmp ? " icmp-errors" : "");
}

/* Everything that can fail before the reply; returns the reply code. */
static uint8_t setup(srv_s6udp *u, const s6_s6_request *req, const s6_s6opts *opts,
		     udp_choice *ch, struct sockaddr_storage *want, const char **why)
{
	int fd;

	read_options(u, req, opts, ch);
	if (!wanted_addr(req, want)) {
		*why = "a domain name as bind address";
		return S6_SOCKS6_REP_ATYP_UNSUPPORTED;
	}
	fd = s6udp_sock_open(u, want, ch->parity, ch->reserve, &ch->got_parity,
			     &ch->got_reserve);
	if (fd < 0) {
		*why = strerror(errno);
		return errno_reply(errno);
	}
	srv_watch_attach(&u->udp, fd);
	u->icmp = ch->want_icmp && s6udp_icmp_enable(fd, u->family);
	return S6_SOCKS6_REP_SUCCESS;
}

srv_s6udp *srv_s6udp_start(srv_conn *c, const s6_s6_request *req,
			   const s6_s6opts *opts, const uint8_t *reply_opts,
			   size_t reply_opts_len, uint8_t *code_out)
{
	static const uint8_t no_opts[1];
	uint8_t optmem[S6_S6OPT_TOTAL_MAX];
	s6_s6opt_buf ob;
	struct sockaddr_storage want;
	udp_choice ch;
	const char *why = "out of memory";
	srv_s6udp *u = udp_alloc(c);
	uint8_t code = u ? setup(u, req, opts, &ch, &want, &why) : S6_SOCKS6_REP_FAILURE;

	if (!reply_opts)
		reply_opts = no_opts;
	s6_s6opt_buf_init(&ob, optmem, sizeof optmem);
	if (code == S6_SOCKS6_REP_SUCCESS &&
	    (!build_opts(&ch, u->icmp, reply_opts, reply_opts_len, &ob) ||
	     !s6udp_tcp_start(u) || !send_reply_and_init(u, &want, &ob))) {
		code = S6_SOCKS6_REP_FAILURE;
		why = "cannot queue the reply";
	}
	*code_out = code;
	if (code != S6_SOCKS6_REP_SUCCESS) {
		if (u)
			free_udp(u);
		refuse(c, code, reply_opts, reply_opts_len, why);
		return NULL;
	}
	s6udp_touch(u);
	if (c->srv->cfg.idle_ms)
		srv_timer_arm(c->srv->loop, &u->idle, c->srv->cfg.idle_ms);
	log_start(u);
	s6udp_update_udp_interest(u);
	return u;
}

void srv_s6udp_free(srv_s6udp *u)
{
	if (!u)
		return;
	s6_log(S6_LOG_INFO, "socks6-udp %s assoc=%s ended: client->remote %" PRIu64
	       " datagrams %" PRIu64 " bytes (%" PRIu64 " dropped), remote->client %"
	       PRIu64 " datagrams %" PRIu64 " bytes (%" PRIu64 " dropped), %" PRIu64
	       " errors, %" PRIu64 " DNS queries (%" PRIu64 " SERVFAIL)", u->c->peer_str,
	       u->idhex, u->up.dgrams, u->up.bytes, u->up.dropped, u->down.dgrams,
	       u->down.bytes, u->down.dropped, u->errors_sent, u->dns_queries, u->dns_failed);
	free_udp(u);
}
