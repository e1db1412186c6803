/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 UDP ASSOCIATE on the server side (draft-11, "Handling UDP
 * ASSOCIATE", "Reporting ICMP Errors", "UDP Error" and "Port Parity"
 * options). srv_socks6.c authenticates the Request, then hands the
 * connection over; from then on this module owns the TCP stream (the
 * association's control channel and, optionally, its datagram channel) and
 * the proxy's UDP socket. */
#ifndef SRV_S6_UDP_H
#define SRV_S6_UDP_H

#include <stddef.h>
#include <stdint.h>
#include "s6_socks6_msg.h"
#include "s6_socks6_opt.h"
#include "srv_conn.h"

typedef struct srv_s6udp srv_s6udp;

/* Start the association for connection c. req and opts are the parsed
 * Request and its options (valid only during the call); reply_opts holds
 * the options srv_socks6.c already decided for the Operation Reply (session
 * and idempotence options, echoed generic stack options), to which this
 * module appends its own (UDP Error, Port Parity). This module sends the
 * Operation Reply itself, sets c->phase to SRV_RELAY, takes over
 * c->client's callback (c->client.fn/owner) and serves bytes already
 * waiting in c->up first. log_prefix is the request's log line prefix.
 * On failure it refuses the connection (srv_conn_refuse with an Operation
 * Reply carrying the failure code) and returns NULL. *code gets the
 * Operation Reply code sent, for the request's log line. */
srv_s6udp *srv_s6udp_start(srv_conn *c, const s6_s6_request *req,
			   const s6_s6opts *opts, const uint8_t *reply_opts,
			   size_t reply_opts_len, uint8_t *code);

/* Close the UDP socket and free everything (from the protocol's release). */
void srv_s6udp_free(srv_s6udp *u);

#endif
