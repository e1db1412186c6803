/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IP packets of the datagram flows the engine carries through CONNECT-IP
 * tunnels (issue 7): UDP datagrams and ICMP/ICMPv6 echo, which the engine
 * builds itself (no userspace stack for those), and the packets the proxy
 * sends back, parsed and checked before their payload reaches a program.
 *
 * Built packets: IPv4 (no options, DF set, ID 0) or IPv6 (no extension
 * headers), the given hop limit, every checksum set. Nothing is ever
 * fragmented: a packet over the caller's MTU is S6_ERR_TOO_LONG, so the
 * program gets EMSGSIZE instead of a truncated or lost datagram.
 *
 * Parsed packets: version, lengths, the IPv4 header checksum, IPv6
 * extension headers (hop-by-hop, routing, destination options) skipped,
 * fragments refused (the engine never reassembles), UDP length and
 * checksum (zero accepted over IPv4 only), ICMP/ICMPv6 checksums. Pure
 * code, no I/O, no state. */
#ifndef S6_CIP_IPPKT_H
#define S6_CIP_IPPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_IPPKT_PROTO_ICMP 1
#define S6_IPPKT_PROTO_UDP 17
#define S6_IPPKT_PROTO_ICMPV6 58
#define S6_IPPKT_V4_HDR 20
#define S6_IPPKT_V6_HDR 40
#define S6_IPPKT_UDP_HDR 8
#define S6_IPPKT_ECHO_HDR 8          /* type code checksum id seq */
/* The tunnel MTU the engine assumes: RFC 9484 has no way to learn the
 * proxy's, and 1500 is what proxies (ours included) default to. */
#define S6_IPPKT_MTU 1500

/* One flow: our address and port (ICMP echo: the identifier in sport) and
 * the remote's. Addresses are 4 or 16 bytes by version. */
typedef struct s6_ippkt_flow {
	uint8_t v;                   /* 4 or 6 */
	uint8_t proto;               /* 17, or 1 (v4) / 58 (v6) for echo */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
} s6_ippkt_flow;

typedef struct s6_ippkt {
	uint8_t v, proto, hop;
	uint8_t src[16], dst[16];
	const uint8_t *l4;           /* the upper-layer header and payload */
	size_t l4_len;
	/* UDP: ports and payload; ICMP echo request/reply: the identifier in
	 * both ports, payload = the whole ICMP message (header included). */
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t payload_len;
	uint8_t icmp_type;           /* ICMP/ICMPv6 */
} s6_ippkt;

/* The largest payload (UDP data, or a whole ICMP message) a packet of f
 * may carry within mtu. */
size_t s6_ippkt_max_payload(const s6_ippkt_flow *f, size_t mtu);

/* A UDP packet of flow f (proto 17) carrying len bytes. S6_ERR_TOO_LONG:
 * over mtu (EMSGSIZE) or cap; S6_ERR_INVALID_ARG: bad version or proto. */
s6_err s6_ippkt_udp_build(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *payload,
			  size_t len, size_t mtu, uint8_t *buf, size_t cap, size_t *out);

/* An echo request of flow f (proto 1 or 58) from the ICMP message a
 * program gave a ping socket: the type must be echo request and the code
 * 0 (else S6_ERR_INVALID_ARG, as the kernel says EINVAL); the identifier
 * becomes f->sport and the checksum is recomputed, as the kernel does. */
s6_err s6_ippkt_echo_build(const s6_ippkt_flow *f, uint8_t hop, const uint8_t *icmp,
			   size_t len, size_t mtu, uint8_t *buf, size_t cap, size_t *out);

/* Parse and check one packet. S6_OK fills *out (UDP and echo fields only
 * for those); S6_ERR_MALFORMED with a short reason in *why. */
s6_err s6_ippkt_parse(const uint8_t *pkt, size_t len, s6_ippkt *out, const char **why);

#endif
