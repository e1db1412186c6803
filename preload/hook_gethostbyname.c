/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gethostbyname, gethostbyname2 and their _r forms with remote DNS (local
 * names from /etc/hosts first, as getaddrinfo has them). The
 * non-reentrant forms use per-thread storage, so threads never see each
 * other's answers. */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include "s6p_hosts.h"
#include "s6p_real.h"
#include "s6p_resolve.h"

#define S6P_HE_BUF 512

static __thread struct {
	struct hostent he;
	char buf[S6P_HE_BUF];
} s6p_he_tls;

/* 0 with *result set, or an errno (ENOENT: not found) with *herr set. */
static int s6p_he_remote(const char *name, int af, struct hostent *he, char *buf,
			 size_t buflen, struct hostent **result, int *herr)
{
	s6_hosts_addr local;
	uint8_t addr[16];
	uint32_t serial;
	size_t n;

	*result = NULL;
	if (af != AF_INET && af != AF_INET6) {
		*herr = h_errno = NO_RECOVERY;
		return EAFNOSUPPORT;
	}
	if (s6p_hosts_resolve(name, af, &local, 1, &n, NULL, 0)) {
		if (n == 0) {
			*herr = h_errno = HOST_NOT_FOUND;
			return ENOENT;
		}
		memcpy(addr, local.addr, sizeof addr);
	} else if (s6p_resolve_serial(name, &serial)) {
		s6p_resolve_addr(serial, af, addr);
	} else {
		*herr = h_errno = HOST_NOT_FOUND; /* some callers read the global */
		return ENOENT;
	}
	if (s6p_hostent_fill(he, buf, buflen, name, af, addr) != 0) {
		*herr = h_errno = NETDB_INTERNAL;
		return ERANGE;
	}
	*result = he;
	*herr = 0;
	return 0;
}

static struct hostent *s6p_he_static(const char *name, int af)
{
	struct hostent *res;
	int herr;

	s6p_he_remote(name, af, &s6p_he_tls.he, s6p_he_tls.buf, sizeof s6p_he_tls.buf, &res, &herr);
	h_errno = herr;
	return res;
}

S6P_HOOK struct hostent *gethostbyname(const char *name)
{
	if (!s6p_resolve_remote(name))
		return S6P_REAL(gethostbyname)(name);
	return s6p_he_static(name, AF_INET);
}

S6P_HOOK struct hostent *gethostbyname2(const char *name, int af)
{
	if (!s6p_resolve_remote(name))
		return S6P_REAL(gethostbyname2)(name, af);
	return s6p_he_static(name, af);
}

S6P_HOOK int gethostbyname_r(const char *name, struct hostent *he, char *buf, size_t buflen,
			     struct hostent **result, int *herr)
{
	if (!s6p_resolve_remote(name))
		return S6P_REAL(gethostbyname_r)(name, he, buf, buflen, result, herr);
	return s6p_he_remote(name, AF_INET, he, buf, buflen, result, herr);
}

S6P_HOOK int gethostbyname2_r(const char *name, int af, struct hostent *he, char *buf,
			      size_t buflen, struct hostent **result, int *herr)
{
	if (!s6p_resolve_remote(name))
		return S6P_REAL(gethostbyname2_r)(name, af, he, buf, buflen, result, herr);
	return s6p_he_remote(name, af, he, buf, buflen, result, herr);
}
