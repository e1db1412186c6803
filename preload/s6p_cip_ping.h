/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ping sockets (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6) through a
 * CONNECT-IP proxy: ICMP echo in tunnels scoped to IP protocol 1 or 58.
 *
 * An association needs the program's socket to send UDP datagrams to the
 * engine's relay, which a ping socket cannot. So on its first send or
 * connect() to a destination the proxy carries, the ping socket is
 * replaced, under the same number (dup3), by a UDP socket with its file
 * flags, bind address and the usual options; the association made for it
 * carries ICMP echo: the engine builds the requests (identifier = the
 * socket's port, as the kernel uses a ping socket's) and delivers echo
 * replies as a ping socket does (ICMP header and data, from the remote
 * host, port 0). The socket is known by its SO_COOKIE, which its copies
 * share and no other socket ever has. Raw ICMP sockets stay refused. */
#ifndef S6P_CIP_PING_H
#define S6P_CIP_PING_H

#include <stdbool.h>
#include <stdint.h>

/* Replace the ping socket fd as above: false (fd untouched) on failure. */
bool s6p_cip_ping_adopt(int fd);

/* The IP protocol an association of fd carries: 1 or 58 for an adopted
 * ping socket, else 17. */
uint8_t s6p_cip_ping_proto(int fd);

#endif
