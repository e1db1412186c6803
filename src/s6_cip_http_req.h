/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proxy's side of the CONNECT-IP HTTP/1.1 exchange: an incremental
 * parser for the client's Upgrade request head, the scope (target and
 * ipproto) carried in its path, and Basic credentials. Pure, no I/O.
 *
 * Request head: "GET <origin-form> HTTP/1.1" then field lines and a blank
 * line. Only complete lines are judged, so errors depend only on the bytes
 * before them; the head is re-read from the start on each call (it is
 * bounded by S6_CIP_REQ_HEAD_MAX). The bytes after the head are the start
 * of the client's capsule stream.
 *
 * Scope: the RFC 9484 default template /.well-known/masque/ip/{target}/
 * {ipproto}/ and the query forms ?target=..&ipproto=.. (ip_proto is the
 * draft-00 spelling). `*` and %2A mean any; an IPv6 target arrives with
 * %3A for its colons and a prefix with %2F. A missing variable means any
 * (RFC 9484 section 4.6). */
#ifndef S6_CIP_HTTP_REQ_H
#define S6_CIP_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"
#include "s6_userpass.h"

#define S6_CIP_REQ_HEAD_MAX 8192
#define S6_CIP_REQ_FIELDS_MAX 64
#define S6_CIP_REQ_PATH_MAX 1024
#define S6_CIP_REQ_HOST_MAX 256
#define S6_CIP_REQ_AUTH_MAX 1024
#define S6_CIP_TARGET_MAX 256

typedef struct s6_cip_req {
	char method[16];
	char path[S6_CIP_REQ_PATH_MAX];      /* request target as sent */
	char host[S6_CIP_REQ_HOST_MAX];      /* Host field, "" if absent */
	bool http11;                         /* HTTP/1.1 (else 1.0) */
	bool upgrade_connect_ip;             /* an Upgrade member is connect-ip */
	bool connection_upgrade;             /* Connection lists "upgrade" */
	bool capsule_protocol;               /* Capsule-Protocol: ?1 */
	bool has_body_framing;               /* Content-Length / Transfer-Encoding */
	bool has_auth;
	char auth[S6_CIP_REQ_AUTH_MAX];      /* Proxy-Authorization value */
	size_t nfields;
} s6_cip_req;

/* Parse the request head at buf[0..len):
 *   S6_OK             complete head; *used = its length (the flags tell
 *                     whether it is a CONNECT-IP upgrade at all)
 *   S6_ERR_NEED_MORE  not complete yet (*need >= 1)
 *   S6_ERR_MALFORMED  bad request line or field line, obs-fold, bare CR
 *   S6_ERR_TOO_LONG   head, path, Host or credentials over their bounds,
 *                     or too many fields
 * *why names the reason of an error. */
s6_err s6_cip_req_parse(const uint8_t *buf, size_t len, s6_cip_req *out,
			size_t *used, size_t *need, const char **why);

typedef struct s6_cip_scope {
	bool any_target;
	char target[S6_CIP_TARGET_MAX];      /* percent-decoded; "" when any */
	bool any_proto;
	uint8_t ipproto;                     /* 0 when any */
} s6_cip_scope;

/* The scope from a request path. prefix is the template path up to the
 * variables ("/.well-known/masque/ip/" for the default); the query form is
 * accepted on any path. S6_ERR_MALFORMED (with *why) for a path of neither
 * form, a bad escape, an ipproto outside 0..255 or an empty target. */
s6_err s6_cip_req_scope(const char *path, const char *prefix, s6_cip_scope *out,
			const char **why);

/* "Basic <base64 of user:pass>" (RFC 7617; scheme case-insensitive).
 * S6_ERR_MALFORMED for another scheme, bad base64, no ':' or an empty
 * user; S6_ERR_TOO_LONG for a field over 255 bytes. */
s6_err s6_cip_req_basic(const char *value, s6_userpass *out, const char **why);

#endif
