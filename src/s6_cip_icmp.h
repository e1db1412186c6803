/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP and ICMPv6 errors inside CONNECT-IP tunnels (RFC 9484 section 8):
 * building the error a forwarding endpoint owes the sender of a packet it
 * cannot forward (RFC 792, RFC 1812 section 4.3, RFC 4443), and classifying
 * an error that arrives, so that the flow it quotes learns the errno the
 * Linux kernel would have given it.
 *
 * Packets are whole IP packets as they travel in DATAGRAM capsules. No
 * state, no allocation; every read is bounds-checked against len. */
#ifndef S6_CIP_ICMP_H
#define S6_CIP_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_error.h"

/* An error packet quotes as much of the offending packet as fits in the
 * minimum MTU of its family (RFC 1812 4.3.2.3: 576; RFC 4443 2.4(c): 1280). */
#define S6_ICMP_ERROR_MAX4 576
#define S6_ICMP_ERROR_MAX6 1280
#define S6_ICMP_ERROR_MAX S6_ICMP_ERROR_MAX6

/* Why a packet was not forwarded; the builder picks type and code. */
typedef enum s6_icmp_reason {
	S6_ICMP_R_NO_ROUTE,      /* v4 3/0 net unreachable,  v6 1/0 no route */
	S6_ICMP_R_HOST,          /* v4 3/1 host unreachable, v6 1/3 address unreachable */
	S6_ICMP_R_PROHIBITED,    /* v4 3/13,                 v6 1/1 administratively prohibited */
	S6_ICMP_R_SOURCE,        /* v4 3/13 (no own code),   v6 1/5 source address failed policy */
	S6_ICMP_R_PORT,          /* v4 3/3,                  v6 1/4 port unreachable */
	S6_ICMP_R_TOO_BIG,       /* v4 3/4 fragmentation needed, v6 2/0 packet too big; with mtu */
	S6_ICMP_R_TTL,           /* v4 11/0,                 v6 3/0 hop limit exceeded in transit */
} s6_icmp_reason;

/* A classified ICMP or ICMPv6 error. Addresses are 4 or 16 bytes by
 * version; src/dst/ports are those of the quoted packet, i.e. of the flow
 * that sent it (src is our side). */
typedef struct s6_icmp_info {
	uint8_t version;          /* 4 or 6 */
	uint8_t type, code;
	uint32_t mtu;             /* next-hop MTU of v4 3/4 and v6 2, else 0 */
	uint8_t reporter[16];     /* who sent the error (the outer source) */
	uint8_t proto;            /* quoted upper-layer protocol (6, 17, 1, 58 ...) */
	uint8_t src[16], dst[16];
	bool has_ports;           /* the quote reaches the ports (TCP, UDP, UDP-Lite,
				   * SCTP, DCCP) or the echo identifier (ICMP) */
	uint16_t sport, dport;    /* ICMP/ICMPv6 echo: the identifier in both */
	bool has_seq;             /* TCP: the quote reaches the sequence number */
	uint32_t seq;             /* check it against the connection (RFC 5927) */
	int err;                  /* errno as Linux maps the type and code */
	bool hard;                /* Linux's "fatal": reported to connected sockets
				   * at any time, not only while connecting */
} s6_icmp_info;

/* Internet checksum pieces (RFC 1071): add bytes to a running sum, fold it
 * into the 16-bit one's complement result. s6_inet_sum over an odd count
 * pads with a zero byte, so only the last piece may be odd. */
uint32_t s6_inet_sum(uint32_t sum, const uint8_t *p, size_t n);
uint16_t s6_inet_fold(uint32_t sum);
/* The IPv6 pseudo-header sum (RFC 8200 section 8.1). */
uint32_t s6_inet_sum6(const uint8_t src[16], const uint8_t dst[16], uint32_t len,
		      uint8_t next);

/* Is the packet an ICMP error message (v4 types 3, 4, 5, 11, 12; v6 types
 * below 128)? Also true when the packet is ICMP but too short or too broken
 * to tell: never answer those either. */
bool s6_icmp_is_error(const uint8_t *pkt, size_t len);

/* May an error answer this packet (RFC 1812 4.3.2.7, RFC 4443 2.4(e))?
 * False for packets that are not whole IPv4/IPv6 headers, ICMP errors,
 * non-initial fragments, a source that is not unicast (unspecified,
 * loopback, multicast, v4 broadcast), and multicast or broadcast
 * destinations (v6: except for packet too big, which the caller asks with
 * why = S6_ICMP_R_TOO_BIG). */
bool s6_icmp_may_answer(const uint8_t *pkt, size_t len, s6_icmp_reason why);

/* Build the error for pkt (the offending packet, as received) in out: an
 * IPv4 or IPv6 packet of pkt's family from `from` (4 or 16 bytes) to pkt's
 * source, hop limit 64, checksums set, quoting as much of pkt as fits.
 * mtu is used for S6_ICMP_R_TOO_BIG only.
 * S6_ERR_INVALID_ARG when no error may answer pkt (s6_icmp_may_answer),
 * S6_ERR_TOO_LONG when cap cannot hold the header and 8 quoted bytes. */
s6_err s6_icmp_build(const uint8_t *pkt, size_t len, s6_icmp_reason why, uint32_t mtu,
		     const uint8_t *from, uint8_t *out, size_t cap, size_t *outlen);

/* Classify an ICMP or ICMPv6 error: outer header and checksum valid, not a
 * fragment, a type Linux reports to sockets (v4 3 with codes 0-15, 11, 12;
 * v6 1, 2, 3, 4), and a quote of the same IP version holding at least a
 * whole IP header. S6_OK fills *out; otherwise S6_ERR_MALFORMED with a
 * short reason in *why (echo replies and redirects included: "not an
 * error Linux reports"). */
s6_err s6_icmp_classify(const uint8_t *pkt, size_t len, s6_icmp_info *out,
			const char **why);

#endif
