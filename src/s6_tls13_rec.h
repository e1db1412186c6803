/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS 1.3 record protection (RFC 8446 sections 5.1-5.5 and 7.1-7.3) for a
 * connection whose handshake OpenSSL did: the engine and the server take
 * over one direction's bulk data with it, so that a record is decrypted
 * or encrypted straight between their own buffers (OpenSSL copies each
 * record once more through its own). Pure: no I/O; the cipher comes from
 * libcrypto, so only OpenSSL-linked programs use it (never the shim).
 *
 * One s6_tls13_dir is one direction's traffic key: the secret (kept for
 * KeyUpdate), the write key and IV derived from it, and the record
 * sequence number. */
#ifndef S6_TLS13_REC_H
#define S6_TLS13_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_error.h"

#define S6_TLS13_HDR 5
#define S6_TLS13_TAG 16
#define S6_TLS13_MAX_PLAIN 16384          /* 2^14 */
#define S6_TLS13_MAX_CIPHER (16384 + 256) /* TLSCiphertext.length limit */
#define S6_TLS13_MAX_RECORD (S6_TLS13_HDR + S6_TLS13_MAX_CIPHER)
/* What sealing len plaintext bytes adds: header, content type, tag. */
#define S6_TLS13_OVERHEAD (S6_TLS13_HDR + 1 + S6_TLS13_TAG)
#define S6_TLS13_SECRET_MAX 48

/* TLS ContentType values (RFC 8446 section 5.1). */
#define S6_TLS13_ALERT 21
#define S6_TLS13_HANDSHAKE 22
#define S6_TLS13_APPDATA 23

typedef enum {
	S6_TLS13_AES_128_GCM_SHA256,
	S6_TLS13_AES_256_GCM_SHA384,
	S6_TLS13_CHACHA20_POLY1305_SHA256,
} s6_tls13_suite;

typedef struct s6_tls13_dir {
	void *ctx;                     /* EVP_CIPHER_CTX, keyed */
	s6_tls13_suite suite;
	uint8_t secret[S6_TLS13_SECRET_MAX];
	size_t secret_len;
	uint8_t iv[12];
	uint64_t seq;
	bool encrypt;
} s6_tls13_dir;

/* The suite of a TLS 1.3 cipher suite code (0x1301..0x1303): false for
 * any other (the caller then leaves the direction to OpenSSL). */
bool s6_tls13_suite_of(uint16_t code, s6_tls13_suite *suite);

/* Key d from a traffic secret whose next record has sequence number seq.
 * S6_ERR_INVALID_ARG: a secret of the wrong length for the suite. */
s6_err s6_tls13_dir_init(s6_tls13_dir *d, s6_tls13_suite suite, bool encrypt,
			 const uint8_t *secret, size_t secret_len, uint64_t seq);
void s6_tls13_dir_free(s6_tls13_dir *d);

/* The next traffic secret (KeyUpdate, RFC 8446 section 7.2): new keys,
 * sequence number 0. */
s6_err s6_tls13_dir_update(s6_tls13_dir *d);

/* One record of content type type holding in[0..len) (len at most
 * S6_TLS13_MAX_PLAIN) into out, which has room for len +
 * S6_TLS13_OVERHEAD bytes; *out_len is the record's length.
 * S6_ERR_TOO_LONG: len too big or no room. */
s6_err s6_tls13_seal(s6_tls13_dir *d, uint8_t type, const uint8_t *in, size_t len,
		     uint8_t *out, size_t room, size_t *out_len);

typedef struct s6_tls13_opened {
	size_t rec_len;                /* bytes of the input this record took */
	uint8_t type;                  /* inner content type */
	size_t len;                    /* plaintext bytes written to out */
} s6_tls13_opened;

/* The first record of in[0..len): S6_ERR_NEED_MORE while it is not all
 * there (nothing changes). Its plaintext goes to out, which needs room
 * for the record's length less the tag (S6_ERR_TOO_LONG otherwise, and
 * nothing changes, so the caller can make room and call again).
 * S6_ERR_MALFORMED: not a protected record (outer type, version, length);
 * S6_ERR_PROXY_PROTOCOL: it fails authentication, or its plaintext is
 * empty of a type or over 2^14 bytes. out may equal in + S6_TLS13_HDR. */
s6_err s6_tls13_open(s6_tls13_dir *d, const uint8_t *in, size_t len, uint8_t *out,
		     size_t room, s6_tls13_opened *res);

/* The length of the whole record that starts in[0..len) (header
 * included), or 0 while fewer than S6_TLS13_HDR bytes are there. */
size_t s6_tls13_record_len(const uint8_t *in, size_t len);

/* Post-handshake messages, as a reader that took a direction over sees
 * them in the plaintext of handshake records (a message may be split
 * across records). Only KeyUpdate matters (RFC 8446 section 4.6.3);
 * NewSessionTicket and anything else is skipped. */
typedef struct s6_tls13_hs_scan {
	uint8_t hdr[4];
	size_t hdr_len;                /* header bytes of the current message */
	uint32_t left;                 /* body bytes of it still to come */
} s6_tls13_hs_scan;

enum { S6_TLS13_KU_NONE, S6_TLS13_KU_UPDATE, S6_TLS13_KU_REQUESTED };

/* One handshake record's plaintext. *ku: a KeyUpdate ended this record
 * (then the next record is under the next key), and whether it asks for
 * one back. S6_ERR_MALFORMED: a KeyUpdate of a bad length or value, or
 * one that does not end its record (its "unexpected_message"). */
s6_err s6_tls13_hs_feed(s6_tls13_hs_scan *s, const uint8_t *p, size_t len, int *ku);

#endif
