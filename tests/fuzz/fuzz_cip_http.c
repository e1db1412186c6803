/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP HTTP/1.1 (s6_cip_http.h).
 *   - The response parser on prefixes of the input (fuzz_prefix.h: OK
 *     stable once reached, errors final, no read past the prefix; every
 *     short prefix and those next to a line end, fuzz_line_prefix); a
 *     complete head reports used within the input, a NUL-terminated
 *     printable status line and a bounded Proxy-Status; OK only for 101
 *     with Upgrade: connect-ip and no body framing.
 *   - The request builder on strings cut from the input: it either refuses
 *     or writes exactly one request head (one CRLF CRLF, at the end). */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_cip_http.h"

#define FULL_WALK 256   /* every prefix up to here */

static s6_cip_http_resp resp;

static s6_err parse_resp(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return s6_cip_http_response(b, len, &resp, used, need, NULL);
}

static void check_resp(s6_err e, size_t used, size_t len)
{
	FUZZ_CHECK(e == S6_OK || e == S6_ERR_NEED_MORE || e == S6_ERR_MALFORMED ||
		   e == S6_ERR_TOO_LONG || e == S6_ERR_REFUSED || e == S6_ERR_NOT_ALLOWED ||
		   e == S6_ERR_PROXY_PROTOCOL);
	if (e == S6_ERR_NEED_MORE)
		FUZZ_CHECK(len < S6_CIP_HTTP_HEAD_MAX);
	if (e == S6_OK || e == S6_ERR_REFUSED || e == S6_ERR_NOT_ALLOWED ||
	    e == S6_ERR_PROXY_PROTOCOL) {
		FUZZ_CHECK(used >= 16 && used <= len && used <= S6_CIP_HTTP_HEAD_MAX);
		FUZZ_CHECK(resp.status >= 100 && resp.status <= 599);
		FUZZ_CHECK(strlen(resp.status_line) < sizeof(resp.status_line));
		for (const char *p = resp.status_line; *p; p++)
			FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
		FUZZ_CHECK(resp.proxy_status_len < sizeof(resp.proxy_status));
		FUZZ_CHECK(resp.nfields <= S6_CIP_HTTP_FIELDS_MAX);
	}
	if (e == S6_OK)
		FUZZ_CHECK(resp.status == 101 && resp.upgrade_connect_ip && !resp.has_body_framing);
}

/* NUL-separated pieces of the input as host, path, user, pass. */
static void check_request(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size), *f[4] = { NULL, NULL, NULL, NULL }, out[1024];
	size_t nf = 0, n = 0;
	s6_cip_http_req r;

	for (size_t i = 0; i <= size && nf < 4; i++)
		if (i == 0 || s[i - 1] == '\0')
			f[nf++] = s + i;
	r = (s6_cip_http_req){ size & 1 ? S6_CIP_MODE_DRAFT00 : S6_CIP_MODE_RFC9484, f[0], f[1],
			       f[2], f[3] };
	if (s6_cip_http_request(&r, out, sizeof(out), &n) == S6_OK) {
		char *end = strstr(out, "\r\n\r\n");

		FUZZ_CHECK(n == strlen(out) && end && end + 4 == out + n);
		FUZZ_CHECK(memcmp(out, "GET /", 5) == 0);
		/* CR and LF only as the CRLF of the lines we write: nothing
		 * injected a line. */
		size_t lines = 0, want = 5 + (r.mode == S6_CIP_MODE_RFC9484) + (r.user != NULL);

		for (size_t i = 0; i < n; i++) {
			if (out[i] == '\r')
				FUZZ_CHECK(out[i + 1] == '\n');
			if (out[i] == '\n')
				FUZZ_CHECK(out[i - 1] == '\r' && ++lines <= want);
		}
		FUZZ_CHECK(lines == want);
	}
	free(s);
}

/* The response parser on the prefixes fuzz_line_prefix chooses (it judges
 * complete lines only), each answer checked and against the one before. */
static void walk(const uint8_t *data, size_t n)
{
	struct fuzz_view v;
	struct fuzz_res prev = { S6_ERR_NEED_MORE, 0, 1 }, r;

	fuzz_view_open(&v, data, n);
	for (size_t k = 0; k <= n; k++) {
		if (!fuzz_line_prefix(data, n, k, FULL_WALK, S6_CIP_HTTP_HEAD_MAX))
			continue;
		r.used = r.need = 0;
		r.err = parse_resp(fuzz_view_limit(&v, k), k, &r.used, &r.need);
		check_resp(r.err, r.used, k);
		fuzz_line_step(&prev, &r, k);
		prev = r;
		/* Once decided, a sample of the rest is enough. */
		if (r.err != S6_ERR_NEED_MORE && k > FULL_WALK)
			k += FUZZ_LINE_STRIDE;
	}
	fuzz_view_close(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	walk(data, size < S6_CIP_HTTP_HEAD_MAX + 16 ? size : S6_CIP_HTTP_HEAD_MAX + 16);
	if (size <= 600)
		check_request(data, size);
	return 0;
}
