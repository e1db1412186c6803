/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TLS front's data path (see srv_tls_conn.c for its phases): plaintext
 * between SSL_read/SSL_write and the SOCKS6 connection's socketpair, or
 * once a CONNECT was handed over (srv_tls_direct.c) its target, one
 * bounded buffer per direction, half-closes passed on both ways. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "s6_log.h"
#include "srv_socks6.h"
#include "srv_tls_int.h"

#define PUMP_ROUNDS 16            /* then yield to the other clients */

/* ---- the SOCKS6 side */

/* The SOCKS6 connection on a socketpair, with the client's addresses (its
 * log lines, BIND and UDP ASSOCIATE use them). */
static bool open_inner(srv_tls_conn *tc)
{
	srv_conn *c;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		srv_tls_front_fail(tc, strerror(errno));
		return false;
	}
	c = srv_conn_new_via(tc->t->srv, sv[1], (struct sockaddr *)&tc->peer,
			     (struct sockaddr *)&tc->local, tc->inner);
	if (!c) {
		close(sv[0]);
		srv_tls_front_fail(tc, "out of resources");
		return false;
	}
	/* A CONNECT's relay may come back to the front (srv_tls_direct.c). */
	srv_conn_set_front(c, &tc->link);
	srv_watch_attach(&tc->plain, sv[0]);
	tc->has_inner = true;
	if (tc->counted)
		tc->t->n_handshaking--;
	tc->counted = false;
	return true;
}

static bool plain_write(srv_tls_conn *tc)
{
	ssize_t n;

	if (!tc->has_inner && (srv_buf_len(&tc->up) > 0 || tc->phase == SRV_TLS_OPEN) &&
	    !open_inner(tc))
		return false;
	if (!tc->has_inner || srv_buf_len(&tc->up) == 0 || tc->plain_wr_blocked)
		return false;
	n = srv_buf_write(&tc->up, tc->plain.fd);
	tc->plain_wr_blocked = srv_buf_len(&tc->up) > 0;
	if (n > 0) {
		tc->to_target += (uint64_t)n;
		return true;
	}
	if (n < 0 && !srv_errno_transient(errno))
		srv_tls_plain_failed(tc, errno);
	return false;
}

static bool plain_read(srv_tls_conn *tc)
{
	ssize_t n;

	if (!tc->has_inner || tc->plain_eof || srv_buf_room(&tc->down) == 0 ||
	    tc->plain_rd_blocked)
		return false;
	n = srv_buf_read(&tc->down, tc->plain.fd);
	if (n >= 0) {
		tc->plain_eof = n == 0;
		return true;
	}
	if (!srv_errno_transient(errno))
		srv_tls_plain_failed(tc, errno);
	else
		tc->plain_rd_blocked = true;
	return false;
}

/* ---- the client side */

static bool net_read(srv_tls_conn *tc)
{
	uint8_t tmp[SRV_TLS_CHUNK];
	size_t room = srv_buf_room(&tc->up), n = 0;
	int r;

	if (tc->net_eof || room == 0 || tc->net_rd_blocked)
		return false;
	errno = 0;
	r = SSL_read_ex(tc->ssl, tmp, room < sizeof tmp ? room : sizeof tmp, &n);
	if (r == 1) {
		srv_buf_append(&tc->up, tmp, n);
		return true;
	}
	switch (srv_tls_ssl_status(tc, r)) {
	case SRV_TLS_ST_AGAIN:
		tc->net_rd_blocked = SSL_get_error(tc->ssl, r) == SSL_ERROR_WANT_READ;
		return false;
	case SRV_TLS_ST_EOF: tc->net_eof = true; return true;
	default: srv_tls_front_fail(tc, tc->why); return false;
	}
}

/* After the handshake, or as 0.5-RTT data while 0-RTT data is accepted (a
 * reply that waited for the client's Finished would cost a round trip). */
static bool net_write(srv_tls_conn *tc)
{
	size_t n = 0;
	int r;

	/* A direct CONNECT's records are sealed without OpenSSL's copies
	 * once that can be done (srv_tls_seal.c). */
	srv_tls_seal_try(tc);
	if (tc->sealing)
		return srv_tls_seal_write(tc);
	if (srv_buf_len(&tc->down) == 0)
		return false;
	errno = 0;
	if (tc->phase == SRV_TLS_OPEN) {
		r = SSL_write_ex(tc->ssl, srv_buf_peek(&tc->down), srv_buf_len(&tc->down), &n);
	} else if (tc->phase == SRV_TLS_EARLY && tc->early > 0 && !tc->no_half_rtt) {
		r = SSL_write_early_data(tc->ssl, srv_buf_peek(&tc->down),
					 srv_buf_len(&tc->down), &n);
		tc->half_rtt_blocked = r != 1 && SSL_get_error(tc->ssl, r) == SSL_ERROR_WANT_WRITE;
		if (r != 1 && SSL_get_error(tc->ssl, r) == SSL_ERROR_SSL) {
			ERR_clear_error();
			tc->no_half_rtt = true;  /* wait for the handshake */
			return false;
		}
	} else {
		return false;
	}
	if (r == 1) {
		srv_buf_consume(&tc->down, n);
		tc->to_client += n;
		if (tc->phase != SRV_TLS_OPEN)
			tc->half_rtt += n;
		return true;
	}
	switch (srv_tls_ssl_status(tc, r)) {
	case SRV_TLS_ST_AGAIN: return false;
	case SRV_TLS_ST_EOF: srv_tls_front_fail(tc, "closed by the client"); return false;
	default: srv_tls_front_fail(tc, tc->why); return false;
	}
}

