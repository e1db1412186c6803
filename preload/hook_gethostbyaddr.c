/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gethostbyaddr(_r): a placeholder gives back its name; with remote DNS a
 * reverse lookup of a real address is not sent (it would leave the machine)
 * and answers "not found". */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include "s6_log.h"
#include "s6p_real.h"
#include "s6p_resolve.h"

static __thread struct {
	struct hostent he;
	char buf[512];
} s6p_hba_tls;

/* 1: answered from a placeholder, 0: not found (remote mode), -1: not ours. */
static int s6p_hba(const void *addr, socklen_t len, int af, struct hostent *he,
		   char *buf, size_t buflen, int *err)
{
	char name[256];

	if (s6p_resolve_reverse(af, addr, len, name, sizeof name)) {
		*err = s6p_hostent_fill(he, buf, buflen, name, af, addr);
		return *err == 0 ? 1 : 0;
	}
	if (!s6p_resolve_remote_mode())
		return -1;
	s6_log(S6_LOG_INFO, "reverse lookup not sent: remote DNS keeps lookups off the local network");
	*err = ENOENT;
	return 0;
}

S6P_HOOK struct hostent *gethostbyaddr(const void *addr, socklen_t len, int af)
{
	int err = 0;
	int r = s6p_hba(addr, len, af, &s6p_hba_tls.he, s6p_hba_tls.buf, sizeof s6p_hba_tls.buf, &err);

	if (r < 0)
		return S6P_REAL(gethostbyaddr)(addr, len, af);
	h_errno = r ? 0 : HOST_NOT_FOUND;
	return r ? &s6p_hba_tls.he : NULL;
}

S6P_HOOK int gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *he,
			     char *buf, size_t buflen, struct hostent **result, int *herr)
{
	int err = 0;
	int r = s6p_hba(addr, len, af, he, buf, buflen, &err);

	if (r < 0)
		return S6P_REAL(gethostbyaddr_r)(addr, len, af, he, buf, buflen, result, herr);
	*result = r ? he : NULL;
	*herr = r ? 0 : (err == ERANGE ? NETDB_INTERNAL : HOST_NOT_FOUND);
	h_errno = *herr; /* some callers read the global instead */
	return r ? 0 : err;
}
