/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP capsules (RFC 9297 Capsule Protocol, RFC 9484 capsules, and the
 * codepoints of draft-ietf-masque-connect-ip-00 as a compatibility mode).
 * Pure: bytes in, structs out and back; no I/O, no allocation.
 *
 * Capsule { Type (i), Length (i), Value (..) }, all integers QUIC varints.
 *
 *                         RFC 9484 mode        draft-00 mode
 *   DATAGRAM              0x00                 0xff37a0 (h3-datagram-04)
 *   ADDRESS_ASSIGN        0x01                 0xfff100
 *   ADDRESS_REQUEST       0x02                 0xfff101
 *   ROUTE_ADVERTISEMENT   0x03                 0xfff102
 *   REGISTER_DATAGRAM_CONTEXT  -               0xff37a1
 *
 * DATAGRAM value: Context ID (i), Payload (..); context 0 carries one full
 * IP packet. draft-00 registers context 0 with REGISTER_DATAGRAM_CONTEXT
 * {Context ID (i), Format Type (i) = IP_PACKET 0xff8b00, Additional Data
 * (..) empty} and then frames datagrams the same way under type 0xff37a0.
 *
 * Address capsules, RFC 9484: a list (possibly empty for ADDRESS_ASSIGN; not
 * empty for ADDRESS_REQUEST) of {Request ID (i), IP Version (8), IP Address
 * (32 or 128), IP Prefix Length (8)}; an ADDRESS_REQUEST entry must have a
 * non-zero Request ID. draft-00: exactly one {IP Version, IP Address, IP
 * Prefix Length} per capsule (request_id reads 0).
 * ROUTE_ADVERTISEMENT (both): a list of {IP Version (8), Start (32|128),
 * End (32|128), IP Protocol (8)} with start <= end, sorted by version, then
 * protocol, and for equal version and protocol strictly ascending and
 * non-overlapping (end of one < start of the next).
 *
 * Stream reading (s6_cip_read): a capsule whose type the mode knows is
 * returned whole once all of it is in the buffer (its length must be at
 * most the reader's max_body, else S6_ERR_TOO_LONG); an unknown type is
 * returned as a SKIP event on its header alone, and the reader discards the
 * value from the following input as further SKIP events, never buffering it. */
#ifndef S6_CIP_CAPSULE_H
#define S6_CIP_CAPSULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

typedef enum s6_cip_mode {
	S6_CIP_MODE_RFC9484 = 0,
	S6_CIP_MODE_DRAFT00,
} s6_cip_mode;

#define S6_CIP_CAP_DATAGRAM 0x00
#define S6_CIP_CAP_ADDRESS_ASSIGN 0x01
#define S6_CIP_CAP_ADDRESS_REQUEST 0x02
#define S6_CIP_CAP_ROUTE_ADVERTISEMENT 0x03
#define S6_CIP_D00_DATAGRAM 0xff37a0
#define S6_CIP_D00_REGISTER_CONTEXT 0xff37a1
#define S6_CIP_D00_ADDRESS_ASSIGN 0xfff100
#define S6_CIP_D00_ADDRESS_REQUEST 0xfff101
#define S6_CIP_D00_ROUTE_ADVERTISEMENT 0xfff102
#define S6_CIP_D00_FORMAT_IP_PACKET 0xff8b00

/* Largest capsule header: two 8-byte varints. */
#define S6_CIP_CAPSULE_HEAD_MAX 16
/* One address entry / one route on the wire, at most. */
#define S6_CIP_ADDR_WIRE_MAX (8 + 1 + 16 + 1)
#define S6_CIP_ROUTE_WIRE_MAX (1 + 16 + 16 + 1)

typedef enum s6_cip_kind {
	S6_CIP_K_UNKNOWN = 0,
	S6_CIP_K_DATAGRAM,
	S6_CIP_K_ADDRESS_ASSIGN,
	S6_CIP_K_ADDRESS_REQUEST,
	S6_CIP_K_ROUTE_ADVERTISEMENT,
	S6_CIP_K_REGISTER_CONTEXT,   /* draft-00 only */
} s6_cip_kind;

/* What a capsule type means in a mode. */
s6_cip_kind s6_cip_kind_of(s6_cip_mode mode, uint64_t type);
/* Wire type of a kind in a mode; S6_CIP_K_UNKNOWN (or REGISTER_CONTEXT in
 * RFC 9484 mode) gives UINT64_MAX. */
uint64_t s6_cip_type_of(s6_cip_mode mode, s6_cip_kind kind);

typedef struct s6_cip_prefix {
	uint64_t request_id;      /* RFC 9484; 0 in draft-00 */
	uint8_t version;          /* 4 or 6 */
	uint8_t addr[16];         /* 4 bytes used for IPv4 */
	uint8_t prefix_len;       /* <= 32 or 128 */
} s6_cip_prefix;

typedef struct s6_cip_range {
	uint8_t version;          /* 4 or 6 */
	uint8_t start[16], end[16];
	uint8_t proto;            /* IP protocol number, 0 = any */
} s6_cip_range;

/* Header of one capsule at buf[0..len). *hlen: bytes of type + length. */
s6_err s6_cip_capsule_head(const uint8_t *buf, size_t len, uint64_t *type,
			   uint64_t *body_len, size_t *hlen, size_t *need);

typedef struct s6_cip_reader {
	s6_cip_mode mode;
	uint64_t max_body;        /* largest known capsule accepted */
	uint64_t skip_left;       /* body bytes of an unknown capsule still due */
} s6_cip_reader;

typedef enum s6_cip_ev_kind {
	S6_CIP_EV_CAPSULE = 1,    /* a known capsule, whole */
	S6_CIP_EV_SKIP,           /* bytes of an unknown capsule to drop */
} s6_cip_ev_kind;

typedef struct s6_cip_event {
	s6_cip_ev_kind ev;
	s6_cip_kind kind;         /* CAPSULE only */
	uint64_t type;            /* the wire type (SKIP: 0 after the first event) */
	uint64_t body_len;        /* CAPSULE: value length; SKIP: whole value
				   * length on the first event, else 0 */
	const uint8_t *body;      /* CAPSULE: into the caller's buffer */
} s6_cip_event;

void s6_cip_reader_init(s6_cip_reader *r, s6_cip_mode mode, uint64_t max_body);

/* Next event from the stream bytes buf[0..len). S6_OK: *ev set, the caller
 * drops buf[0..*used) (for CAPSULE: header + value; for the first SKIP of
 * a capsule: its header; for the following SKIPs: the value bytes there
 * were, never 0). S6_ERR_NEED_MORE: *need
 * exact. S6_ERR_TOO_LONG: a known capsule over max_body. The reader changes
 * only when S6_OK is returned, so a NEED_MORE call can be repeated with
 * more bytes. *why (may be NULL) names the reason of an error. */
s6_err s6_cip_read(s6_cip_reader *r, const uint8_t *buf, size_t len,
		   s6_cip_event *ev, size_t *used, size_t *need, const char **why);

/* Value decoders: the whole value of one capsule. Errors are
 * S6_ERR_MALFORMED (with *why) or S6_ERR_TOO_LONG (more entries than max). */
s6_err s6_cip_datagram_decode(const uint8_t *body, size_t len, uint64_t *ctx,
			      const uint8_t **payload, size_t *payload_len,
			      const char **why);
s6_err s6_cip_register_decode(const uint8_t *body, size_t len, uint64_t *ctx,
			      uint64_t *format, size_t *extra_len, const char **why);
s6_err s6_cip_addrs_decode(s6_cip_mode mode, s6_cip_kind kind, const uint8_t *body,
			   size_t len, s6_cip_prefix *out, size_t max, size_t *count,
			   const char **why);
s6_err s6_cip_routes_decode(const uint8_t *body, size_t len, s6_cip_range *out,
			    size_t max, size_t *count, const char **why);

/* Does a list of ranges follow the order rules? (NULL or *why on failure) */
bool s6_cip_routes_valid(const s6_cip_range *r, size_t n, const char **why);

/* Encoders write one whole capsule (header + value) with minimal varints.
 * S6_ERR_INVALID_ARG: the content would not decode (bad version, prefix,
 * order, Request ID 0 in a request, count other than 1 in draft-00, kind
 * foreign to the mode); S6_ERR_TOO_LONG: cap too small. */
s6_err s6_cip_capsule_encode(uint64_t type, const uint8_t *body, size_t len,
			     uint8_t *buf, size_t cap, size_t *outlen);
/* Header only (type, length, context ID) of a DATAGRAM whose payload_len
 * bytes the caller sends right after it: no copy of the packet. */
s6_err s6_cip_datagram_head_encode(s6_cip_mode mode, uint64_t ctx, size_t payload_len,
				   uint8_t *buf, size_t cap, size_t *outlen);
s6_err s6_cip_datagram_encode(s6_cip_mode mode, uint64_t ctx, const uint8_t *payload,
			      size_t payload_len, uint8_t *buf, size_t cap, size_t *outlen);
s6_err s6_cip_register_encode(uint64_t ctx, uint8_t *buf, size_t cap, size_t *outlen);
s6_err s6_cip_addrs_encode(s6_cip_mode mode, s6_cip_kind kind, const s6_cip_prefix *p,
			   size_t n, uint8_t *buf, size_t cap, size_t *outlen);
s6_err s6_cip_routes_encode(s6_cip_mode mode, const s6_cip_range *r, size_t n,
			    uint8_t *buf, size_t cap, size_t *outlen);

#endif
