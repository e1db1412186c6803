/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4/4a client handshake machine (see s6_handshake.h). */
#ifndef S6_SOCKS4_CLIENT_H
#define S6_SOCKS4_CLIENT_H

#include "s6_handshake.h"
#include "s6_socks4.h"

/* Initialise hs for req (CONNECT: one reply; BIND: two replies, and
 * s6_socks4_client_bind_ready() tells when the first one arrived). */
s6_err s6_socks4_client_start(s6_hs *hs, const s6_socks4_request *req);

/* BIND: true once the first reply has been read (bound address in hs->u.s4)
 * while the second is still awaited. A bound_ip of 0.0.0.0 means "the
 * proxy's own address": the caller substitutes the address it connected to. */
bool s6_socks4_client_bind_ready(const s6_hs *hs);

#endif
