/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration keys: one setter per key, each validating its value and
 * saying what it expected. Values are quoted in errors except secrets. */
#include <stdio.h>
#include <string.h>
#include "s6_config.h"
#include "s6_config_internal.h"

/* Quoted values in messages are cut so an error stays one readable line. */
#define QUOTE_MAX 64
#define Q(v) (int)(strlen(v) > QUOTE_MAX ? QUOTE_MAX : strlen(v)), (v)

s6_err s6_cfg_install_proxy(s6_config *cfg, const char *url, char *why, size_t whylen)
{
	s6_proxy_url parsed;
	s6_err err = s6_url_parse(url, &parsed, why, whylen);

	if (err != S6_OK)
		return err;
	if (!s6_cfg_cip_url_ok(&parsed, why, whylen)) {
		s6_url_wipe(&parsed);
		return S6_ERR_URL;
	}
	if (!s6_scheme_implemented(parsed.scheme)) {
		snprintf(why, whylen, "scheme %s is not implemented yet in this version (only %s, %s and %s are)",
			 s6_scheme_name(parsed.scheme), s6_scheme_name(S6_SCHEME_SOCKS4A),
			 s6_scheme_name(S6_SCHEME_SOCKS6), s6_scheme_name(S6_SCHEME_SOCKS6_TLS));
		s6_url_wipe(&parsed);
		return S6_ERR_UNSUPPORTED_SCHEME;
	}
	s6_url_wipe(&cfg->proxy);
	cfg->proxy = parsed;
	cfg->has_proxy = true;
	s6_url_wipe(&parsed);
	return S6_OK;
}

s6_err s6_config_set_proxy(s6_config *cfg, const char *url, char *err, size_t errlen)
{
	char why[256];
	s6_err e = s6_cfg_install_proxy(cfg, url, why, sizeof why);

	if (e != S6_OK && err && errlen > 0)
		snprintf(err, errlen, "proxy URL: %s", why);
	return e;
}

static s6_err set_proxy(struct s6_cfg_ctx *ctx, const char *value)
{
	char why[256];
	s6_err err = s6_cfg_install_proxy(ctx->cfg, value, why, sizeof why);

	/* The URL itself is never echoed: it may hold a password. */
	if (err == S6_ERR_UNSUPPORTED_SCHEME)
		return s6_cfg_fail(ctx, "%s", why);
	if (err != S6_OK)
		return s6_cfg_fail(ctx, "invalid proxy URL: %s", why);
	if (ctx->cfg->proxy.has_pass)
		ctx->cfg->holds_secret = true;
	return S6_OK;
}

static s6_err set_exclude(struct s6_cfg_ctx *ctx, const char *value)
{
	s6_config *cfg = ctx->cfg;

	if (cfg->n_exclude >= S6_CONFIG_EXCLUDE_MAX)
		return s6_cfg_fail(ctx, "too many exclude rules (at most %d)", S6_CONFIG_EXCLUDE_MAX);
	if (s6_cidr_parse(value, &cfg->exclude[cfg->n_exclude]) != S6_OK)
		return s6_cfg_fail(ctx, "bad exclude '%.*s': expected ADDRESS[/PREFIX][:PORT], "
				   "e.g. 10.0.0.0/8, 127.0.0.1:631, 2001:db8::/32 or [::1]:22", Q(value));
	cfg->n_exclude++;
	return S6_OK;
}

static s6_err set_dns(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "remote") == 0)
		ctx->cfg->dns = S6_DNS_REMOTE;
	else if (strcmp(value, "local") == 0)
		ctx->cfg->dns = S6_DNS_LOCAL;
	else
		return s6_cfg_fail(ctx, "bad dns '%.*s': expected remote or local", Q(value));
	return S6_OK;
}

static s6_err set_hosts(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "local") == 0)
		ctx->cfg->hosts = S6_HOSTS_LOCAL;
	else if (strcmp(value, "remote") == 0)
		ctx->cfg->hosts = S6_HOSTS_REMOTE;
	else
		return s6_cfg_fail(ctx, "bad hosts '%.*s': expected local or remote", Q(value));
	return S6_OK;
}

/* SECONDS[.FRACTION] with at most 3 fraction digits, into milliseconds. */
static bool parse_seconds(const char *v, unsigned *ms)
{
	unsigned whole = 0, frac = 0, scale = 100;
	size_t i = 0, digits = 0;

	for (; v[i] >= '0' && v[i] <= '9'; i++)
		if (++digits > 4)
			return false; /* more than 9999 s: out of range, and no overflow */
		else
			whole = whole * 10 + (unsigned)(v[i] - '0');
	if (digits == 0)
		return false;
	if (v[i] == '.') {
		size_t fdigits = 0;
		for (i++; v[i] >= '0' && v[i] <= '9'; i++, scale /= 10)
			if (++fdigits > 3)
				return false;
			else
				frac += (unsigned)(v[i] - '0') * scale;
		if (fdigits == 0)
			return false;
	}
	if (v[i] != '\0')
		return false;
	*ms = whole * 1000 + frac;
	return true;
}

static s6_err set_timeout(struct s6_cfg_ctx *ctx, const char *value)
{
	unsigned ms;

	if (!parse_seconds(value, &ms) || ms < 1000 || ms > S6_CONFIG_TIMEOUT_MAX_S * 1000u)
		return s6_cfg_fail(ctx, "bad connect-timeout '%.*s': expected seconds from 1 to %d "
				   "(e.g. 10 or 2.5)", Q(value), S6_CONFIG_TIMEOUT_MAX_S);
	ctx->cfg->connect_timeout_ms = ms;
	return S6_OK;
}

