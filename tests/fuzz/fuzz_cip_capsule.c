/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP capsule stream (s6_cip_capsule.h). Byte 0 picks the mode and
 * the reader's size cap; the rest is the stream:
 *   - the first event is checked on every prefix (fuzz_prefix.h);
 *   - the stream is then read event by event in chunks whose sizes come
 *     from byte 0, so skipping an unknown capsule across reads is covered;
 *     every event consumes 1..len bytes and the skip accounting adds up;
 *   - each known capsule is decoded; a decoded value encodes back to the
 *     same value bytes (address, route and register capsules), and the
 *     encoders accept exactly what the decoders accept;
 *   - only the documented errors occur. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_cip_capsule.h"
#include "s6_cip_varint.h"

#define EVENTS_MAX 256
#define LIST_MAX 16

static s6_cip_reader reader;
static s6_cip_event event;

static s6_err parse_first(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	s6_cip_reader r = reader;

	return s6_cip_read(&r, b, len, &event, used, need, NULL);
}

/* Re-encode and compare the value part (the header may be non-minimal).
 * With exact false a shorter value (non-minimal Request IDs came in) is
 * accepted; an equally long one must be the same bytes. */
static void same_value(const uint8_t *enc, size_t n, const uint8_t *body, size_t len,
		       bool exact)
{
	uint64_t t = 0, l = 0;
	size_t h = 0, need = 0;

	FUZZ_CHECK(s6_cip_capsule_head(enc, n, &t, &l, &h, &need) == S6_OK);
	FUZZ_CHECK(h + l == n && l <= len);
	if (!exact && l < len)
		return;
	FUZZ_CHECK(l == len && memcmp(enc + h, body, len) == 0);
}

static void check_capsule(s6_cip_mode mode, const s6_cip_event *ev, uint8_t *out, size_t cap)
{
	s6_cip_prefix p[LIST_MAX];
	s6_cip_range r[LIST_MAX];
	const uint8_t *pl = NULL;
	const char *why = NULL;
	uint64_t ctx = 0, fmt = 0;
	size_t cnt = 0, n = 0, plen = 0, extra = 0;
	s6_err e;

	switch (ev->kind) {
	case S6_CIP_K_DATAGRAM:
		e = s6_cip_datagram_decode(ev->body, ev->body_len, &ctx, &pl, &plen, &why);
		FUZZ_CHECK(e == S6_OK || (e == S6_ERR_MALFORMED && why));
		if (e == S6_OK)
			FUZZ_CHECK(pl + plen == ev->body + ev->body_len);
		break;
	case S6_CIP_K_REGISTER_CONTEXT:
		e = s6_cip_register_decode(ev->body, ev->body_len, &ctx, &fmt, &extra, &why);
		FUZZ_CHECK(e == S6_OK || (e == S6_ERR_MALFORMED && why));
		if (e == S6_OK && extra == 0 && fmt == S6_CIP_D00_FORMAT_IP_PACKET &&
		    s6_cip_varint_len(ctx) + 4 == ev->body_len &&
		    s6_cip_register_encode(ctx, out, cap, &n) == S6_OK)
			same_value(out, n, ev->body, ev->body_len, true);
		break;
	case S6_CIP_K_ADDRESS_ASSIGN:
	case S6_CIP_K_ADDRESS_REQUEST:
		e = s6_cip_addrs_decode(mode, ev->kind, ev->body, ev->body_len, p, LIST_MAX,
					&cnt, &why);
		FUZZ_CHECK(e == S6_OK || ((e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG) && why));
		if (e != S6_OK)
			break;
		e = s6_cip_addrs_encode(mode, ev->kind, p, cnt, out, cap, &n);
		FUZZ_CHECK(e == S6_OK);
		same_value(out, n, ev->body, ev->body_len, mode == S6_CIP_MODE_DRAFT00);
		break;
	case S6_CIP_K_ROUTE_ADVERTISEMENT:
		e = s6_cip_routes_decode(ev->body, ev->body_len, r, LIST_MAX, &cnt, &why);
		FUZZ_CHECK(e == S6_OK || ((e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG) && why));
		if (e != S6_OK)
			break;
		FUZZ_CHECK(s6_cip_routes_valid(r, cnt, NULL));
		FUZZ_CHECK(s6_cip_routes_encode(mode, r, cnt, out, cap, &n) == S6_OK);
		same_value(out, n, ev->body, ev->body_len, true);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

/* Read the stream in chunks of at most `chunk` new bytes per call. */
static void walk(const uint8_t *s, size_t size, size_t chunk, uint8_t *out, size_t cap)
{
	size_t off = 0, avail = 0;

	for (int i = 0; i < EVENTS_MAX && off < size; i++) {
		size_t used = 0, need = 0, skip_before = reader.skip_left;
		s6_err e;

		avail = avail + chunk < size - off ? avail + chunk : size - off;
		e = s6_cip_read(&reader, s + off, avail, &event, &used, &need, NULL);
		if (e == S6_ERR_NEED_MORE) {
			FUZZ_CHECK(need >= 1 && reader.skip_left == skip_before);
			if (avail == size - off)
				return;
			continue;
		}
		FUZZ_CHECK(e == S6_OK || e == S6_ERR_TOO_LONG);
		if (e != S6_OK)
			return;
		FUZZ_CHECK(used >= 1 && used <= avail);
		if (event.ev == S6_CIP_EV_CAPSULE) {
			FUZZ_CHECK(event.kind != S6_CIP_K_UNKNOWN &&
				   event.body_len <= reader.max_body);
			FUZZ_CHECK(event.body + event.body_len == s + off + used);
			check_capsule(reader.mode, &event, out, cap);
		} else if (skip_before) {
			FUZZ_CHECK(skip_before - reader.skip_left == used);
		}
		off += used;
		avail -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t caps[] = { 0, 8, 64, 1500, 65536 };
	struct fuzz_res *res;
	struct fuzz_view v;
	s6_cip_mode mode;
	uint8_t *out;
	size_t cap = 4096, chunk, last;

	if (size < 1)
		return 0;
	mode = data[0] & 1 ? S6_CIP_MODE_DRAFT00 : S6_CIP_MODE_RFC9484;
	chunk = 1 + (data[0] >> 4);
	s6_cip_reader_init(&reader, mode, caps[(data[0] >> 1) % 5]);
	data++, size--;
	res = malloc((size + 1) * sizeof(*res));
	out = malloc(cap);
	if (!res || !out)
		abort();
	fuzz_view_open(&v, data, size);
	last = fuzz_parse_prefixes(&v, size, parse_first, res, 4);
	for (size_t k = 0; k <= last; k++)
		FUZZ_CHECK(res[k].err == S6_OK || res[k].err == S6_ERR_NEED_MORE ||
			   res[k].err == S6_ERR_TOO_LONG);
	fuzz_check_prefixes(res, last);
	fuzz_view_close(&v);
	walk(data, size, chunk, out, cap);
	free(out);
	free(res);
	return 0;
}
