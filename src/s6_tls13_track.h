/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What taking a direction of a TLS 1.3 connection over from OpenSSL needs
 * (s6_tls13_rec.h): the direction's traffic secret and how many records
 * went under it. OpenSSL gives neither directly; its key log callback
 * reports each secret as the direction switches to it, and its message
 * callback reports each record header, so the records after the switch
 * are counted here. A KeyUpdate OpenSSL handled makes the count useless
 * for that direction: it then stays with OpenSSL for good. */
#ifndef S6_TLS13_TRACK_H
#define S6_TLS13_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "s6_tls13_rec.h"

enum { S6_TLS13_READ = 0, S6_TLS13_WRITE = 1 };

typedef struct s6_tls13_track {
	uint8_t secret[2][S6_TLS13_SECRET_MAX]; /* [S6_TLS13_READ], [S6_TLS13_WRITE] */
	size_t secret_len[2];
	uint64_t seq[2];       /* records under secret[dir] so far */
	bool known[2];         /* secret[dir] in hand, seq[dir] counts under it */
	bool is_server;
	bool peer_update;      /* a KeyUpdate read that asks for one back */
} s6_tls13_track;

/* The key log callback on ctx: every SSL of it that is to be taken over
 * gets a tracker with s6_tls13_track_attach. False: out of memory. */
bool s6_tls13_track_ctx(SSL_CTX *ctx);
/* Before the handshake. t lives as long as ssl. */
bool s6_tls13_track_attach(SSL *ssl, s6_tls13_track *t, bool is_server);

/* What the tracker's message callback does, for a caller that needs a
 * message callback of its own: call this from it with the same values
 * (after s6_tls13_track_attach, which the caller's callback replaces). */
void s6_tls13_track_msg(s6_tls13_track *t, int write_p, int content_type, const void *buf,
			size_t len);

/* The tracker attached to ssl, or NULL. */
s6_tls13_track *s6_tls13_track_of(const SSL *ssl);

/* The direction dir (S6_TLS13_READ/WRITE) as a keyed s6_tls13_dir whose
 * next record is the next one on the wire, if that is known:
 * S6_ERR_INVALID_ARG when not (not TLS 1.3, a suite not handled here,
 * the secret not seen, or a KeyUpdate went by). */
s6_err s6_tls13_track_take(SSL *ssl, const s6_tls13_track *t, int dir, s6_tls13_dir *d);

/* Parse one key log line for is_server's side into t (exposed for tests). */
void s6_tls13_track_line(s6_tls13_track *t, const char *line);

#endif
