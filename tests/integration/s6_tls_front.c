/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * s6_tls_front: a TLS 1.3 front for a plain socks6ify-server --socks6, for
 * t_engine_tls_rx.sh. It accepts TLS from the engine, connects plain TCP
 * to the server and relays both ways; at given counts of bytes sent to the
 * client it does what a proxy may do in the middle of a bulk transfer, so
 * the engine's own record reading (src/engine/eng_rx.c) meets it:
 *
 *   s6_tls_front --cert FILE --key FILE --upstream ADDR:PORT [OPTION]...
 *     --listen ADDR:PORT       where to listen (default 127.0.0.1:0)
 *     --suite NAME             the one TLS 1.3 cipher suite to accept
 *     --key-update-at B[,B..]  SSL_key_update(SSL_KEY_UPDATE_REQUESTED)
 *     --ticket-at B            a NewSessionTicket mid-stream
 *     --corrupt-at B           a forged record (raw bytes on the TCP
 *                              stream), then nothing more to the client
 *     --corrupt-kind tag|header  forged: a record that fails its tag
 *                              (default) or one with a bad header
 *     --pause-at B             stop sending for half a second, so the
 *                              client has read all before what follows
 *     --alert-at B             a fatal alert (handshake_failure), then
 *                              nothing more to the client; OpenSSL sends
 *                              none on request, so it is sealed here with
 *                              s6_tls13_rec under the secret from the key
 *                              log and the count of records written
 *     --timeout S              exit after S seconds (default 120); each
 *                              connection is bounded by it too
 *
 * Prints "listening PORT" when ready, then per connection (a child
 * process each) lines "conn N: ...": the suite, every KeyUpdate and
 * NewSessionTicket sent or read with the byte counts at that moment
 * ("read KeyUpdate(requested=R) sent=S"), the forged record or alert,
 * and how the connection ended ("end sent=S rcvd=R client=...").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "s6_tls13_rec.h"
#include "s6_tls13_track.h"
#include "s6_tls_front.h"

#define FR_BUF (64 * 1024)
#define FR_MAX_CHILDREN 16
#define FR_IDLE_MS 20000
#define FR_HS_TIMEOUT_S 10
#define FR_PAUSE_MS 500
#define HS_NEW_SESSION_TICKET 4
#define HS_KEY_UPDATE 24
#define ALERT_FATAL 2
#define ALERT_HANDSHAKE_FAILURE 40

struct fr_conn {
	const struct fr_opts *o;
	unsigned id;
	SSL *ssl;
	int cfd, ufd;
	uint8_t down[FR_BUF], up[FR_BUF]; /* server -> client, client -> server */
	size_t d_off, d_len, u_off, u_len;
	uint64_t sent, rcvd;              /* application bytes to / from the client */
	size_t next_ku;
	bool ticket_done, paused;
	bool corrupted;                   /* forged record or alert sent: no more */
	s6_tls13_track track;             /* our write secret, for --alert-at */
	bool c_eof, u_eof, notify_sent, up_shut;
	short rd_wait, wr_wait;           /* SSL_read / SSL_write wait for these */
	bool u_in, u_out;                 /* the server's socket: empty / full */
	const char *client_end;
};

static void fr_log(const struct fr_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fr_log(const struct fr_conn *c, const char *fmt, ...)
{
	va_list ap;

	printf("conn %u: ", c->id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void fr_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		      SSL *ssl, void *arg)
{
	struct fr_conn *c = arg;
	const uint8_t *b = buf;

	(void)version;
	(void)ssl;
	if (!c)
		return;
	s6_tls13_track_msg(&c->track, write_p, content_type, buf, len);
	if (content_type != SSL3_RT_HANDSHAKE || len < 1)
		return;
	if (b[0] == HS_KEY_UPDATE)
		fr_log(c, "%s KeyUpdate(requested=%d) sent=%" PRIu64 " rcvd=%" PRIu64,
		       write_p ? "wrote" : "read", len >= 5 ? b[4] : -1, c->sent, c->rcvd);
	else if (b[0] == HS_NEW_SESSION_TICKET && write_p)
		fr_log(c, "wrote NewSessionTicket sent=%" PRIu64, c->sent);
}

static bool fr_send_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		} else if (poll(&pf, 1, FR_IDLE_MS) <= 0) {
			return false;
		}
	}
	return true;
}

