/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS fronts (see srv_tls.h). One front per client:
 *
 *   PEEK       the first byte must start a TLS handshake: plaintext SOCKS
 *              and garbage are refused with one log line, before OpenSSL;
 *   EARLY      SSL_read_early_data: 0-RTT bytes go to the SOCKS6 handler
 *              at once, and its replies may go back as 0.5-RTT data;
 *   HANDSHAKE  the rest of the handshake (SSL_do_handshake);
 *   OPEN       plaintext both ways until both directions ended.
 *
 * PEEK to HANDSHAKE are bounded by --handshake-timeout; any failure there
 * is one INFO line "tls PEER handshake failed: WHY; closed". The SOCKS6
 * connection is made on the first plaintext byte (or at the end of the
 * handshake) and owns the other end of a socketpair; EOF there becomes a
 * close_notify and a FIN, a close_notify or FIN of the client becomes
 * shutdown(SHUT_WR) on the pair. Each direction has one bounded buffer,
 * and a side is read only while its buffer has room. A CONNECT comes back
 * to the front once its target is connected (srv_tls_direct.c): the pair
 * goes, and the same rules hold with the target in its place. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "s6_log.h"
#include "srv_socks6.h"
#include "srv_tls_int.h"
#include "srv_tls_util.h"

#define DRAIN_MAX (16 * 1024)     /* refused client input read before close */

#define FRONT_OF(ptr, member) \
	((srv_tls_conn *)(void *)((char *)(ptr) - offsetof(srv_tls_conn, member)))

/* ---- life cycle */

static void front_reap(srv_deferred *d)
{
	srv_tls_conn *tc = FRONT_OF(d, reap);

	SSL_free(tc->ssl);
	srv_buf_free(&tc->up);
	srv_buf_free(&tc->down);
	srv_buf_free(&tc->wire);
	free(tc);
}

void srv_tls_front_close(srv_tls_conn *tc)
{
	srv_tls *t = tc->t;
	srv_loop *l = t->srv->loop;

	if (tc->closed)
		return;
	/* What OpenSSL wrote last (an alert, a close_notify) gets one try;
	 * then its output goes nowhere: the wire BIO's method may be freed
	 * (srv_tls_free) before this SSL is. */
	if (srv_buf_len(&tc->wire) && tc->net.fd >= 0)
		(void)srv_buf_write(&tc->wire, tc->net.fd);
	if (tc->ssl)
		SSL_set0_wbio(tc->ssl, NULL);
	tc->closed = true;
	if (tc->counted)
		t->n_handshaking--;
	srv_tls_direct_close(tc);
	srv_tls_seal_end(tc);
	srv_timer_stop(l, &tc->deadline);
	srv_timer_stop(l, &tc->again);
	srv_watch_close(l, &tc->net);
	srv_watch_close(l, &tc->plain);
	if (tc->prev)
		tc->prev->next = tc->next;
	else
		t->fronts = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	srv_loop_defer(l, &tc->reap, front_reap);
}

/* Read what a refused client already sent, so that the close is a FIN and
 * not a reset that could destroy our alert in flight. */
