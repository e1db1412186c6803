/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine reads the proxy's records itself: see eng_rx.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "eng.h"
#include "eng_rx.h"
#include "s6_tls13_track.h"

#define ALERT_CLOSE_NOTIFY 0
#define ALERT_USER_CANCELED 90
/* The most a record's plaintext takes in out before padding is stripped. */
#define RX_OUT_MIN (S6_TLS13_MAX_CIPHER - S6_TLS13_TAG)

void eng_rx_init(struct eng_rx *rx)
{
	memset(rx, 0, sizeof *rx);
}

void eng_rx_free(struct eng_rx *rx)
{
	if (rx->mode == ENG_RX_OWN)
		s6_tls13_dir_free(&rx->dir);
	free(rx->buf);
	rx->buf = NULL;
}

static void rx_give_up(struct eng_rx *rx, SSL *ssl)
{
	rx->mode = ENG_RX_NEVER;
	SSL_set_read_ahead(ssl, 1);
}

void eng_rx_count(struct eng_rx *rx, SSL *ssl, size_t n)
{
	const s6_tls13_track *t;

	rx->via_ssl += n;
	if (rx->mode != ENG_RX_SSL || rx->via_ssl < ENG_RX_AFTER)
		return;
	t = s6_tls13_track_of(ssl);
	if (!t || !t->known[S6_TLS13_READ]) {
		rx->mode = ENG_RX_NEVER;
		return;
	}
	/* Without read-ahead OpenSSL reads each record exactly, so what it
	 * holds runs out and the socket starts at a record boundary. */
	SSL_set_read_ahead(ssl, 0);
	rx->mode = ENG_RX_ARMING;
}

/* One opened record. Application data stays in out (*got grows); a
 * KeyUpdate turns the key; close_notify is the end. False: broken. */
static bool rx_record(struct eng_rx *rx, SSL *ssl, const uint8_t *plain,
		      const s6_tls13_opened *o, size_t *got, struct eng_rx_res *res)
{
	int ku = S6_TLS13_KU_NONE;

	switch (o->type) {
	case S6_TLS13_APPDATA:
		*got += o->len;
		return true;
	case S6_TLS13_HANDSHAKE:
		if (s6_tls13_hs_feed(&rx->hs, plain, o->len, &ku) != S6_OK) {
			eng_log("tls relay: a bad post-handshake message from the proxy");
			return false;
		}
		if (ku == S6_TLS13_KU_NONE)
			return true;
		/* Ours goes before our next application data (RFC 8446 4.6.3). */
		if (ku == S6_TLS13_KU_REQUESTED)
			SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED);
		return s6_tls13_dir_update(&rx->dir) == S6_OK;
	case S6_TLS13_ALERT:
		if (o->len == 2 && plain[1] == ALERT_CLOSE_NOTIFY) {
			res->eof = true;
			return true;
		}
		if (o->len == 2 && plain[1] == ALERT_USER_CANCELED)
			return true;
		eng_log("tls relay: alert %d from the proxy", o->len == 2 ? plain[1] : -1);
		return false;
	default:
		eng_log("tls relay: a record of type %d from the proxy", o->type);
		return false;
	}
}

/* 1: the engine reads for itself now; 0: not yet (SSL_read goes on);
 * -1: broken. The first record is peeked at and opened from the peek:
 * it leaves the socket only once it authenticated. */
int eng_rx_take(struct eng_rx *rx, SSL *ssl, int pfd, uint8_t *out, size_t room, size_t *got)
{
	const s6_tls13_track *t = s6_tls13_track_of(ssl);
	struct eng_rx_res res = {0};
	s6_tls13_opened o;
	size_t rec;
	ssize_t n;

	*got = 0;
	if (room < RX_OUT_MIN || SSL_has_pending(ssl))
		return 0;
	if (!rx->buf && !(rx->buf = malloc(ENG_RX_BUF))) {
		rx_give_up(rx, ssl);
		return 0;
	}
	n = recv(pfd, rx->buf, S6_TLS13_MAX_RECORD, MSG_PEEK | MSG_DONTWAIT);
	rec = n > 0 ? s6_tls13_record_len(rx->buf, (size_t)n) : 0;
	if (rec == 0 || (size_t)n < rec)
		return 0; /* not a whole record yet: OpenSSL takes it */
	if (!t || s6_tls13_track_take(ssl, t, S6_TLS13_READ, &rx->dir) != S6_OK) {
		rx_give_up(rx, ssl);
		return 0;
	}
	if (s6_tls13_open(&rx->dir, rx->buf, (size_t)n, out, room, &o) != S6_OK) {
		eng_log("tls relay: hand-over did not check out; OpenSSL keeps reading");
		s6_tls13_dir_free(&rx->dir);
		rx_give_up(rx, ssl);
		return 0;
	}
	rx->mode = ENG_RX_OWN;
	rx->off = rx->len = 0;
	eng_log("tls relay: reading the proxy's records itself after %" PRIu64 " bytes",
		rx->via_ssl);
	if (recv(pfd, rx->buf, rec, MSG_DONTWAIT) != (ssize_t)rec)
		return -1; /* it was there a moment ago */
	if (!rx_record(rx, ssl, out, &o, got, &res))
		return -1;
	rx->eof = res.eof;
	return 1;
}

/* More bytes from the proxy; false when broken. A record cut by the end
 * of the stream is broken; the end between records is the end. */
static bool rx_read(struct eng_rx *rx, int pfd, struct eng_rx_res *res)
{
	ssize_t n;

	if (rx->off > 0) {
		memmove(rx->buf, rx->buf + rx->off, rx->len - rx->off);
		rx->len -= rx->off;
		rx->off = 0;
	}
	n = recv(pfd, rx->buf + rx->len, ENG_RX_BUF - rx->len, MSG_DONTWAIT);
	if (n > 0) {
		rx->len += (size_t)n;
		return true;
	}
	if (n == 0) {
		rx->eof = res->eof = res->progress = true;
		if (rx->len == 0)
			return true;
		eng_log("tls relay: the proxy closed inside a record");
		return false;
	}
	if (errno == EAGAIN)
		res->want_read = true;
	return errno == EAGAIN || errno == EINTR;
}

bool eng_rx_fill(struct eng_rx *rx, SSL *ssl, int pfd, uint8_t *out, size_t room,
		 size_t *got, struct eng_rx_res *res)
{
	*got = 0;
	while (!rx->eof && room - *got >= RX_OUT_MIN) {
		s6_tls13_opened o;
		s6_err err = s6_tls13_open(&rx->dir, rx->buf + rx->off, rx->len - rx->off,
					   out + *got, room - *got, &o);
		if (err == S6_ERR_NEED_MORE) {
			if (res->want_read)
				break;
			if (!rx_read(rx, pfd, res))
				return false;
			continue;
		}
		if (err != S6_OK) {
			eng_log("tls relay: a bad record from the proxy (%s)", s6_strerror(err));
			return false;
		}
		rx->off += o.rec_len;
		res->progress = true;
		if (!rx_record(rx, ssl, out + *got, &o, got, res))
			return false;
		rx->eof |= res->eof;
	}
	return true;
}
