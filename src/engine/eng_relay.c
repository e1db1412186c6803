/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One connection from a shim: read and check the handoff header, open
 * TLS to the proxy, answer the status record, then relay with bounded
 * buffers on non-blocking sockets. One thread per connection: the TLS
 * handshake is the only long wait and it is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "eng.h"
#include "eng_cip.h"
#include "eng_rx.h"
#include "s6_handshake.h"

#define ENG_BUF 16384
/* Relay buffers: bulk transfers are bound by system calls and passes over
 * the data, so the proxy's direction gathers many TLS records (each at
 * most 16 KiB) before one send to the program. */
#define ENG_RELAY_UP (64 * 1024)
#define ENG_RELAY_DOWN (256 * 1024)

struct eng_in {
	uint8_t buf[S6_ENG_HDR_MAX + ENG_BUF];
	size_t len, used;                /* used: the header's bytes */
	s6_eng_hdr h;
};

/* The header is in, and so are the bytes it says may ride in 0-RTT: the
 * shim sends them with it in one write, so they are at most a moment
 * behind (a partial read would send the rest after the handshake). */
static bool eng_have_all(struct eng_in *in, s6_err *err)
{
	size_t need = 0, room;

	*err = in->len ? s6_eng_hdr_parse(in->buf, in->len, &in->h, &in->used, &need)
		       : S6_ERR_NEED_MORE;
	if (*err != S6_OK)
		return false;
	room = sizeof in->buf - in->used;
	return in->len - in->used >= (in->h.early_len < room ? in->h.early_len : room);
}

/* The header, within the handshake timeout; false (logged) otherwise. */
static bool eng_read_header(int cfd, struct eng_in *in)
{
	int64_t deadline = s6_now_ms() + ENG_HANDSHAKE_TIMEOUT_S * 1000;

	for (;;) {
		s6_err err;
		if (eng_have_all(in, &err))
			return true;
		if (err != S6_OK && err != S6_ERR_NEED_MORE) {
			eng_log("refused a connection: bad header (%s)", s6_strerror(err));
			return false;
		}
		struct pollfd p = {.fd = cfd, .events = POLLIN};
		int64_t left = deadline - s6_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			eng_log("refused a connection: no header within %d s", ENG_HANDSHAKE_TIMEOUT_S);
			return false;
		}
		ssize_t n = recv(cfd, in->buf + in->len, sizeof in->buf - in->len, MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			return false; /* the shim went away */
		if (n > 0)
			in->len += (size_t)n;
	}
}

static void eng_status(int cfd, uint8_t code, int err, const char *reason)
{
	s6_eng_status s = {.code = code, .err = (uint16_t)err};
	uint8_t buf[S6_ENG_STATUS_MAX];
	size_t len;

	snprintf(s.reason, sizeof s.reason, "%s", reason);
	if (s6_eng_status_encode(&s, buf, sizeof buf, &len) == S6_OK)
		(void)!send(cfd, buf, len, MSG_NOSIGNAL);
}

/* Plaintext that followed the header and was not taken as early data. */
static bool eng_write_rest(SSL *ssl, const uint8_t *p, size_t len)
{
	while (len > 0) {
		int n = SSL_write(ssl, p, (int)len);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void eng_serve_conn(int cfd, struct eng_in *in)
{
	char why[S6_ENG_REASON_MAX + 1];
	size_t extra, early, sent = 0;
	int pfd = -1, err = 0;
	SSL *ssl;

	if (!eng_read_header(cfd, in))
		return;
	if (!s6_eng_secret_equal(in->h.secret, eng_secret())) {
		eng_log("refused a connection: wrong secret (another user?)");
		eng_status(cfd, S6_ENG_FAILED, EACCES, "engine: wrong secret");
		return;
	}
	if (in->h.cip) { /* CONNECT-IP (eng_cip.h): its record follows the header */
		eng_cip_serve(cfd, &in->h, in->buf + in->used, in->len - in->used);
		return;
	}
	extra = in->len - in->used;
	early = in->h.early_len < extra ? in->h.early_len : extra;
	ssl = eng_tls_open(&in->h, in->buf + in->used, early, &sent, &pfd, &err, why, sizeof why);
	if (!ssl) {
		eng_status(cfd, S6_ENG_FAILED, err, why);
		return;
	}
	eng_status(cfd, S6_ENG_OK, 0, "");
	if (eng_write_rest(ssl, in->buf + in->used + sent, extra - sent))
		eng_relay(cfd, ssl, pfd);
	eng_tls_close(ssl, pfd);
}

static void *eng_conn_main(void *arg)
{
	int cfd = (int)(intptr_t)arg, one = 1;
	struct eng_in *in = calloc(1, sizeof *in);

	/* The status record and each relayed chunk leave at once: Nagle
	 * would hold a small reply behind the status until it is acked. */
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (in) {
		eng_serve_conn(cfd, in);
		explicit_bzero(in, sizeof *in);
		free(in);
	}
	close(cfd);
	eng_active_add(-1);
	return NULL;
}

void eng_conn_start(int fd)
{
	pthread_attr_t a;
	pthread_t t;

	eng_active_add(1);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&t, &a, eng_conn_main, (void *)(intptr_t)fd) != 0) {
		eng_log("cannot start a thread: refused a connection");
		close(fd);
		eng_active_add(-1);
	}
	pthread_attr_destroy(&a);
}

