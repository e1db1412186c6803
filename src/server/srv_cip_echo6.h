/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMPv6 echo of a CONNECT-IP tunnel, forwarded by the server itself:
 * libslirp 4.7 does not forward it ("external icmpv6 not supported yet").
 * The client's echo requests that passed srv_cip_pkt_check are taken out
 * before slirp and sent through unprivileged ping sockets
 * (socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6): the server's group must
 * be inside net.ipv4.ping_group_range, which covers both families), one
 * per identifier the client uses, at most SRV_CIP_ECHO6_SOCKS per tunnel
 * (the least recently used one goes), closed after SRV_CIP_ECHO6_IDLE_MS
 * without a request. Replies go back to the client with its identifier;
 * ICMPv6 errors the kernel queues for those sockets (IPV6_RECVERR) become
 * the same errors towards the client, quoting its request. */
#ifndef SRV_CIP_ECHO6_H
#define SRV_CIP_ECHO6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srv_cip_int.h"

#define SRV_CIP_ECHO6_SOCKS 16
#define SRV_CIP_ECHO6_IDLE_MS 30000

/* For the tunnel of c; packets for the client go to out(c, ...) like
 * slirp's. NULL when out of memory (echo then goes to slirp, which drops
 * it). No socket is opened before the first request. */
srv_cip_echo6 *srv_cip_echo6_new(srv_conn *c, srv_cip_out_fn out);
/* Closes every socket. NULL is fine. */
void srv_cip_echo6_free(srv_cip_echo6 *e);
/* A client packet the policy let through: true when it was an ICMPv6 echo
 * request and has been dealt with (sent, or refused with an ICMPv6 error
 * to the client), false when it is for slirp. */
bool srv_cip_echo6_input(srv_cip_echo6 *e, const uint8_t *pkt, size_t len);

#endif
