/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getsockname(2): a proxied socket reports its real local address (that of
 * its connection to the proxy), but always in the family the program's
 * socket has. When the shim replaced the socket by one of the proxy's family
 * (ARCHITECTURE.md, connect()), the kernel would answer in the other family:
 * the address is mapped back (IPv4 <-> v4-mapped IPv6). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "s6p_fdtab.h"
#include "s6p_real.h"

/* An IPv4 local address as the AF_INET6 socket the program has. */
static void s6p_sockname_to6(const struct sockaddr_in *in, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof *out);
	out->sin6_family = AF_INET6;
	out->sin6_port = in->sin_port;
	out->sin6_addr.s6_addr[10] = 0xff;
	out->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&out->sin6_addr.s6_addr[12], &in->sin_addr, 4);
}

/* An IPv6 local address as the AF_INET socket the program has: v4-mapped
 * addresses unmapped, anything else as 0.0.0.0 (there is no IPv4 address). */
static void s6p_sockname_to4(const struct sockaddr_in6 *in, struct sockaddr_in *out)
{
	memset(out, 0, sizeof *out);
	out->sin_family = AF_INET;
	out->sin_port = in->sin6_port;
	if (IN6_IS_ADDR_V4MAPPED(&in->sin6_addr))
		memcpy(&out->sin_addr, &in->sin6_addr.s6_addr[12], 4);
}

/* The local address in family fam; its length, 0 when it cannot be done. */
static socklen_t s6p_sockname_as(int fam, const struct sockaddr_storage *got,
				 struct sockaddr_storage *out)
{
	if (got->ss_family == fam) {
		*out = *got;
		return fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	if (fam == AF_INET6 && got->ss_family == AF_INET) {
		s6p_sockname_to6((const struct sockaddr_in *)got, (struct sockaddr_in6 *)out);
		return sizeof(struct sockaddr_in6);
	}
	if (fam == AF_INET && got->ss_family == AF_INET6) {
		s6p_sockname_to4((const struct sockaddr_in6 *)got, (struct sockaddr_in *)out);
		return sizeof(struct sockaddr_in);
	}
	return 0;
}

S6P_HOOK int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_storage got, out;
	socklen_t gl = sizeof got, ol = 0;
	int fam = 0;

	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_checked_locked(fd);
	if (c)
		fam = c->dest.ss_family; /* the kernel makes it the socket's own */
	s6p_fdtab_unlock();
	if (fam != AF_INET && fam != AF_INET6)
		return S6P_REAL(getsockname)(fd, sa, len);
	if (S6P_REAL(getsockname)(fd, (struct sockaddr *)&got, &gl) < 0)
		return -1;
	ol = s6p_sockname_as(fam, &got, &out);
	if (!ol)
		return S6P_REAL(getsockname)(fd, sa, len);
	if (!sa || !len) {
		errno = EFAULT;
		return -1;
	}
	/* Like the kernel: truncate to the caller's buffer, report the full size. */
	memcpy(sa, &out, *len < ol ? *len : ol);
	*len = ol;
	return 0;
}
