/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS 1.3 record protection (s6_tls13_rec.h) on input-chosen bytes.
 * Byte 0 picks the suite, byte 1 how the rest is cut. The rest is, in
 * turn: a stream of records to open with a fixed key (the header checks
 * and the incremental contract: NEED_MORE exactly while the record is not
 * all there, nothing moves on a failure, no plaintext over 2^14); the
 * plaintext of records sealed and opened again (same bytes and type
 * back, and any one byte changed fails); and post-handshake messages cut
 * into pieces (a KeyUpdate is only reported at a piece's end). */
#include <string.h>

#include "fuzz.h"
#include "s6_tls13_rec.h"

static void keys(int suite, s6_tls13_dir *enc, s6_tls13_dir *dec)
{
	static const size_t len[] = {32, 48, 32};
	uint8_t secret[48];

	for (size_t i = 0; i < sizeof secret; i++)
		secret[i] = (uint8_t)(i * 31 + 7);
	FUZZ_CHECK(s6_tls13_dir_init(enc, (s6_tls13_suite)suite, true, secret, len[suite], 0) == S6_OK);
	FUZZ_CHECK(s6_tls13_dir_init(dec, (s6_tls13_suite)suite, false, secret, len[suite], 0) == S6_OK);
}

static void open_stream(s6_tls13_dir *d, const uint8_t *p, size_t len)
{
	static uint8_t out[S6_TLS13_MAX_CIPHER];

	while (len > 0) {
		s6_tls13_opened o;
		uint64_t seq = d->seq;
		size_t rec = s6_tls13_record_len(p, len);
		s6_err err = s6_tls13_open(d, p, len, out, sizeof out, &o);

		if (err == S6_ERR_NEED_MORE) {
			FUZZ_CHECK(rec == 0 || len < rec);
			FUZZ_CHECK(d->seq == seq);
			return;
		}
		if (err != S6_OK) {
			FUZZ_CHECK(d->seq == seq);
			return; /* a reader stops at the first bad record */
		}
		FUZZ_CHECK(o.rec_len == rec && rec <= len && o.len <= S6_TLS13_MAX_PLAIN);
		FUZZ_CHECK(d->seq == seq + 1);
		p += rec;
		len -= rec;
	}
}

static void round_trip(s6_tls13_dir *e, s6_tls13_dir *d, const uint8_t *p, size_t len, uint8_t cut)
{
	static uint8_t rec[S6_TLS13_MAX_RECORD], out[S6_TLS13_MAX_CIPHER];
	size_t rl = 0, n = len < S6_TLS13_MAX_PLAIN ? len : S6_TLS13_MAX_PLAIN;
	uint8_t type = (uint8_t)(cut | 1); /* non-zero: no padding to strip */
	s6_tls13_opened o;

	FUZZ_CHECK(s6_tls13_seal(e, type, p, n, rec, sizeof rec, &rl) == S6_OK);
	FUZZ_CHECK(rl == n + S6_TLS13_OVERHEAD);
	/* One byte changed (when the input says which): refused. */
	if (rl > 0 && (cut & 0x80)) {
		size_t at = ((size_t)cut * 131) % rl;
		rec[at] ^= 0x20;
		FUZZ_CHECK(s6_tls13_open(d, rec, rl, out, sizeof out, &o) != S6_OK);
		rec[at] ^= 0x20;
	}
	FUZZ_CHECK(s6_tls13_open(d, rec, rl, out, sizeof out, &o) == S6_OK);
	FUZZ_CHECK(o.type == type && o.len == n && o.rec_len == rl);
	FUZZ_CHECK(n == 0 || memcmp(out, p, n) == 0);
}

static void hs_pieces(const uint8_t *p, size_t len, uint8_t cut)
{
	s6_tls13_hs_scan s = {0};
	size_t step = (size_t)(cut % 9) + 1;

	while (len > 0) {
		size_t n = len < step ? len : step;
		int ku = -1;
		s6_err err = s6_tls13_hs_feed(&s, p, n, &ku);

		if (err != S6_OK) {
			FUZZ_CHECK(err == S6_ERR_MALFORMED);
			return;
		}
		FUZZ_CHECK(ku == S6_TLS13_KU_NONE || ku == S6_TLS13_KU_UPDATE ||
			   ku == S6_TLS13_KU_REQUESTED);
		FUZZ_CHECK(s.hdr_len <= sizeof s.hdr);
		p += n;
		len -= n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	s6_tls13_dir e, d;

	if (size < 2)
		return 0;
	keys(data[0] % 3, &e, &d);
	open_stream(&d, data + 2, size - 2);
	round_trip(&e, &d, data + 2, size - 2, data[1]);
	hs_pieces(data + 2, size - 2, data[1]);
	s6_tls13_dir_free(&e);
	s6_tls13_dir_free(&d);
	return 0;
}
