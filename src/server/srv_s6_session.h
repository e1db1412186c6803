/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 sessions (draft-11, "Session options", "Idempotence options") on
 * the server: a bounded table of sessions, each tied to the credentials
 * that opened it ("" for none) and owning at most one token window.
 * Pure: the caller passes the clock and the random bytes, so tests drive
 * expiry and ids directly. Connections never keep a session pointer past
 * the call that found it; they look it up again by id. */
#ifndef SRV_S6_SESSION_H
#define SRV_S6_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_token.h"
#include "s6_userpass.h"

#define SRV_S6_SESSION_ID_LEN 16

typedef struct srv_s6_session {
	uint8_t id[SRV_S6_SESSION_ID_LEN];
	char user[S6_UP_FIELD_MAX + 1]; /* the credentials' name, "" for none */
	uint64_t last_ms;             /* last request that used it */
	s6_token_ledger ledger;       /* .valid once a window was issued */
	struct srv_s6_backlog *backlog;  /* listener of a BIND with a backlog;
					    owned by its initial connection */
} srv_s6_session;

typedef struct srv_s6_sessions {
	srv_s6_session **v;
	size_t n, max;
	uint64_t timeout_ms;          /* idle limit; 0: never expire */
} srv_s6_sessions;

/* NULL on allocation failure. max >= 1. */
srv_s6_sessions *srv_s6_sessions_new(unsigned max, uint64_t timeout_ms);
void srv_s6_sessions_free(srv_s6_sessions *t);

/* Drop every session idle for longer than the timeout. */
void srv_s6_sessions_expire(srv_s6_sessions *t, uint64_t now_ms);

/* A new session with this id for user (NULL or "" for none). NULL when the
 * table is full even after expiry, the id is already in use, or out of
 * memory: the draft lets the proxy ignore a Session Request silently. */
srv_s6_session *srv_s6_session_create(srv_s6_sessions *t, const uint8_t *id,
				      const char *user, uint64_t now_ms);

/* The live session with this id (its idle clock restarts), or NULL when
 * unknown or expired (an expired one is deleted). */
srv_s6_session *srv_s6_session_find(srv_s6_sessions *t, const uint8_t *id,
				    size_t len, uint64_t now_ms);

void srv_s6_session_delete(srv_s6_sessions *t, srv_s6_session *s);

/* Issue the session's one token window: size min(requested, limit,
 * S6_TOKEN_LEDGER_MAX), base as given. False when a window exists already
 * or the size is 0. */
bool srv_s6_session_issue_window(srv_s6_session *s, uint32_t requested,
				 uint32_t limit, uint32_t base);

#endif
