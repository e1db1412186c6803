/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy URL parser.
 *   socks4a://[USERID@]HOST[:PORT]
 *   socks6://[USER[:PASS]@]HOST[:PORT]
 *   socks6+tls://[USER[:PASS]@]HOST[:PORT]
 *   connect-ip://[USER[:PASS]@]HOST[:PORT]
 *   https://[USER[:PASS]@]HOST[:PORT][/TEMPLATE]   (CONNECT-IP)
 * HOST is a DNS name, an IPv4 literal or a bracketed IPv6 literal. Userinfo is
 * percent-decoded. Default port 1080 for SOCKS, 443 for connect-ip/https. */
#ifndef S6_URL_H
#define S6_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

typedef enum s6_scheme {
	S6_SCHEME_SOCKS4A = 0,
	S6_SCHEME_SOCKS6,
	S6_SCHEME_SOCKS6_TLS,
	S6_SCHEME_CONNECT_IP,
	S6_SCHEME_HTTPS,
	S6_SCHEME__COUNT
} s6_scheme;

#define S6_URL_HOST_MAX 255   /* bytes, without the NUL */
#define S6_URL_CRED_MAX 255   /* decoded user or password, without the NUL */
#define S6_URL_PATH_MAX 1023
#define S6_URL_TEXT_MAX 2048  /* longest URL accepted */

typedef struct s6_proxy_url {
	s6_scheme scheme;
	char host[S6_URL_HOST_MAX + 1]; /* IPv6 without brackets */
	bool host_is_ipv6;
	uint16_t port;
	bool has_user;
	char user[S6_URL_CRED_MAX + 1];
	bool has_pass;
	char pass[S6_URL_CRED_MAX + 1];
	char path[S6_URL_PATH_MAX + 1];  /* https only: template path, else "" */
} s6_proxy_url;

/* Parse text into *out. On failure returns S6_ERR_URL (or
 * S6_ERR_TOO_LONG) and writes a one-line reason into why. Recognised but
 * unimplemented schemes parse fine: callers check s6_scheme_implemented(). */
s6_err s6_url_parse(const char *text, s6_proxy_url *out, char *why, size_t whylen);

/* Whether this build can talk the scheme yet. */
bool s6_scheme_implemented(s6_scheme scheme);

/* SOCKS6 on the wire: socks6, or socks6+tls (through the engine). */
bool s6_scheme_is_socks6(s6_scheme scheme);

/* "socks4a", "socks6", "socks6+tls", "connect-ip", "https". */
const char *s6_scheme_name(s6_scheme scheme);

/* Printable form for logs: scheme://[user@]host:port[path]; never the password. */
char *s6_url_format(const s6_proxy_url *url, char *buf, size_t len);

/* Overwrite credentials in memory (volatile stores, not optimised away). */
void s6_url_wipe(s6_proxy_url *url);

#endif
