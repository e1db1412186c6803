/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/hosts lookups, pure: the caller hands in the file's text, the parser
 * never touches the file system or the resolver. Lines are
 * "ADDRESS NAME [ALIAS...]" with '#' comments; names compare without regard
 * to ASCII case. Over-long lines and lines with a bad address are skipped. */
#ifndef S6_HOSTS_H
#define S6_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S6_HOSTS_FILE_MAX (1u << 20) /* bytes read of a hosts file */
#define S6_HOSTS_LINE_MAX 1024       /* longer lines are ignored whole */
#define S6_HOSTS_NAME_MAX 253        /* a DNS name, without the root dot */
#define S6_HOSTS_ADDRS_MAX 16        /* addresses returned per lookup */

typedef struct s6_hosts_addr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* 4 or 16 bytes used, network order */
} s6_hosts_addr;

/* The addresses of name of family (AF_INET, AF_INET6 or AF_UNSPEC for both)
 * in text[0..len), in file order without duplicates, at most max into out.
 * When canon is given and something matched, it receives the first name of
 * the first matching line (the canonical name). Returns the count. */
size_t s6_hosts_lookup(const char *text, size_t len, const char *name, int family,
		       s6_hosts_addr *out, size_t max, char *canon, size_t canonlen);

/* name is one the system answers itself (RFC 6761 localhost and *.localhost,
 * localhost.localdomain, ip6-localhost, ip6-loopback): its loopback
 * addresses of family into out (127.0.0.1 before ::1). 0 for other names. */
size_t s6_hosts_loopback(const char *name, int family, s6_hosts_addr *out, size_t max);

#endif
