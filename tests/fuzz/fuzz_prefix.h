/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Incremental-parser checks shared by the SOCKS6 targets. A parser is run on
 * every prefix data[0..k) of the input, k = 0..n, and the answers must form
 * one consistent story (s6_socks6_msg.h, s6_socks6_udp.h):
 *   - NEED_MORE at k with need N: N >= 1 and every longer prefix short of
 *     k + N is an error or NEED_MORE aiming at the same end k + N (need is
 *     exact: neither a byte early nor late; "fixed fields are checked as soon
 *     as they are present", so an error may come first);
 *   - OK first appears at k == used, and every longer prefix is OK with the
 *     same used (bytes after the message are not looked at);
 *   - an error is final: every longer prefix gives the same error.
 * Each prefix is parsed from one heap copy whose bytes from k on are poisoned
 * under ASan, so a read past the prefix is caught without copying it n times.
 * Without ASan the poisoning is a no-op and only the properties are checked. */
#ifndef S6_FUZZ_PREFIX_H
#define S6_FUZZ_PREFIX_H

#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "s6_error.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif

#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define FUZZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define FUZZ_POISON(p, n) ((void)(p), (void)(n))
#define FUZZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* An exactly sized heap copy of the input; fuzz_view_limit(v, k) leaves only
 * its first k bytes readable. */
struct fuzz_view {
	uint8_t *buf;
	size_t cap;
};

static inline void fuzz_view_open(struct fuzz_view *v, const uint8_t *data, size_t n)
{
	v->buf = calloc(n ? n : 1, 1);   /* n == 0: one zero byte, never read */
	if (!v->buf)
		abort();
	if (n)
		memcpy(v->buf, data, n);
	v->cap = n;
}

static inline const uint8_t *fuzz_view_limit(struct fuzz_view *v, size_t k)
{
	FUZZ_UNPOISON(v->buf, v->cap);
	if (k < v->cap)
		FUZZ_POISON(v->buf + k, v->cap - k);
	return v->buf;
}

static inline void fuzz_view_close(struct fuzz_view *v)
{
	FUZZ_UNPOISON(v->buf, v->cap);
	free(v->buf);
	v->buf = NULL;
}

struct fuzz_res {
	s6_err err;
	size_t used, need;
};

/* A parser under test, its out struct hidden in the adapter. */
typedef s6_err (*fuzz_parse_fn)(const uint8_t *buf, size_t len, size_t *used,
				size_t *need);

/* res[k] = parse(data[0..k)) for k = 0..n; res has n + 1 entries. With
 * tail < SIZE_MAX the sweep stops tail prefixes after the first answer other
 * than NEED_MORE (a stream of messages need not be swept to its end for each
 * one). Returns the last k parsed. */
static inline size_t fuzz_parse_prefixes(struct fuzz_view *v, size_t n, fuzz_parse_fn parse,
					 struct fuzz_res *res, size_t tail)
{
	size_t k, stop = n;

	for (k = 0; k <= stop; k++) {
		const uint8_t *b = fuzz_view_limit(v, k);

		res[k].used = res[k].need = 0;
		res[k].err = parse(b, k, &res[k].used, &res[k].need);
		if (res[k].err != S6_ERR_NEED_MORE && stop == n && tail < n - k)
			stop = k + tail;
	}
	fuzz_view_limit(v, n);
	return stop;
}

/* The story above, checked between neighbours (which by induction covers
 * every pair). Returns the k of the first OK, or n + 1 when there is none. */
static inline size_t fuzz_check_prefixes(const struct fuzz_res *res, size_t n)
{
	size_t first_ok = n + 1;

	for (size_t k = 0; k <= n; k++) {
		const struct fuzz_res *r = &res[k], *nx = k < n ? &res[k + 1] : NULL;

		if (r->err == S6_ERR_NEED_MORE) {
			FUZZ_CHECK(r->need >= 1);
			/* One more byte, still short of the promised end: not
			 * OK, and if NEED_MORE then aiming at the same end. */
			if (nx && r->need > 1) {
				FUZZ_CHECK(nx->err != S6_OK);
				if (nx->err == S6_ERR_NEED_MORE)
					FUZZ_CHECK(nx->need == r->need - 1);
			}
		} else if (r->err == S6_OK) {
			if (first_ok > n) {
				first_ok = k;
				FUZZ_CHECK(r->used == k && k > 0);
			}
			if (nx)
				FUZZ_CHECK(nx->err == S6_OK && nx->used == r->used);
		} else if (nx) {
			FUZZ_CHECK(nx->err == r->err);
		}
	}
	return first_ok;
}

/* Parsers that judge complete lines only (the HTTP heads, s6_cip_http.h,
 * s6_cip_http_req.h) answer the same for every prefix between two line ends,
 * but for their head limit. A walk over them parses every prefix up to
 * `full`, those ending next to an LF, around `limit`, and a stride sample;
 * each answer checked against the one before it keeps the story above
 * (need is not checked across a gap). */
#define FUZZ_LINE_STRIDE 61

static inline bool fuzz_line_prefix(const uint8_t *d, size_t n, size_t k, size_t full,
				    size_t limit)
{
	return k <= full || k == n || k % FUZZ_LINE_STRIDE == 0 || d[k - 1] == '\n' ||
	       (k >= 2 && d[k - 2] == '\n') || (k < n && d[k] == '\n') ||
	       (k + 2 >= limit && k <= limit + 2);
}

/* r is the answer at k, prev the one at the last prefix parsed before it
 * (NEED_MORE for none). */
static inline void fuzz_line_step(const struct fuzz_res *prev, const struct fuzz_res *r,
				  size_t k)
{
	if (r->err == S6_ERR_NEED_MORE)
		FUZZ_CHECK(r->need >= 1);
	if (prev->err == S6_OK)
		FUZZ_CHECK(r->err == S6_OK && r->used == prev->used);
	else if (prev->err != S6_ERR_NEED_MORE)
		FUZZ_CHECK(r->err == prev->err);
	else if (r->err == S6_OK)        /* the prefix one shorter was parsed */
		FUZZ_CHECK(r->used == k && k > 0);
}

#endif
