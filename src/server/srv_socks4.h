/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4 and SOCKS4a on the server side (socks4-and-socks4a.txt): CONNECT to
 * an IPv4 address or, for 4a, to a name (IPv4 and IPv6 literals accepted in
 * the name field); BIND with the two replies and the source check. The wire
 * format is s6_socks4's; this file only drives connections. */
#ifndef SRV_SOCKS4_H
#define SRV_SOCKS4_H

#include "srv_conn.h"

extern const srv_proto srv_socks4_proto;

#endif
