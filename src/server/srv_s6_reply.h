/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packing the SOCKS6 replies the server sends, from socket addresses and
 * prepared option bytes, and the mapping from a failed outbound connect to
 * an Operation Reply code. */
#ifndef SRV_S6_REPLY_H
#define SRV_S6_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s6_socks6_msg.h"

/* Authentication Reply header + options. Returns the length, 0 when it
 * does not fit (never with our own option sets). */
size_t srv_s6_pack_auth(uint8_t type, const uint8_t *opts, size_t opts_len,
			uint8_t *out, size_t cap);

/* Operation Reply with the bound address (NULL or a non-IP family:
 * 0.0.0.0 port 0). */
size_t srv_s6_pack_op(uint8_t code, const struct sockaddr *bound,
		      const uint8_t *opts, size_t opts_len, uint8_t *out, size_t cap);

/* An AF_INET/AF_INET6 address (v4-mapped unmapped) as a SOCKS6 address;
 * anything else becomes 0.0.0.0 port 0. */
void srv_s6_addr_from_sockaddr(const struct sockaddr *sa, s6_s6_addr *a, uint16_t *port);

/* Reply code for a failed srv_dial: its reason text ("timeout", "name not
 * resolved") first, then the errno of the last attempt:
 * ENETUNREACH 3, EHOSTUNREACH 4, ECONNREFUSED 5, ETIMEDOUT 9,
 * EACCES/EPERM 2, anything else 1. */
uint8_t srv_s6_dial_code(const char *reason, int last_err);

#endif
