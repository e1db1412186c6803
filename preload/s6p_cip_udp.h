/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP through a CONNECT-IP proxy (connect-ip://, https://): the engine
 * offers the SOCKS6 UDP ASSOCIATE the shim already speaks
 * (src/engine/eng_cip_udp.h), so every UDP socket keeps the machinery of
 * s6p_udp.h (non-blocking first datagram, held sockets, dup copies,
 * connect and AF_UNSPEC, Error messages, dns-udp); only the control
 * connection differs: it goes to the engine, carries the handoff header
 * and a CONNECT-IP record scoped to IP protocol 17, and reads the
 * engine's status record before the Operation Reply and the Association
 * Init. These are the hooks s6p_udp*.c call. */
#ifndef S6P_CIP_UDP_H
#define S6P_CIP_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "s6_socks6_client.h"
#include "s6p_target.h"

/* Where the control connection goes: the engine (started if needed). */
int s6p_cip_udp_pick(int family, struct sockaddr_storage *out, socklen_t *len);

/* On the connected control connection of fd's association: handoff
 * header and record for t (IP protocol 17, or 1/58 for a ping socket,
 * s6p_cip_ping.h), then the engine's status record and Operation Reply, whose address and
 * port go to res->bound_addr / bound_port. The Association Init is left
 * in the stream. 0 or an errno, with why. */
int s6p_cip_udp_request(int fd, int ctl, const struct s6p_target *t, int64_t deadline,
			s6_s6_client_result *res, char *why, size_t cap);

/* A datagram of len payload bytes to t cannot cross the tunnel (its MTU,
 * S6_IPPKT_MTU): true, and the send fails with EMSGSIZE, as on a socket
 * that does not fragment. */
bool s6p_cip_udp_too_big(const struct s6p_target *t, size_t len);

/* DNS over UDP to a nameserver of resolv.conf or loopback (dns-udp
 * proxy): CONNECT-IP has no DNS service, so the query goes through the
 * tunnel to the nameserver asked, never directly; false for a loopback
 * one, which no tunnel reaches (then fail closed, or fail open). */
bool s6p_cip_udp_dns_ok(const struct sockaddr *sa);

#endif
