/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The socks6+tls keys (how the engine checks the proxy's certificate):
 *   ca-file PATH          trust this CA bundle instead of the system store
 *   pin-sha256 BASE64     SHA-256 of the proxy's SubjectPublicKeyInfo, as
 *                         `openssl ... | openssl dgst -sha256 -binary | base64`;
 *                         repeatable, one must match
 *   tls-verify on|off     off (tests only): no chain or name check
 *   engine-idle N         seconds after which an unused engine exits */
#include <stdlib.h>
#include <string.h>
#include "s6_config.h"
#include "s6_config_internal.h"
#include "s6_digits.h"

s6_err s6_cfg_set_ca_file(struct s6_cfg_ctx *ctx, const char *value)
{
	size_t len = strlen(value);

	/* The engine runs elsewhere (cwd /): only an absolute path means the same. */
	if (value[0] != '/')
		return s6_cfg_fail(ctx, "bad ca-file '%.64s': expected an absolute path", value);
	if (len > S6_CONFIG_PATH_MAX)
		return s6_cfg_fail(ctx, "ca-file longer than %d bytes", S6_CONFIG_PATH_MAX);
	memcpy(ctx->cfg->tls.ca_file, value, len + 1);
	return S6_OK;
}

/* Exactly 32 bytes in standard base64: 43 symbols and one '='; the last
 * symbol's two unused bits must be zero (one spelling per pin). */
static bool pin_decode(const char *s, uint8_t out[S6_CONFIG_PIN_LEN])
{
	uint32_t acc = 0;
	unsigned bits = 0, n = 0;

	if (strlen(s) != 44 || s[43] != '=')
		return false;
	for (int i = 0; i < 43; i++) {
		int v = s6_b64_digit(s[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n == S6_CONFIG_PIN_LEN && acc == 0;
}

s6_err s6_cfg_set_pin_sha256(struct s6_cfg_ctx *ctx, const char *value)
{
	s6_tls_config *t = &ctx->cfg->tls;

	if (t->n_pins >= S6_CONFIG_PINS_MAX)
		return s6_cfg_fail(ctx, "too many pin-sha256 keys (at most %d)", S6_CONFIG_PINS_MAX);
	if (!pin_decode(value, t->pins[t->n_pins]))
		return s6_cfg_fail(ctx, "bad pin-sha256 '%.64s': expected the base64 SHA-256 of the "
				   "proxy's public key (44 characters ending in '=')", value);
	t->n_pins++;
	return S6_OK;
}

s6_err s6_cfg_set_tls_verify(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "on") == 0)
		ctx->cfg->tls.verify = true;
	else if (strcmp(value, "off") == 0)
		ctx->cfg->tls.verify = false;
	else
		return s6_cfg_fail(ctx, "bad tls-verify '%.64s': expected on or off", value);
	return S6_OK;
}

s6_err s6_cfg_set_engine_idle(struct s6_cfg_ctx *ctx, const char *value)
{
	unsigned long n;
	char *end;

	if (value[0] < '0' || value[0] > '9' || strlen(value) > 10)
		goto bad;
	n = strtoul(value, &end, 10);
	if (*end != '\0' || n < 1 || n > S6_CONFIG_ENGINE_IDLE_MAX)
		goto bad;
	ctx->cfg->tls.engine_idle_s = (uint32_t)n;
	return S6_OK;
bad:
	return s6_cfg_fail(ctx, "bad engine-idle '%.64s': expected seconds from 1 to %u",
			   value, S6_CONFIG_ENGINE_IDLE_MAX);
}
