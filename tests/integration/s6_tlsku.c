/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * s6_tlsku: a SOCKS6-over-TLS download during which the client asks for
 * KeyUpdates, for socks6ify-server's front that seals a direct CONNECT's
 * records itself (srv_tls_seal.c). python3's ssl has no KeyUpdate, hence
 * this small OpenSSL client.
 *
 *   s6_tlsku PORT CAFILE SUITE MIB UPDATES
 *
 * It starts its own target on 127.0.0.1 (a child that sends MIB MiB of a
 * fixed pseudo-random stream, then closes), CONNECTs to it through the
 * server at 127.0.0.1:PORT with TLS 1.3 and the one cipher suite SUITE,
 * and reads the download to the close_notify. UPDATES times, evenly spread
 * over the download, it sends KeyUpdate(update_requested) between two
 * reads, and once KeyUpdate(update_not_requested). The server must answer
 * each request with a KeyUpdate of its own and switch to its next key
 * (RFC 8446 section 4.6.3); the download then only decrypts and hashes
 * right if both were done right. Prints
 *
 *   LOCALPORT bytes=N sha256=ok|bad requested=R answered=A suite=S
 *
 * and exits 0 when all bytes arrived intact and at least one KeyUpdate
 * came back, 1 otherwise, 2 on a usage or set-up error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#define KU_CHUNK (64 * 1024)
#define KU_MIB (1024 * 1024)
#define KU_TIMEOUT_S 60

static int answered;   /* KeyUpdates read from the server */

/* The target's stream: xorshift64, 8 bytes per step. */
static void stream_fill(uint64_t *st, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t x = *st;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*st = x;
		memcpy(p + i, &x, n - i < 8 ? n - i : 8);
	}
}

/* The child: one connection, MIB MiB of the stream, a FIN, then what the
 * other side sends until its EOF (so the close is no reset). */
static void target_serve(int ls, long mib)
{
	static uint8_t buf[KU_CHUNK];
	uint64_t st = 0x5eed5eed5eedULL;
	int c = accept(ls, NULL, NULL);

	alarm(KU_TIMEOUT_S); /* not inherited */
	if (c < 0)
		_exit(2);
	for (long off = 0; off < mib * KU_MIB; off += KU_CHUNK) {
		stream_fill(&st, buf, KU_CHUNK);
		if (send(c, buf, KU_CHUNK, MSG_NOSIGNAL) != KU_CHUNK)
			_exit(1);
	}
	shutdown(c, SHUT_WR);
	while (recv(c, buf, sizeof buf, 0) > 0)
		;
	_exit(0);
}

static int target_start(long mib, uint16_t *port, pid_t *pid)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	*pid = fork();
	if (*pid == 0)
		target_serve(ls, mib);
	close(ls);
	return *pid < 0 ? -1 : 0;
}

static void on_msg(int write_p, int version, int type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	(void)version;
	(void)ssl;
	(void)arg;
	if (!write_p && type == SSL3_RT_HANDSHAKE && len >= 1 && ((const uint8_t *)buf)[0] == 24)
		answered++;
}

static SSL *tls_open(uint16_t port, const char *ca, const char *suite)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = KU_TIMEOUT_S};
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (!ctx || fd < 0 || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, suite) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || !(ssl = SSL_new(ctx)))
		return NULL;
	SSL_CTX_free(ctx); /* the SSL keeps its reference */
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	SSL_set1_host(ssl, "localhost");
	SSL_set_msg_callback(ssl, on_msg);
	return SSL_connect(ssl) == 1 ? ssl : NULL;
}

static int read_n(SSL *ssl, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (n > 0) {
		if (SSL_read_ex(ssl, p, n, &got) != 1)
			return -1;
		p += got;
		n -= got;
	}
	return 0;
}

/* CONNECT 127.0.0.1:tport (as the other TLS tests send it: an
 * Authentication Method Advertisement without initial data), then the
 * Authentication Reply and the Operation Reply: its code. */
