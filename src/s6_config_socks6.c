/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SOCKS6 keys about authentication, sessions and idempotence tokens:
 *   socks6-auth 0rtt|slow        credentials inside the Request (default) or
 *                                only when the proxy asks for them
 *   session yes|no               open a session and reuse it (default yes)
 *   token-window N               tokens asked for with the session, 0 none
 *   spend-tokens always|replayable|never
 *   tfo-proxy auto|always|never   TCP Fast Open toward the proxy
 *   socks6-optimistic yes|no      connect() returns before the replies
 *   session-store shared|process one session table for all processes of
 *                                the user (default), or one per process
 *   session-idle N               seconds after which an unused shared
 *                                session is dropped (default 300) */
#include <stdlib.h>
#include <string.h>
#include "s6_config.h"
#include "s6_config_internal.h"

s6_err s6_cfg_set_socks6_auth(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "0rtt") == 0)
		ctx->cfg->s6.auth = S6_S6AUTH_0RTT;
	else if (strcmp(value, "slow") == 0)
		ctx->cfg->s6.auth = S6_S6AUTH_SLOW;
	else
		return s6_cfg_fail(ctx, "bad socks6-auth '%.64s': expected 0rtt or slow", value);
	return S6_OK;
}

s6_err s6_cfg_set_session(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "yes") == 0)
		ctx->cfg->s6.session = true;
	else if (strcmp(value, "no") == 0)
		ctx->cfg->s6.session = false;
	else
		return s6_cfg_fail(ctx, "bad session '%.64s': expected yes or no", value);
	return S6_OK;
}

s6_err s6_cfg_set_token_window(struct s6_cfg_ctx *ctx, const char *value)
{
	unsigned long n;
	char *end;

	if (value[0] < '0' || value[0] > '9' || strlen(value) > 10)
		goto bad;
	n = strtoul(value, &end, 10);
	if (*end != '\0' || n > S6_CONFIG_TOKEN_WINDOW_MAX)
		goto bad;
	ctx->cfg->s6.token_window = (uint32_t)n;
	return S6_OK;
bad:
	return s6_cfg_fail(ctx, "bad token-window '%.64s': expected a number from 0 (none) to %u",
			   value, S6_CONFIG_TOKEN_WINDOW_MAX);
}

s6_err s6_cfg_set_spend_tokens(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "always") == 0)
		ctx->cfg->s6.spend = S6_SPEND_ALWAYS;
	else if (strcmp(value, "replayable") == 0)
		ctx->cfg->s6.spend = S6_SPEND_REPLAYABLE;
	else if (strcmp(value, "never") == 0)
		ctx->cfg->s6.spend = S6_SPEND_NEVER;
	else
		return s6_cfg_fail(ctx, "bad spend-tokens '%.64s': expected always, replayable "
				   "or never", value);
	return S6_OK;
}

s6_err s6_cfg_set_tfo_proxy(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "auto") == 0)
		ctx->cfg->s6.tfo_proxy = S6_TFO_PROXY_AUTO;
	else if (strcmp(value, "always") == 0)
		ctx->cfg->s6.tfo_proxy = S6_TFO_PROXY_ALWAYS;
	else if (strcmp(value, "never") == 0)
		ctx->cfg->s6.tfo_proxy = S6_TFO_PROXY_NEVER;
	else
		return s6_cfg_fail(ctx, "bad tfo-proxy '%.64s': expected auto, always or never",
				   value);
	return S6_OK;
}

s6_err s6_cfg_set_optimistic(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "yes") == 0)
		ctx->cfg->s6.optimistic = true;
	else if (strcmp(value, "no") == 0)
		ctx->cfg->s6.optimistic = false;
	else
		return s6_cfg_fail(ctx, "bad socks6-optimistic '%.64s': expected yes or no", value);
	return S6_OK;
}

s6_err s6_cfg_set_session_store(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "shared") == 0)
		ctx->cfg->s6.shared_store = true;
	else if (strcmp(value, "process") == 0)
		ctx->cfg->s6.shared_store = false;
	else
		return s6_cfg_fail(ctx, "bad session-store '%.64s': expected shared or process",
				   value);
	return S6_OK;
}

s6_err s6_cfg_set_session_idle(struct s6_cfg_ctx *ctx, const char *value)
{
	unsigned long n;
	char *end;

	if (value[0] < '0' || value[0] > '9' || strlen(value) > 10)
		goto bad;
	n = strtoul(value, &end, 10);
	if (*end != '\0' || n < 1 || n > S6_CONFIG_SESSION_IDLE_MAX)
		goto bad;
	ctx->cfg->s6.session_idle_s = (uint32_t)n;
	return S6_OK;
bad:
	return s6_cfg_fail(ctx, "bad session-idle '%.64s': expected seconds from 1 to %u",
			   value, S6_CONFIG_SESSION_IDLE_MAX);
}
