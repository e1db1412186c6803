/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder addresses for remote DNS.
 *
 * A name the program resolves gets a serial number; the placeholder addresses
 * are 240.0.0.0/4 + serial (IPv4, "reserved for future use": never routed,
 * never multicast) and 100::/64 + serial (IPv6 discard-only prefix, RFC 6666).
 * connect() to a placeholder sends the name to the proxy.
 *
 * The map lives in caller-provided memory: the preload library gives it a
 * MAP_SHARED anonymous mapping made at load time, so forked children and
 * their parent see one map. It is protected by a process-shared robust
 * mutex. Slots are recycled round-robin after `slots` names; a serial is
 * never reused, so a stale address is detected instead of reaching the wrong
 * host. */
#ifndef S6_PLACEHOLDER_H
#define S6_PLACEHOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "s6_error.h"

#define S6_PH_NAME_MAX 255
#define S6_PH_SERIAL_MAX 0x0ffffffeu   /* fits 240.0.0.0/4 without .255.255.255 */

typedef struct s6_ph_map s6_ph_map;

/* Bytes needed for a map of `slots` names. */
size_t s6_ph_map_size(uint32_t slots);

/* Lay out a map in mem (memlen >= s6_ph_map_size(slots)), zero-filled or not. */
s6_err s6_ph_map_init(void *mem, size_t memlen, uint32_t slots, s6_ph_map **out);
/* The same for memory known to be all zero (a fresh anonymous mapping):
 * touches only the header, not every page of the map. */
s6_err s6_ph_map_init_zeroed(void *mem, size_t memlen, uint32_t slots, s6_ph_map **out);

/* Serial for name (existing or new). Names are compared case-insensitively,
 * a trailing dot is ignored. Fails with S6_ERR_TOO_LONG or S6_ERR_MALFORMED
 * for names that are not valid host names, S6_ERR_NOMEM once all
 * S6_PH_SERIAL_MAX serials have been handed out (they are never reused). */
s6_err s6_ph_lookup(s6_ph_map *map, const char *name, uint32_t *serial);

/* Addresses of a serial. */
void s6_ph_addr4(uint32_t serial, uint8_t out[4]);
void s6_ph_addr6(uint32_t serial, uint8_t out[16]);

/* Whether sa (AF_INET, AF_INET6 or v4-mapped) lies in a placeholder range;
 * *serial gets the serial. */
bool s6_ph_is_placeholder(const struct sockaddr *sa, uint32_t *serial);

/* Name of a serial. S6_ERR_STALE_PLACEHOLDER when the slot was recycled or
 * never used. */
s6_err s6_ph_name(s6_ph_map *map, uint32_t serial, char *buf, size_t len);

#endif
