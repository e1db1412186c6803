/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The handoff header in front of the SOCKS6 Request, and the engine's
 * status record read before the SOCKS6 replies (see s6p_engine.h). */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "s6_engine_msg.h"
#include "s6_tfo.h"
#include "s6p_engine.h"
#include "s6p_state.h"

/* The machine the status record stands in front of, and what it asked to
 * read first: the same for every request (the SOCKS6 machine, its first
 * Authentication Reply), kept here because s6_hs has no room for them. */
static _Atomic(const s6_hs_proto *) s6p_eng_inner;
static atomic_size_t s6p_eng_inner_want;

s6_err s6p_engine_status_take(s6_hs *hs, s6_eng_status *st)
{
	size_t used, need = 0;
	s6_err err = s6_eng_status_parse(s6_hs_input(hs), hs->in_len, st, &used, &need);

	if (err == S6_ERR_NEED_MORE) {
		err = s6_hs_expect_more(hs, need - hs->in_len);
		return err == S6_OK ? S6_ERR_NEED_MORE : err;
	}
	if (err != S6_OK) {
		s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL, "engine: malformed status record");
		return S6_ERR_PROXY_PROTOCOL;
	}
	if (st->code != S6_ENG_OK) {
		s6_hs_fail(hs, S6_ERR_IO, "%s", st->reason[0] ? st->reason : "engine: failed");
		hs->sys_errno = st->err;
		return S6_ERR_IO;
	}
	return S6_OK;
}

static s6_err s6p_eng_on_input(s6_hs *hs)
{
	s6_eng_status st;
	s6_err err = s6p_engine_status_take(hs, &st);

	if (err != S6_OK)
		return err == S6_ERR_NEED_MORE ? S6_OK : err;
	/* TLS is up: from here on the SOCKS6 machine reads as from a proxy. */
	hs->proto = atomic_load(&s6p_eng_inner);
	return s6_hs_expect(hs, atomic_load(&s6p_eng_inner_want));
}

static const s6_hs_proto s6p_eng_proto = {
	.name = "engine",
	.on_input = s6p_eng_on_input,
};

bool s6p_engine_hdr_fill(s6_eng_hdr *h)
{
	const s6_config *cfg = &s6p_state()->cfg;
	struct in6_addr a;

	if (!s6p_engine_secret(h->secret))
		return false;
	h->verify = cfg->tls.verify;
	/* The engine's TCP to the proxy follows tfo-proxy: `never` turns its
	 * TCP Fast Open off; `auto` and `always` both let the ClientHello ride
	 * in the SYN, and 0-RTT data stays limited to token-spending Requests. */
	h->no_tfo = !s6_tfo_proxy_enabled(cfg->s6.tfo_proxy);
	h->port = cfg->proxy.port;
	snprintf(h->host, sizeof h->host, "%s", cfg->proxy.host);
	/* SNI and the name check for a name; an IP literal is checked as one. */
	if (!cfg->proxy.host_is_ipv6 && inet_pton(AF_INET, cfg->proxy.host, &a) != 1)
		snprintf(h->sni, sizeof h->sni, "%s", cfg->proxy.host);
	snprintf(h->ca_file, sizeof h->ca_file, "%s", cfg->tls.ca_file);
	h->n_pins = (uint8_t)cfg->tls.n_pins;
	memcpy(h->pins, cfg->tls.pins, sizeof h->pins);
	return true;
}

static s6_err s6p_eng_header(bool spend_token, size_t req_len, uint8_t *buf, size_t *len)
{
	s6_eng_hdr *h = calloc(1, sizeof *h);
	s6_err err;

	if (!h)
		return S6_ERR_NOMEM;
	if (!s6p_engine_hdr_fill(h)) {
		free(h);
		return S6_ERR_PROXY_UNREACHABLE;
	}
	/* The draft's replay rule: only a Request that spends a token may
	 * be replayed, so only that one may ride in 0-RTT. */
	h->early_len = spend_token ? (uint16_t)(req_len > UINT16_MAX ? UINT16_MAX : req_len) : 0;
	err = s6_eng_hdr_encode(h, buf, S6_ENG_HDR_MAX, len);
	explicit_bzero(h, sizeof *h);
	free(h);
	return err;
}

s6_err s6p_engine_wrap(s6_hs *hs, bool spend_token)
{
	size_t rlen = hs->out_len - hs->out_off, hlen = 0;
	uint8_t *req = malloc(rlen ? rlen : 1), *hdr = malloc(S6_ENG_HDR_MAX);
	s6_err err = req && hdr ? S6_OK : S6_ERR_NOMEM;

	if (err == S6_OK)
		err = s6p_eng_header(spend_token, rlen, hdr, &hlen);
	if (err == S6_OK) {
		/* Header first, then the Request: one send, one segment. */
		memcpy(req, (hs->out_heap ? hs->out_heap : hs->out_inline) + hs->out_off, rlen);
		hs->out_len = hs->out_off = 0;
		err = s6_hs_queue(hs, hdr, hlen);
		if (err == S6_OK)
			err = s6_hs_queue(hs, req, rlen);
	}
	if (err == S6_OK) {
		atomic_store(&s6p_eng_inner, hs->proto);
		atomic_store(&s6p_eng_inner_want, hs->in_want);
		hs->proto = &s6p_eng_proto;
		err = s6_hs_expect(hs, S6_ENG_STATUS_FIXED);
	}
	if (hdr)
		explicit_bzero(hdr, S6_ENG_HDR_MAX);
	free(hdr);
	free(req);
	return err;
}