/* ---- the sealed alert */

/* --alert-at: the key and record count come from the tracker (none after
 * a KeyUpdate, when the count is unknown). */
static void fr_alert(struct fr_conn *c)
{
	static const uint8_t alert[2] = {ALERT_FATAL, ALERT_HANDSHAKE_FAILURE};
	uint8_t rec[sizeof alert + S6_TLS13_OVERHEAD];
	uint64_t seq = c->track.seq[S6_TLS13_WRITE];
	s6_tls13_dir d;
	size_t len = 0;
	bool ok = s6_tls13_track_take(c->ssl, &c->track, S6_TLS13_WRITE, &d) == S6_OK;

	if (ok) {
		ok = s6_tls13_seal(&d, S6_TLS13_ALERT, alert, sizeof alert, rec, sizeof rec,
				   &len) == S6_OK && fr_send_all(c->cfd, rec, len);
		s6_tls13_dir_free(&d);
	}
	c->corrupted = true;
	fr_log(c, "alert %d sent=%" PRIu64 " record=%" PRIu64 ": %s", ALERT_HANDSHAKE_FAILURE,
	       c->sent, seq, ok ? "written" : "failed");
}

/* ---- the forged record */

/* A record the client cannot open: application_data with a body of
 * random bytes (its tag fails), or a header of an unknown content type.
 * SSL_write returned, so OpenSSL's records before it are all sent. */
static void fr_corrupt(struct fr_conn *c)
{
	uint8_t rec[5 + 256];
	size_t body = c->o->corrupt_header ? 32 : 256;

	rec[0] = c->o->corrupt_header ? 0x63 : 23;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)(body >> 8);
	rec[4] = (uint8_t)body;
	if (RAND_bytes(rec + 5, (int)body) != 1)
		memset(rec + 5, 0x5a, body);
	c->corrupted = true;
	fr_log(c, "forged a %s record sent=%" PRIu64 ": %s",
	       c->o->corrupt_header ? "bad-header" : "bad-tag", c->sent,
	       fr_send_all(c->cfd, rec, 5 + body) ? "written" : "write failed");
}

/* ---- events at byte counts */

static uint64_t fr_next_event(const struct fr_conn *c)
{
	uint64_t next = FR_NONE;

	if (c->next_ku < c->o->n_ku)
		next = c->o->ku_at[c->next_ku];
	if (!c->ticket_done && c->o->ticket_at < next)
		next = c->o->ticket_at;
	if (!c->corrupted && c->o->corrupt_at < next)
		next = c->o->corrupt_at;
	if (!c->paused && c->o->pause_at < next)
		next = c->o->pause_at;
	if (!c->corrupted && c->o->alert_at < next)
		next = c->o->alert_at;
	return next;
}

/* What is due once c->sent bytes went to the client. The KeyUpdate and
 * the ticket leave with the next SSL_write (the callback logs them). */
static void fr_events(struct fr_conn *c)
{
	if (!c->paused && c->o->pause_at <= c->sent) {
		c->paused = true;
		poll(NULL, 0, FR_PAUSE_MS);
		fr_log(c, "paused sent=%" PRIu64, c->sent);
	}
	while (c->next_ku < c->o->n_ku && c->o->ku_at[c->next_ku] <= c->sent) {
		c->next_ku++;
		if (SSL_key_update(c->ssl, SSL_KEY_UPDATE_REQUESTED) != 1)
			fr_log(c, "SSL_key_update failed sent=%" PRIu64, c->sent);
	}
	if (!c->ticket_done && c->o->ticket_at <= c->sent) {
		c->ticket_done = true;
		if (SSL_new_session_ticket(c->ssl) != 1)
			fr_log(c, "SSL_new_session_ticket failed");
	}
	if (!c->corrupted && c->o->corrupt_at <= c->sent)
		fr_corrupt(c);
	if (!c->corrupted && c->o->alert_at <= c->sent)
		fr_alert(c);
}

/* ---- relaying */