static void drain_input(int fd)
{
	uint8_t tmp[4096];

	for (size_t total = 0; total < DRAIN_MAX; ) {
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

/* One line for a refused handshake (INFO); later failures are DEBUG, the
 * SOCKS6 line has told the story already. */
void srv_tls_front_fail(srv_tls_conn *tc, const char *why)
{
	if (tc->phase != SRV_TLS_OPEN) {
		s6_log(S6_LOG_INFO, "tls %s handshake failed: %s; closed", tc->peer_str, why);
		drain_input(tc->net.fd);
	} else
		s6_log(S6_LOG_DEBUG, "tls %s: closed: %s", tc->peer_str, why);
	srv_tls_front_close(tc);
}

void srv_tls_close_fronts(srv_tls *t)
{
	while (t->fronts)
		srv_tls_front_close(t->fronts);
}

/* ---- OpenSSL results */

/* Classify the result r of an SSL call; the reason of a failure goes to
 * tc->why. */
enum srv_tls_st srv_tls_ssl_status(srv_tls_conn *tc, int r)
{
	int err = SSL_get_error(tc->ssl, r);
	unsigned long e;

	switch (err) {
	case SSL_ERROR_WANT_READ: tc->want_in = true; return SRV_TLS_ST_AGAIN;
	case SSL_ERROR_WANT_WRITE: return SRV_TLS_ST_AGAIN; /* the wire buffer is full */
	case SSL_ERROR_ZERO_RETURN: return SRV_TLS_ST_EOF;
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || ERR_peek_error() == 0) {
			ERR_clear_error();
			if (errno == 0)
				return SRV_TLS_ST_EOF;
			snprintf(tc->why, sizeof tc->why, "%s", strerror(errno));
			return SRV_TLS_ST_FAIL;
		}
		/* fall through */
	default:
		e = ERR_peek_last_error();
		snprintf(tc->why, sizeof tc->why, "%s",
			 e && ERR_reason_error_string(e) ? ERR_reason_error_string(e)
			 : "TLS error");
		ERR_clear_error();
		return SRV_TLS_ST_FAIL;
	}
}

/* ---- handshake */

static bool peek_step(srv_tls_conn *tc)
{
	char buf[48];
	unsigned char b;
	const char *verdict;
	ssize_t n = recv(tc->net.fd, &b, 1, MSG_PEEK);

	if (n < 0 && srv_errno_transient(errno)) {
		tc->want_in = true;
		return false;
	}
	if (n <= 0) {
		srv_tls_front_fail(tc, n == 0 ? "closed by the client" : strerror(errno));
		return false;
	}
	verdict = srv_tls_first_byte_verdict(b, buf, sizeof buf);
	if (verdict) {
		srv_tls_front_fail(tc, verdict);
		return false;
	}
	tc->phase = SRV_TLS_EARLY;
	return true;
}

static void handshake_done(srv_tls_conn *tc)
{
	char line[320];
	srv_tls_hsinfo hi = {
		.resumed = SSL_session_reused(tc->ssl) == 1,
		.early = SSL_get_early_data_status(tc->ssl) == SSL_EARLY_DATA_ACCEPTED ?
			 tc->early : 0,
		.syn_data = tc->syn_data,
		.version = SSL_get_version(tc->ssl),
		.cipher = SSL_get_cipher_name(tc->ssl),
	};

	tc->phase = SRV_TLS_OPEN;
	srv_timer_stop(tc->t->srv->loop, &tc->deadline);
	srv_tls_format_line(line, sizeof line, tc->peer_str, &hi);
	s6_log(S6_LOG_INFO, "%s", line);
}

/* Early data, as long as the client sends it and the buffer has room. */
static bool early_step(srv_tls_conn *tc)
{
	uint8_t tmp[SRV_TLS_CHUNK];
	size_t room = srv_buf_room(&tc->up), n = 0;
	int r;

	if (room == 0)
		return false;
	errno = 0;
	r = SSL_read_early_data(tc->ssl, tmp, room < sizeof tmp ? room : sizeof tmp, &n);
	if (n > 0) {
		srv_buf_append(&tc->up, tmp, n);
		tc->early += n;
	}
	if (r == SSL_READ_EARLY_DATA_FINISH) {
		tc->phase = SRV_TLS_HANDSHAKE;
		return true;
	}
	if (r == SSL_READ_EARLY_DATA_SUCCESS)
		return n > 0;
	switch (srv_tls_ssl_status(tc, r)) {
	case SRV_TLS_ST_AGAIN: return n > 0;
	case SRV_TLS_ST_EOF: srv_tls_front_fail(tc, "closed by the client"); return false;
	default: srv_tls_front_fail(tc, tc->why); return false;
	}
}

static bool handshake_step(srv_tls_conn *tc)
{
	int r;

	errno = 0;
	r = SSL_do_handshake(tc->ssl);
	if (r == 1) {
		handshake_done(tc);
		return true;
	}
	switch (srv_tls_ssl_status(tc, r)) {
	case SRV_TLS_ST_AGAIN: return false;
	case SRV_TLS_ST_EOF: srv_tls_front_fail(tc, "closed by the client"); return false;
	default: srv_tls_front_fail(tc, tc->why); return false;
	}
}

static void on_net(srv_watch *w, uint32_t events)
{
	srv_tls_conn *tc = w->owner;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tc->net_rd_blocked = false;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		tc->net_wr_blocked = false;
	srv_tls_pump(tc);
}

static void on_plain(srv_watch *w, uint32_t events)
{
	srv_tls_conn *tc = w->owner;

	if (events & (EPOLLHUP | EPOLLERR))
		tc->plain_hup = true;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		tc->plain_rd_blocked = false;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		tc->plain_wr_blocked = false;
	srv_tls_pump(tc);
}

static void on_again(srv_timer *t)
{
	srv_tls_pump(t->owner);
}

static void on_deadline(srv_timer *t)
{
	srv_tls_conn *tc = t->owner;

	if (tc->phase != SRV_TLS_OPEN)
		srv_tls_front_fail(tc, "timeout (--handshake-timeout)");
}

bool srv_tls_handshake_step(srv_tls_conn *tc)
{
	switch (tc->phase) {
	case SRV_TLS_PEEK: return peek_step(tc);
	case SRV_TLS_EARLY: return early_step(tc);
	case SRV_TLS_HANDSHAKE: return handshake_step(tc);
	default: return false;
	}
}

/* ---- accept */

/* Did the SYN carry data (the ClientHello under TCP Fast Open)? */
static bool syn_had_data(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	       (ti.tcpi_options & TCPI_OPT_SYN_DATA);
}

static bool front_setup(srv_tls_conn *tc, int fd, const struct sockaddr *peer)
{
	socklen_t len = sizeof tc->local;
	int one = 1;

	s6_addr_unmap(peer, &tc->peer);
	s6_addr_format((struct sockaddr *)&tc->peer, tc->peer_str, sizeof tc->peer_str);
	if (getsockname(fd, (struct sockaddr *)&tc->local, &len) < 0)
		return false;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	tc->syn_data = syn_had_data(fd);
	if (!srv_buf_init(&tc->up, SRV_TLS_BUF_SIZE) ||
	    !srv_buf_init(&tc->down, SRV_TLS_DOWN_SIZE) ||
	    !srv_buf_init(&tc->wire, SRV_TLS_WIRE_SIZE))
		return false;
	tc->ssl = SSL_new(tc->t->ctx);
	if (!tc->ssl || !srv_tls_wire_attach(tc, fd))
		return false;
	/* Without a tracker the records simply stay with OpenSSL. */
	if (!s6_tls13_track_attach(tc->ssl, &tc->track, true))
		tc->seal_off = true;
	SSL_set_accept_state(tc->ssl);
	return true;
}

void srv_tls_accept_inner(srv_server *s, int fd, const struct sockaddr *peer,
			  const srv_proto *inner)
{
	srv_tls *t = s->tls;
	srv_tls_conn *tc;

	if (!t || s->nconns + t->n_handshaking >= s->cfg.max_clients) {
		s6_log(S6_LOG_ERROR, "tls: rejected a client: too many clients (max-clients %u)",
		       s->cfg.max_clients);
		close(fd);
		return;
	}
	tc = calloc(1, sizeof *tc);
	if (tc) {
		tc->t = t;
		tc->inner = inner;
	}
	if (!tc || !front_setup(tc, fd, peer)) {
		s6_log(S6_LOG_ERROR, "cannot take a new TLS connection: out of resources");
		ERR_clear_error();
		if (tc)
			front_reap(&tc->reap);
		close(fd);
		return;
	}
	srv_watch_init(&tc->net, on_net, tc);
	srv_watch_attach(&tc->net, fd);
	srv_watch_init(&tc->plain, on_plain, tc);
	srv_timer_init(&tc->deadline, on_deadline, tc);
	srv_timer_init(&tc->again, on_again, tc);
	srv_tls_direct_init(tc);
	tc->next = t->fronts;
	if (t->fronts)
		t->fronts->prev = tc;
	t->fronts = tc;
	tc->counted = true;
	t->n_handshaking++;
	if (s->cfg.handshake_ms)
		srv_timer_arm(s->loop, &tc->deadline, s->cfg.handshake_ms);
	srv_tls_pump(tc);
}

static void tls_accept(srv_server *s, int fd, const struct sockaddr *peer)
{
	srv_tls_accept_inner(s, fd, peer, &srv_socks6_proto);
}

const srv_proto srv_socks6_tls_proto = {
	.name = "socks6-tls",
	.accept = tls_accept,
};

