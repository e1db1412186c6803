/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 (draft-11) client handshake machine (see s6_handshake.h).
 *
 * Exchange:  Request [+ initial data]
 *            <- Authentication Reply
 *            [slow path: -> RFC 1929 request, <- RFC 1929 reply,
 *                        <- second Authentication Reply]
 *            <- Operation Reply            (BIND: a second one follows)
 *
 * Every reply is read header first, then exactly the length its header
 * announces, so bytes the proxy sends after the last reply stay in the
 * socket.
 *
 * Authentication. With credentials the Request advertises method 2
 * (username/password). userpass_in_request adds the RFC 1929 request as an
 * Authentication Data option (0-RTT). Otherwise, when the first
 * Authentication Reply fails and selects method 2, the machine runs the
 * method-specific negotiation: the spec says "Username/Password
 * authentication is carried out as in [RFC1929]" (draft-11, line 1327) after
 * "The client and proxy begin a method-specific negotiation" (line 526), so
 * the raw RFC 1929 request goes on the stream, the 2-byte RFC 1929 reply
 * comes back, then the second Authentication Reply.
 *
 * Results go to the caller's s6_s6_client_result (params.out), filled as
 * replies arrive and still meaningful after a failure (for example
 * session_invalid tells the caller to retry without the session). Session
 * ID and Idempotence Window options are accepted in either the
 * Authentication or the Operation Reply (NOTES.md: the draft contradicts
 * itself on where the Session ID goes).
 *
 * Failures (hs->err, one-line hs->why):
 *   S6_ERR_NOT_ALLOWED      authentication failed, no acceptable method,
 *                           session invalid (out->session_invalid), token
 *                           rejected (out->idem_rejected)
 *   S6_ERR_PROXY_PROTOCOL   a reply that is not valid SOCKS6
 *   S6_ERR_BAD_VERSION      the proxy sent a Version Mismatch Reply (only
 *                           after s6_socks6_client_classify_eof())
 *   op reply code 1..9      s6_s6_reply_err(code), why "socks6: reply N: text"
 */
#ifndef S6_SOCKS6_CLIENT_H
#define S6_SOCKS6_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_handshake.h"
#include "s6_socks6.h"
#include "s6_socks6_opt.h"

typedef struct s6_s6_client_result {
	uint8_t auth_type;            /* last Authentication Reply's type */
	bool auth_slow_path;          /* the RFC 1929 negotiation ran */
	bool has_up_status;           /* an RFC 1929 reply was seen */
	uint8_t up_status;            /* its status (0 success) */

	bool session_ok, session_invalid;
	bool has_session_id;
	uint8_t session_id[S6_S6_SESSION_ID_MAX];
	size_t session_id_len;

	bool has_idem_window;
	uint32_t idem_base, idem_size;
	bool idem_accepted, idem_rejected;

	bool has_op_reply;
	uint8_t reply_code;           /* last Operation Reply's code */
	/* Stack options of the first Operation Reply: what the proxy says it
	 * did (it must echo every supported option the client sent). */
	s6_s6stack stack[S6_S6_STACK_MAX];
	size_t n_stack;
	s6_s6_addr bound_addr;        /* first Operation Reply's address */
	uint16_t bound_port;
	bool has_peer;                /* BIND: second Operation Reply arrived */
	s6_s6_addr peer_addr;
	uint16_t peer_port;
} s6_s6_client_result;

typedef struct s6_s6_client_params {
	uint8_t command;              /* S6_SOCKS6_CMD_CONNECT, _BIND, _NOOP or
				       * _UDP_ASSOCIATE (the Association Init
				       * behind the reply is the caller's) */
	s6_s6_addr addr;              /* target (NOOP: 0.0.0.0, port 0) */
	uint16_t port;
	/* NULL: no credentials. Both or neither. They must stay valid until
	 * the handshake ends: the slow path sends them later. */
	const char *user, *pass;
	bool userpass_in_request;     /* 0-RTT: RFC 1929 in an Auth Data option */
	bool request_session;         /* Session Request option */
	const uint8_t *session_id;    /* Session ID option (not with request_session) */
	size_t session_id_len;
	bool session_teardown;        /* Session Teardown option (needs session_id) */
	uint32_t token_window;        /* > 0: Idempotence Request of this size */
	bool spend_token;             /* Idempotence Expenditure of token */
	uint32_t token;
	const uint8_t *stack_opts;    /* pre-encoded options appended as they are */
	size_t stack_opts_len;
	/* Initial data, sent right after the Request; its length is advertised
	 * in an Authentication Method Advertisement (at most 16384). */
	const uint8_t *initial_data;
	uint16_t initial_data_len;
	s6_s6_client_result *out;     /* required; zeroed by start */
} s6_s6_client_params;

/* Initialise hs and queue the Request. S6_ERR_INVALID_ARG for an unusable
 * parameter (no out, a user without a password, an empty or over-long
 * credential, both a session request and a session id, a teardown without
 * a session id, ...), S6_ERR_TOO_LONG
 * when the options exceed 16384 bytes, S6_ERR_NOMEM. */
s6_err s6_socks6_client_start(s6_hs *hs, const s6_s6_client_params *p);

/* BIND: true once the first Operation Reply arrived (out->bound_*) while the
 * second (the connecting peer) is still awaited. */
bool s6_socks6_client_bind_ready(const s6_hs *hs);

/* Call after S6_HS_FAILED. The driver reports an early close as
 * S6_ERR_PROXY_CLOSED; when what arrived before the close was a Version
 * Mismatch Reply (the single byte 6) this turns hs->err into
 * S6_ERR_BAD_VERSION with the reason "proxy does not speak SOCKS6 (version
 * mismatch reply)"; a single other byte (a proxy of another version sending
 * its own mismatch reply) too, naming the version; when more arrived and
 * the first byte was not 6 it becomes S6_ERR_PROXY_PROTOCOL. Returns
 * hs->err; other failures are unchanged. */
s6_err s6_socks6_client_classify_eof(s6_hs *hs);

#endif
