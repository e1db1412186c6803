/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP settings (--connect-ip-pool, --cname, --connect-ip-mtu) and the
 * address pool: host index i of the IPv4 pool and of the IPv6 pool goes to
 * one tunnel. Indices below SRV_CIP_POOL_FIRST are left to slirp (its
 * virtual host .1/::1 and friends). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_cip.h"

#define POOL_MAX_SLOTS 65536     /* bounds the bitmap whatever the prefix */

struct srv_cip_pool {
	long n;                  /* usable indices: [FIRST, n) */
	long hint;
	uint8_t *used;
};

void srv_cip_config_defaults(srv_cip_config *c)
{
	memset(c, 0, sizeof *c);
	s6_cidr_parse("10.99.0.0/16", &c->pool4);
	s6_cidr_parse("fd99::/64", &c->pool6);
	c->mtu = SRV_CIP_MTU_DEFAULT;
}

void srv_cip_config_free(srv_cip_config *c)
{
	free(c->cname);
	c->cname = NULL;
	c->n_cname = 0;
}

bool srv_cip_opt_pool(srv_cip_config *c, const char *arg, char *why, size_t whylen)
{
	s6_cidr n;

	if (s6_cidr_parse(arg, &n) != S6_OK || n.port) {
		snprintf(why, whylen, "'%s': CIDR expected", arg);
		return false;
	}
	/* Room for slirp's own addresses and at least a few clients. */
	if ((n.family == AF_INET && n.prefix > 27) || (n.family == AF_INET6 && n.prefix > 123)) {
		snprintf(why, whylen, "'%s': at most /27 (IPv4) or /123 (IPv6)", arg);
		return false;
	}
	*(n.family == AF_INET ? &c->pool4 : &c->pool6) = n;
	return true;
}

bool srv_cip_opt_cname(srv_cip_config *c, const char *arg, char *why, size_t whylen)
{
	const char *eq = strchr(arg, '=');
	srv_cip_cname *grown;

	if (!eq || eq == arg || !eq[1] || strlen(arg) > 512) {
		snprintf(why, whylen, "'%s': NAME=TARGET expected", arg);
		return false;
	}
	grown = realloc(c->cname, (c->n_cname + 1) * sizeof *grown);
	if (!grown) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	c->cname = grown;
	grown[c->n_cname].name = arg;   /* up to the '=': compared with its length */
	grown[c->n_cname++].target = eq + 1;
	return true;
}

bool srv_cip_opt_mtu(srv_cip_config *c, const char *arg, char *why, size_t whylen)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (arg[0] < '0' || arg[0] > '9' || *end || v < 1280 || v > 9000) {
		snprintf(why, whylen, "'%s': 1280 to 9000 expected", arg);
		return false;
	}
	c->mtu = (unsigned)v;
	return true;
}

static long slots(const s6_cidr *n)
{
	unsigned bits = (n->family == AF_INET ? 32u : 128u) - n->prefix;

	return bits >= 16 ? POOL_MAX_SLOTS : 1L << bits;
}

srv_cip_pool *srv_cip_pool_new(const srv_cip_config *c)
{
	srv_cip_pool *p = calloc(1, sizeof *p);
	long n4 = slots(&c->pool4), n6 = slots(&c->pool6);

	if (!p)
		return NULL;
	/* The last IPv4 index is the broadcast address. */
	p->n = n4 - 1 < n6 ? n4 - 1 : n6;
	p->hint = SRV_CIP_POOL_FIRST;
	p->used = calloc((size_t)p->n, 1);
	if (!p->used) {
		free(p);
		return NULL;
	}
	return p;
}

void srv_cip_pool_free(srv_cip_pool *p)
{
	if (!p)
		return;
	free(p->used);
	free(p);
}

long srv_cip_pool_take(srv_cip_pool *p)
{
	long span = p->n - SRV_CIP_POOL_FIRST;

	for (long k = 0; k < span; k++) {
		long i = SRV_CIP_POOL_FIRST + (p->hint - SRV_CIP_POOL_FIRST + k) % span;

		if (!p->used[i]) {
			p->used[i] = 1;
			p->hint = i + 1 < p->n ? i + 1 : SRV_CIP_POOL_FIRST;
			return i;
		}
	}
	return -1;
}

void srv_cip_pool_put(srv_cip_pool *p, long idx)
{
	if (p && idx >= SRV_CIP_POOL_FIRST && idx < p->n)
		p->used[idx] = 0;
}

void srv_cip_pool_addr(const s6_cidr *net, long idx, uint8_t *out)
{
	size_t len = net->family == AF_INET ? 4 : 16;
	unsigned long v = (unsigned long)idx;

	memcpy(out, net->addr, len);
	for (size_t i = len; i-- > 0 && v; v >>= 8)
		out[i] = (uint8_t)(out[i] | (v & 0xff));
}