/* ---- relay */

struct eng_buf {
	uint8_t *b;
	size_t cap, off, len;
};

/* The *_blocked flags: a side found empty or full is not tried again until
 * poll says it is ready, so a bulk transfer makes no system call that must
 * fail (a recv from the idle program per chunk, an SSL_read after
 * WANT_READ), and polls only when nothing can move. */
struct eng_relay_st {
	int cfd, pfd;
	SSL *ssl;
	struct eng_buf up, down;         /* client -> proxy, proxy -> client */
	bool c_eof, p_eof, up_shut, down_shut;
	bool c_rd_blocked, c_wr_blocked;
	bool ssl_rd_wants, ssl_wr_wants; /* POLLIN / POLLOUT on pfd */
	struct eng_rx rx;                /* who decrypts the proxy's records */
	uint8_t up_b[ENG_RELAY_UP], down_b[ENG_RELAY_DOWN];
};

/* An SSL_read error that is only the stream's end without close_notify
 * (OpenSSL 3 reports it as an error of its own, older ones as a system
 * call error with nothing queued). */
static bool eng_ssl_eof(void)
{
	unsigned long e = ERR_peek_error();

	ERR_clear_error();
	return e == 0 || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* false: the connection is broken. */
static bool eng_ssl_result(struct eng_relay_st *r, int n, bool *progress)
{
	switch (SSL_get_error(r->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		r->ssl_rd_wants = true;
		return true;
	case SSL_ERROR_WANT_WRITE:
		r->ssl_wr_wants = true;
		return true;
	case SSL_ERROR_ZERO_RETURN:
		r->p_eof = *progress = true;
		return true;
	default:
		return false;
	}
}

static bool eng_up(struct eng_relay_st *r, bool *progress)
{
	if (!r->c_eof && r->up.len == 0 && !r->c_rd_blocked) {
		ssize_t n = recv(r->cfd, r->up.b, r->up.cap, MSG_DONTWAIT);
		if (n > 0) {
			r->up.off = 0;
			r->up.len = (size_t)n;
			*progress = true;
		} else if (n == 0) {
			r->c_eof = *progress = true;
		} else if (errno == EAGAIN) {
			r->c_rd_blocked = true;
		} else if (errno != EINTR) {
			return false;
		}
	}
	if (r->up.len && !r->ssl_wr_wants) {
		int n = SSL_write(r->ssl, r->up.b + r->up.off, (int)r->up.len);
		if (n <= 0)
			return eng_ssl_result(r, n, progress);
		r->up.off += (size_t)n;
		r->up.len -= (size_t)n;
		*progress = true;
	}
	if (r->c_eof && r->up.len == 0 && !r->up_shut) {
		/* close_notify, then the TCP FIN: the proxy sees the half-close. */
		SSL_shutdown(r->ssl);
		shutdown(r->pfd, SHUT_WR);
		r->up_shut = *progress = true;
	}
	return true;
}

/* The engine's own reading (eng_rx.h) into the free end of down. */
static bool eng_down_own(struct eng_relay_st *r, bool *progress)
{
	struct eng_buf *d = &r->down;
	struct eng_rx_res res = {0};
	size_t got = 0;
	bool ok = eng_rx_fill(&r->rx, r->ssl, r->pfd, d->b + d->off + d->len,
			      d->cap - d->off - d->len, &got, &res);

	d->len += got;
	*progress |= res.progress || got > 0;
	r->p_eof |= res.eof;
	r->ssl_rd_wants |= res.want_read;
	return ok;
}

/* Records while they come and there is room (OpenSSL may hold several
 * read ahead: WANT_READ, and only then a poll, says it holds none).
 * False: the connection is broken. */
static bool eng_down_fill(struct eng_relay_st *r, bool *progress)
{
	struct eng_buf *d = &r->down;

	if (d->len == 0)
		d->off = 0;
	while (!r->p_eof && !r->ssl_rd_wants && d->off + d->len < d->cap) {
		size_t room = d->cap - d->off - d->len, got = 0;
		int n;

		if (r->rx.mode == ENG_RX_ARMING) {
			n = eng_rx_take(&r->rx, r->ssl, r->pfd, d->b + d->off + d->len, room, &got);
			if (n < 0)
				return false;
			d->len += got;
			*progress |= n > 0;
		}
		if (r->rx.mode == ENG_RX_OWN)
			return eng_down_own(r, progress);
		n = SSL_read(r->ssl, d->b + d->off + d->len, (int)room);
		if (n <= 0) {
			/* A proxy that closes without close_notify ends it too;
			 * a bad record or a fatal alert breaks the connection. */
			if (!eng_ssl_result(r, n, progress)) {
				if (!eng_ssl_eof())
					return false;
				r->p_eof = *progress = true;
			}
			return true;
		}
		d->len += (size_t)n;
		*progress = true;
		eng_rx_count(&r->rx, r->ssl, (size_t)n);
	}
	return true;
}

static bool eng_down(struct eng_relay_st *r, bool *progress)
{
	if (!eng_down_fill(r, progress))
		return false;
	if (r->down.len && !r->c_wr_blocked) {
		ssize_t n = send(r->cfd, r->down.b + r->down.off, r->down.len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			r->down.off += (size_t)n;
			r->down.len -= (size_t)n;
			*progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		}
		/* Not all taken: the program's socket is full. */
		r->c_wr_blocked = r->down.len > 0;
	}
	if (r->p_eof && r->down.len == 0 && !r->down_shut) {
		shutdown(r->cfd, SHUT_WR);
		r->down_shut = *progress = true;
	}
	return true;
}

static bool eng_dead(const struct pollfd *p)
{
	return (p->revents & (POLLERR | POLLNVAL)) || ((p->revents & POLLHUP) && !p->events);
}

/* Nothing moved: wait for a blocked side. False when the relay must end. */
static bool eng_wait(struct eng_relay_st *r)
{
	struct pollfd p[2] = {
		{.fd = r->cfd, .events = (short)((!r->c_eof && !r->up.len ? POLLIN : 0) |
						 (r->down.len ? POLLOUT : 0))},
		{.fd = r->pfd, .events = (short)((r->ssl_rd_wants ? POLLIN : 0) |
						 (r->ssl_wr_wants ? POLLOUT : 0))},
	};

	if (poll(p, 2, -1) < 0)
		return errno == EINTR;
	/* An error, or a hangup nobody waits for, would wake us forever. */
	if (eng_dead(&p[0]) || eng_dead(&p[1]))
		return false;
	if (p[0].revents & (POLLIN | POLLHUP))
		r->c_rd_blocked = false;
	if (p[0].revents & (POLLOUT | POLLHUP))
		r->c_wr_blocked = false;
	if (p[1].revents & (POLLIN | POLLHUP))
		r->ssl_rd_wants = false;
	if (p[1].revents & (POLLOUT | POLLHUP))
		r->ssl_wr_wants = false;
	return true;
}

void eng_relay(int cfd, SSL *ssl, int pfd)
{
	struct eng_relay_st *r = calloc(1, sizeof *r);

	if (!r)
		return;
	r->cfd = cfd;
	r->pfd = pfd;
	r->ssl = ssl;
	r->up = (struct eng_buf){.b = r->up_b, .cap = sizeof r->up_b};
	r->down = (struct eng_buf){.b = r->down_b, .cap = sizeof r->down_b};
	eng_rx_init(&r->rx);
	fcntl(pfd, F_SETFL, fcntl(pfd, F_GETFL) | O_NONBLOCK);
	while (!(r->up_shut && r->down_shut)) {
		bool progress = false;
		if (!eng_up(r, &progress) || !eng_down(r, &progress))
			break;
		if (!progress && !eng_wait(r))
			break;
	}
	/* Broken, not ended (a bad record, a fatal alert, an error): the
	 * program must not take what it got for the whole stream, so its
	 * connection is reset rather than closed. */
	if (!(r->up_shut && r->down_shut)) {
		struct linger rst = {.l_onoff = 1, .l_linger = 0};
		setsockopt(cfd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
	}
	eng_rx_free(&r->rx);
	free(r);
}
