/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QUIC varints (s6_cip_varint.h): the decoder on every prefix of the input
 * (fuzz_prefix.h: need exact, OK stable, no read past the prefix); a decoded
 * value re-encodes minimally to at most the same length, and in the same
 * width to exactly the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_cip_varint.h"

static uint64_t value;

static s6_err parse_varint(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return s6_cip_varint_decode(b, len, &value, used, need);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_res res[S6_CIP_VARINT_LEN_MAX + 2];
	size_t n = size < S6_CIP_VARINT_LEN_MAX + 1 ? size : S6_CIP_VARINT_LEN_MAX + 1;
	struct fuzz_view v;
	size_t ok, used = 0, need = 0, mlen = 0;
	uint8_t out[S6_CIP_VARINT_LEN_MAX];

	fuzz_view_open(&v, data, n);
	fuzz_parse_prefixes(&v, n, parse_varint, res, SIZE_MAX);
	for (size_t k = 0; k <= n; k++)
		FUZZ_CHECK(res[k].err == S6_OK || res[k].err == S6_ERR_NEED_MORE);
	ok = fuzz_check_prefixes(res, n);
	if (ok <= n) {
		const uint8_t *b = fuzz_view_limit(&v, ok);

		FUZZ_CHECK(parse_varint(b, ok, &used, &need) == S6_OK);
		FUZZ_CHECK(used == s6_cip_varint_len_of(b[0]) && value <= S6_CIP_VARINT_MAX);
		FUZZ_CHECK(s6_cip_varint_encode(value, out, sizeof(out), &mlen) == S6_OK);
		FUZZ_CHECK(mlen <= used && mlen == s6_cip_varint_len(value));
		FUZZ_CHECK(s6_cip_varint_encode_width(value, used, out, sizeof(out)) == S6_OK);
		FUZZ_CHECK(memcmp(out, b, used) == 0);
	}
	fuzz_view_close(&v);
	return 0;
}
