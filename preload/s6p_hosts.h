/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hosts local`: localhost and the names in /etc/hosts are answered from
 * the file (s6_hosts.h) before any placeholder is handed out, so names only
 * this machine knows keep working with remote DNS and never reach a DNS
 * server or the proxy. */
#ifndef S6P_HOSTS_H
#define S6P_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include "s6_hosts.h"

/* The local answer for name (AF_INET, AF_INET6 or AF_UNSPEC): the count of
 * addresses in out, the canonical name in canon (may be NULL). Returns false
 * when the name is not a local one (or `hosts remote`): ask the proxy. A
 * local name with no address of family returns true with *count 0. */
bool s6p_hosts_resolve(const char *name, int family, s6_hosts_addr *out, size_t max,
		       size_t *count, char *canon, size_t canonlen);

#endif
