/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS 1.3 record protection: see s6_tls13_rec.h. */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "s6_bytes.h"
#include "s6_tls13_rec.h"

#define LABEL_MAX 32

struct suite_info {
	const EVP_CIPHER *(*cipher)(void);
	const EVP_MD *(*md)(void);
	size_t key_len, hash_len;
};

static struct suite_info suite_info(s6_tls13_suite s)
{
	switch (s) {
	case S6_TLS13_AES_256_GCM_SHA384:
		return (struct suite_info){EVP_aes_256_gcm, EVP_sha384, 32, 48};
	case S6_TLS13_CHACHA20_POLY1305_SHA256:
		return (struct suite_info){EVP_chacha20_poly1305, EVP_sha256, 32, 32};
	case S6_TLS13_AES_128_GCM_SHA256:
	default:
		return (struct suite_info){EVP_aes_128_gcm, EVP_sha256, 16, 32};
	}
}

bool s6_tls13_suite_of(uint16_t code, s6_tls13_suite *suite)
{
	switch (code) {
	case 0x1301: *suite = S6_TLS13_AES_128_GCM_SHA256; return true;
	case 0x1302: *suite = S6_TLS13_AES_256_GCM_SHA384; return true;
	case 0x1303: *suite = S6_TLS13_CHACHA20_POLY1305_SHA256; return true;
	default: return false;
	}
}

/* HKDF-Expand-Label(secret, label, "", len) (RFC 8446 section 7.1). Every
 * length asked for here is at most the hash's, so HKDF-Expand is the one
 * block T(1) = HMAC(secret, HkdfLabel || 0x01). */
static bool expand_label(const struct suite_info *si, const uint8_t *secret, const char *label,
			 uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 6 + LABEL_MAX + 1 + 1], t[EVP_MAX_MD_SIZE];
	size_t ll = strlen(label), n = 0;
	unsigned int tlen = 0;

	if (ll > LABEL_MAX || len > si->hash_len)
		return false;
	s6_put_u16be(info, (uint16_t)len);
	n = 2;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll);
	n += 6 + ll;
	info[n++] = 0;    /* empty context */
	info[n++] = 0x01; /* T(1) */
	if (!HMAC(si->md(), secret, (int)si->hash_len, info, n, t, &tlen) || tlen < len)
		return false;
	memcpy(out, t, len);
	OPENSSL_cleanse(t, sizeof t);
	return true;
}

/* Key and IV from d->secret, sequence number left as it is. */
static s6_err dir_key(s6_tls13_dir *d)
{
	struct suite_info si = suite_info(d->suite);
	uint8_t key[32];
	s6_err err = S6_ERR_NOMEM;

	if (!d->ctx && !(d->ctx = EVP_CIPHER_CTX_new()))
		return S6_ERR_NOMEM;
	if (expand_label(&si, d->secret, "key", key, si.key_len) &&
	    expand_label(&si, d->secret, "iv", d->iv, sizeof d->iv) &&
	    EVP_CipherInit_ex(d->ctx, si.cipher(), NULL, key, NULL, d->encrypt) == 1)
		err = S6_OK;
	OPENSSL_cleanse(key, sizeof key);
	return err;
}

s6_err s6_tls13_dir_init(s6_tls13_dir *d, s6_tls13_suite suite, bool encrypt,
			 const uint8_t *secret, size_t secret_len, uint64_t seq)
{
	memset(d, 0, sizeof *d);
	d->suite = suite;
	if (secret_len != suite_info(suite).hash_len)
		return S6_ERR_INVALID_ARG;
	d->encrypt = encrypt;
	d->seq = seq;
	d->secret_len = secret_len;
	memcpy(d->secret, secret, secret_len);
	return dir_key(d);
}

void s6_tls13_dir_free(s6_tls13_dir *d)
{
	EVP_CIPHER_CTX_free(d->ctx);
	OPENSSL_cleanse(d, sizeof *d);
}

s6_err s6_tls13_dir_update(s6_tls13_dir *d)
{
	struct suite_info si = suite_info(d->suite);
	uint8_t next[S6_TLS13_SECRET_MAX];

	if (!expand_label(&si, d->secret, "traffic upd", next, d->secret_len))
		return S6_ERR_NOMEM;
	memcpy(d->secret, next, d->secret_len);
	OPENSSL_cleanse(next, sizeof next);
	d->seq = 0;
	return dir_key(d);
}

/* The per-record nonce: the IV xor the sequence number (section 5.3). */
static bool set_nonce(s6_tls13_dir *d)
{
	uint8_t nonce[12];

	if (d->seq == UINT64_MAX)
		return false; /* never wraps: the connection must end first */
	memcpy(nonce, d->iv, sizeof nonce);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
	return EVP_CipherInit_ex(d->ctx, NULL, NULL, NULL, nonce, d->encrypt) == 1;
}

static void put_header(uint8_t *h, size_t cipher_len)
{
	h[0] = S6_TLS13_APPDATA;
	h[1] = 3;
	h[2] = 3;
	s6_put_u16be(h + 3, (uint16_t)cipher_len);
}

