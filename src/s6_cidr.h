/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Destination rules: CIDR[:PORT], used by `exclude`.
 *   10.0.0.0/8   192.168.1.7   127.0.0.0/8:631
 *   ::1   2001:db8::/32   [2001:db8::/32]:443   [::1]:22
 * An address without prefix is a host (/32 or /128). Port 0 = any port. */
#ifndef S6_CIDR_H
#define S6_CIDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "s6_error.h"

typedef struct s6_cidr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network bytes, host bits cleared */
	uint8_t prefix;    /* 0..32 or 0..128 */
	uint16_t port;     /* host order; 0 = any */
} s6_cidr;

s6_err s6_cidr_parse(const char *text, s6_cidr *out);

/* IPv4-mapped IPv6 destinations match IPv4 rules. (A rule written as
 * ::ffff:a.b.c.d/96+n is parsed into the IPv4 rule a.b.c.d/n.) */
bool s6_cidr_match(const s6_cidr *rule, const struct sockaddr *sa);

#endif
