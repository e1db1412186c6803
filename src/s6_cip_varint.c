/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QUIC variable-length integers (see s6_cip_varint.h). */
#include "s6_cip_varint.h"

size_t s6_cip_varint_len(uint64_t v)
{
	if (v < (UINT64_C(1) << 6))
		return 1;
	if (v < (UINT64_C(1) << 14))
		return 2;
	if (v < (UINT64_C(1) << 30))
		return 4;
	if (v <= S6_CIP_VARINT_MAX)
		return 8;
	return 0;
}

s6_err s6_cip_varint_decode(const uint8_t *buf, size_t len, uint64_t *v,
			    size_t *used, size_t *need)
{
	size_t n;
	uint64_t x;

	if (len == 0) {
		*need = 1;
		return S6_ERR_NEED_MORE;
	}
	n = s6_cip_varint_len_of(buf[0]);
	if (len < n) {
		*need = n - len;
		return S6_ERR_NEED_MORE;
	}
	x = buf[0] & 0x3f;
	for (size_t i = 1; i < n; i++)
		x = (x << 8) | buf[i];
	*v = x;
	*used = n;
	return S6_OK;
}

s6_err s6_cip_varint_encode_width(uint64_t v, size_t width, uint8_t *buf, size_t cap)
{
	uint8_t prefix;

	switch (width) {
	case 1: prefix = 0x00; break;
	case 2: prefix = 0x40; break;
	case 4: prefix = 0x80; break;
	case 8: prefix = 0xc0; break;
	default: return S6_ERR_INVALID_ARG;
	}
	if (!buf || v > S6_CIP_VARINT_MAX || s6_cip_varint_len(v) > width)
		return S6_ERR_INVALID_ARG;
	if (cap < width)
		return S6_ERR_TOO_LONG;
	for (size_t i = width; i-- > 0;) {
		buf[i] = (uint8_t)v;
		v >>= 8;
	}
	buf[0] |= prefix;
	return S6_OK;
}

s6_err s6_cip_varint_encode(uint64_t v, uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t n = s6_cip_varint_len(v);
	s6_err e;

	if (n == 0 || !outlen)
		return S6_ERR_INVALID_ARG;
	e = s6_cip_varint_encode_width(v, n, buf, cap);
	if (e == S6_OK)
		*outlen = n;
	return e;
}