s6_err s6_tls13_seal(s6_tls13_dir *d, uint8_t type, const uint8_t *in, size_t len,
		     uint8_t *out, size_t room, size_t *out_len)
{
	size_t clen = len + 1 + S6_TLS13_TAG;
	int n = 0, fin = 0;

	if (len > S6_TLS13_MAX_PLAIN || room < len + S6_TLS13_OVERHEAD)
		return S6_ERR_TOO_LONG;
	put_header(out, clen);
	if (!set_nonce(d) || EVP_CipherUpdate(d->ctx, NULL, &n, out, S6_TLS13_HDR) != 1 ||
	    EVP_CipherUpdate(d->ctx, out + S6_TLS13_HDR, &n, in, (int)len) != 1 ||
	    EVP_CipherUpdate(d->ctx, out + S6_TLS13_HDR + n, &fin, &type, 1) != 1)
		return S6_ERR_IO;
	n += fin;
	if (EVP_CipherFinal_ex(d->ctx, out + S6_TLS13_HDR + n, &fin) != 1 ||
	    (size_t)(n + fin) != len + 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_AEAD_GET_TAG, S6_TLS13_TAG,
				out + S6_TLS13_HDR + len + 1) != 1)
		return S6_ERR_IO;
	d->seq++;
	*out_len = S6_TLS13_HDR + clen;
	return S6_OK;
}

size_t s6_tls13_record_len(const uint8_t *in, size_t len)
{
	return len < S6_TLS13_HDR ? 0 : S6_TLS13_HDR + (size_t)s6_get_u16be(in + 3);
}

/* The inner content type is the last non-zero byte; zeros after it are
 * padding (section 5.4). */
static bool strip_padding(const uint8_t *p, size_t *len, uint8_t *type)
{
	size_t n = *len;

	while (n > 0 && p[n - 1] == 0)
		n--;
	if (n == 0)
		return false;
	*type = p[n - 1];
	*len = n - 1;
	return *len <= S6_TLS13_MAX_PLAIN;
}

s6_err s6_tls13_open(s6_tls13_dir *d, const uint8_t *in, size_t len, uint8_t *out,
		     size_t room, s6_tls13_opened *res)
{
	size_t rec = s6_tls13_record_len(in, len), clen, plen;
	uint8_t tag[S6_TLS13_TAG];
	int n = 0, fin = 0;

	if (rec == 0)
		return S6_ERR_NEED_MORE;
	clen = rec - S6_TLS13_HDR;
	if (in[0] != S6_TLS13_APPDATA || in[1] != 3 || in[2] != 3 ||
	    clen > S6_TLS13_MAX_CIPHER || clen < 1 + S6_TLS13_TAG)
		return S6_ERR_MALFORMED;
	if (len < rec)
		return S6_ERR_NEED_MORE;
	plen = clen - S6_TLS13_TAG;
	if (room < plen)
		return S6_ERR_TOO_LONG;
	/* The tag is taken aside first: out may overlap the record. */
	memcpy(tag, in + rec - S6_TLS13_TAG, sizeof tag);
	if (!set_nonce(d) || EVP_CipherUpdate(d->ctx, NULL, &n, in, S6_TLS13_HDR) != 1 ||
	    EVP_CipherUpdate(d->ctx, out, &n, in + S6_TLS13_HDR, (int)plen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_AEAD_SET_TAG, S6_TLS13_TAG, tag) != 1)
		return S6_ERR_IO;
	if (EVP_CipherFinal_ex(d->ctx, out + n, &fin) != 1 || (size_t)(n + fin) != plen)
		return S6_ERR_PROXY_PROTOCOL; /* bad_record_mac */
	d->seq++;
	res->rec_len = rec;
	res->len = plen;
	if (!strip_padding(out, &res->len, &res->type))
		return S6_ERR_PROXY_PROTOCOL;
	return S6_OK;
}

#define HS_KEY_UPDATE 24

/* The body byte of a KeyUpdate: update_not_requested(0) or requested(1);
 * the record must end with it. */
static s6_err hs_key_update(uint8_t v, bool last, int *ku)
{
	if (v > 1 || !last)
		return S6_ERR_MALFORMED;
	*ku = v ? S6_TLS13_KU_REQUESTED : S6_TLS13_KU_UPDATE;
	return S6_OK;
}

s6_err s6_tls13_hs_feed(s6_tls13_hs_scan *s, const uint8_t *p, size_t len, int *ku)
{
	size_t i = 0;

	*ku = S6_TLS13_KU_NONE;
	while (i < len) {
		if (s->hdr_len < sizeof s->hdr) {
			s->hdr[s->hdr_len++] = p[i++];
			if (s->hdr_len < sizeof s->hdr)
				continue;
			s->left = (uint32_t)s->hdr[1] << 16 | (uint32_t)s6_get_u16be(s->hdr + 2);
			if (s->hdr[0] == HS_KEY_UPDATE && s->left != 1)
				return S6_ERR_MALFORMED;
		} else if (s->hdr[0] == HS_KEY_UPDATE) {
			s6_err err = hs_key_update(p[i], i + 1 == len, ku);
			if (err != S6_OK)
				return err;
			i++;
			s->left = 0;
		} else {
			size_t n = len - i < s->left ? len - i : s->left;
			i += n;
			s->left -= (uint32_t)n;
		}
		if (s->left == 0)
			s->hdr_len = 0; /* the message is over */
	}
	return S6_OK;
}
