/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the three parts of the configuration code (line parser, key
 * setters, file loader); not for other modules. */
#ifndef S6_CONFIG_INTERNAL_H
#define S6_CONFIG_INTERNAL_H

#include <stddef.h>
#include "s6_config.h"

/* Where a parse is: the target struct and what error lines need. */
struct s6_cfg_ctx {
	s6_config *cfg;
	const char *filename;
	unsigned lineno;   /* of the line being parsed, from 1 */
	char *err;
	size_t errlen;
};

/* Write "FILENAME:LINE: problem" into ctx->err; returns S6_ERR_CONFIG. */
s6_err s6_cfg_fail(struct s6_cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One raw line without its '\n' (a trailing '\r' is dropped); counts it. */
s6_err s6_cfg_line(struct s6_cfg_ctx *ctx, const char *line, size_t len);

/* Apply `key value` (both NUL-terminated, value trimmed, maybe ""). */
s6_err s6_cfg_set_key(struct s6_cfg_ctx *ctx, const char *key, const char *value);

/* Parse a proxy URL and install it into cfg. On failure returns the URL
 * parser's error (S6_ERR_URL, S6_ERR_TOO_LONG) or S6_ERR_UNSUPPORTED_SCHEME,
 * with a reason in why, and leaves cfg unchanged. */
s6_err s6_cfg_install_proxy(s6_config *cfg, const char *url, char *why, size_t whylen);

/* The SOCKS6 Stack option keys (s6_config_stack.c). */
s6_err s6_cfg_set_tos(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_ttl(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_no_fragment(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_happy_eyeballs(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_mptcp(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_tfo(struct s6_cfg_ctx *ctx, const char *value);

/* The SOCKS6 session keys (s6_config_socks6.c). */
s6_err s6_cfg_set_socks6_auth(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_session(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_token_window(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_spend_tokens(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_tfo_proxy(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_optimistic(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_session_store(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_session_idle(struct s6_cfg_ctx *ctx, const char *value);

/* The socks6+tls keys (s6_config_tls.c). */
s6_err s6_cfg_set_ca_file(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_pin_sha256(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_tls_verify(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_engine_idle(struct s6_cfg_ctx *ctx, const char *value);

/* The CONNECT-IP keys (s6_config_cip.c), and the check of a CONNECT-IP
 * proxy URL's template (false with a reason). */
s6_err s6_cfg_set_cip_mode(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_cip_plain(struct s6_cfg_ctx *ctx, const char *value);
s6_err s6_cfg_set_block_alias(struct s6_cfg_ctx *ctx, const char *value);
bool s6_cfg_cip_url_ok(const s6_proxy_url *u, char *why, size_t whylen);

#endif
