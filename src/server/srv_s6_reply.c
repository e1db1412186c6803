/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "s6_addr.h"
#include "srv_s6_reply.h"

size_t srv_s6_pack_auth(uint8_t type, const uint8_t *opts, size_t opts_len,
			uint8_t *out, size_t cap)
{
	s6_s6_auth_reply rep = {.type = type, .opts = opts, .opts_len = opts_len};
	size_t len = 0;

	return s6_s6_auth_reply_pack(&rep, out, cap, &len) == S6_OK ? len : 0;
}

void srv_s6_addr_from_sockaddr(const struct sockaddr *sa, s6_s6_addr *a, uint16_t *port)
{
	struct sockaddr_storage ss;

	memset(a, 0, sizeof *a);
	a->type = S6_SOCKS6_ATYP_IPV4;
	*port = 0;
	if (!sa)
		return;
	s6_addr_unmap(sa, &ss);
	if (ss.ss_family == AF_INET) {
		memcpy(a->ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		*port = s6_addr_port((struct sockaddr *)&ss);
	} else if (ss.ss_family == AF_INET6) {
		a->type = S6_SOCKS6_ATYP_IPV6;
		memcpy(a->ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		*port = s6_addr_port((struct sockaddr *)&ss);
	}
}

size_t srv_s6_pack_op(uint8_t code, const struct sockaddr *bound,
		      const uint8_t *opts, size_t opts_len, uint8_t *out, size_t cap)
{
	s6_s6_op_reply rep = {.code = code, .opts = opts, .opts_len = opts_len};
	size_t len = 0;

	srv_s6_addr_from_sockaddr(bound, &rep.addr, &rep.port);
	return s6_s6_op_reply_pack(&rep, out, cap, &len) == S6_OK ? len : 0;
}

uint8_t srv_s6_dial_code(const char *reason, int last_err)
{
	if (reason && strcmp(reason, "timeout") == 0)
		return S6_SOCKS6_REP_TIMEOUT;
	if (reason && strcmp(reason, "name not resolved") == 0)
		return S6_SOCKS6_REP_HOST_UNREACH;
	switch (last_err) {
	case ENETUNREACH: return S6_SOCKS6_REP_NET_UNREACH;
	case EHOSTUNREACH: return S6_SOCKS6_REP_HOST_UNREACH;
	case ECONNREFUSED: return S6_SOCKS6_REP_REFUSED;
	case ETIMEDOUT: return S6_SOCKS6_REP_TIMEOUT;
	case EACCES:
	case EPERM: return S6_SOCKS6_REP_NOT_ALLOWED;
	default: return S6_SOCKS6_REP_FAILURE;
	}
}
