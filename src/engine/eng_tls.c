/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS 1.3 client of the engine (OpenSSL): TLS 1.3 only, verification on
 * by default (system store or ca-file; SNI and the name or IP checked by
 * X509_VERIFY_PARAM), pin-sha256 of the SubjectPublicKeyInfo as an extra
 * check (or the only one with verification off), and one context per
 * proxy with its last session ticket, so a connection of any program
 * resumes and, when the shim allows it, sends 0-RTT early data. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "eng.h"
#include "s6_tls13_track.h"

#define ENG_CTX_MAX 16
#define ENG_READ_AHEAD (64 * 1024)

struct eng_ctx {
	SSL_CTX *ctx;                 /* NULL: free slot */
	char host[S6_ENG_HOST_MAX + 1], ca_file[S6_ENG_PATH_MAX + 1];
	uint16_t port;
	bool verify;
	SSL_SESSION *sess;            /* the latest ticket */
	unsigned long used;           /* for least recently used */
};

static struct eng_ctx eng_ctxs[ENG_CTX_MAX];
static unsigned long eng_ctx_clock;
static pthread_mutex_t eng_ctx_lock = PTHREAD_MUTEX_INITIALIZER;

bool eng_tls_init(void)
{
	return OPENSSL_init_ssl(0, NULL) == 1;
}

/* A new ticket (TLS 1.3 sends them after the handshake): keep it for the
 * next connection to the same proxy, whichever program makes it. */
static int eng_new_session(SSL *ssl, SSL_SESSION *sess)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	/* A copy: the SSL keeps sess as its own session, and a fatal alert on
	 * that connection (a reset, an EOF without close_notify) would mark
	 * it not resumable for every later connection. */
	SSL_SESSION *copy = SSL_SESSION_dup(sess);

	pthread_mutex_lock(&eng_ctx_lock);
	for (int i = 0; i < ENG_CTX_MAX && copy; i++) {
		if (eng_ctxs[i].ctx != ctx)
			continue;
		SSL_SESSION_free(eng_ctxs[i].sess);
		eng_ctxs[i].sess = copy;
		copy = NULL;
	}
	pthread_mutex_unlock(&eng_ctx_lock);
	SSL_SESSION_free(copy);
	return 0; /* OpenSSL's reference stays OpenSSL's */
}

static SSL_CTX *eng_ctx_new(const s6_eng_hdr *h, char *why, size_t whylen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION)) {
		snprintf(why, whylen, "tls: cannot make a context");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, h->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (h->verify && h->ca_file[0] && !SSL_CTX_load_verify_locations(ctx, h->ca_file, NULL)) {
		snprintf(why, whylen, "tls: cannot load ca-file %.200s", h->ca_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (h->verify && !h->ca_file[0])
		SSL_CTX_set_default_verify_paths(ctx);
	/* AES-128-GCM first (the proxy follows the client's order unless told
	 * otherwise): as safe for this use, and the cheapest per byte on the
	 * engine's and the proxy's CPU. */
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
				 "TLS_CHACHA20_POLY1305_SHA256");
	/* Several records per recv (the relay reads until WANT_READ). */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, ENG_READ_AHEAD);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, eng_new_session);
	/* The relay may read the proxy's records itself later (eng_rx.h). */
	if (!s6_tls13_track_ctx(ctx)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static bool eng_ctx_match(const struct eng_ctx *e, const s6_eng_hdr *h)
{
	return e->ctx && e->port == h->port && e->verify == h->verify &&
	       strcmp(e->host, h->host) == 0 && strcmp(e->ca_file, h->ca_file) == 0;
}

/* Its tracker (s6_tls13_track.h) lives as long as ssl: eng_tls_close. */
static bool eng_ssl_track(SSL *ssl)
{
	s6_tls13_track *t = malloc(sizeof *t);

	if (t && s6_tls13_track_attach(ssl, t, false))
		return true;
	free(t);
	return false;
}

static void eng_ssl_free(SSL *ssl)
{
	s6_tls13_track *t = ssl ? s6_tls13_track_of(ssl) : NULL;

	SSL_free(ssl);
	if (t) {
		OPENSSL_cleanse(t, sizeof *t);
		free(t);
	}
}

/* The SSL for h, with the proxy's last session when there is one. */
static SSL *eng_ssl_new(const s6_eng_hdr *h, char *why, size_t whylen)
{
	struct eng_ctx *e = NULL, *old = &eng_ctxs[0];
	SSL *ssl = NULL;

	pthread_mutex_lock(&eng_ctx_lock);
	for (int i = 0; i < ENG_CTX_MAX && !e; i++) {
		if (eng_ctx_match(&eng_ctxs[i], h))
			e = &eng_ctxs[i];
		else if (eng_ctxs[i].used < old->used)
			old = &eng_ctxs[i];
	}
	if (!e) {
		SSL_CTX *ctx = eng_ctx_new(h, why, whylen);
		if (!ctx)
			goto out;
		/* An SSL holds its own reference: freeing the slot's is safe. */
		SSL_CTX_free(old->ctx);
		SSL_SESSION_free(old->sess);
		e = old;
		*e = (struct eng_ctx){.ctx = ctx, .port = h->port, .verify = h->verify};
		snprintf(e->host, sizeof e->host, "%s", h->host);
		snprintf(e->ca_file, sizeof e->ca_file, "%s", h->ca_file);
	}
	e->used = ++eng_ctx_clock;
	ssl = SSL_new(e->ctx);
	if (ssl && !eng_ssl_track(ssl)) {
		SSL_free(ssl);
		ssl = NULL;
	}
	if (ssl && e->sess && SSL_SESSION_is_resumable(e->sess)) {
		/* Each connection resumes from its own copy (see eng_new_session). */
		SSL_SESSION *copy = SSL_SESSION_dup(e->sess);
		if (copy)
			SSL_set_session(ssl, copy);
		SSL_SESSION_free(copy);
	}
out:
	pthread_mutex_unlock(&eng_ctx_lock);
	return ssl;
}

/* Name checks by the library, during the handshake. */
static bool eng_ssl_names(SSL *ssl, const s6_eng_hdr *h)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

	if (h->sni[0] && !SSL_set_tlsext_host_name(ssl, h->sni))
		return false;
	if (!h->verify)
		return true;
	if (h->sni[0])
		return X509_VERIFY_PARAM_set1_host(vp, h->sni, 0) == 1;
	return X509_VERIFY_PARAM_set1_ip_asc(vp, h->host) == 1;
}

