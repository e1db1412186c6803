/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 (draft-11) UDP association messages, "Handling UDP ASSOCIATE" and
 * "Reporting ICMP Errors". Pure codec, no I/O. Every message starts with
 *   VER=6 TYPE LENGTH(2) | ASSOCIATION ID (8)
 * where LENGTH is the total length of the message, header included.
 *
 * Association Init (1), Confirmation (2): the header alone, LENGTH = 12.
 * Datagram (3):  header | ATYP PAD=0 PORT(2) | ADDR | payload
 * Error (4):     header | ATYP PAD=0 PORT(2) | ADDR |
 *                REPORTER-ATYP CODE PAD=0(2) | REPORTER-ADDR
 *   (both address types IPv4 or IPv6 only; nothing may follow)
 *
 * ADDR uses the padded encoding of s6_socks6.h for the domain type. The
 * Datagram Header text (spec line 700) does not repeat "but padded by NUL
 * characters"; since draft-07 aligns all fields (line 131) and the header is
 * the same field shape as in Requests, we pad it too (as libsocks6msg does).
 *
 * Over TCP the messages form a stream: parse incrementally as for the stream
 * messages (S6_ERR_NEED_MORE with *need). Over UDP/DTLS pass one whole
 * datagram: S6_ERR_NEED_MORE then means LENGTH exceeds the datagram and the
 * message MUST be silently ignored (line 707), while *used < len means the
 * sender padded the datagram and the rest MUST be ignored (line 706). */
#ifndef S6_SOCKS6_UDP_H
#define S6_SOCKS6_UDP_H

#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"
#include "s6_socks6.h"

enum {
	S6_SOCKS6_UDP_ASSOC_INIT = 0x01,
	S6_SOCKS6_UDP_ASSOC_CONFIRM = 0x02,
	S6_SOCKS6_UDP_DATAGRAM = 0x03,
	S6_SOCKS6_UDP_ERROR = 0x04,
};

/* Error message codes (from the ICMP error the proxy saw). */
enum {
	S6_SOCKS6_UDP_ERR_NET_UNREACH = 0x01,
	S6_SOCKS6_UDP_ERR_HOST_UNREACH = 0x02,
	S6_SOCKS6_UDP_ERR_TTL_EXPIRED = 0x03,
	S6_SOCKS6_UDP_ERR_TOO_BIG = 0x04,       /* "IPv6 only": not enforced here */
};

#define S6_SOCKS6_UDP_HDR_LEN 12        /* VER TYPE LENGTH ID; = Init/Confirm */
#define S6_SOCKS6_UDP_DGRAM_FIXED_LEN 16 /* + ATYP PAD PORT */
#define S6_SOCKS6_UDP_MSG_MAX 65535     /* LENGTH is 16 bits */

typedef struct s6_s6_udp_msg {
	uint8_t type;               /* S6_SOCKS6_UDP_* */
	uint64_t assoc_id;
	/* Datagram and Error */
	uint16_t port;              /* host order */
	s6_s6_addr addr;            /* Datagram: the remote host; Error: the
				     * destination of the packet that failed */
	/* Datagram: payload points into the parsed buffer (valid while it is
	 * neither freed nor moved), payload_off is the same as an offset. */
	const uint8_t *payload;
	size_t payload_len;
	size_t payload_off;
	/* Error */
	uint8_t error_code;         /* S6_SOCKS6_UDP_ERR_* */
	s6_s6_addr reporter;        /* who sent the ICMP error */
} s6_s6_udp_msg;

/* Pack any of the four messages (a Datagram with its payload copied in).
 * S6_ERR_INVALID_ARG: unknown type, unencodable address, non-IP address in
 * an Error, error code outside 1..4, payload NULL with a length;
 * S6_ERR_TOO_LONG: message over 65535 bytes or cap too small. */
s6_err s6_s6_udp_pack(const s6_s6_udp_msg *m, uint8_t *buf, size_t cap,
		      size_t *outlen);

/* Just the Datagram Header for a payload of payload_len bytes sent
 * separately (writev/sendmsg); LENGTH covers the payload. Errors as above. */
s6_err s6_s6_udp_datagram_header_pack(uint64_t assoc_id, const s6_s6_addr *addr,
				      uint16_t port, size_t payload_len,
				      uint8_t *buf, size_t cap, size_t *outlen);

/* Parse one message. S6_OK: *used = LENGTH (on other results *out is
 * unspecified). S6_ERR_NEED_MORE with *need.
 * S6_ERR_BAD_VERSION (first byte not 6); S6_ERR_MALFORMED: unknown type,
 * LENGTH not 12 for Init/Confirm or too small for the type, non-zero
 * padding, bad address type or domain field, address running past LENGTH,
 * Error code outside 1..4, bytes after an Error's reporter address. */
s6_err s6_s6_udp_parse(const uint8_t *buf, size_t len, s6_s6_udp_msg *out,
		       size_t *used, size_t *need);

#endif
