/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP/ICMPv6 errors (s6_cip_icmp.h). The input is one IP packet.
 * Classification: only ICMP errors pass, of the input's IP version, with
 * an errno. For every reason: an error is built exactly when one may
 * answer the packet; the error is itself an error no error answers, fits
 * the family's minimum MTU, and classifies back to the reason's type and
 * code, the MTU, and the offending packet's addresses. */
#include <string.h>

#include "fuzz.h"
#include "s6_cip_icmp.h"

static const uint8_t from[16] = {0xfd, 0x99, [15] = 2};
/* RFC 792 / RFC 4443 type and code per reason: {v4 type, code, v6 type, code}. */
static const uint8_t want[][4] = {
	[S6_ICMP_R_NO_ROUTE] = {3, 0, 1, 0},   [S6_ICMP_R_HOST] = {3, 1, 1, 3},
	[S6_ICMP_R_PROHIBITED] = {3, 13, 1, 1}, [S6_ICMP_R_SOURCE] = {3, 13, 1, 5},
	[S6_ICMP_R_PORT] = {3, 3, 1, 4},       [S6_ICMP_R_TOO_BIG] = {3, 4, 2, 0},
	[S6_ICMP_R_TTL] = {11, 0, 3, 0},
};

static void check_built(const uint8_t *p, const uint8_t *e, size_t n, s6_icmp_reason r,
			uint32_t mtu)
{
	s6_icmp_info in;
	const char *why = NULL;
	int v = p[0] >> 4;
	size_t alen = v == 4 ? 4 : 16;

	FUZZ_CHECK(n <= (v == 4 ? S6_ICMP_ERROR_MAX4 : S6_ICMP_ERROR_MAX6));
	FUZZ_CHECK(s6_icmp_is_error(e, n));
	FUZZ_CHECK(!s6_icmp_may_answer(e, n, r));
	FUZZ_CHECK(s6_icmp_classify(e, n, &in, &why) == S6_OK);
	FUZZ_CHECK(in.version == v && in.err != 0);
	FUZZ_CHECK(memcmp(in.reporter, from, alen) == 0);
	FUZZ_CHECK(memcmp(in.src, p + (v == 4 ? 12 : 8), alen) == 0);
	FUZZ_CHECK(memcmp(in.dst, p + (v == 4 ? 16 : 24), alen) == 0);
	FUZZ_CHECK(memcmp(e + (v == 4 ? 16 : 24), in.src, alen) == 0);
	if (r == S6_ICMP_R_TOO_BIG)
		FUZZ_CHECK(in.mtu == (v == 4 ? (mtu & 0xffff) : mtu));
	FUZZ_CHECK(in.type == want[r][v == 4 ? 0 : 2] && in.code == want[r][v == 4 ? 1 : 3]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	s6_icmp_info in;
	const char *why = NULL;
	uint8_t e[S6_ICMP_ERROR_MAX];
	uint32_t mtu = size >= 4 ? (uint32_t)data[size - 1] << 8 | data[size - 2] : 1280;

	if (s6_icmp_classify(data, size, &in, &why) == S6_OK) {
		FUZZ_CHECK(s6_icmp_is_error(data, size));
		FUZZ_CHECK(in.version == data[0] >> 4 && in.err != 0);
		FUZZ_CHECK(!in.has_seq || (in.proto == 6 && in.has_ports));
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	}
	for (int r = S6_ICMP_R_NO_ROUTE; r <= S6_ICMP_R_TTL; r++) {
		size_t n = 0;
		bool may = s6_icmp_may_answer(data, size, (s6_icmp_reason)r);
		s6_err err = s6_icmp_build(data, size, (s6_icmp_reason)r, mtu, from, e,
					   sizeof e, &n);

		FUZZ_CHECK(may ? err == S6_OK : err == S6_ERR_INVALID_ARG);
		if (may)
			check_built(data, e, n, (s6_icmp_reason)r, mtu);
	}
	return 0;
}
