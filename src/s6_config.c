/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration parser: one `key value` per line, see socks6ify.conf(5).
 * The preload library runs this too, so: no globals, no allocation (the
 * loader streams the file through a stack buffer), and every buffer that
 * held a line is wiped because lines may carry passwords. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "s6_config.h"
#include "s6_config_internal.h"

void s6_config_defaults(s6_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->dns = S6_DNS_REMOTE;
	cfg->hosts = S6_HOSTS_LOCAL;
	cfg->connect_timeout_ms = 10000;
	cfg->has_log_level = false;
	cfg->log_level = S6_LOG_ERROR;
	cfg->fail = S6_FAIL_CLOSED;
	cfg->stack.tfo = true;
	cfg->s6.auth = S6_S6AUTH_0RTT;
	cfg->s6.session = true;
	cfg->s6.token_window = 16;
	cfg->s6.spend = S6_SPEND_REPLAYABLE;
	cfg->s6.tfo_proxy = S6_TFO_PROXY_AUTO;
	cfg->s6.optimistic = true;
	cfg->s6.shared_store = true;
	cfg->s6.session_idle_s = 300; /* below the companion server's 600 */
	cfg->tls.verify = true;
	cfg->tls.engine_idle_s = 300;
}

s6_err s6_cfg_fail(struct s6_cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ctx->err || ctx->errlen == 0)
		return S6_ERR_CONFIG;
	n = snprintf(ctx->err, ctx->errlen, "%s:%u: ", ctx->filename, ctx->lineno);
	if (n < 0 || (size_t)n >= ctx->errlen)
		return S6_ERR_CONFIG;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return S6_ERR_CONFIG;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* '#' opens a comment at the start of a line or after a blank, so that
 * "password abc#1" keeps its '#' while "dns local  # note" does not. */
static size_t strip_comment(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] == '#' && (i == 0 || is_blank(line[i - 1])))
			return i;
	return len;
}

/* Checks on the raw line: NUL, length, control bytes. */
static s6_err check_line(struct s6_cfg_ctx *ctx, const char *line, size_t len)
{
	if (memchr(line, '\0', len))
		return s6_cfg_fail(ctx, "NUL byte in file (is this a text file?)");
	if (len > S6_CONFIG_LINE_MAX)
		return s6_cfg_fail(ctx, "line too long (more than %d bytes)", S6_CONFIG_LINE_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return s6_cfg_fail(ctx, "control character 0x%02x in line", c);
	}
	return S6_OK;
}

/* Split "key value" in place (buf is NUL-terminated and trimmed). */
static s6_err dispatch(struct s6_cfg_ctx *ctx, char *buf)
{
	char *value = buf + strcspn(buf, " \t");

	if (*value) {
		*value++ = '\0';
		value += strspn(value, " \t");
	}
	return s6_cfg_set_key(ctx, buf, value);
}

s6_err s6_cfg_line(struct s6_cfg_ctx *ctx, const char *line, size_t len)
{
	char buf[S6_CONFIG_LINE_MAX + 1];
	size_t start = 0;
	s6_err err;

	ctx->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--; /* CRLF files */
	err = check_line(ctx, line, len);
	if (err != S6_OK)
		return err;
	len = strip_comment(line, len);
	while (start < len && is_blank(line[start]))
		start++;
	while (len > start && is_blank(line[len - 1]))
		len--;
	if (start == len)
		return S6_OK;
	memcpy(buf, line + start, len - start);
	buf[len - start] = '\0';
	err = dispatch(ctx, buf);
	explicit_bzero(buf, len - start);
	return err;
}

s6_err s6_config_parse(s6_config *cfg, const char *text, size_t len,
		       const char *filename, char *err, size_t errlen)
{
	struct s6_cfg_ctx ctx = {cfg, filename ? filename : "config", 0, err, errlen};
	size_t pos = 0;

	if (err && errlen > 0)
		err[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		s6_err e = s6_cfg_line(&ctx, text + pos, n);
		if (e != S6_OK)
			return e;
		pos += n + (nl ? 1 : 0);
	}
	return S6_OK;
}

bool s6_config_excluded(const s6_config *cfg, const struct sockaddr *sa)
{
	for (size_t i = 0; i < cfg->n_exclude && i < S6_CONFIG_EXCLUDE_MAX; i++)
		if (s6_cidr_match(&cfg->exclude[i], sa))
			return true;
	return false;
}

void s6_config_wipe(s6_config *cfg)
{
	s6_url_wipe(&cfg->proxy);
	explicit_bzero(cfg->user, sizeof cfg->user);
	explicit_bzero(cfg->pass, sizeof cfg->pass);
	cfg->has_user = false;
	cfg->has_pass = false;
}
