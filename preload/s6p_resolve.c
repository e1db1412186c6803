/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include "s6_log.h"
#include "s6p_resolve.h"
#include "s6p_state.h"

bool s6p_resolve_remote_mode(void)
{
	return s6p_state()->cfg.dns == S6_DNS_REMOTE;
}

bool s6p_resolve_remote(const char *name)
{
	struct in_addr a4;

	if (!name || !s6p_resolve_remote_mode())
		return false;
	/* Literals (also "127.1" forms and scoped IPv6) need no lookup at all. */
	if (strchr(name, ':') || inet_aton(name, &a4))
		return false;
	return true;
}

bool s6p_resolve_serial(const char *name, uint32_t *serial)
{
	const struct s6p_state *st = s6p_state();
	s6_err err;

	if (!st->ph)
		return false;
	err = s6_ph_lookup(st->ph, name, serial);
	if (err != S6_OK) {
		s6_log(S6_LOG_INFO, "name '%.255s': not resolved (%s)", name, s6_strerror(err));
		return false;
	}
	s6_log(S6_LOG_DEBUG, "name %s: placeholder #%u, resolved by the proxy", name, *serial);
	return true;
}

bool s6p_resolve_reverse(int af, const void *addr, socklen_t len, char *buf, size_t buflen)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage ss;
	uint32_t serial;

	memset(&ss, 0, sizeof ss);
	if (af == AF_INET && len >= 4) {
		ss.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, addr, 4);
	} else if (af == AF_INET6 && len >= 16) {
		ss.ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr, 16);
	} else {
		return false;
	}
	if (!st->ph || !s6_ph_is_placeholder((struct sockaddr *)&ss, &serial))
		return false;
	return s6_ph_name(st->ph, serial, buf, buflen) == S6_OK;
}

void s6p_resolve_addr(uint32_t serial, int af, uint8_t *out)
{
	if (af == AF_INET)
		s6_ph_addr4(serial, out);
	else
		s6_ph_addr6(serial, out);
}

int s6p_hostent_fill(struct hostent *he, char *buf, size_t buflen, const char *name,
		     int af, const uint8_t *addr)
{
	size_t alen = af == AF_INET ? 4 : 16;
	size_t nlen = strlen(name) + 1;
	size_t need = 3 * sizeof(char *) + 16 + nlen;
	uintptr_t base = (uintptr_t)buf;
	size_t pad = (sizeof(char *) - base % sizeof(char *)) % sizeof(char *);

	if (buflen < need + pad)
		return ERANGE;
	char **ptrs = (char **)(void *)(buf + pad); /* aliases[1], addr_list[2] */
	char *abytes = (char *)(ptrs + 3);
	char *nbuf = abytes + 16;
	memcpy(abytes, addr, alen);
	memcpy(nbuf, name, nlen);
	ptrs[0] = NULL;
	ptrs[1] = abytes;
	ptrs[2] = NULL;
	he->h_name = nbuf;
	he->h_aliases = &ptrs[0];
	he->h_addrtype = af;
	he->h_length = (int)alen;
	he->h_addr_list = &ptrs[1];
	return 0;
}