/* The close_notify: false while it cannot be written yet. Sealed by the
 * front when it seals (OpenSSL's sequence number is stale then). */
static bool send_notify(srv_tls_conn *tc)
{
	int r;

	if (tc->sealing)
		return srv_tls_seal_close(tc);
	errno = 0;
	r = SSL_shutdown(tc->ssl);
	if (r < 0 && srv_tls_ssl_status(tc, r) == SRV_TLS_ST_AGAIN)
		return false;
	/* Written, or the client is gone: either way no more to say. */
	ERR_clear_error();
	return true;
}

/* Half-closes in both directions, once the buffers are flushed. */
static bool ends(srv_tls_conn *tc)
{
	bool moved = false;

	if (tc->net_eof && tc->has_inner && srv_buf_len(&tc->up) == 0 && !tc->plain_shut) {
		shutdown(tc->plain.fd, SHUT_WR);
		tc->plain_shut = moved = true;
	}
	if (tc->plain_eof && tc->phase == SRV_TLS_OPEN && srv_buf_len(&tc->down) == 0 &&
	    !tc->notify_sent) {
		if (!send_notify(tc) || tc->closed)
			return moved;
		tc->notify_sent = moved = true;
	}
	/* The FIN follows the last record and the close_notify out. */
	if (tc->notify_sent && !tc->net_shut && srv_buf_len(&tc->wire) == 0) {
		shutdown(tc->net.fd, SHUT_WR);
		tc->net_shut = moved = true;
	}
	return moved;
}

/* ---- the pump */

static bool step(srv_tls_conn *tc)
{
	bool moved = false;

	/* Nothing else happens before the first byte passed the peek. */
	if (tc->phase == SRV_TLS_PEEK)
		return srv_tls_handshake_step(tc);
	/* Room in the wire buffer first: OpenSSL may be waiting for it. */
	moved = srv_tls_flush(tc);
	if (tc->closed)
		return false;
	/* A 0.5-RTT record half sent must leave before the client's end of
	 * early data is read: the handshake would then write its tickets
	 * behind it, which OpenSSL refuses ("bad length"). */
	if (tc->half_rtt_blocked && tc->phase == SRV_TLS_EARLY) {
		net_write(tc);
		if (tc->half_rtt_blocked || tc->closed)
			return false;
	}
	moved |= tc->phase == SRV_TLS_OPEN ? net_read(tc) : srv_tls_handshake_step(tc);
	if (!tc->closed)
		moved |= plain_write(tc);
	if (!tc->closed)
		moved |= plain_read(tc);
	/* SSL_write returns after each record (partial writes): all the
	 * records the buffer holds go into the wire buffer, then one send.
	 * Bounded: each call takes bytes from down or fails. */
	while (!tc->closed && net_write(tc))
		moved = true;
	if (!tc->closed)
		moved |= srv_tls_flush(tc);
	if (!tc->closed)
		moved |= ends(tc);
	return moved && !tc->closed;
}

static void update_interest(srv_tls_conn *tc)
{
	srv_loop *l = tc->t->srv->loop;
	/* OpenSSL never waits for the socket to take bytes (its output goes
	 * to the wire buffer): we do, while that buffer holds some. */
	uint32_t net = (tc->want_in ? EPOLLIN : 0) | (srv_buf_len(&tc->wire) ? EPOLLOUT : 0);
	uint32_t plain = 0;

	if (tc->net_rd_blocked && !tc->net_eof && srv_buf_room(&tc->up) > 0)
		net |= EPOLLIN;
	if (srv_buf_len(&tc->up) > 0)
		plain |= EPOLLOUT;
	if (!tc->plain_eof && srv_buf_room(&tc->down) > 0)
		plain |= EPOLLIN;
	/* After its EOF, only the full close of the SOCKS6 side matters
	 * (EPOLLHUP): an edge, as EOF stays readable. */
	if (!plain && tc->has_inner && !tc->plain_hup)
		plain = EPOLLRDHUP | EPOLLET;
	if (!srv_watch_set(l, &tc->net, net) ||
	    (tc->has_inner && !srv_watch_set(l, &tc->plain, plain)))
		srv_tls_front_fail(tc, strerror(errno));
}

void srv_tls_pump(srv_tls_conn *tc)
{
	int round;

	tc->want_in = false;
	for (round = 0; round < PUMP_ROUNDS; round++)
		if (!step(tc))
			break;
	if (tc->closed)
		return;
	if (tc->direct && round > 0)
		srv_tls_direct_touch(tc);
	if (round == PUMP_ROUNDS)
		srv_timer_arm(tc->t->srv->loop, &tc->again, 0);
	/* Done when both directions ended, or the SOCKS6 side is gone and
	 * the client has been told. */
	if (tc->net_shut && (tc->plain_shut || tc->plain_hup)) {
		s6_log(S6_LOG_DEBUG, "tls %s: closed (%zu bytes as 0.5-RTT data)",
		       tc->peer_str, tc->half_rtt);
		srv_tls_front_close(tc);
		return;
	}
	update_interest(tc);
}

