/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks on the IP packets of a CONNECT-IP tunnel. From the client: a whole
 * IPv4 or IPv6 packet no larger than the tunnel MTU (never truncated: a
 * larger one is dropped), the source one of the addresses assigned to the
 * client (BCP 38), the destination and protocol inside the advertised
 * routes, and never the proxy's own virtual networks (slirp would map its
 * virtual host to this machine's loopback). A refused packet owes its
 * sender an ICMP error (RFC 9484 section 8): packet too big with the MTU,
 * administratively prohibited for destinations, source address failed
 * policy (IPv6; IPv4 has no such code and gets prohibited), time exceeded
 * for a hop limit that arrived as 0; rate-limited, and never about an ICMP
 * error (s6_cip_icmp.h). Towards the client: the hop limit is decremented
 * before encapsulation (RFC 9484 section 4.3). */
#include "config.h"

#include <string.h>

#include "s6_bytes.h"
#include "s6_cip_icmp.h"
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

/* A refusal: the reason for the log, the ICMP error owed for it. */
static const char *refuse(int *icmp, int reason, const char *why)
{
	*icmp = reason;
	return why;
}

static const char *check4(const srv_cip_st *st, const srv_cip_config *cfg,
			  const uint8_t *p, size_t n, int *icmp)
{
	size_t ihl = (size_t)(p[0] & 15) * 4;

	if (ihl < 20 || ihl > n || s6_get_u16be(p + 2) != n)
		return refuse(icmp, -1, "bad IPv4 header or length");
	if (memcmp(p + 12, st->a4, 4) != 0)
		return refuse(icmp, S6_ICMP_R_SOURCE, "IPv4 source is not the assigned address");
	/* The sender decrements before encapsulation: 0 means it ran out. */
	if (p[8] == 0)
		return refuse(icmp, S6_ICMP_R_TTL, "TTL exhausted");
	if (in_net(&cfg->pool4, p + 16))
		return refuse(icmp, S6_ICMP_R_PROHIBITED,
			      "destination is the proxy's virtual network");
	if (!in_routes(st, 4, p + 16, p[9]))
		return refuse(icmp, S6_ICMP_R_PROHIBITED,
			      "destination outside the advertised routes");
	return NULL;
}

static const char *check6(const srv_cip_st *st, const srv_cip_config *cfg,
			  const uint8_t *p, size_t n, int *icmp)
{
	int proto;

	if (n < 40 || (size_t)s6_get_u16be(p + 4) + 40 != n)
		return refuse(icmp, -1, "bad IPv6 header or length");
	if (memcmp(p + 8, st->a6, 16) != 0)
		return refuse(icmp, S6_ICMP_R_SOURCE, "IPv6 source is not the assigned address");
	if (p[7] == 0)
		return refuse(icmp, S6_ICMP_R_TTL, "hop limit exhausted");
	if (in_net(&cfg->pool6, p + 24))
		return refuse(icmp, S6_ICMP_R_PROHIBITED,
			      "destination is the proxy's virtual network");
	proto = ip6_proto(p, n);
	if (proto < 0 || !in_routes(st, 6, p + 24, (uint8_t)proto))
		return refuse(icmp, S6_ICMP_R_PROHIBITED,
			      "destination outside the advertised routes");
	return NULL;
}

const char *srv_cip_pkt_check(const srv_cip_st *st, const srv_cip_config *cfg,
			      const uint8_t *p, size_t n, int *icmp)
{
	*icmp = -1;
	if (n > cfg->mtu)
		return refuse(icmp, S6_ICMP_R_TOO_BIG, "larger than the tunnel MTU");
	if (n < 20)
		return "not an IP packet";
	if (p[0] >> 4 == 4)
		return check4(st, cfg, p, n, icmp);
	if (p[0] >> 4 == 6)
		return check6(st, cfg, p, n, icmp);
	return "bad IPv6 header or length";
}

size_t srv_cip_pkt_icmp(srv_cip_st *st, const srv_cip_config *cfg, const uint8_t *p,
			size_t n, int reason, uint64_t now_ms, uint8_t *out, size_t cap)
{
	uint8_t from[16];
	size_t len = 0;
	uint64_t refill;

	if (reason < 0 || !s6_icmp_may_answer(p, n, (s6_icmp_reason)reason))
		return 0;
	/* Token bucket: a client that keeps sending refused packets gets a
	 * few errors a second, never one per packet (RFC 4443 2.4(f)). */
	refill = st->icmp_ms ? (now_ms - st->icmp_ms) / SRV_CIP_ICMP_MS : SRV_CIP_ICMP_BURST;
	if (refill) {
		st->icmp_tokens = refill >= SRV_CIP_ICMP_BURST - st->icmp_tokens ?
				  SRV_CIP_ICMP_BURST : st->icmp_tokens + (unsigned)refill;
		st->icmp_ms = st->icmp_ms ? st->icmp_ms + refill * SRV_CIP_ICMP_MS : now_ms;
	}
	if (st->icmp_tokens == 0)
		return 0;
	srv_cip_pool_addr(p[0] >> 4 == 4 ? &cfg->pool4 : &cfg->pool6, 1, from);
	if (s6_icmp_build(p, n, (s6_icmp_reason)reason, cfg->mtu, from, out, cap, &len) != S6_OK)
		return 0;
	st->icmp_tokens--;
	st->icmp_sent++;
	return len;
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
