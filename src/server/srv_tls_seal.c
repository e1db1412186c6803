/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The records of a direct CONNECT towards the client, sealed by the front
 * itself (s6_tls13_rec.h). Through OpenSSL, each downloaded byte is copied
 * twice in user space: by SSL_write into OpenSSL's record buffer, and
 * from there by the wire BIO (srv_tls_wire.c) into the wire buffer. Here
 * it is encrypted from the down buffer straight into the wire buffer, one
 * pass. The take-over needs the write direction's traffic secret and the
 * number of records sent under it, which s6_tls13_track learned while
 * OpenSSL did the handshake; OpenSSL keeps the read direction (and with
 * it the client's KeyUpdate and close_notify). From then on OpenSSL's own
 * sequence number is stale: whatever it writes is dropped by the wire
 * BIO, and the KeyUpdate the client may ask for and the close_notify are
 * sealed here too. */
#include "config.h"

#include <inttypes.h>

#include <openssl/crypto.h>

#include "s6_log.h"
#include "srv_tls_int.h"

/* KeyUpdate(update_not_requested) (RFC 8446 section 4.6.3). */
static const uint8_t key_update[] = {24, 0, 0, 1, 0};
/* close_notify: level warning, description 0 (section 6.1). */
static const uint8_t close_notify[] = {1, 0};

void srv_tls_seal_try(srv_tls_conn *tc)
{
	s6_err err;

	/* A record OpenSSL could not hand to the wire buffer yet would
	 * come after ours under the same sequence number. */
	if (tc->sealing || tc->seal_off || !tc->direct || tc->phase != SRV_TLS_OPEN ||
	    tc->wire_short || tc->notify_sent)
		return;
	err = s6_tls13_track_take(tc->ssl, &tc->track, S6_TLS13_WRITE, &tc->seal);
	if (err != S6_OK) {
		s6_tls13_dir_free(&tc->seal);
		tc->seal_off = true;
		s6_log(S6_LOG_DEBUG, "tls %s: OpenSSL keeps writing: %s", tc->peer_str,
		       s6_strerror(err));
		return;
	}
	tc->sealing = true;
	s6_log(S6_LOG_DEBUG, "tls %s: sealing from record %" PRIu64, tc->peer_str,
	       tc->seal.seq);
}

/* One record into the wire buffer: false when it has no room (nothing
 * changes) or the cipher failed (the front fails). */
static bool seal_one(srv_tls_conn *tc, uint8_t type, const uint8_t *p, size_t len)
{
	size_t room = 0, n = 0;
	uint8_t *out = srv_buf_tail(&tc->wire, len + S6_TLS13_OVERHEAD, &room);
	s6_err err;

	if (!out)
		return false;
	err = s6_tls13_seal(&tc->seal, type, p, len, out, room, &n);
	if (err != S6_OK) {
		srv_tls_front_fail(tc, s6_strerror(err));
		return false;
	}
	tc->wire.tail += n;
	tc->sealed++;
	return true;
}

/* The answer to a KeyUpdate that asks for one, under the current key and
 * before any later record; then the next key. False while it cannot go
 * out (no room, or the front failed). */
static bool answer_key_update(srv_tls_conn *tc)
{
	if (!tc->track.peer_update)
		return true;
	if (!seal_one(tc, S6_TLS13_HANDSHAKE, key_update, sizeof key_update))
		return false;
	if (s6_tls13_dir_update(&tc->seal) != S6_OK) {
		srv_tls_front_fail(tc, "KeyUpdate: out of memory");
		return false;
	}
	tc->track.peer_update = false;
	s6_log(S6_LOG_DEBUG, "tls %s: KeyUpdate answered", tc->peer_str);
	return true;
}

bool srv_tls_seal_write(srv_tls_conn *tc)
{
	bool moved = tc->track.peer_update;
	size_t total = 0;

	/* Nothing may follow our close_notify. */
	if (tc->notify_sent || !answer_key_update(tc))
		return false;
	/* Full records only: a short one for a nearly full wire buffer
	 * would cost another record's overhead and cipher call. Bounded:
	 * each round takes bytes from down or ends. */
	while (srv_buf_len(&tc->down) > 0) {
		size_t len = srv_buf_len(&tc->down);

		if (len > S6_TLS13_MAX_PLAIN)
			len = S6_TLS13_MAX_PLAIN;
		if (!seal_one(tc, S6_TLS13_APPDATA, srv_buf_peek(&tc->down), len))
			break;
		srv_buf_consume(&tc->down, len);
		total += len;
	}
	tc->to_client += total;
	return (moved || total > 0) && !tc->closed;
}

bool srv_tls_seal_close(srv_tls_conn *tc)
{
	return answer_key_update(tc) &&
	       seal_one(tc, S6_TLS13_ALERT, close_notify, sizeof close_notify);
}

void srv_tls_seal_end(srv_tls_conn *tc)
{
	if (tc->sealing)
		s6_log(S6_LOG_DEBUG, "tls %s: sealed %" PRIu64 " records, dropped %" PRIu64
		       " bytes OpenSSL wrote", tc->peer_str, tc->sealed, tc->dropped);
	s6_tls13_dir_free(&tc->seal);
	/* The traffic secrets the tracker learned go with the key. */
	OPENSSL_cleanse(&tc->track, sizeof tc->track);
	tc->sealing = false;
}
