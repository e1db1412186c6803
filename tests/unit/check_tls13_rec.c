/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS 1.3 record protection (s6_tls13_rec.h) and the tracking of secrets
 * and sequence numbers (s6_tls13_track.h). The reference is OpenSSL
 * itself: an in-process client and server over a BIO pair, whose records
 * our code must open and which must accept the records our code seals. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "s6_tls13_rec.h"
#include "s6_tls13_track.h"

static const char *const suites[] = {
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

/* ---- an in-process pair */

struct pair {
	SSL_CTX *sctx, *cctx;
	SSL *s, *c;
	BIO *sb, *cb;          /* the server's and the client's end of the pair */
	s6_tls13_track st, ct;
};

/* A self-signed P-256 certificate: the client does not verify. */
static void pair_cert(SSL_CTX *ctx)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();

	ck_assert(k && x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ck_assert(X509_sign(x, k, EVP_sha256()) > 0);
	ck_assert_int_eq(SSL_CTX_use_certificate(ctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(ctx, k), 1);
	X509_free(x);
	EVP_PKEY_free(k);
}

static SSL_CTX *pair_ctx(const SSL_METHOD *m, const char *suite)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	ck_assert(ctx);
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION), 1);
	ck_assert_int_eq(SSL_CTX_set_ciphersuites(ctx, suite), 1);
	ck_assert(s6_tls13_track_ctx(ctx));
	return ctx;
}

static void pair_open(struct pair *p, const char *suite)
{
	int rs = 0, rc = 0;

	memset(p, 0, sizeof *p);
	p->sctx = pair_ctx(TLS_server_method(), suite);
	p->cctx = pair_ctx(TLS_client_method(), suite);
	pair_cert(p->sctx);
	p->s = SSL_new(p->sctx);
	p->c = SSL_new(p->cctx);
	ck_assert(BIO_new_bio_pair(&p->sb, 1 << 20, &p->cb, 1 << 20) == 1);
	SSL_set_bio(p->s, p->sb, p->sb);
	SSL_set_bio(p->c, p->cb, p->cb);
	ck_assert(s6_tls13_track_attach(p->s, &p->st, true));
	ck_assert(s6_tls13_track_attach(p->c, &p->ct, false));
	SSL_set_accept_state(p->s);
	SSL_set_connect_state(p->c);
	for (int i = 0; i < 20 && (rs != 1 || rc != 1); i++) {
		if (rc != 1)
			rc = SSL_do_handshake(p->c);
		if (rs != 1)
			rs = SSL_do_handshake(p->s);
	}
	ck_assert_int_eq(rs, 1);
	ck_assert_int_eq(rc, 1);
}

static void pair_close(struct pair *p)
{
	SSL_free(p->s);
	SSL_free(p->c);
	SSL_CTX_free(p->sctx);
	SSL_CTX_free(p->cctx);
}

/* OpenSSL to OpenSSL, so that tickets and the first records are behind. */
static void pair_exchange(struct pair *p, SSL *from, SSL *to, const char *msg)
{
	char got[64];
	size_t n = 0;

	ck_assert_int_eq(SSL_write(from, msg, (int)strlen(msg)), (int)strlen(msg));
	ck_assert_int_eq(SSL_read_ex(to, got, sizeof got, &n), 1);
	ck_assert_uint_eq(n, strlen(msg));
	ck_assert(memcmp(got, msg, n) == 0);
	(void)p;
}

