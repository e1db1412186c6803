/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP handoff machine of the shim (see s6p_cip.h). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "s6_engine_cip.h"
#include "s6_engine_msg.h"
#include "s6_log.h"
#include "s6p_cip.h"
#include "s6p_engine.h"
#include "s6p_s6.h"
#include "s6p_state.h"

static atomic_bool s6p_cip_warned;

bool s6p_cip_scheme(void)
{
	s6_scheme s = s6p_state()->cfg.proxy.scheme;

	return s == S6_SCHEME_CONNECT_IP || s == S6_SCHEME_HTTPS;
}

static s6_err s6p_cip_on_input(s6_hs *hs)
{
	s6_eng_status st;
	s6_err err = s6p_engine_status_take(hs, &st);

	if (err != S6_OK)
		return err == S6_ERR_NEED_MORE ? S6_OK : err;
	/* The target's address and the alias chain the proxy reported. */
	if (st.reason[0])
		s6_log(S6_LOG_INFO, "proxy %s: %s", s6p_state()->proxy_str, st.reason);
	s6_hs_finish(hs);
	return S6_OK;
}

static const s6_hs_proto s6p_cip_proto = {
	.name = "connect-ip",
	.on_input = s6p_cip_on_input,
};

/* The handoff header: the proxy and how TLS checks it (as socks6+tls). */
static s6_err s6p_cip_header(s6_eng_hdr *h, size_t rec_len, uint8_t *buf, size_t *len)
{
	if (!s6p_engine_hdr_fill(h))
		return S6_ERR_PROXY_UNREACHABLE;
	h->cip = true;
	h->early_len = (uint16_t)rec_len;
	return s6_eng_hdr_encode(h, buf, S6_ENG_HDR_MAX, len);
}

static void s6p_cip_target(s6_eng_cip *c, const struct s6p_target *t, uint8_t ipproto)
{
	const s6_s6_addr *d = &t->s6dst;

	if (d->type == S6_SOCKS6_ATYP_DOMAIN)
		snprintf(c->target, sizeof c->target, "%s", d->domain);
	else
		inet_ntop(d->type == S6_SOCKS6_ATYP_IPV4 ? AF_INET : AF_INET6, d->ip, c->target,
			  sizeof c->target);
	c->port = t->port ? t->port : 1; /* an association's record: not in the scope */
	c->ipproto = ipproto;
}

/* The record: target, template, mode, credentials, block-alias patterns. */
static s6_err s6p_cip_record(s6_eng_cip *c, const struct s6p_target *t, uint8_t ipproto,
			     uint8_t *buf, size_t *len)
{
	const s6_config *cfg = &s6p_state()->cfg;
	const char *user, *pass;

	s6p_cip_target(c, t, ipproto);
	c->mode = cfg->cip.mode;
	c->plain = cfg->cip.plain;
	snprintf(c->tmpl, sizeof c->tmpl, "%s", cfg->proxy.path);
	if (s6p_s6_credentials(&user, &pass)) {
		c->has_user = true;
		snprintf(c->user, sizeof c->user, "%s", user);
		snprintf(c->pass, sizeof c->pass, "%s", pass);
	}
	c->n_block = (uint8_t)cfg->cip.n_block;
	for (unsigned i = 0; i < cfg->cip.n_block; i++)
		snprintf(c->block[i], sizeof c->block[i], "%s", cfg->cip.block[i]);
	return s6_eng_cip_encode(c, buf, S6_ENG_CIP_MAX, len);
}

static void s6p_cip_warn_plain(void)
{
	if (s6p_state()->cfg.cip.plain && !atomic_exchange(&s6p_cip_warned, true))
		s6_log(S6_LOG_ERROR, "proxy %s: WARNING: connect-ip-plain yes: CONNECT-IP over plain "
		       "HTTP, readable and alterable on the way (for tests only)",
		       s6p_state()->proxy_str);
}

s6_err s6p_cip_handoff(const struct s6p_target *t, uint8_t ipproto, uint8_t *buf, size_t *len)
{
	s6_eng_hdr *h = calloc(1, sizeof *h);
	s6_eng_cip *c = calloc(1, sizeof *c);
	size_t hlen = 0, rlen = 0;
	s6_err err = h && c ? S6_OK : S6_ERR_NOMEM;

	s6p_cip_warn_plain();
	if (err == S6_OK)
		err = s6p_cip_record(c, t, ipproto, buf + S6_ENG_HDR_MAX, &rlen);
	if (err == S6_OK)
		err = s6p_cip_header(h, rlen, buf, &hlen);
	/* Header and record side by side: one send. */
	if (err == S6_OK) {
		memmove(buf + hlen, buf + S6_ENG_HDR_MAX, rlen);
		*len = hlen + rlen;
	}
	if (h)
		explicit_bzero(h, sizeof *h);
	if (c)
		explicit_bzero(c, sizeof *c);
	free(h);
	free(c);
	return err;
}

s6_err s6p_cip_start(s6_hs *hs, const struct s6p_target *t)
{
	uint8_t *buf = malloc(S6P_CIP_HANDOFF_MAX);
	size_t len = 0;
	s6_err err = buf ? S6_OK : S6_ERR_NOMEM;

	s6_hs_init(hs, &s6p_cip_proto);
	if (err == S6_OK)
		err = s6p_cip_handoff(t, 6, buf, &len);
	if (err == S6_OK)
		err = s6_hs_queue(hs, buf, len);
	if (err == S6_OK)
		err = s6_hs_expect(hs, S6_ENG_STATUS_FIXED);
	if (buf)
		explicit_bzero(buf, S6P_CIP_HANDOFF_MAX);
	free(buf);
	return err;
}