static int socks6_connect(SSL *ssl, uint16_t tport)
{
	uint8_t req[] = {6, 1, 0, 8, tport >> 8, tport & 0xff, 0, 1, 127, 0, 0, 1,
			 0, 2, 0, 8, 0, 0, 0, 0};
	uint8_t h[8], opt[1024];
	size_t n = 0;

	if (SSL_write_ex(ssl, req, sizeof req, &n) != 1 || read_n(ssl, h, 4) < 0 ||
	    (h[2] << 8 | h[3]) > (int)sizeof opt ||
	    read_n(ssl, opt, (size_t)(h[2] << 8 | h[3])) < 0 || read_n(ssl, h, 8) < 0 ||
	    (h[2] << 8 | h[3]) + 4 > (int)sizeof opt ||
	    read_n(ssl, opt, 4 + (size_t)(h[2] << 8 | h[3])) < 0)
		return -1;
	return h[1];
}

/* KeyUpdate number k of updates between reads; the middle one does not
 * ask for an answer. Pushed out at once by SSL_do_handshake. */
static int key_update(SSL *ssl, int k, int updates, int *requested)
{
	int type = k == updates / 2 + 1 ? SSL_KEY_UPDATE_NOT_REQUESTED : SSL_KEY_UPDATE_REQUESTED;

	if (SSL_key_update(ssl, type) != 1 || SSL_do_handshake(ssl) != 1)
		return -1;
	*requested += type == SSL_KEY_UPDATE_REQUESTED;
	return 0;
}

/* The download to the close_notify, hashed as it comes; the same hash of
 * the stream the target sent goes to want. */
static long long download(SSL *ssl, long mib, int updates, int *requested, EVP_MD_CTX *md)
{
	static uint8_t buf[KU_CHUNK];
	long long total = 0, next = 0, step = mib * KU_MIB / (updates + 2);
	int k = 0;
	size_t n = 0;

	next = step;
	while (SSL_read_ex(ssl, buf, sizeof buf, &n) == 1) {
		EVP_DigestUpdate(md, buf, n);
		total += (long long)n;
		if (k <= updates && total >= next) {
			if (key_update(ssl, ++k, updates, requested) < 0)
				return -1;
			next += step;
		}
	}
	return SSL_get_error(ssl, 0) == SSL_ERROR_ZERO_RETURN ? total : -1;
}

static void expected_hash(long mib, uint8_t *out)
{
	static uint8_t buf[KU_CHUNK];
	uint64_t st = 0x5eed5eed5eedULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (long off = 0; off < mib * KU_MIB; off += KU_CHUNK) {
		stream_fill(&st, buf, KU_CHUNK);
		EVP_DigestUpdate(md, buf, KU_CHUNK);
	}
	EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
}

int main(int argc, char **argv)
{
	uint8_t got[32], want[32];
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	long mib = argc == 6 ? atol(argv[4]) : 0;
	int updates = argc == 6 ? atoi(argv[5]) : 0, requested = 0, ok;
	uint16_t tport = 0;
	long long total;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	pid_t pid = -1;
	SSL *ssl;

	if (mib <= 0 || mib > 4096 || updates < 1 || updates > 64 || !md) {
		fprintf(stderr, "usage: s6_tlsku PORT CAFILE SUITE MIB UPDATES\n");
		return 2;
	}
	alarm(KU_TIMEOUT_S);
	if (target_start(mib, &tport, &pid) < 0 ||
	    !(ssl = tls_open((uint16_t)atoi(argv[1]), argv[2], argv[3])) ||
	    getsockname(SSL_get_fd(ssl), (struct sockaddr *)&me, &len) < 0) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	if (socks6_connect(ssl, tport) != 0) {
		fprintf(stderr, "s6_tlsku: CONNECT refused or cut\n");
		return 1;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	total = download(ssl, mib, updates, &requested, md);
	ERR_print_errors_fp(stderr);
	EVP_DigestFinal_ex(md, got, NULL);
	expected_hash(mib, want);
	ok = total == mib * KU_MIB && memcmp(got, want, sizeof got) == 0;
	printf("%u bytes=%lld sha256=%s requested=%d answered=%d suite=%s\n", ntohs(me.sin_port),
	       total, ok ? "ok" : "bad", requested, answered, SSL_get_cipher_name(ssl));
	/* The target ends once the server passed our EOF on. */
	SSL_shutdown(ssl);
	close(SSL_get_fd(ssl));
	waitpid(pid, NULL, 0);
	SSL_free(ssl);
	EVP_MD_CTX_free(md);
	return ok && answered > 0 ? 0 : 1;
}
