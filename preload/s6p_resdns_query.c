/* SPDX-License-Identifier: GPL-2.0-or-later */
/* res_nquery, res_nsearch and res_nquerydomain on top of s6p_resdns_send:
 * the query is built by libc (res_nmkquery, no network), the answer's
 * RCODE becomes h_errno as in libc. */
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include "s6_log.h"
#include "s6p_resdns.h"

static int s6p_resdns_herr(res_state st, int err)
{
	h_errno = err;
	st->res_h_errno = err;
	return -1;
}

/* h_errno for an answer header that carries no usable data (libc's rules). */
static int s6p_resdns_rcode_herr(const unsigned char *ans)
{
	int rcode = ans[3] & 0x0f;
	int ancount = (ans[6] << 8) | ans[7];

	if (rcode == NOERROR)
		return ancount == 0 ? NO_DATA : NETDB_SUCCESS;
	if (rcode == NXDOMAIN)
		return HOST_NOT_FOUND;
	if (rcode == SERVFAIL)
		return TRY_AGAIN;
	return NO_RECOVERY;
}

int s6p_resdns_query(res_state st, const char *name, int cls, int type,
		     unsigned char *ans, int anslen, const char *call)
{
	unsigned char q[NS_PACKETSZ + 32];
	int qlen, n, herr;

	qlen = res_nmkquery(st, QUERY, name, cls, type, NULL, 0, NULL, q, sizeof q);
	if (qlen <= 0)
		return s6p_resdns_herr(st, NO_RECOVERY);
	n = s6p_resdns_send(q, qlen, ans, anslen, call);
	if (n < 0)
		return s6p_resdns_herr(st, TRY_AGAIN);
	herr = s6p_resdns_rcode_herr(ans);
	s6_log(S6_LOG_INFO, "%s(%.255s): answered through the proxy (%d bytes, %s)",
	       call, name, n, herr == NETDB_SUCCESS ? "records" : hstrerror(herr));
	if (herr != NETDB_SUCCESS)
		return s6p_resdns_herr(st, herr);
	h_errno = st->res_h_errno = NETDB_SUCCESS;
	return n;
}

int s6p_resdns_querydomain(res_state st, const char *name, const char *dom, int cls,
			   int type, unsigned char *ans, int anslen, const char *call)
{
	char full[NS_MAXDNAME];
	int n;

	if (!name)
		return s6p_resdns_herr(st, NO_RECOVERY);
	if (dom && *dom)
		n = snprintf(full, sizeof full, "%s.%s", name, dom);
	else
		n = snprintf(full, sizeof full, "%s", name);
	if (n < 0 || (size_t)n >= sizeof full) {
		errno = EMSGSIZE;
		return s6p_resdns_herr(st, NO_RECOVERY);
	}
	return s6p_resdns_query(st, full, cls, type, ans, anslen, call);
}

/* A failure that ends the search: anything but "not this name". */
static bool s6p_resdns_final(res_state st)
{
	return st->res_h_errno != HOST_NOT_FOUND && st->res_h_errno != NO_DATA;
}

/* libc's search order, bounded by the MAXDNSRCH domains of st: a name with
 * at least ndots dots as given first; then name.domain for each search
 * domain (not for a name ending in a dot); then the name as given, if not
 * tried yet. The last failure's h_errno stays. */
int s6p_resdns_search(res_state st, const char *name, int cls, int type,
		      unsigned char *ans, int anslen, const char *call)
{
	size_t len = name ? strlen(name) : 0;
	int dots = 0, n;
	bool tried = false;

	if (!name)
		return s6p_resdns_herr(st, NO_RECOVERY);
	for (const char *p = name; *p; p++)
		dots += *p == '.';
	if (len > 0 && name[len - 1] == '.')
		return s6p_resdns_query(st, name, cls, type, ans, anslen, call);
	if (dots >= (int)st->ndots) {
		tried = true;
		n = s6p_resdns_query(st, name, cls, type, ans, anslen, call);
		if (n >= 0 || s6p_resdns_final(st))
			return n;
	}
	for (int i = 0; i < MAXDNSRCH && st->dnsrch[i]; i++) {
		n = s6p_resdns_querydomain(st, name, st->dnsrch[i], cls, type, ans, anslen, call);
		if (n >= 0 || s6p_resdns_final(st))
			return n;
	}
	if (tried)
		return -1;
	return s6p_resdns_query(st, name, cls, type, ans, anslen, call);
}
