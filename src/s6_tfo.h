/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP Fast Open on the client-proxy leg: when a SOCKS6 Request may ride in
 * the SYN, and when the program's first bytes may ride with it.
 *
 * draft-11 "TCP Fast Open on the Client-Proxy Leg": a SYN's payload can be
 * replayed by the network, so a client SHOULD NOT use TFO toward the proxy
 * unless the application tolerates replays, or the SYN carries no
 * application data, or the request uses Idempotence options. Pure policy:
 * the shim asks, sets the socket options and sends accordingly. */
#ifndef S6_TFO_H
#define S6_TFO_H

#include <stdbool.h>
#include <stddef.h>
#include "s6_config.h"

/* Set TCP_FASTOPEN_CONNECT before connecting to the proxy at all: a SYN
 * that carries only the Request is always allowed (unless `never`). */
bool s6_tfo_proxy_enabled(s6_tfo_proxy_mode mode);

/* A request about to carry idata_len bytes of initial data, in a TFO SYN
 * when tfo: should it spend an idempotence token? `always` spends on every
 * request, `replayable` only when the network could replay application
 * bytes (initial data in a TFO SYN), `never` not at all. */
bool s6_tfo_wants_token(s6_spend_mode spend, bool tfo, size_t idata_len);

/* May the SYN carry the program's bytes behind the Request? `always`: the
 * application tolerates replays; `auto`: only when the request spends a
 * token; `never`: there is no TFO at all. */
bool s6_tfo_syn_may_carry_data(s6_tfo_proxy_mode mode, bool token_spent);

#endif
