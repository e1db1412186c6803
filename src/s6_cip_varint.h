/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QUIC variable-length integers (RFC 9000 section 16), the integer encoding
 * of every capsule type, length and context ID (RFC 9297, RFC 9484).
 *
 * The two top bits of the first byte give the length: 00 -> 1 byte,
 * 01 -> 2, 10 -> 4, 11 -> 8; the remaining 6, 14, 30 or 62 bits hold the
 * value in network byte order. The decoder accepts non-minimal encodings
 * (RFC 9000 allows them, e.g. 0x40 0x25 for 37); the encoder always writes
 * the shortest form unless a width is asked for.
 *
 * The decoder is incremental like the other parsers of the core:
 * S6_ERR_NEED_MORE sets *need to the exact number of missing bytes (>= 1),
 * S6_OK sets *v and *used (the encoded length); bytes after it are not read. */
#ifndef S6_CIP_VARINT_H
#define S6_CIP_VARINT_H

#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_CIP_VARINT_MAX ((UINT64_C(1) << 62) - 1)
#define S6_CIP_VARINT_LEN_MAX 8

/* Length of the encoding that starts with byte b: 1, 2, 4 or 8. */
static inline size_t s6_cip_varint_len_of(uint8_t b)
{
	return (size_t)1 << (b >> 6);
}

/* Length of the minimal encoding of v; 0 when v > S6_CIP_VARINT_MAX. */
size_t s6_cip_varint_len(uint64_t v);

/* Decode one integer from buf[0..len). Only S6_OK or S6_ERR_NEED_MORE: every
 * byte string is the start of some varint. */
s6_err s6_cip_varint_decode(const uint8_t *buf, size_t len, uint64_t *v,
			    size_t *used, size_t *need);

/* Encode v minimally. S6_ERR_INVALID_ARG: v > S6_CIP_VARINT_MAX or NULL
 * pointers; S6_ERR_TOO_LONG: cap too small. */
s6_err s6_cip_varint_encode(uint64_t v, uint8_t *buf, size_t cap, size_t *outlen);

/* Encode v in exactly width bytes (1, 2, 4 or 8), for a length field written
 * before its body is known. S6_ERR_INVALID_ARG: bad width or v does not fit
 * in it; S6_ERR_TOO_LONG: cap < width. */
s6_err s6_cip_varint_encode_width(uint64_t v, size_t width, uint8_t *buf, size_t cap);

#endif
