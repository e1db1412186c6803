/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SOCKS6 Stack option keys: what the client asks the proxy to do on each
 * leg (draft-11 "Stack options"). Values are checked here; the SOCKS6
 * engine turns them into options.
 *   tos N [proxy|remote|both]         N 0..255 (decimal or 0x..)
 *   ttl N [proxy|remote|both]         N 1..255
 *   no-fragment on|off [proxy|remote|both]
 *   happy-eyeballs on|off             proxy-remote leg only
 *   mptcp on|off                      proxy-remote leg only
 *   tfo on|off|BYTES                  BYTES 1..65535 caps the SYN payload
 * The leg defaults to remote: what the proxy does toward the target. */
#include <stdlib.h>
#include <string.h>
#include "s6_config.h"
#include "s6_config_internal.h"
#include "s6_socks6_opt.h"

/* Split "WORD [LEG]"; false on a third word or an unknown leg. */
static bool s6_stack_split(const char *value, char *word, size_t wlen, s6_leg *leg)
{
	size_t n = strcspn(value, " \t");
	const char *rest = value + n + strspn(value + n, " \t");

	if (n == 0 || n >= wlen)
		return false;
	memcpy(word, value, n);
	word[n] = '\0';
	*leg = S6_LEG_REMOTE;
	if (*rest == '\0')
		return true;
	if (strcmp(rest, "proxy") == 0)
		*leg = S6_LEG_PROXY;
	else if (strcmp(rest, "remote") == 0)
		*leg = S6_LEG_REMOTE;
	else if (strcmp(rest, "both") == 0)
		*leg = S6_LEG_BOTH;
	else
		return false;
	return true;
}

static bool s6_stack_number(const char *word, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (word[0] < '0' || word[0] > '9')
		return false;
	*out = strtoul(word, &end, 0);
	return *end == '\0' && *out >= lo && *out <= hi;
}

static int s6_stack_switch(const char *word)
{
	if (strcmp(word, "on") == 0)
		return 1;
	if (strcmp(word, "off") == 0)
		return 0;
	return -1;
}

static s6_err s6_stack_byte(struct s6_cfg_ctx *ctx, const char *key, const char *value,
			    unsigned long lo, s6_stack_pref *pref)
{
	char word[16];
	unsigned long n;
	s6_leg leg;

	if (!s6_stack_split(value, word, sizeof word, &leg) || !s6_stack_number(word, lo, 255, &n))
		return s6_cfg_fail(ctx, "bad %s '%.64s': expected a number from %lu to 255, "
				   "then optionally proxy, remote or both", key, value, lo);
	*pref = (s6_stack_pref){.set = true, .value = (uint8_t)n, .leg = leg};
	return S6_OK;
}

static s6_err s6_stack_onoff(struct s6_cfg_ctx *ctx, const char *key, const char *value,
			     bool remote_only, s6_stack_pref *pref)
{
	char word[16];
	s6_leg leg;
	int on;

	if (!s6_stack_split(value, word, sizeof word, &leg) || (on = s6_stack_switch(word)) < 0)
		return s6_cfg_fail(ctx, "bad %s '%.64s': expected on or off%s", key, value,
				   remote_only ? "" : ", then optionally proxy, remote or both");
	if (remote_only && strcspn(value, " \t") != strlen(value))
		return s6_cfg_fail(ctx, "%s applies to the proxy-remote leg only: expected on or off", key);
	*pref = (s6_stack_pref){.set = true, .value = (uint8_t)on, .leg = leg};
	return S6_OK;
}

s6_err s6_cfg_set_tos(struct s6_cfg_ctx *ctx, const char *value)
{
	return s6_stack_byte(ctx, "tos", value, 0, &ctx->cfg->stack.tos);
}

s6_err s6_cfg_set_ttl(struct s6_cfg_ctx *ctx, const char *value)
{
	return s6_stack_byte(ctx, "ttl", value, 1, &ctx->cfg->stack.ttl);
}

s6_err s6_cfg_set_no_fragment(struct s6_cfg_ctx *ctx, const char *value)
{
	return s6_stack_onoff(ctx, "no-fragment", value, false, &ctx->cfg->stack.no_fragment);
}

s6_err s6_cfg_set_happy_eyeballs(struct s6_cfg_ctx *ctx, const char *value)
{
	return s6_stack_onoff(ctx, "happy-eyeballs", value, true, &ctx->cfg->stack.happy_eyeballs);
}

s6_err s6_cfg_set_mptcp(struct s6_cfg_ctx *ctx, const char *value)
{
	return s6_stack_onoff(ctx, "mptcp", value, true, &ctx->cfg->stack.mptcp);
}

s6_err s6_cfg_set_tfo(struct s6_cfg_ctx *ctx, const char *value)
{
	s6_stack_config *st = &ctx->cfg->stack;
	unsigned long n;
	int on = s6_stack_switch(value);

	if (on >= 0) {
		st->tfo = on;
		st->tfo_payload = 0;
	} else if (s6_stack_number(value, 1, 65535, &n)) {
		st->tfo = true;
		st->tfo_payload = (uint16_t)n;
	} else {
		return s6_cfg_fail(ctx, "bad tfo '%.64s': expected on, off, or the largest SYN "
				   "payload in bytes (1 to 65535)", value);
	}
	return S6_OK;
}

/* ---- Encoding --------------------------------------------------------- */

static s6_err s6_stack_put(s6_s6opt_buf *b, const s6_stack_pref *p, uint8_t level,
			   uint8_t code, bool avail)
{
	s6_s6stack st = {.leg = (uint8_t)p->leg, .level = level, .code = code};

	if (!p->set)
		return S6_OK;
	/* The switches travel as availability: 2 desired, 1 not desired. */
	st.value = avail ? (p->value ? S6_S6_AVAIL_YES : S6_S6_AVAIL_NO) : p->value;
	return s6_s6opt_put_stack(b, &st);
}

s6_err s6_config_stack_encode(const s6_stack_config *st, uint8_t *buf, size_t cap,
			      size_t *len)
{
	s6_s6stack tfo = {.leg = S6_S6_LEG_PROXY_REMOTE, .level = S6_S6_LEVEL_TCP,
			  .code = S6_S6_TCP_TFO, .value = st->tfo_payload};
	s6_s6opt_buf b;
	s6_err err;

	s6_s6opt_buf_init(&b, buf, cap);
	err = s6_stack_put(&b, &st->tos, S6_S6_LEVEL_IP, S6_S6_IP_TOS, false);
	if (err == S6_OK)
		err = s6_stack_put(&b, &st->ttl, S6_S6_LEVEL_IP, S6_S6_IP_TTL, false);
	if (err == S6_OK)
		err = s6_stack_put(&b, &st->no_fragment, S6_S6_LEVEL_IP, S6_S6_IP_NOFRAG, true);
	if (err == S6_OK)
		err = s6_stack_put(&b, &st->happy_eyeballs, S6_S6_LEVEL_IP,
				   S6_S6_IP_HAPPY_EYEBALLS, true);
	if (err == S6_OK)
		err = s6_stack_put(&b, &st->mptcp, S6_S6_LEVEL_TCP, S6_S6_TCP_MULTIPATH, true);
	/* TFO exists on the proxy-remote leg only (the draft's figure fixes
	 * Leg = 2); the client-proxy leg is the shim's own business. */
	if (err == S6_OK && st->tfo)
		err = s6_s6opt_put_stack(&b, &tfo);
	*len = err == S6_OK ? b.len : 0;
	return err;
}