/* TCP to the proxy (first address that takes a socket), with TCP Fast
 * Open unless tfo-proxy never: the ClientHello may ride in the SYN; what it
 * carries is a replay-safe hello, and 0-RTT data only when the shim allowed
 * it. */
static int eng_tcp(const s6_eng_hdr *h, int *err, char *why, size_t whylen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	struct timeval tv = {.tv_sec = ENG_HANDSHAKE_TIMEOUT_S};
	char port[8];
	int fd = -1, one = 1, rc;

	snprintf(port, sizeof port, "%u", h->port);
	if ((rc = getaddrinfo(h->host, port, &hints, &res)) != 0) {
		*err = EHOSTUNREACH;
		snprintf(why, whylen, "cannot resolve proxy %.100s: %s", h->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (!h->no_tfo) /* tfo-proxy never: a plain handshake first */
			setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			*err = errno == EINPROGRESS ? ETIMEDOUT : errno;
			snprintf(why, whylen, "cannot reach proxy: %s", strerror(*err));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* Why the handshake failed, in words a user can act on. */
static void eng_tls_why(SSL *ssl, const s6_eng_hdr *h, int rc, int *err, char *why,
			size_t whylen)
{
	long vr = SSL_get_verify_result(ssl);
	unsigned long e = ERR_peek_error();
	int sys = errno;

	*err = ECONNREFUSED;
	if (vr != X509_V_OK) {
		const char *what = X509_verify_cert_error_string(vr);
		if (vr == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		    vr == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
		    vr == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)
			snprintf(why, whylen, "tls: unknown CA (%s)", what);
		else if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
			snprintf(why, whylen, "tls: wrong name: the certificate is not for %.100s (%s)",
				 h->sni[0] ? h->sni : h->host, what);
		else
			snprintf(why, whylen, "tls: %s", what);
	} else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		   (ERR_GET_REASON(e) == SSL_R_UNSUPPORTED_PROTOCOL ||
		    ERR_GET_REASON(e) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
		    ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER)) {
		snprintf(why, whylen, "tls: the proxy does not offer TLS 1.3");
	} else if (e) {
		char buf[200];
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(why, whylen, "tls: handshake failed: %s", buf);
	} else if (SSL_get_error(ssl, rc) == SSL_ERROR_SYSCALL && sys) {
		*err = sys == EAGAIN ? ETIMEDOUT : sys;
		snprintf(why, whylen, "cannot reach proxy: %s", strerror(*err));
	} else {
		snprintf(why, whylen, "tls: the proxy closed the connection during the handshake");
	}
	ERR_clear_error();
}

/* The SHA-256 of the certificate's SubjectPublicKeyInfo is one of h's. */
static bool eng_pin_ok(SSL *ssl, const s6_eng_hdr *h)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	bool ok = false;
	int len;

	if (!cert)
		return false;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) &&
	    mdlen == S6_ENG_PIN_LEN)
		for (unsigned i = 0; i < h->n_pins && !ok; i++)
			ok = memcmp(md, h->pins[i], S6_ENG_PIN_LEN) == 0;
	OPENSSL_free(der);
	X509_free(cert);
	return ok;
}

/* 0-RTT: only with a ticket that allows it, and as much as it allows (the
 * rest follows the handshake). */
