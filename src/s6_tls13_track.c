/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Traffic secrets and record counts of a TLS 1.3 connection: see
 * s6_tls13_track.h. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "s6_digits.h"
#include "s6_tls13_track.h"

#define KEYUPDATE 24

static int track_idx = -1;
static pthread_once_t track_once = PTHREAD_ONCE_INIT;

static void track_idx_init(void)
{
	track_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* "LABEL <client_random hex> <secret hex>": the secret of the direction
 * the label names for this side. */
void s6_tls13_track_line(s6_tls13_track *t, const char *line)
{
	static const char srv[] = "SERVER_TRAFFIC_SECRET_0 ", cli[] = "CLIENT_TRAFFIC_SECRET_0 ";
	const char *p, *hex;
	size_t n = 0;
	int dir;

	if (strncmp(line, srv, sizeof srv - 1) == 0)
		dir = t->is_server ? S6_TLS13_WRITE : S6_TLS13_READ;
	else if (strncmp(line, cli, sizeof cli - 1) == 0)
		dir = t->is_server ? S6_TLS13_READ : S6_TLS13_WRITE;
	else
		return;
	p = strchr(line + sizeof srv - 1, ' ');
	if (!p)
		return;
	hex = p + 1;
	t->known[dir] = false;
	for (; hex[0] && hex[1] && n < S6_TLS13_SECRET_MAX; hex += 2) {
		int hi = s6_hex_digit(hex[0]), lo = s6_hex_digit(hex[1]);
		if (hi < 0 || lo < 0)
			return;
		t->secret[dir][n++] = (uint8_t)(hi << 4 | lo);
	}
	if (*hex != '\0' || n == 0)
		return;
	t->secret_len[dir] = n;
	t->seq[dir] = 0;
	t->known[dir] = true;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	s6_tls13_track *t = s6_tls13_track_of(ssl);

	if (t)
		s6_tls13_track_line(t, line);
}

/* Each protected record header counts; a KeyUpdate either way ends what
 * is known of that direction's key (OpenSSL moved on without us). */
void s6_tls13_track_msg(s6_tls13_track *t, int write_p, int content_type, const void *buf,
			size_t len)
{
	const uint8_t *b = buf;
	int dir = write_p ? S6_TLS13_WRITE : S6_TLS13_READ;

	if (content_type == SSL3_RT_HEADER && len == S6_TLS13_HDR && b[0] == S6_TLS13_APPDATA) {
		t->seq[dir]++;
	} else if (content_type == SSL3_RT_HANDSHAKE && len >= 1 && b[0] == KEYUPDATE) {
		t->known[dir] = false;
		if (!write_p && len >= 5 && b[4] == 1)
			t->peer_update = true;
	}
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	(void)version;
	(void)ssl;
	s6_tls13_track_msg(arg, write_p, content_type, buf, len);
}

bool s6_tls13_track_ctx(SSL_CTX *ctx)
{
	pthread_once(&track_once, track_idx_init);
	if (track_idx < 0)
		return false;
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	return true;
}

bool s6_tls13_track_attach(SSL *ssl, s6_tls13_track *t, bool is_server)
{
	memset(t, 0, sizeof *t);
	t->is_server = is_server;
	if (track_idx < 0 || SSL_set_ex_data(ssl, track_idx, t) != 1)
		return false;
	SSL_set_msg_callback(ssl, msg_cb);
	SSL_set_msg_callback_arg(ssl, t);
	return true;
}

s6_tls13_track *s6_tls13_track_of(const SSL *ssl)
{
	return track_idx < 0 ? NULL : SSL_get_ex_data(ssl, track_idx);
}

s6_err s6_tls13_track_take(SSL *ssl, const s6_tls13_track *t, int dir, s6_tls13_dir *d)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	s6_tls13_suite suite;

	if (SSL_version(ssl) != TLS1_3_VERSION || !c || !t->known[dir] ||
	    !s6_tls13_suite_of(SSL_CIPHER_get_protocol_id(c), &suite))
		return S6_ERR_INVALID_ARG;
	return s6_tls13_dir_init(d, suite, dir == S6_TLS13_WRITE, t->secret[dir],
				 t->secret_len[dir], t->seq[dir]);
}
