/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capsule stream from the proxy: address and route state (replace
 * semantics in RFC 9484; draft-00 adds one address per capsule), IP
 * packets to the tunnel, unknown capsules skipped, malformed ones fatal. */
#include <stdio.h>
#include <string.h>
#include "eng_cip.h"

static bool eng_cip_addrs(struct eng_cip_caps *c, const s6_cip_event *ev, const char **why)
{
	s6_cip_prefix p[ENG_CIP_ADDRS_MAX];
	size_t n = 0;
	s6_err err = s6_cip_addrs_decode(c->mode, S6_CIP_K_ADDRESS_ASSIGN, ev->body,
					 (size_t)ev->body_len, p, ENG_CIP_ADDRS_MAX, &n, why);

	if (err != S6_OK)
		return false;
	if (c->mode == S6_CIP_MODE_DRAFT00) {
		if (c->naddr < ENG_CIP_ADDRS_MAX && n == 1)
			c->addr[c->naddr++] = p[0];
	} else {
		memcpy(c->addr, p, n * sizeof p[0]);
		c->naddr = n;
	}
	c->have_addr = c->naddr > 0;
	return true;
}

static bool eng_cip_routes(struct eng_cip_caps *c, const s6_cip_event *ev, const char **why)
{
	size_t n = 0;

	if (s6_cip_routes_decode(ev->body, (size_t)ev->body_len, c->route, ENG_CIP_ROUTES_MAX, &n,
				 why) != S6_OK) {
		c->nroute = 0;
		return false;
	}
	c->nroute = n;
	c->have_routes = true;
	return true;
}

static bool eng_cip_capsule(struct eng_cip_caps *c, struct eng_cip_tun *tun,
			    const s6_cip_event *ev, const char **why)
{
	const uint8_t *pkt;
	size_t plen;
	uint64_t ctx;

	switch (ev->kind) {
	case S6_CIP_K_DATAGRAM:
		if (s6_cip_datagram_decode(ev->body, (size_t)ev->body_len, &ctx, &pkt, &plen,
					   why) != S6_OK)
			return false;
		if (ctx == 0 && tun)
			eng_cip_tun_input(tun, pkt, plen);
		else if (ctx == 0 && c->on_packet)
			c->on_packet(c->on_packet_arg, pkt, plen);
		return true; /* other contexts: not ours, dropped */
	case S6_CIP_K_ADDRESS_ASSIGN:
		return eng_cip_addrs(c, ev, why);
	case S6_CIP_K_ROUTE_ADVERTISEMENT:
		return eng_cip_routes(c, ev, why);
	default:
		return true; /* ADDRESS_REQUEST from a proxy, REGISTER: nothing to do */
	}
}

bool eng_cip_caps_feed(struct eng_cip_caps *c, struct eng_cip_tun *tun, char *why,
		       size_t whylen)
{
	size_t off = 0;

	while (off < c->in_len) {
		s6_cip_event ev;
		size_t used = 0, need = 0;
		const char *w = NULL;
		s6_err err = s6_cip_read(&c->rd, c->in + off, c->in_len - off, &ev, &used, &need, &w);
		if (err == S6_ERR_NEED_MORE)
			break;
		if (err != S6_OK || (ev.ev == S6_CIP_EV_CAPSULE && !eng_cip_capsule(c, tun, &ev, &w))) {
			snprintf(why, whylen, "connect-ip: malformed capsule from the proxy (%s)",
				 w ? w : s6_strerror(err));
			return false;
		}
		off += used;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return true;
}

static bool eng_cip_in_range(const s6_cip_range *r, const struct eng_cip_ip *ip, uint8_t proto)
{
	size_t n = ip->v == 4 ? 4 : 16;

	return r->version == ip->v && (r->proto == 0 || r->proto == proto) &&
	       memcmp(r->start, ip->a, n) <= 0 && memcmp(ip->a, r->end, n) <= 0;
}

bool eng_cip_routed(const struct eng_cip_caps *c, const struct eng_cip_ip *ip, uint8_t proto)
{
	for (size_t i = 0; i < c->nroute; i++)
		if (eng_cip_in_range(&c->route[i], ip, proto))
			return true;
	return false;
}

bool eng_cip_local(const struct eng_cip_caps *c, uint8_t v, struct eng_cip_ip *out)
{
	for (size_t i = 0; i < c->naddr; i++) {
		if (c->addr[i].version != v)
			continue;
		out->v = v;
		memcpy(out->a, c->addr[i].addr, 16);
		return true;
	}
	return false;
}
