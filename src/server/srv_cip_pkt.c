/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks on the IP packets of a CONNECT-IP tunnel. From the client: a whole
 * IPv4 or IPv6 packet no larger than the tunnel MTU (never truncated: a
 * larger one is dropped), the source one of the addresses assigned to the
 * client (BCP 38), the destination and protocol inside the advertised
 * routes, and never the proxy's own virtual networks (slirp would map its
 * virtual host to this machine's loopback). Towards the client: the hop
 * limit is decremented before encapsulation (RFC 9484 section 4.3). */
#include "config.h"

#include <string.h>

#include "s6_bytes.h"
#include "srv_cip_int.h"

static bool in_net(const s6_cidr *n, const uint8_t *a)
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, a, full) != 0)
		return false;
	return !rest || ((n->addr[full] ^ a[full]) & (0xff00 >> rest)) == 0;
}

static bool in_routes(const srv_cip_st *st, int version, const uint8_t *dst, uint8_t proto)
{
	size_t len = version == 4 ? 4 : 16;

	for (size_t i = 0; i < st->nroutes; i++) {
		const s6_cip_range *r = &st->routes[i];

		if (r->version == version && (r->proto == 0 || r->proto == proto) &&
		    memcmp(dst, r->start, len) >= 0 && memcmp(dst, r->end, len) <= 0)
			return true;
	}
	return false;
}

/* The upper-layer protocol of an IPv6 packet (extension headers skipped,
 * at most a few). */
static int ip6_proto(const uint8_t *p, size_t n)
{
	uint8_t nh = p[6];
	size_t off = 40;

	for (int k = 0; k < 8; k++) {
		if (nh != 0 && nh != 43 && nh != 60)
			return nh;
		if (off + 2 > n)
			return -1;
		nh = p[off];
		off += 8 + (size_t)p[off + 1] * 8;
	}
	return -1;
}

const char *srv_cip_pkt_check(const srv_cip_st *st, const srv_cip_config *cfg,
			      const uint8_t *p, size_t n)
{
	int proto;

	if (n > cfg->mtu)
		return "larger than the tunnel MTU";
	if (n < 20)
		return "not an IP packet";
	if (p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4;

		if (ihl < 20 || ihl > n || s6_get_u16be(p + 2) != n)
			return "bad IPv4 header or length";
		if (memcmp(p + 12, st->a4, 4) != 0)
			return "IPv4 source is not the assigned address";
		if (in_net(&cfg->pool4, p + 16))
			return "destination is the proxy's virtual network";
		if (!in_routes(st, 4, p + 16, p[9]))
			return "destination outside the advertised routes";
		return NULL;
	}
	if (p[0] >> 4 != 6 || n < 40 || (size_t)s6_get_u16be(p + 4) + 40 != n)
		return "bad IPv6 header or length";
	if (memcmp(p + 8, st->a6, 16) != 0)
		return "IPv6 source is not the assigned address";
	if (in_net(&cfg->pool6, p + 24))
		return "destination is the proxy's virtual network";
	proto = ip6_proto(p, n);
	if (proto < 0 || !in_routes(st, 6, p + 24, (uint8_t)proto))
		return "destination outside the advertised routes";
	return NULL;
}

bool srv_cip_pkt_hop(uint8_t *p, size_t n)
{
	uint32_t sum;

	if (n >= 20 && p[0] >> 4 == 4) {
		if (p[8] <= 1)
			return false;
		p[8]--;
		/* RFC 1624 incremental update: the TTL is the high byte of its word. */
		sum = (uint32_t)(~s6_get_u16be(p + 10) & 0xffff) + 0xfeff;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		s6_put_u16be(p + 10, (uint16_t)~sum);
		return true;
	}
	if (n >= 40 && p[0] >> 4 == 6) {
		if (p[7] <= 1)
			return false;
		p[7]--;
		return true;
	}
	return false;
}