static s6_err set_log_level(struct s6_cfg_ctx *ctx, const char *value)
{
	s6_log_level level;

	if (!s6_log_level_parse(value, &level))
		return s6_cfg_fail(ctx, "bad log-level '%.*s': expected quiet, error, info or debug",
				   Q(value));
	ctx->cfg->log_level = level;
	ctx->cfg->has_log_level = true;
	return S6_OK;
}

static s6_err set_fail(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "closed") == 0)
		ctx->cfg->fail = S6_FAIL_CLOSED;
	else if (strcmp(value, "open") == 0)
		ctx->cfg->fail = S6_FAIL_OPEN;
	else
		return s6_cfg_fail(ctx, "bad fail '%.*s': expected closed or open", Q(value));
	return S6_OK;
}

static s6_err set_udp(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "proxy") == 0)
		ctx->cfg->udp = S6_UDP_PROXY;
	else if (strcmp(value, "direct") == 0)
		ctx->cfg->udp = S6_UDP_DIRECT;
	else if (strcmp(value, "block") == 0)
		ctx->cfg->udp = S6_UDP_BLOCK;
	else
		return s6_cfg_fail(ctx, "bad udp '%.*s': expected proxy, direct or block", Q(value));
	return S6_OK;
}

static s6_err set_dns_udp(struct s6_cfg_ctx *ctx, const char *value)
{
	if (strcmp(value, "proxy") == 0)
		ctx->cfg->dns_udp = S6_DNS_UDP_PROXY;
	else if (strcmp(value, "associate") == 0)
		ctx->cfg->dns_udp = S6_DNS_UDP_ASSOCIATE;
	else if (strcmp(value, "direct") == 0)
		ctx->cfg->dns_udp = S6_DNS_UDP_DIRECT;
	else
		return s6_cfg_fail(ctx, "bad dns-udp '%.*s': expected proxy, associate or direct",
				   Q(value));
	return S6_OK;
}

static s6_err set_username(struct s6_cfg_ctx *ctx, const char *value)
{
	size_t len = strlen(value);

	if (len > S6_URL_CRED_MAX)
		return s6_cfg_fail(ctx, "username longer than %d bytes", S6_URL_CRED_MAX);
	memcpy(ctx->cfg->user, value, len + 1);
	ctx->cfg->has_user = true;
	return S6_OK;
}

static s6_err set_password(struct s6_cfg_ctx *ctx, const char *value)
{
	size_t len = strlen(value);

	if (len > S6_URL_CRED_MAX)
		return s6_cfg_fail(ctx, "password longer than %d bytes", S6_URL_CRED_MAX);
	explicit_bzero(ctx->cfg->pass, sizeof ctx->cfg->pass);
	memcpy(ctx->cfg->pass, value, len + 1);
	ctx->cfg->has_pass = true;
	ctx->cfg->holds_secret = true;
	return S6_OK;
}

static const struct {
	const char *key;
	s6_err (*set)(struct s6_cfg_ctx *ctx, const char *value);
} s6_cfg_keys[] = {
	{"proxy", set_proxy},
	{"exclude", set_exclude},
	{"dns", set_dns},
	{"hosts", set_hosts},
	{"connect-timeout", set_timeout},
	{"log-level", set_log_level},
	{"fail", set_fail},
	{"udp", set_udp},
	{"dns-udp", set_dns_udp},
	{"username", set_username},
	{"password", set_password},
	{"tos", s6_cfg_set_tos},
	{"ttl", s6_cfg_set_ttl},
	{"no-fragment", s6_cfg_set_no_fragment},
	{"happy-eyeballs", s6_cfg_set_happy_eyeballs},
	{"mptcp", s6_cfg_set_mptcp},
	{"tfo", s6_cfg_set_tfo},
	{"socks6-auth", s6_cfg_set_socks6_auth},
	{"session", s6_cfg_set_session},
	{"token-window", s6_cfg_set_token_window},
	{"spend-tokens", s6_cfg_set_spend_tokens},
	{"tfo-proxy", s6_cfg_set_tfo_proxy},
	{"socks6-optimistic", s6_cfg_set_optimistic},
	{"session-store", s6_cfg_set_session_store},
	{"session-idle", s6_cfg_set_session_idle},
	{"ca-file", s6_cfg_set_ca_file},
	{"pin-sha256", s6_cfg_set_pin_sha256},
	{"tls-verify", s6_cfg_set_tls_verify},
	{"engine-idle", s6_cfg_set_engine_idle},
	{"connect-ip-mode", s6_cfg_set_cip_mode},
	{"connect-ip-plain", s6_cfg_set_cip_plain},
	{"block-alias", s6_cfg_set_block_alias},
};

s6_err s6_cfg_set_key(struct s6_cfg_ctx *ctx, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof s6_cfg_keys / sizeof s6_cfg_keys[0]; i++) {
		if (strcmp(key, s6_cfg_keys[i].key) != 0)
			continue;
		if (value[0] == '\0')
			return s6_cfg_fail(ctx, "missing value for key '%s'", key);
		return s6_cfg_keys[i].set(ctx, value);
	}
	return s6_cfg_fail(ctx, "unknown key '%.*s' (known: proxy, exclude, dns, hosts, "
			   "connect-timeout, log-level, fail, udp, dns-udp, username, password, tos, ttl, "
			   "no-fragment, happy-eyeballs, mptcp, tfo, socks6-auth, session, token-window, "
			   "spend-tokens, tfo-proxy, socks6-optimistic, session-store, session-idle, "
			   "ca-file, pin-sha256, tls-verify, engine-idle, connect-ip-mode, "
			   "connect-ip-plain, block-alias)",
			   Q(key));
}
