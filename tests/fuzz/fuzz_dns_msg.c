/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DNS service's pure helpers (srv_s6_dns_msg.h) on the input as a DNS
 * over TCP stream: the framing runs on every prefix of each frame
 * (fuzz_prefix.h: need exact, OK stable, the zero length final, no read
 * past the prefix) and agrees with the length field; each framed message,
 * and the whole input as one message, goes through the query test, the
 * SERVFAIL answer and the log description. The answer keeps the ID, the
 * OPCODE and RD, sets QR, RA and RCODE 2, copies the question section
 * byte for byte or drops it whole, is refused rather than cut when the
 * buffer is short, and answering the answer gives it back unchanged; the
 * answer to a query with QR and RA cleared is a query again. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "srv_s6_dns_msg.h"

#define FRAMES_MAX 16
#define TAIL 16

static size_t frame_len;

static s6_err parse_frame(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return srv_dns_frame(b, len, &frame_len, used, need);
}

static void check_describe(const uint8_t *m, size_t len)
{
	static const size_t caps[] = {1, 2, 3, 5, 16, 64, 600};
	char buf[600];

	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		size_t cap = caps[i], n;

		memset(buf, 'x', sizeof buf);
		srv_dns_describe(m, len, buf, cap);
		n = strnlen(buf, cap);
		FUZZ_CHECK(n < cap);
		for (size_t j = 0; j < n; j++)
			FUZZ_CHECK(buf[j] > 0x20 && buf[j] < 0x7f && buf[j] != '\\');
		if (len < SRV_DNS_HDR_LEN || s6_get_u16be(m + 4) == 0)
			FUZZ_CHECK(strncmp(buf, "?", cap - 1) == 0);
	}
}

/* a is srv_dns_servfail(q); checks it against q. */
static void check_answer(const uint8_t *q, size_t qlen, const uint8_t *a, size_t alen)
{
	unsigned qd = s6_get_u16be(q + 4), ad = s6_get_u16be(a + 4);

	FUZZ_CHECK(alen >= SRV_DNS_HDR_LEN && alen <= qlen);
	FUZZ_CHECK(a[0] == q[0] && a[1] == q[1]);
	FUZZ_CHECK(a[2] == (0x80 | (q[2] & 0x79)) && a[3] == 0x82);
	FUZZ_CHECK(srv_dns_rcode(a, alen) == SRV_DNS_RCODE_SERVFAIL);
	FUZZ_CHECK(s6_get_u16be(a + 6) == 0 && s6_get_u16be(a + 8) == 0 &&
		   s6_get_u16be(a + 10) == 0);
	/* The questions whole, or none of them. */
	FUZZ_CHECK(ad == qd || ad == 0);
	FUZZ_CHECK((alen == SRV_DNS_HDR_LEN) == (ad == 0));
	FUZZ_CHECK(memcmp(a + SRV_DNS_HDR_LEN, q + SRV_DNS_HDR_LEN, alen - SRV_DNS_HDR_LEN) == 0);
	if (srv_dns_is_query(q, qlen))
		FUZZ_CHECK(ad == qd && ad > 0);
	FUZZ_CHECK(!srv_dns_is_query(a, alen));
}

static void check_message(const uint8_t *m, size_t len)
{
	static uint8_t a[SRV_DNS_MSG_MAX], a2[SRV_DNS_MSG_MAX];
	size_t alen = 0, a2len = 0;
	s6_err e = srv_dns_servfail(m, len, a, sizeof a, &alen);

	FUZZ_CHECK(srv_dns_rcode(m, len) == (len < SRV_DNS_HDR_LEN ? 0u : (m[3] & 0x0fu)));
	check_describe(m, len);
	if (len < SRV_DNS_HDR_LEN) {
		FUZZ_CHECK(e == S6_ERR_MALFORMED && !srv_dns_is_query(m, len));
		return;
	}
	FUZZ_CHECK(e == S6_OK);
	check_answer(m, len, a, alen);
	FUZZ_CHECK(srv_dns_servfail(m, len, a2, alen - 1, &a2len) == S6_ERR_TOO_LONG);
	/* Answering the answer changes nothing. */
	FUZZ_CHECK(srv_dns_servfail(a, alen, a2, alen, &a2len) == S6_OK);
	FUZZ_CHECK(a2len == alen && memcmp(a, a2, alen) == 0);
	/* A query is QR 0, OPCODE 0 and questions that parse: exactly those
	 * the answer keeps. Bytes after the questions do not matter. */
	FUZZ_CHECK(srv_dns_is_query(m, len) ==
		   ((m[2] & 0xf8) == 0 && s6_get_u16be(a + 4) > 0));
	check_describe(a, alen);
	a[2] &= (uint8_t)~0xf8;
	FUZZ_CHECK(srv_dns_is_query(a, alen) == (s6_get_u16be(a + 4) > 0));
}

/* Frames back to back, as the service reads them from one connection. */
static void run_stream(const uint8_t *data, size_t size, struct fuzz_res *res)
{
	size_t off = 0;

	for (int f = 0; f < FRAMES_MAX && off < size; f++) {
		size_t n = size - off, stop, ok, used = 0, need = 0;
		struct fuzz_view v;
		const uint8_t *b;

		fuzz_view_open(&v, data + off, n);
		stop = fuzz_parse_prefixes(&v, n, parse_frame, res, TAIL);
		ok = fuzz_check_prefixes(res, stop);
		for (size_t k = 0; k <= stop; k++)
			FUZZ_CHECK(res[k].err == S6_OK || res[k].err == S6_ERR_NEED_MORE ||
				   (res[k].err == S6_ERR_MALFORMED && k >= 2 &&
				    data[off] == 0 && data[off + 1] == 0));
		if (ok > stop) {
			fuzz_view_close(&v);
			return;
		}
		b = fuzz_view_limit(&v, ok);
		FUZZ_CHECK(parse_frame(b, ok, &used, &need) == S6_OK && used == ok);
		FUZZ_CHECK(frame_len == s6_get_u16be(b) && used == 2 + frame_len);
		check_message(b + 2, frame_len);
		fuzz_view_close(&v);
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_res *res = malloc((size + 1) * sizeof *res);
	uint8_t *m = malloc(size ? size : 1);

	if (!res || !m)
		abort();
	run_stream(data, size, res);
	/* The whole input as one message, in an exactly sized block. */
	if (size)
		memcpy(m, data, size);
	if (size <= SRV_DNS_MSG_MAX)
		check_message(m, size);
	free(m);
	free(res);
	return 0;
}