/* WANT_READ / WANT_WRITE become a wait on the client socket; else false. */
static bool fr_ssl_blocked(const struct fr_conn *c, int ret, short *wait)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*wait = POLLIN;
		return true;
	case SSL_ERROR_WANT_WRITE:
		*wait = POLLOUT;
		return true;
	default:
		return false;
	}
}

/* Server -> client. False: the connection is over for good. */
static bool fr_down(struct fr_conn *c, bool *progress)
{
	if (c->d_len == 0 && !c->u_eof && !c->corrupted && !c->u_in) {
		ssize_t n = recv(c->ufd, c->down, sizeof c->down, MSG_DONTWAIT);

		if (n > 0) {
			c->d_off = 0;
			c->d_len = (size_t)n;
			*progress = true;
		} else if (n < 0 && errno == EAGAIN) {
			c->u_in = true;
		} else if (n == 0 || errno != EINTR) {
			c->u_eof = *progress = true;
		}
	}
	if (c->d_len > 0 && !c->corrupted && !c->wr_wait) {
		uint64_t next = fr_next_event(c);
		size_t len = c->d_len, n = 0;

		if (next > c->sent && next - c->sent < len)
			len = (size_t)(next - c->sent);
		if (SSL_write_ex(c->ssl, c->down + c->d_off, len, &n) != 1)
			return fr_ssl_blocked(c, 0, &c->wr_wait);
		c->sent += n;
		c->d_off += n;
		c->d_len -= n;
		*progress = true;
		fr_events(c);
	}
	if (c->u_eof && c->d_len == 0 && !c->notify_sent && !c->corrupted) {
		SSL_shutdown(c->ssl);
		c->notify_sent = *progress = true;
	}
	return true;
}

/* Client -> server. */
static void fr_up(struct fr_conn *c, bool *progress)
{
	if (c->u_len == 0 && !c->c_eof && !c->rd_wait) {
		size_t n = 0;
		int ret = SSL_read_ex(c->ssl, c->up, sizeof c->up, &n);

		if (ret == 1) {
			c->u_off = 0;
			c->u_len = n;
			c->rcvd += n;
			*progress = true;
		} else if (!fr_ssl_blocked(c, ret, &c->rd_wait)) {
			c->c_eof = *progress = true;
			c->client_end = SSL_get_error(c->ssl, ret) == SSL_ERROR_ZERO_RETURN ?
					"close_notify" : "closed without close_notify";
			ERR_clear_error();
		}
	}
	if (c->u_len > 0 && !c->u_out) {
		ssize_t n = send(c->ufd, c->up + c->u_off, c->u_len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			c->u_off += (size_t)n;
			c->u_len -= (size_t)n;
			*progress = true;
		} else if (n < 0 && errno == EAGAIN) {
			c->u_out = true;
		} else {
			c->u_len = 0; /* the server is gone: drop it */
		}
	}
	if (c->c_eof && c->u_len == 0 && !c->up_shut) {
		shutdown(c->ufd, SHUT_WR);
		c->up_shut = *progress = true;
	}
}

/* Nothing moved: wait for what is blocked. False: idle too long. */
static bool fr_wait(struct fr_conn *c)
{
	struct pollfd p[2] = {
		{.fd = c->cfd, .events = (short)(c->rd_wait | c->wr_wait)},
		{.fd = c->ufd, .events = (short)((c->u_in ? POLLIN : 0) | (c->u_out ? POLLOUT : 0))},
	};
	int n = poll(p, 2, FR_IDLE_MS);

	if (n <= 0)
		return n < 0 && errno == EINTR;
	if (p[0].revents)
		c->rd_wait = c->wr_wait = 0;
	if (p[1].revents)
		c->u_in = c->u_out = false;
	return true;
}

static void fr_relay(struct fr_conn *c)
{
	for (;;) {
		bool progress = false;

		if (!fr_down(c, &progress)) {
			fr_log(c, "TLS write failed");
			break;
		}
		fr_up(c, &progress);
		if (c->up_shut && (c->corrupted || (c->u_eof && c->notify_sent)))
			break;
		if (!progress && !fr_wait(c)) {
			fr_log(c, "idle for %d ms: giving up", FR_IDLE_MS);
			break;
		}
	}
	fr_log(c, "end sent=%" PRIu64 " rcvd=%" PRIu64 " client=%s", c->sent, c->rcvd,
	       c->client_end ? c->client_end : "open");
}

