/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UDP socket of an association: family and address from the request
 * (dual-stack :: for "any address" when IPv6 works), and the Port Parity
 * option (draft-11 "Port Parity options"): a port of the wanted parity and,
 * on request, its counterpart held by a second socket until the association
 * ends or a client explicitly asks for that port.
 *
 * The reservations of all associations form one list: the server is one
 * process with one loop thread, and a claim must find another association's
 * reservation by port. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "srv_s6_udp_int.h"

/* Binding an ephemeral port is random in Linux: about half the tries give
 * the wanted parity, and the counterpart is usually free. */
#define PARITY_TRIES 64

static srv_s6udp *reserved_head; /* loop thread only */

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* A bound non-blocking socket, or -1 with errno. */
static int bind_one(const struct sockaddr_storage *addr, uint16_t port)
{
	struct sockaddr_storage a = *addr;
	int fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int zero = 0, err;

	if (fd < 0)
		return -1;
	set_port(&a, port);
	/* Dual stack for "::" whatever net.ipv6.bindv6only says. */
	if (a.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&a)->sin6_addr))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	if (bind(fd, (struct sockaddr *)&a, s6_addr_len((struct sockaddr *)&a)) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return s6_addr_port((struct sockaddr *)&ss);
}

static void reserved_unlink(srv_s6udp *u)
{
	for (srv_s6udp **pp = &reserved_head; *pp; pp = &(*pp)->next_reserved) {
		if (*pp == u) {
			*pp = u->next_reserved;
			break;
		}
	}
	u->next_reserved = NULL;
}

/* "An association involving a reserved port can only be made if a client
 * explicitly requests said port", from within the same session when the
 * reserving association had one. True when a reservation was given up. */
static bool reserved_claim(const srv_s6udp *u, uint16_t port)
{
	for (srv_s6udp *r = reserved_head; r; r = r->next_reserved) {
		if (r->reserve_port != port)
			continue;
		if (r->has_session && (!u->has_session ||
				       r->session_id_len != u->session_id_len ||
				       memcmp(r->session_id, u->session_id,
					      r->session_id_len)))
			return false;
		close(r->reserve_fd);
		r->reserve_fd = -1;
		reserved_unlink(r);
		return true;
	}
	return false;
}

static int open_exact(srv_s6udp *u, const struct sockaddr_storage *addr, uint16_t port)
{
	int fd = bind_one(addr, port);

	if (fd < 0 && errno == EADDRINUSE && reserved_claim(u, port))
		fd = bind_one(addr, port);
	return fd;
}

/* A port of the wanted parity (1 even, 2 odd), and its counterpart held
 * when reserve is set. -1 when the tries ran out (no errno meaning). */
static int open_parity(srv_s6udp *u, const struct sockaddr_storage *addr,
		       uint8_t parity, bool reserve)
{
	for (int i = 0; i < PARITY_TRIES; i++) {
		int fd = bind_one(addr, 0);
		uint16_t p = fd >= 0 ? bound_port(fd) : 0, other;

		if (fd < 0)
			return -1;
		if (p == 0 || (p % 2 == 0) != (parity == S6_S6_PARITY_EVEN)) {
			close(fd);
			continue;
		}
		if (!reserve)
			return fd;
		other = p % 2 == 0 ? (uint16_t)(p + 1) : (uint16_t)(p - 1);
		u->reserve_fd = bind_one(addr, other);
		if (u->reserve_fd >= 0) {
			u->reserve_port = other;
			u->next_reserved = reserved_head;
			reserved_head = u;
			return fd;
		}
		close(fd);
	}
	return -1;
}

static int open_family(srv_s6udp *u, const struct sockaddr_storage *addr,
		       uint16_t port, uint8_t parity, bool reserve, uint8_t *got_parity,
		       bool *got_reserve)
{
	int fd = -1;

	*got_parity = S6_S6_PARITY_ANY;
	*got_reserve = false;
	if (port != 0)
		return open_exact(u, addr, port);
	if (parity != S6_S6_PARITY_ANY)
		fd = open_parity(u, addr, parity, reserve);
	if (fd >= 0) {
		*got_parity = parity;
		*got_reserve = u->reserve_fd >= 0;
		return fd;
	}
	/* Parity could not be had: any port, nothing reserved (draft). */
	return bind_one(addr, 0);
}

int s6udp_sock_open(srv_s6udp *u, const struct sockaddr_storage *want,
		    uint8_t parity, bool reserve, uint8_t *got_parity,
		    bool *got_reserve)
{
	/* Set for AF_UNSPEC too; sin_port and sin6_port share the offset. */
	uint16_t port = ntohs(((const struct sockaddr_in *)want)->sin_port);
	struct sockaddr_storage any;
	int fd;

	if (want->ss_family != AF_UNSPEC) {
		fd = open_family(u, want, port, parity, reserve, got_parity, got_reserve);
	} else {
		memset(&any, 0, sizeof any);
		any.ss_family = AF_INET6;
		fd = open_family(u, &any, port, parity, reserve, got_parity, got_reserve);
		if (fd < 0 && errno == EAFNOSUPPORT) {
			any.ss_family = AF_INET;
			fd = open_family(u, &any, port, parity, reserve, got_parity,
					 got_reserve);
		}
	}
	if (fd < 0)
		return -1;
	u->family = want->ss_family != AF_UNSPEC ? want->ss_family : any.ss_family;
	u->port = bound_port(fd);
	return fd;
}

void s6udp_sock_release(srv_s6udp *u)
{
	if (u->reserve_fd >= 0) {
		close(u->reserve_fd);
		u->reserve_fd = -1;
		reserved_unlink(u);
	}
}
