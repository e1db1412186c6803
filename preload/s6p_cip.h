/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP in the shim (issue 7): like socks6+tls, the program's socket
 * is connected to the user's engine (s6p_engine.h) and a handoff header
 * goes first, here with the CONNECT-IP record (s6_engine_cip.h) behind
 * it; the engine does the HTTP Upgrade, the capsules and the userspace
 * TCP/IP stack, and answers one status record once TCP to the target is
 * up. After it the socket carries the target's bytes. */
#ifndef S6P_CIP_H
#define S6P_CIP_H

#include <stdbool.h>
#include "s6_engine_cip.h"
#include "s6_engine_msg.h"
#include "s6_handshake.h"
#include "s6p_target.h"

/* The proxy is connect-ip:// or https://. */
bool s6p_cip_scheme(void);

/* The handoff header and the record for t scoped to ipproto (6: TCP; 17,
 * 1, 58: a datagram association, s6p_cip_udp.h) in buf, which holds
 * S6P_CIP_HANDOFF_MAX bytes. */
#define S6P_CIP_HANDOFF_MAX (S6_ENG_HDR_MAX + S6_ENG_CIP_MAX)
s6_err s6p_cip_handoff(const struct s6p_target *t, uint8_t ipproto, uint8_t *buf, size_t *len);

/* Queue header and record for t, and read the engine's status. */
s6_err s6p_cip_start(s6_hs *hs, const struct s6p_target *t);

#endif