/* ---- one connection, in a child */

static int fr_upstream(const struct fr_opts *o)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || !fr_addr(o->upstream, &sa) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The handshake, blocking but bounded, then everything non-blocking. */
static bool fr_accept(struct fr_conn *c, SSL_CTX *ctx)
{
	struct timeval tmo = {.tv_sec = FR_HS_TIMEOUT_S};

	setsockopt(c->cfd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo);
	setsockopt(c->cfd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof tmo);
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->cfd) != 1)
		return false;
	if (!s6_tls13_track_attach(c->ssl, &c->track, true))
		return false;
	/* Ours replaces the tracker's and feeds it (fr_msg_cb). */
	SSL_set_msg_callback(c->ssl, fr_msg_cb);
	SSL_set_msg_callback_arg(c->ssl, c);
	SSL_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_accept(c->ssl) != 1) {
		fr_log(c, "TLS handshake failed");
		ERR_print_errors_fp(stderr);
		return false;
	}
	fr_log(c, "%s %s%s", SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl),
	       SSL_session_reused(c->ssl) ? " resumed" : "");
	fcntl(c->cfd, F_SETFL, fcntl(c->cfd, F_GETFL) | O_NONBLOCK);
	fcntl(c->ufd, F_SETFL, fcntl(c->ufd, F_GETFL) | O_NONBLOCK);
	return true;
}

static int fr_child(const struct fr_opts *o, SSL_CTX *ctx, int cfd, unsigned id)
{
	struct fr_conn *c = calloc(1, sizeof *c);
	int rc = 1;

	alarm(o->timeout_s);
	if (!c)
		return 1;
	c->o = o;
	c->id = id;
	c->cfd = cfd;
	c->ufd = fr_upstream(o);
	if (c->ufd < 0)
		fr_log(c, "cannot connect to %s: %s", o->upstream, strerror(errno));
	else if (fr_accept(c, ctx)) {
		fr_relay(c);
		rc = 0;
	}
	SSL_free(c->ssl);
	if (c->ufd >= 0)
		close(c->ufd);
	close(cfd);
	free(c);
	return rc;
}

/* ---- set-up and the accept loop */

static SSL_CTX *fr_ctx(const struct fr_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    (o->suite && SSL_CTX_set_ciphersuites(ctx, o->suite) != 1) ||
	    SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (!s6_tls13_track_ctx(ctx)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int fr_listen(const char *addr)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || !fr_addr(addr, &sa) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		fprintf(stderr, "s6_tls_front: %s: %s\n", addr, strerror(errno));
		return -1;
	}
	printf("listening %u\n", ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

static void fr_reap(unsigned *children)
{
	while (*children > 0 && waitpid(-1, NULL, WNOHANG) > 0)
		(*children)--;
}

/* One child per connection, until the deadline. */
static int fr_serve(const struct fr_opts *o, SSL_CTX *ctx, int lfd)
{
	time_t end = time(NULL) + (time_t)o->timeout_s;
	unsigned id = 0, children = 0;

	while (time(NULL) < end) {
		struct pollfd pf = {.fd = lfd, .events = POLLIN};
		int cfd;
		pid_t pid;

		fr_reap(&children);
		if (children >= FR_MAX_CHILDREN) {
			poll(NULL, 0, 100);
			continue;
		}
		if (poll(&pf, 1, 500) <= 0)
			continue;
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		id++;
		pid = fork();
		if (pid == 0) {
			close(lfd);
			_exit(fr_child(o, ctx, cfd, id));
		}
		children += pid > 0;
		close(cfd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fr_opts o;
	SSL_CTX *ctx;
	int lfd;

	if (!fr_parse_args(argc, argv, &o))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	ctx = fr_ctx(&o);
	lfd = ctx ? fr_listen(o.listen) : -1;
	if (lfd < 0)
		return 2;
	alarm(o.timeout_s + 5);
	return fr_serve(&o, ctx, lfd);
}
