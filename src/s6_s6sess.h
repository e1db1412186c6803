/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's SOCKS6 session with one proxy (draft-11 "Session options",
 * "Idempotence options"): the Session ID, the token window, and the plan for
 * each request. Pure state, no I/O, no locks: the caller serialises access
 * (the shim holds a mutex around every call).
 *
 * The store is plain old data without pointers, so a later version can keep
 * it in a file mapping shared by unrelated processes. A request takes a
 * ticket (s6_s6sess_plan), which copies what it needs out of the store, and
 * gives it back with the proxy's answer (s6_s6sess_apply). Each session has a
 * generation number, so the late answer of a request made under an older
 * session cannot touch a newer one.
 *
 * Life cycle: the first request asks for a session (and a token window);
 * requests made while that one is in flight authenticate normally without
 * waiting; once the proxy returned a Session ID, requests carry it instead of
 * credentials. Session Invalid forgets the session, and the next request
 * asks again. */
#ifndef S6_S6SESS_H
#define S6_S6SESS_H

#include <stdbool.h>
#include <stdint.h>
#include "s6_socks6_client.h"
#include "s6_socks6_opt.h"
#include "s6_token.h"

typedef struct s6_s6sess {
	bool valid;                   /* a Session ID is known */
	bool requesting;              /* a Session Request is in flight */
	uint16_t id_len;
	uint8_t id[S6_S6_SESSION_ID_MAX];
	uint32_t generation;          /* bumped when a session starts or ends */
	int32_t owner;                /* who created it (the shim: its pid) */
	s6_token_window window;
} s6_s6sess;

typedef enum s6_s6sess_role {
	S6_S6SESS_NONE = 0,           /* outside any session: authenticate */
	S6_S6SESS_REQUEST,            /* carries a Session Request */
	S6_S6SESS_USE,                /* carries the Session ID */
} s6_s6sess_role;

/* What one request does about the session; a copy, safe to use unlocked. */
typedef struct s6_s6sess_ticket {
	s6_s6sess_role role;
	uint32_t generation;
	uint16_t id_len;
	uint8_t id[S6_S6_SESSION_ID_MAX];
	uint32_t window_request;      /* REQUEST: Idempotence Request size, or 0 */
	bool spend;                   /* USE: spends token */
	uint32_t token;
} s6_s6sess_ticket;

/* What applying an answer did, for the caller's log lines. */
typedef struct s6_s6sess_outcome {
	bool created, reused, invalid;
	bool window_applied;          /* a new or moved token window */
	bool token_accepted, token_rejected;
} s6_s6sess_outcome;

void s6_s6sess_init(s6_s6sess *s);

/* Plan a request. use_sessions false: always NONE. window: the Idempotence
 * Request size with a Session Request (0: none). spend: take the smallest
 * unspent token when the request uses the session and the window has one. */
void s6_s6sess_plan(s6_s6sess *s, bool use_sessions, uint32_t window, bool spend,
		    s6_s6sess_ticket *t);

/* Apply the proxy's answer to a planned request (r as the machine left it,
 * success or failure). owner is recorded when the answer created the
 * session. A ticket of an older generation changes nothing, except that an
 * answer to the in-flight Session Request always ends "requesting". */
void s6_s6sess_apply(s6_s6sess *s, const s6_s6sess_ticket *t,
		     const s6_s6_client_result *r, int32_t owner, s6_s6sess_outcome *o);

/* A request of this ticket ended without an answer that says anything about
 * the session (proxy unreachable, timeout): a pending Session Request is
 * no longer in flight. */
void s6_s6sess_abandon(s6_s6sess *s, const s6_s6sess_ticket *t);

/* In a forked child: requests in flight belong to the parent (a Session
 * Request there must not keep the child from asking for its own). */
void s6_s6sess_after_fork(s6_s6sess *s);

/* Take the session out of the store for a teardown: true with the ID copied
 * when a session created by owner exists; the store then has none. */
bool s6_s6sess_take_for_teardown(s6_s6sess *s, int32_t owner, uint8_t *id, uint16_t *id_len);

#endif