/* Raw bytes the client's OpenSSL would read next (what the server wrote). */
static size_t pair_take_raw(BIO *peer_end, uint8_t *buf, size_t cap)
{
	int n = BIO_read(peer_end, buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

/* ---- against OpenSSL */

START_TEST(test_seal_read_by_openssl)
{
	struct pair p;
	s6_tls13_dir sd;
	uint8_t rec[S6_TLS13_MAX_RECORD], plain[S6_TLS13_MAX_PLAIN], got[S6_TLS13_MAX_PLAIN];
	size_t rl = 0, n = 0;

	pair_open(&p, suites[_i]);
	pair_exchange(&p, p.s, p.c, "hello from the server");
	pair_exchange(&p, p.c, p.s, "hi");
	/* Two tickets and a record: the count is past them. */
	ck_assert_uint_ge(p.st.seq[S6_TLS13_WRITE], 3);
	ck_assert_uint_eq(p.st.seq[S6_TLS13_WRITE], p.ct.seq[S6_TLS13_READ]);
	ck_assert_int_eq(s6_tls13_track_take(p.s, &p.st, S6_TLS13_WRITE, &sd), S6_OK);
	for (size_t i = 0; i < sizeof plain; i++)
		plain[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(s6_tls13_seal(&sd, S6_TLS13_APPDATA, plain, sizeof plain, rec, sizeof rec, &rl),
			 S6_OK);
	ck_assert_uint_eq(rl, sizeof plain + S6_TLS13_OVERHEAD);
	ck_assert_int_eq(BIO_write(p.sb, rec, (int)rl), (int)rl);
	ck_assert_int_eq(SSL_read_ex(p.c, got, sizeof got, &n), 1);
	ck_assert_uint_eq(n, sizeof plain);
	ck_assert(memcmp(got, plain, n) == 0);
	/* A KeyUpdate of ours, then data under the next key. */
	static const uint8_t ku[] = {24, 0, 0, 1, 0};
	ck_assert_int_eq(s6_tls13_seal(&sd, S6_TLS13_HANDSHAKE, ku, sizeof ku, rec, sizeof rec, &rl),
			 S6_OK);
	ck_assert_int_eq(BIO_write(p.sb, rec, (int)rl), (int)rl);
	ck_assert_int_eq(s6_tls13_dir_update(&sd), S6_OK);
	ck_assert_uint_eq(sd.seq, 0);
	ck_assert_int_eq(s6_tls13_seal(&sd, S6_TLS13_APPDATA, plain, 100, rec, sizeof rec, &rl), S6_OK);
	ck_assert_int_eq(BIO_write(p.sb, rec, (int)rl), (int)rl);
	ck_assert_int_eq(SSL_read_ex(p.c, got, sizeof got, &n), 1);
	ck_assert_uint_eq(n, 100);
	ck_assert(memcmp(got, plain, n) == 0);
	/* An alert of ours: OpenSSL sees the close_notify. */
	static const uint8_t cn[] = {1, 0};
	ck_assert_int_eq(s6_tls13_seal(&sd, S6_TLS13_ALERT, cn, sizeof cn, rec, sizeof rec, &rl), S6_OK);
	ck_assert_int_eq(BIO_write(p.sb, rec, (int)rl), (int)rl);
	ck_assert_int_eq(SSL_read_ex(p.c, got, sizeof got, &n), 0);
	ck_assert_int_eq(SSL_get_error(p.c, 0), SSL_ERROR_ZERO_RETURN);
	s6_tls13_dir_free(&sd);
	pair_close(&p);
}
END_TEST

START_TEST(test_open_written_by_openssl)
{
	struct pair p;
	s6_tls13_dir cd;
	s6_tls13_opened o;
	uint8_t raw[4 * S6_TLS13_MAX_RECORD], out[S6_TLS13_MAX_CIPHER];
	char msg[40000];
	size_t len, off = 0, total = 0;

	pair_open(&p, suites[_i]);
	pair_exchange(&p, p.s, p.c, "first");
	ck_assert_int_eq(s6_tls13_track_take(p.c, &p.ct, S6_TLS13_READ, &cd), S6_OK);
	memset(msg, 'm', sizeof msg);
	msg[0] = 'A';
	msg[sizeof msg - 1] = 'Z';
	ck_assert_int_eq(SSL_write(p.s, msg, sizeof msg), (int)sizeof msg);
	len = pair_take_raw(p.cb, raw, sizeof raw);
	ck_assert_uint_gt(len, sizeof msg);
	/* Three records (16384 + 16384 + 7232), opened in place. */
	while (off < len) {
		ck_assert_int_eq(s6_tls13_open(&cd, raw + off, len - off, raw + off + S6_TLS13_HDR,
					       S6_TLS13_MAX_CIPHER, &o), S6_OK);
		ck_assert_int_eq(o.type, S6_TLS13_APPDATA);
		ck_assert(memcmp(raw + off + S6_TLS13_HDR, msg + total, o.len) == 0);
		total += o.len;
		off += o.rec_len;
	}
	ck_assert_uint_eq(total, sizeof msg);
	/* A KeyUpdate OpenSSL sends is a handshake record to us; after it
	 * the next key opens what follows. */
	ck_assert_int_eq(SSL_key_update(p.s, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
	ck_assert_int_eq(SSL_write(p.s, "after", 5), 5);
	len = pair_take_raw(p.cb, raw, sizeof raw);
	ck_assert_int_eq(s6_tls13_open(&cd, raw, len, out, sizeof out, &o), S6_OK);
	ck_assert_int_eq(o.type, S6_TLS13_HANDSHAKE);
	ck_assert_uint_eq(o.len, 5);
	ck_assert_int_eq(out[0], 24);
	ck_assert_int_eq(s6_tls13_dir_update(&cd), S6_OK);
	ck_assert_int_eq(s6_tls13_open(&cd, raw + o.rec_len, len - o.rec_len, out, sizeof out, &o),
			 S6_OK);
	ck_assert_uint_eq(o.len, 5);
	ck_assert(memcmp(out, "after", 5) == 0);
	s6_tls13_dir_free(&cd);
	pair_close(&p);
}
END_TEST

/* A KeyUpdate OpenSSL handled itself ends what the tracker knows. */
START_TEST(test_track_keyupdate_by_openssl)
{
	struct pair p;
	s6_tls13_dir d;

	pair_open(&p, suites[0]);
	pair_exchange(&p, p.s, p.c, "x");
	ck_assert_int_eq(SSL_key_update(p.c, SSL_KEY_UPDATE_REQUESTED), 1);
	pair_exchange(&p, p.c, p.s, "y");
	ck_assert(p.st.peer_update);
	ck_assert(!p.ct.known[S6_TLS13_WRITE]);
	ck_assert(!p.st.known[S6_TLS13_READ]);
	ck_assert_int_eq(s6_tls13_track_take(p.c, &p.ct, S6_TLS13_WRITE, &d), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_tls13_track_take(p.s, &p.st, S6_TLS13_READ, &d), S6_ERR_INVALID_ARG);
	/* The server answers with its own on its next write. */
	pair_exchange(&p, p.s, p.c, "z");
	ck_assert(!p.st.known[S6_TLS13_WRITE]);
	ck_assert_int_eq(s6_tls13_track_take(p.s, &p.st, S6_TLS13_WRITE, &d), S6_ERR_INVALID_ARG);
	pair_close(&p);
}
END_TEST

START_TEST(test_track_lines)
{
	s6_tls13_track t = {.is_server = false};
	char line[200];

	s6_tls13_track_line(&t, "SERVER_TRAFFIC_SECRET_0 00 0a0B");
	ck_assert(t.known[S6_TLS13_READ]);
	ck_assert_uint_eq(t.secret_len[S6_TLS13_READ], 2);
	ck_assert_int_eq(t.secret[S6_TLS13_READ][0], 0x0a);
	ck_assert_int_eq(t.secret[S6_TLS13_READ][1], 0x0b);
	s6_tls13_track_line(&t, "SERVER_TRAFFIC_SECRET_0 00 0a0");     /* odd */
	ck_assert(!t.known[S6_TLS13_READ]);
	s6_tls13_track_line(&t, "CLIENT_TRAFFIC_SECRET_0 00 zz");      /* not hex */
	ck_assert(!t.known[S6_TLS13_WRITE]);
	s6_tls13_track_line(&t, "CLIENT_TRAFFIC_SECRET_0 nospace");
	ck_assert(!t.known[S6_TLS13_WRITE]);
	s6_tls13_track_line(&t, "CLIENT_TRAFFIC_SECRET_0 00 ");        /* empty */
	ck_assert(!t.known[S6_TLS13_WRITE]);
	memset(line, 0, sizeof line);
	strcpy(line, "CLIENT_TRAFFIC_SECRET_0 00 ");
	memset(line + strlen(line), 'a', 2 * S6_TLS13_SECRET_MAX + 2); /* too long */
	s6_tls13_track_line(&t, line);
	ck_assert(!t.known[S6_TLS13_WRITE]);
	s6_tls13_track_line(&t, "CLIENT_HANDSHAKE_TRAFFIC_SECRET 00 0a");
	ck_assert(!t.known[S6_TLS13_WRITE]);
	t.is_server = true;
	s6_tls13_track_line(&t, "CLIENT_TRAFFIC_SECRET_0 00 01");
	ck_assert(t.known[S6_TLS13_READ]);
}
END_TEST

/* ---- malformed and edge input, one key both ways */

static void dir_pair(int suite, s6_tls13_dir *enc, s6_tls13_dir *dec)
{
	static const size_t len[] = {32, 48, 32};
	uint8_t secret[48];

	for (size_t i = 0; i < sizeof secret; i++)
		secret[i] = (uint8_t)(0x40 + i);
	ck_assert_int_eq(s6_tls13_dir_init(enc, (s6_tls13_suite)suite, true, secret, len[suite], 5), S6_OK);
	ck_assert_int_eq(s6_tls13_dir_init(dec, (s6_tls13_suite)suite, false, secret, len[suite], 5), S6_OK);
}

START_TEST(test_truncated_and_room)
{
	s6_tls13_dir e, d;
	s6_tls13_opened o;
	uint8_t rec[S6_TLS13_MAX_RECORD], out[S6_TLS13_MAX_CIPHER];
	size_t rl = 0;

	dir_pair(_i, &e, &d);
	ck_assert_int_eq(s6_tls13_seal(&e, S6_TLS13_APPDATA, (const uint8_t *)"abcdef", 6, rec,
				       sizeof rec, &rl), S6_OK);
	for (size_t n = 0; n < rl; n++)
		ck_assert_int_eq(s6_tls13_open(&d, rec, n, out, sizeof out, &o), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(d.seq, 5);
	/* Room for less than the record's inner plaintext: nothing moves. */
	ck_assert_int_eq(s6_tls13_open(&d, rec, rl, out, 6, &o), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(d.seq, 5);
	ck_assert_int_eq(s6_tls13_open(&d, rec, rl, out, 7, &o), S6_OK);
	ck_assert_uint_eq(o.len, 6);
	ck_assert_uint_eq(o.rec_len, rl);
	ck_assert_uint_eq(d.seq, 6);
	/* Sealing: a record too big, or no room. */
	ck_assert_int_eq(s6_tls13_seal(&e, S6_TLS13_APPDATA, rec, S6_TLS13_MAX_PLAIN + 1, out,
				       sizeof out + 100, &rl), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_tls13_seal(&e, S6_TLS13_APPDATA, rec, 10, out, 10 + S6_TLS13_OVERHEAD - 1,
				       &rl), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(e.seq, 6);
	s6_tls13_dir_free(&e);
	s6_tls13_dir_free(&d);
}
END_TEST

START_TEST(test_malformed)
{
	s6_tls13_dir e, d;
	s6_tls13_opened o;
	uint8_t rec[S6_TLS13_MAX_RECORD], bad[S6_TLS13_MAX_RECORD], out[S6_TLS13_MAX_CIPHER];
	size_t rl = 0;

	dir_pair(_i, &e, &d);
	ck_assert_int_eq(s6_tls13_seal(&e, S6_TLS13_APPDATA, (const uint8_t *)"payload", 7, rec,
				       sizeof rec, &rl), S6_OK);
	/* Outer type, version, lengths: refused from the header alone. */
	static const uint8_t hdrs[][5] = {
		{22, 3, 3, 0, 40}, {23, 3, 1, 0, 40}, {23, 2, 3, 0, 40},
		{23, 3, 3, 0, 16}, {23, 3, 3, 0, 0}, {23, 3, 3, 0x41, 0x01},
	};
	for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++)
		ck_assert_int_eq(s6_tls13_open(&d, hdrs[i], 5, out, sizeof out, &o), S6_ERR_MALFORMED);
	/* The largest allowed length waits for its bytes. */
	static const uint8_t big[] = {23, 3, 3, 0x41, 0x00};
	ck_assert_int_eq(s6_tls13_open(&d, big, 5, out, sizeof out, &o), S6_ERR_NEED_MORE);
	/* Every byte flipped in turn fails authentication (or the header). */
	for (size_t i = 0; i < rl; i++) {
		memcpy(bad, rec, rl);
		bad[i] ^= 0x01;
		s6_err err = s6_tls13_open(&d, bad, rl, out, sizeof out, &o);
		ck_assert(err == S6_ERR_PROXY_PROTOCOL || err == S6_ERR_MALFORMED ||
			  err == S6_ERR_NEED_MORE);
		ck_assert_uint_eq(d.seq, 5);
	}
	/* The genuine record still opens after all that. */
	ck_assert_int_eq(s6_tls13_open(&d, rec, rl, out, sizeof out, &o), S6_OK);
	ck_assert(memcmp(out, "payload", 7) == 0);
	/* The same record again: the sequence number moved, it fails. */
	ck_assert_int_eq(s6_tls13_open(&d, rec, rl, out, sizeof out, &o), S6_ERR_PROXY_PROTOCOL);
	s6_tls13_dir_free(&e);
	s6_tls13_dir_free(&d);
}
END_TEST

/* Padding: zeros after the type byte are stripped; all zeros is no type. */
START_TEST(test_padding)
{
	s6_tls13_dir e, d;
	s6_tls13_opened o;
	uint8_t rec[S6_TLS13_MAX_RECORD], out[S6_TLS13_MAX_CIPHER];
	static const uint8_t padded[] = {'x', 'y', S6_TLS13_APPDATA, 0, 0, 0};
	static const uint8_t zeros[4] = {0};
	size_t rl = 0;

	dir_pair(_i, &e, &d);
	/* Sealed as content type 0, so the "content" carries type and padding. */
	ck_assert_int_eq(s6_tls13_seal(&e, 0, padded, sizeof padded, rec, sizeof rec, &rl), S6_OK);
	ck_assert_int_eq(s6_tls13_open(&d, rec, rl, out, sizeof out, &o), S6_OK);
	ck_assert_int_eq(o.type, S6_TLS13_APPDATA);
	ck_assert_uint_eq(o.len, 2);
	ck_assert(memcmp(out, "xy", 2) == 0);
	ck_assert_int_eq(s6_tls13_seal(&e, 0, zeros, sizeof zeros, rec, sizeof rec, &rl), S6_OK);
	ck_assert_int_eq(s6_tls13_open(&d, rec, rl, out, sizeof out, &o), S6_ERR_PROXY_PROTOCOL);
	s6_tls13_dir_free(&e);
	s6_tls13_dir_free(&d);
}
END_TEST

START_TEST(test_init_and_seq_limit)
{
	s6_tls13_dir d;
	uint8_t secret[48] = {1}, rec[64];
	size_t rl;
	s6_tls13_suite s;

	ck_assert_int_eq(s6_tls13_dir_init(&d, S6_TLS13_AES_128_GCM_SHA256, true, secret, 48, 0),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_tls13_dir_init(&d, S6_TLS13_AES_256_GCM_SHA384, true, secret, 32, 0),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_tls13_dir_init(&d, S6_TLS13_AES_128_GCM_SHA256, true, secret, 32,
					   UINT64_MAX), S6_OK);
	ck_assert_int_ne(s6_tls13_seal(&d, S6_TLS13_APPDATA, secret, 4, rec, sizeof rec, &rl), S6_OK);
	s6_tls13_dir_free(&d);
	ck_assert(s6_tls13_suite_of(0x1301, &s) && s == S6_TLS13_AES_128_GCM_SHA256);
	ck_assert(s6_tls13_suite_of(0x1303, &s) && s == S6_TLS13_CHACHA20_POLY1305_SHA256);
	ck_assert(!s6_tls13_suite_of(0x1304, &s));
	ck_assert(!s6_tls13_suite_of(0xc02f, &s));
	ck_assert_uint_eq(s6_tls13_record_len((const uint8_t *)"\x17\x03\x03\x01\x00", 4), 0);
	ck_assert_uint_eq(s6_tls13_record_len((const uint8_t *)"\x17\x03\x03\x01\x00", 5), 261);
}
END_TEST

/* Post-handshake messages: tickets skipped in any cut, KeyUpdate found
 * at a record's end and refused anywhere else or malformed. */
START_TEST(test_hs_scan)
{
	static const uint8_t msgs[] = {4, 0, 0, 6, 1, 2, 3, 4, 5, 6, 24, 0, 0, 1, 1};
	s6_tls13_hs_scan s;
	int ku;

	for (size_t cut = 1; cut < sizeof msgs; cut++) {
		memset(&s, 0, sizeof s);
		ck_assert_int_eq(s6_tls13_hs_feed(&s, msgs, cut, &ku), S6_OK);
		ck_assert_int_eq(ku, S6_TLS13_KU_NONE);
		ck_assert_int_eq(s6_tls13_hs_feed(&s, msgs + cut, sizeof msgs - cut, &ku), S6_OK);
		ck_assert_int_eq(ku, S6_TLS13_KU_REQUESTED);
		ck_assert_uint_eq(s.hdr_len, 0);
	}
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(s6_tls13_hs_feed(&s, (const uint8_t *)"\x18\0\0\1\0", 5, &ku), S6_OK);
	ck_assert_int_eq(ku, S6_TLS13_KU_UPDATE);
	/* Not at the end of its record, a bad length, a bad value. */
	static const uint8_t trail[] = {24, 0, 0, 1, 0, 4, 0, 0, 0};
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(s6_tls13_hs_feed(&s, trail, sizeof trail, &ku), S6_ERR_MALFORMED);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(s6_tls13_hs_feed(&s, (const uint8_t *)"\x18\0\0\2\0\0", 6, &ku),
			 S6_ERR_MALFORMED);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(s6_tls13_hs_feed(&s, (const uint8_t *)"\x18\0\0\1\2", 5, &ku),
			 S6_ERR_MALFORMED);
	/* A ticket of 2^24-1 bytes announced: only skipped, never buffered. */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(s6_tls13_hs_feed(&s, (const uint8_t *)"\x04\xff\xff\xff\1\2", 6, &ku),
			 S6_OK);
	ck_assert_uint_eq(s.left, 0xffffff - 2);
}
END_TEST

static Suite *tls13_suite(void)
{
	Suite *s = suite_create("tls13_rec");
	TCase *tc = tcase_create("tls13_rec");

	tcase_add_loop_test(tc, test_seal_read_by_openssl, 0, 3);
	tcase_add_loop_test(tc, test_open_written_by_openssl, 0, 3);
	tcase_add_test(tc, test_track_keyupdate_by_openssl);
	tcase_add_test(tc, test_track_lines);
	tcase_add_loop_test(tc, test_truncated_and_room, 0, 3);
	tcase_add_loop_test(tc, test_malformed, 0, 3);
	tcase_add_loop_test(tc, test_padding, 0, 3);
	tcase_add_test(tc, test_init_and_seq_limit);
	tcase_add_test(tc, test_hs_scan);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls13_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
