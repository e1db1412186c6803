/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Remote DNS for the resolver hooks: which names get placeholders, and the
 * translation between names and placeholder addresses. */
#ifndef S6P_RESOLVE_H
#define S6P_RESOLVE_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* dns remote, and name is a host name (not an address literal). */
bool s6p_resolve_remote(const char *name);

/* Remote DNS is on (reverse lookups of real addresses must not leave). */
bool s6p_resolve_remote_mode(void);

/* Serial of name's placeholder; false when the name is invalid. */
bool s6p_resolve_serial(const char *name, uint32_t *serial);

/* Name behind a placeholder address given as raw bytes (af, addr, len). */
bool s6p_resolve_reverse(int af, const void *addr, socklen_t len, char *buf, size_t buflen);

/* Placeholder address bytes for af (AF_INET: 4 bytes, AF_INET6: 16). */
void s6p_resolve_addr(uint32_t serial, int af, uint8_t *out);

/* Fill *he in caller memory: one name, no aliases, one address. 0 or ERANGE. */
int s6p_hostent_fill(struct hostent *he, char *buf, size_t buflen, const char *name,
		     int af, const uint8_t *addr);

#endif
