/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4/4a request parser (server side). Besides surviving any input it
 * must be consistently incremental: when the whole input holds a request of
 * U bytes, every shorter prefix must say NEED_MORE with a need that neither
 * is 0 nor points past U (a server trusting `need` would otherwise stall or
 * over-read the next request). A parsed request packs back to its bytes. */
#include <string.h>

#include "fuzz.h"
#include "s6_socks4.h"

/* Parse buf[0..k) from its own exactly sized copy so ASan catches a read
 * past k, which parsing the caller's longer buffer would hide. */
static s6_err parse_prefix(const uint8_t *data, size_t k, s6_socks4_request *req,
			   size_t *used, size_t *need)
{
	uint8_t *copy = malloc(k ? k : 1);
	s6_err err;

	if (!copy)
		abort();
	memcpy(copy, data, k);
	err = s6_socks4_request_parse(k ? copy : NULL, k, req, used, need);
	free(copy);
	return err;
}

static void check_prefixes(const uint8_t *data, size_t u)
{
	s6_socks4_request req;

	for (size_t k = 0; k < u; k++) {
		size_t used = 0, need = 0;
		s6_err err = parse_prefix(data, k, &req, &used, &need);

		FUZZ_CHECK(err == S6_ERR_NEED_MORE);
		FUZZ_CHECK(need >= 1);
		FUZZ_CHECK(k + need <= u);
	}
}

/* What pack makes of the parsed request equals the input, except that
 * SOCKS4a's 0.0.0.x marker is always written as 0.0.0.1. */
static void check_repack(const uint8_t *data, size_t u, const s6_socks4_request *req)
{
	uint8_t out[S6_SOCKS4_REQUEST_MAX];
	size_t outlen = 0;

	FUZZ_CHECK(s6_socks4_request_pack(req, out, sizeof out, &outlen) == S6_OK);
	FUZZ_CHECK(outlen == u);
	if (req->domain[0])
		out[7] = data[7];
	FUZZ_CHECK(memcmp(out, data, u) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	s6_socks4_request req;
	size_t used = 0, need = 0;
	s6_err err = parse_prefix(data, size, &req, &used, &need);

	if (err == S6_ERR_NEED_MORE) {
		FUZZ_CHECK(need >= 1);
		FUZZ_CHECK(size + need <= S6_SOCKS4_REQUEST_MAX);
		return 0;
	}
	if (err != S6_OK)
		return 0;
	FUZZ_CHECK(used > S6_SOCKS4_HEADER_LEN && used <= size);
	FUZZ_CHECK(used <= S6_SOCKS4_REQUEST_MAX);
	FUZZ_CHECK(req.command == data[1]);
	FUZZ_CHECK(strlen(req.userid) <= S6_SOCKS4_USERID_MAX);
	FUZZ_CHECK(s6_socks4_ip_is_4a(req.ip) == (req.domain[0] != '\0'));
	check_prefixes(data, used);
	check_repack(data, used, &req);
	return 0;
}
