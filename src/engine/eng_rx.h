/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proxy -> program direction of a socks6+tls connection, decrypted by
 * the engine itself once it is a bulk transfer (s6_tls13_rec.h): records
 * are read into one buffer and opened straight into the relay's buffer
 * for the program. Through SSL_read each byte is copied once more (from
 * OpenSSL's record buffer), which was a fifth of the engine's time.
 *
 * The hand-over is checked, not trusted: the first record the engine
 * opens itself is only peeked at; if the key or the count of records
 * were wrong it fails to authenticate, stays in the socket, and OpenSSL
 * goes on reading as before. */
#ifndef ENG_RX_H
#define ENG_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "s6_tls13_rec.h"

/* Bytes that go through SSL_read first: the handshake's tickets are
 * behind by then, and short exchanges never change hands. */
#define ENG_RX_AFTER (256 * 1024)
#define ENG_RX_BUF (256 * 1024 + S6_TLS13_MAX_RECORD)

enum eng_rx_mode {
	ENG_RX_SSL,     /* SSL_read, with read-ahead */
	ENG_RX_ARMING,  /* SSL_read without read-ahead until nothing is buffered */
	ENG_RX_OWN,     /* s6_tls13_open */
	ENG_RX_NEVER,   /* the hand-over did not check out: SSL_read for good */
};

struct eng_rx {
	enum eng_rx_mode mode;
	uint64_t via_ssl;              /* bytes SSL_read gave so far */
	s6_tls13_dir dir;
	s6_tls13_hs_scan hs;
	uint8_t *buf;                  /* ENG_RX_BUF bytes, in OWN mode */
	size_t off, len;
	bool eof;                      /* close_notify or the stream's end */
};

/* What one eng_rx_fill did (the relay's flags). */
struct eng_rx_res {
	bool progress, eof, want_read;
};

void eng_rx_init(struct eng_rx *rx);
void eng_rx_free(struct eng_rx *rx);

/* After SSL_read gave n bytes: count them, and arm the hand-over once
 * there were enough (read-ahead off, so OpenSSL's buffer runs dry). */
void eng_rx_count(struct eng_rx *rx, SSL *ssl, size_t n);

/* In ARMING mode: try the hand-over. 1 when the engine reads for itself
 * from now on (*got plaintext bytes in out already), 0 not yet (SSL_read
 * goes on), -1 broken. */
int eng_rx_take(struct eng_rx *rx, SSL *ssl, int pfd, uint8_t *out, size_t room,
		 size_t *got);

/* OWN mode: records into out[0..room) (plaintext appended, *got bytes).
 * False: the connection is broken (logged). */
bool eng_rx_fill(struct eng_rx *rx, SSL *ssl, int pfd, uint8_t *out, size_t room,
		 size_t *got, struct eng_rx_res *res);

#endif
