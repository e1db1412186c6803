/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP keys:
 *   connect-ip-mode rfc9484|draft00   capsule codepoints and framing
 *   connect-ip-plain yes|no           HTTP without TLS to the proxy (tests
 *                                     only: the shim warns loudly)
 *   block-alias PATTERN               refuse a connection whose CNAME chain
 *                                     (Proxy-Status next-hop-aliases) has a
 *                                     name matching PATTERN; repeatable
 * and the check of an https:// proxy URL's URI template, made when the
 * configuration is read so that a bad template fails there and not at the
 * first connection. */
#include <stdio.h>
#include <string.h>
#include "s6_cip_alias.h"
#include "s6_cip_capsule.h"
#include "s6_cip_template.h"
#include "s6_config.h"
#include "s6_config_internal.h"

s6_err s6_cfg_set_cip_mode(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "rfc9484") == 0)
		ctx->cfg->cip.mode = S6_CIP_MODE_RFC9484;
	else if (strcmp(value, "draft00") == 0)
		ctx->cfg->cip.mode = S6_CIP_MODE_DRAFT00;
	else
		return s6_cfg_fail(ctx, "bad connect-ip-mode '%.64s': expected rfc9484 or draft00",
				   value);
	return S6_OK;
}

s6_err s6_cfg_set_cip_plain(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "yes") == 0)
		ctx->cfg->cip.plain = true;
	else if (strcmp(value, "no") == 0)
		ctx->cfg->cip.plain = false;
	else
		return s6_cfg_fail(ctx, "bad connect-ip-plain '%.64s': expected yes or no", value);
	return S6_OK;
}

s6_err s6_cfg_set_block_alias(struct s6_cfg_ctx *ctx, const char *value)
{
	s6_cip_config *c = &ctx->cfg->cip;

	if (c->n_block >= S6_CONFIG_BLOCK_ALIAS_MAX)
		return s6_cfg_fail(ctx, "too many block-alias keys (at most %d)",
				   S6_CONFIG_BLOCK_ALIAS_MAX);
	if (strlen(value) > S6_CONFIG_BLOCK_ALIAS_LEN || s6_cip_alias_pattern_check(value) != S6_OK)
		return s6_cfg_fail(ctx, "bad block-alias '%.64s': expected a DNS name pattern such as "
				   "*.tracker.example or trk*.example.com", value);
	snprintf(c->block[c->n_block++], sizeof c->block[0], "%s", value);
	return S6_OK;
}

/* An https:// template must expand (RFC 6570 up to level 3); connect-ip://
 * and the others carry no path. */
bool s6_cfg_cip_url_ok(const s6_proxy_url *u, char *why, size_t whylen)
{
	const s6_cip_tvars v = {.target = "192.0.2.1", .ipproto = "6"};
	char out[S6_URL_PATH_MAX * 3 + 64];
	size_t len;

	if (u->scheme != S6_SCHEME_HTTPS || !u->path[0])
		return true;
	if (s6_cip_template_expand(u->path, &v, out, sizeof out, &len) == S6_OK)
		return true;
	snprintf(why, whylen, "bad URI template in the path (RFC 6570 with {target} and {ipproto}, "
		 "e.g. /.well-known/masque/ip/{target}/{ipproto}/)");
	return false;
}
