/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTP/1.1 side of CONNECT-IP: the Upgrade request a client sends and
 * an incremental parser for the proxy's response head. Pure, no I/O.
 *
 * Request (RFC 9484 over HTTP/1.1, RFC 9297 Capsule Protocol):
 *   GET <path> HTTP/1.1
 *   Host: <authority>
 *   Connection: Upgrade
 *   Upgrade: connect-ip
 *   Capsule-Protocol: ?1               (RFC 9484 mode only)
 *   Proxy-Authorization: Basic <b64>   (when credentials are given)
 * draft-00 predates the Capsule-Protocol header field (its datagram context
 * is registered with a capsule instead), so that mode omits it.
 *
 * Response: success is exactly a 101 with `Upgrade: connect-ip` and no
 * Content-Length or Transfer-Encoding (RFC 9484 section 3). Every other
 * complete head is an error that keeps the status line for the log. The
 * parser re-reads the head from the start on each call (the head is small
 * and bounded) and judges only complete lines, so errors depend only on the
 * bytes before them: S6_ERR_NEED_MORE (need >= 1) until the blank line,
 * then S6_OK with *used = head length; the bytes after it are the start of
 * the capsule stream. */
#ifndef S6_CIP_HTTP_H
#define S6_CIP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include "s6_cip_capsule.h"
#include "s6_error.h"

#define S6_CIP_HTTP_HEAD_MAX 8192          /* status line + fields + CRLF */
#define S6_CIP_HTTP_FIELDS_MAX 64
#define S6_CIP_HTTP_STATUS_LINE_MAX 128    /* kept for the log, truncated */
#define S6_CIP_HTTP_PROXY_STATUS_MAX 2048  /* combined Proxy-Status value */

typedef struct s6_cip_http_req {
	s6_cip_mode mode;
	const char *authority;    /* Host: value, host[:port] (IPv6 in brackets) */
	const char *path;         /* expanded template, starting with '/' */
	const char *user;         /* NULL: no Proxy-Authorization */
	const char *pass;         /* NULL with a user: empty password */
} s6_cip_http_req;

/* Write the request head (NUL-terminated; *outlen excludes the NUL).
 * S6_ERR_INVALID_ARG: missing host/path, a path not starting with '/', or
 * any field containing a control character, space (host, path) or a ':' in
 * the user name (RFC 7617); S6_ERR_TOO_LONG: cap too small. */
s6_err s6_cip_http_request(const s6_cip_http_req *req, char *buf, size_t cap,
			   size_t *outlen);

typedef struct s6_cip_http_resp {
	int status;                               /* 100..999 */
	char status_line[S6_CIP_HTTP_STATUS_LINE_MAX]; /* sanitized, NUL-terminated */
	bool upgrade_connect_ip;                  /* an Upgrade member is connect-ip */
	bool connection_upgrade;                  /* Connection lists "upgrade" */
	bool capsule_protocol;                    /* Capsule-Protocol: ?1 */
	bool has_body_framing;                    /* Content-Length / Transfer-Encoding */
	size_t nfields;
	/* Proxy-Status field lines joined with ", " (RFC 9110 section 5.3). */
	char proxy_status[S6_CIP_HTTP_PROXY_STATUS_MAX];
	size_t proxy_status_len;
	bool has_proxy_status;
	bool proxy_status_overflow;               /* too long: treat as invalid */
} s6_cip_http_resp;

/* Parse the response head at buf[0..len). Results:
 *   S6_OK             101 + Upgrade: connect-ip; *used = head length
 *   S6_ERR_NEED_MORE  the head is not complete yet (*need >= 1)
 *   S6_ERR_NOT_ALLOWED  a complete 401, 403 or 407 head
 *   S6_ERR_REFUSED    any other complete non-101 head (200 included)
 *   S6_ERR_PROXY_PROTOCOL  101 without Upgrade: connect-ip, or with
 *                     Content-Length / Transfer-Encoding
 *   S6_ERR_MALFORMED  bad status line or field line, obs-fold, bare CR/LF
 *   S6_ERR_TOO_LONG   head over S6_CIP_HTTP_HEAD_MAX or too many fields
 * For every result but NEED_MORE and MALFORMED in the status line, *out has
 * the status and the status line; *used is the head length whenever the
 * head was complete. *why names the reason of an error. */
s6_err s6_cip_http_response(const uint8_t *buf, size_t len, s6_cip_http_resp *out,
			    size_t *used, size_t *need, const char **why);

/* Base64 (RFC 4648, with padding) of src into out; S6_ERR_TOO_LONG when
 * out cannot hold it and the NUL. Exposed for the tests. */
/* Does the comma-separated header value v[0..n) have a member equal to
 * word (case-insensitive, OWS around members)? "connect-ip/1" is not
 * "connect-ip". Shared by the response (client) and request (server)
 * parsers. */
bool s6_cip_http_list_has(const char *v, size_t n, const char *word);

s6_err s6_cip_base64(const uint8_t *src, size_t len, char *out, size_t cap);

#endif