static size_t eng_early(SSL *ssl, const uint8_t *early, size_t len)
{
	SSL_SESSION *s = SSL_get0_session(ssl);
	size_t written = 0, max;

	if (len == 0 || !s || !SSL_SESSION_is_resumable(s))
		return 0;
	max = SSL_SESSION_get_max_early_data(s);
	if (len > max)
		len = max;
	if (len == 0 || SSL_write_early_data(ssl, early, len, &written) != 1)
		return 0;
	return written;
}

static void eng_tls_log(SSL *ssl, const s6_eng_hdr *h, size_t tried, size_t sent)
{
	eng_log("proxy %s:%u: %s, %s%s%s%s", h->host, h->port, SSL_get_version(ssl),
		SSL_session_reused(ssl) ? "resumed" : "full handshake",
		tried ? (sent ? ", early data accepted" : ", early data not sent or rejected") : "",
		h->no_tfo ? ", no TCP Fast Open (tfo-proxy never)" : "",
		h->verify ? "" : ", certificate NOT verified (tls-verify off)");
}

static bool eng_send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The first flight in one write: the ClientHello and, when allowed, the
 * 0-RTT record behind it are made into a memory BIO and sent with one
 * send(), so with a TCP Fast Open cookie both ride in the SYN (OpenSSL
 * writing them to the socket itself would make two sends, the second held
 * until the SYN is answered). Then the socket takes over both ways.
 * *tried: the early bytes written. 0, the send's errno, or -1 (TLS). */
static int eng_first_flight(SSL *ssl, int fd, const uint8_t *early, size_t len, size_t *tried)
{
	BIO *rmem = BIO_new(BIO_s_mem()), *wmem = BIO_new(BIO_s_mem()), *sock;
	char *out = NULL;
	long n;

	*tried = 0;
	if (!rmem || !wmem) {
		BIO_free(rmem);
		BIO_free(wmem);
		return -1;
	}
	BIO_set_mem_eof_return(rmem, -1); /* nothing to read yet: "retry", not EOF */
	SSL_set_bio(ssl, rmem, wmem);
	*tried = eng_early(ssl, early, len);
	if (*tried == 0) {
		int rc = SSL_connect(ssl); /* writes the ClientHello, then wants to read */
		if (rc == 1 || SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ)
			return -1;
	}
	n = BIO_get_mem_data(wmem, &out);
	if (n <= 0)
		return -1;
	if (!eng_send_all(fd, out, (size_t)n))
		return errno ? errno : EIO;
	sock = BIO_new_socket(fd, BIO_NOCLOSE);
	if (!sock)
		return -1;
	SSL_set_bio(ssl, sock, sock); /* frees the memory BIOs */
	return 0;
}

SSL *eng_tls_open(const s6_eng_hdr *h, const uint8_t *early, size_t early_len,
		  size_t *early_sent, int *pfd, int *err, char *why, size_t whylen)
{
	struct timeval zero = {0};
	size_t tried = 0;
	int fd = eng_tcp(h, err, why, whylen), rc;
	SSL *ssl = fd < 0 ? NULL : eng_ssl_new(h, why, whylen);

	*early_sent = 0;
	if (!ssl || !eng_ssl_names(ssl, h)) {
		if (fd >= 0) {
			*err = ECONNREFUSED;
			if (ssl)
				snprintf(why, whylen, "tls: cannot set up the connection");
		}
		goto fail;
	}
	ERR_clear_error();
	rc = eng_first_flight(ssl, fd, early, early_len, &tried);
	if (rc != 0) {
		if (rc > 0) {
			*err = rc == EAGAIN ? ETIMEDOUT : rc;
			snprintf(why, whylen, "cannot reach proxy: %s", strerror(*err));
		} else {
			eng_tls_why(ssl, h, -1, err, why, whylen);
		}
		goto fail;
	}
	rc = SSL_connect(ssl);
	if (rc != 1) {
		eng_tls_why(ssl, h, rc, err, why, whylen);
		goto fail;
	}
	if (h->n_pins && !eng_pin_ok(ssl, h)) {
		*err = ECONNREFUSED;
		snprintf(why, whylen, "tls: the proxy's public key matches no pin-sha256");
		goto fail;
	}
	if (tried && SSL_get_early_data_status(ssl) == SSL_EARLY_DATA_ACCEPTED)
		*early_sent = tried;
	eng_tls_log(ssl, h, tried, *early_sent);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof zero);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
	*pfd = fd;
	return ssl;
fail:
	eng_log("proxy %s:%u: %s", h->host, h->port, why);
	eng_ssl_free(ssl);
	if (fd >= 0)
		close(fd);
	return NULL;
}

void eng_tls_close(SSL *ssl, int pfd)
{
	/* However the connection ended (a program that resets it, a proxy
	 * that closes without close_notify), SSL_free leaves the session it
	 * holds resumable. The shared latest ticket is a copy anyway (see
	 * eng_new_session): a fatal alert during the connection cannot mark
	 * it either, and the next connection still resumes. */
	SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	eng_ssl_free(ssl);
	close(pfd);
}
