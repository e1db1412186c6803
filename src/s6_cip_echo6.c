/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMPv6 echo replies and errors for a CONNECT-IP client whose requests
 * left through ping sockets (see s6_cip_echo6.h). */
#include "config.h"

#include <string.h>

#include "s6_bytes.h"
#include "s6_cip_echo6.h"
#include "s6_cip_icmp.h"

#define V6_HDR 40
#define ICMP_HDR 8
#define PROTO_ICMPV6 58
#define ERROR_HOP 64

static void ip6_header(const uint8_t src[16], const uint8_t dst[16], uint8_t hop,
		       size_t plen, uint8_t *p)
{
	memset(p, 0, 8);
	p[0] = 0x60;
	s6_put_u16be(p + 4, (uint16_t)plen);
	p[6] = PROTO_ICMPV6;
	p[7] = hop;
	memmove(p + 8, src, 16);
	memmove(p + 24, dst, 16);
}

/* The ICMPv6 checksum of the message behind the IPv6 header at p. */
static void icmp6_checksum(uint8_t *p, size_t len)
{
	uint8_t *m = p + V6_HDR;

	s6_put_u16be(m + 2, 0);
	s6_put_u16be(m + 2, s6_inet_fold(s6_inet_sum(s6_inet_sum6(p + 8, p + 24, (uint32_t)len,
								  PROTO_ICMPV6), m, len)));
}

s6_err s6_echo6_reply_build(const uint8_t src[16], const uint8_t dst[16], uint8_t hop,
			    uint16_t ident, const uint8_t *icmp, size_t len, size_t mtu,
			    uint8_t *buf, size_t cap, size_t *out)
{
	uint8_t a[32];

	if (len < ICMP_HDR || icmp[0] != S6_ECHO6_REPLY || icmp[1] != 0)
		return S6_ERR_INVALID_ARG;
	if (V6_HDR + len > mtu || V6_HDR + len > cap || len > 65535)
		return S6_ERR_TOO_LONG;
	/* The addresses may alias buf too; the message moves first. */
	memcpy(a, src, 16);
	memcpy(a + 16, dst, 16);
	memmove(buf + V6_HDR, icmp, len);
	ip6_header(a, a + 16, hop, len, buf);
	s6_put_u16be(buf + V6_HDR + 4, ident);
	icmp6_checksum(buf, len);
	*out = V6_HDR + len;
	return S6_OK;
}

s6_err s6_echo6_error_build(const s6_echo6_err *e, const uint8_t *quote, size_t qlen,
			    uint8_t *out, size_t cap, size_t *outlen)
{
	const size_t head = V6_HDR + ICMP_HDR + V6_HDR;
	size_t q, len;
	uint8_t *in;

	if (e->type < 1 || e->type > 4 || qlen < ICMP_HDR || quote[0] != S6_ECHO6_REQUEST)
		return S6_ERR_INVALID_ARG;
	q = qlen < S6_ECHO6_ERROR_MAX - head ? qlen : S6_ECHO6_ERROR_MAX - head;
	len = head + q;
	if (len > cap)
		return S6_ERR_TOO_LONG;
	/* The quoted request, as the client sent it. Its checksum covers the
	 * whole message only when the quote is whole; the client does not
	 * check a quote's checksum anyway. */
	in = out + V6_HDR + ICMP_HDR;
	memmove(in + V6_HDR, quote, q);
	ip6_header(e->client, e->target, e->hop, q, in);
	s6_put_u16be(in + V6_HDR + 4, e->ident);
	icmp6_checksum(in, q);
	/* The error around it. */
	ip6_header(e->reporter, e->client, ERROR_HOP, ICMP_HDR + V6_HDR + q, out);
	out[V6_HDR] = e->type;
	out[V6_HDR + 1] = e->code;
	s6_put_u32be(out + V6_HDR + 4, e->type == 2 || e->type == 4 ? e->info : 0);
	icmp6_checksum(out, ICMP_HDR + V6_HDR + q);
	*outlen = len;
	return S6_OK;
}
