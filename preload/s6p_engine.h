/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6+tls in the shim: the program's socket is connected to the user's
 * engine (src/engine/eng.h) on loopback instead of the proxy, and the
 * SOCKS6 machine runs on it as usual behind a handoff header; the engine's
 * status record is the first thing the machine reads. OpenSSL stays in
 * the engine. */
#ifndef S6P_ENGINE_H
#define S6P_ENGINE_H

#include <stdbool.h>
#include <sys/socket.h>
#include "s6_engine_msg.h"
#include "s6_handshake.h"

/* The proxy is socks6+tls. */
bool s6p_engine_scheme(void);

/* The engine's address for a socket of family (starting the engine when
 * none runs): 0, or ECONNREFUSED with one log line. */
int s6p_engine_pick(int family, struct sockaddr_storage *out, socklen_t *outlen);
/* The same without starting one (the session teardown at exit). */
int s6p_engine_pick_running(int family, struct sockaddr_storage *out, socklen_t *outlen);
/* Why the proxy could not be reached, for the caller's one log line: with
 * an engine scheme, "engine: " and what this thread's last failed pick
 * found (the engine could not start: a full disk, a read-only runtime
 * directory, ...); strerror(rc) otherwise. */
const char *s6p_engine_why(int rc);

/* Put the handoff header in front of the Request the machine queued, and
 * read the engine's status record before the SOCKS6 replies. spend_token:
 * the Request spends an idempotence token, so it may go in TLS early data
 * (the draft's replay rule). */
s6_err s6p_engine_wrap(s6_hs *hs, bool spend_token);

/* The parts of the handoff header every engine job shares: the secret,
 * the proxy, and how TLS checks it. False without a secret. */
bool s6p_engine_hdr_fill(s6_eng_hdr *h);
/* Read the engine's status record off the machine's input: S6_OK when it
 * says ok (*st filled), S6_ERR_NEED_MORE after asking for the rest, or the
 * failure the machine now holds (reason and errno from the engine). */
s6_err s6p_engine_status_take(s6_hs *hs, s6_eng_status *st);

/* The secret the last s6p_engine_pick read (s6p_engine.c). */
bool s6p_engine_secret(uint8_t *out);

#endif
