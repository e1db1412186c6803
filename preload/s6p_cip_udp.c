/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control connection of a UDP association through CONNECT-IP: to the
 * engine, with the handoff in front (see s6p_cip_udp.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "s6_addr.h"
#include "s6_cip_ippkt.h"
#include "s6_engine_msg.h"
#include "s6_handshake.h"
#include "s6_socks6_msg.h"
#include "s6p_cip.h"
#include "s6p_cip_ping.h"
#include "s6p_cip_udp.h"
#include "s6p_engine.h"
#include "s6p_real.h"

/* The engine's replies before the Association Init: the status record and
 * an Operation Reply without options. */
#define S6P_CIP_UDP_REPLY_MAX (S6_ENG_STATUS_MAX + 64)

int s6p_cip_udp_pick(int family, struct sockaddr_storage *out, socklen_t *len)
{
	return s6p_engine_pick(family, out, len);
}

/* Read until buf holds want bytes, never more: what follows is the next
 * message's. 0 or an errno. */
static int s6p_cip_udp_fill(int ctl, uint8_t *buf, size_t *have, size_t want, int64_t deadline)
{
	while (*have < want) {
		int64_t left = deadline - s6_now_ms();
		struct pollfd p = {.fd = ctl, .events = POLLIN};
		if (left <= 0)
			return ETIMEDOUT;
		if (S6P_REAL(poll)(&p, 1, (int)left) < 0 && errno != EINTR)
			return errno;
		ssize_t n = S6P_REAL(recv)(ctl, buf + *have, want - *have, MSG_DONTWAIT);
		if (n == 0)
			return ECONNRESET;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (n > 0)
			*have += (size_t)n;
	}
	return 0;
}

static int s6p_cip_udp_status(int ctl, int64_t deadline, char *why, size_t cap)
{
	uint8_t b[S6_ENG_STATUS_MAX];
	size_t have = 0, used = 0, need = S6_ENG_STATUS_FIXED;
	s6_eng_status st;
	s6_err err = S6_ERR_NEED_MORE;
	int rc = 0;

	/* Bounded: each round reads what the parser asked for. */
	for (int i = 0; i < 8 && err == S6_ERR_NEED_MORE && need <= sizeof b &&
	     (rc = s6p_cip_udp_fill(ctl, b, &have, need, deadline)) == 0; i++)
		err = s6_eng_status_parse(b, have, &st, &used, &need);
	if (rc) {
		snprintf(why, cap, "no answer from the engine: %s", strerror(rc));
		return rc;
	}
	if (err != S6_OK) {
		snprintf(why, cap, "engine: malformed status record");
		return EPROTO;
	}
	if (st.code != S6_ENG_OK) {
		snprintf(why, cap, "%s", st.reason[0] ? st.reason : "engine: failed");
		return st.err ? st.err : ECONNREFUSED;
	}
	return 0;
}

static int s6p_cip_udp_reply(int ctl, int64_t deadline, s6_s6_client_result *res, char *why,
			     size_t cap)
{
	uint8_t b[S6P_CIP_UDP_REPLY_MAX];
	size_t have = 0, used = 0, need = 1;
	s6_s6_op_reply rep;
	s6_err err = S6_ERR_NEED_MORE;
	int rc = 0;

	/* This parser's need counts the bytes missing, not the total. */
	for (int i = 0; i < 8 && err == S6_ERR_NEED_MORE && have + need <= sizeof b &&
	     (rc = s6p_cip_udp_fill(ctl, b, &have, have + need, deadline)) == 0; i++)
		err = s6_s6_op_reply_parse(b, have, &rep, &used, &need);
	if (rc || err != S6_OK || rep.code != S6_SOCKS6_REP_SUCCESS) {
		snprintf(why, cap, "engine: no usable Operation Reply");
		return rc ? rc : EPROTO;
	}
	memset(res, 0, sizeof *res);
	res->bound_addr = rep.addr;
	res->bound_port = rep.port;
	return 0;
}

int s6p_cip_udp_request(int fd, int ctl, const struct s6p_target *t, int64_t deadline,
			s6_s6_client_result *res, char *why, size_t cap)
{
	uint8_t *buf = malloc(S6P_CIP_HANDOFF_MAX);
	size_t len = 0;
	int rc = 0;

	if (!buf || s6p_cip_handoff(t, s6p_cip_ping_proto(fd), buf, &len) != S6_OK) {
		snprintf(why, cap, "cannot build the handoff to the engine");
		rc = buf ? EINVAL : ENOMEM;
	} else if (S6P_REAL(send)(ctl, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		rc = errno ? errno : EIO;
		snprintf(why, cap, "cannot reach the engine: %s", strerror(rc));
	}
	if (buf)
		explicit_bzero(buf, S6P_CIP_HANDOFF_MAX);
	free(buf);
	if (rc == 0)
		rc = s6p_cip_udp_status(ctl, deadline, why, cap);
	if (rc == 0)
		rc = s6p_cip_udp_reply(ctl, deadline, res, why, cap);
	return rc;
}

bool s6p_cip_udp_too_big(const struct s6p_target *t, size_t len)
{
	/* A name's family is the proxy's choice: the engine checks it again
	 * and answers an Error message (EMSGSIZE) if IPv6 makes it too big. */
	s6_ippkt_flow f = {.v = t->s6dst.type == S6_SOCKS6_ATYP_IPV6 ? 6 : 4,
			   .proto = S6_IPPKT_PROTO_UDP};

	return s6p_cip_scheme() && len > s6_ippkt_max_payload(&f, S6_IPPKT_MTU);
}

bool s6p_cip_udp_dns_ok(const struct sockaddr *sa)
{
	struct sockaddr_storage ss;

	s6_addr_unmap(sa, &ss);
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) != 127;
	return !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
}
