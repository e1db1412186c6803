/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getnameinfo: placeholders give back their names; with remote DNS a real
 * address is answered numerically (or EAI_NONAME with NI_NAMEREQD) instead
 * of a reverse query leaving the machine. Services come from the real call. */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "s6p_real.h"
#include "s6p_resolve.h"

static bool s6p_gni_name(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in))
		return s6p_resolve_reverse(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, 4, buf, len);
	if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6))
		return s6p_resolve_reverse(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16, buf, len);
	return false;
}

S6P_HOOK int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
			 socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	char name[256];

	if (!sa || !host || hostlen == 0 || (flags & NI_NUMERICHOST) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return S6P_REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	if (s6p_gni_name(sa, salen, name, sizeof name)) {
		if (flags & NI_NOFQDN)
			name[strcspn(name, ".")] = '\0';
		if (strlen(name) >= hostlen)
			return EAI_OVERFLOW;
		int rc = serv && servlen ? S6P_REAL(getnameinfo)(sa, salen, NULL, 0, serv, servlen, flags) : 0;
		if (rc == 0)
			snprintf(host, hostlen, "%s", name);
		return rc;
	}
	if (!s6p_resolve_remote_mode())
		return S6P_REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	if (flags & NI_NAMEREQD)
		return EAI_NONAME;
	return S6P_REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags | NI_NUMERICHOST);
}
