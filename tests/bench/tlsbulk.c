// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tlsbulk: the benchmark's "direct, TLS 1.3" baseline. The same HTTP/1.0
 * exchange as ttfb and httpd, but over TLS 1.3 straight from the client to
 * the web server, with the cipher suite the engine and socks6ify-server
 * agree on (TLS_AES_128_GCM_SHA256), so the SOCKS6+TLS bulk row is
 * compared with what TLS itself costs on this machine. Linked with OpenSSL
 * (the bench only).
 *
 *   tlsbulk serve ADDR PORT CERT KEY     one connection at a time; GET
 *                                        /bulk/BYTES answers BYTES bytes;
 *                                        "listening" on stdout when ready
 *   tlsbulk [-c CAFILE] [-p PATH] HOST PORT
 *                                        one GET; prints, like ttfb,
 *                                        ttfb_us=T total_us=T bytes=B cipher=C
 *
 * Both ends read ahead (several records per recv) and move 256 KiB per
 * call, as a tuned TLS program would; the client verifies the server
 * against CAFILE (the bench's test CA) and its IP address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define TB_BUF (256 * 1024)
#define TB_READ_AHEAD (64 * 1024)
#define TB_REQ_MAX 4096
#define TB_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

static long long tb_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static SSL_CTX *tb_ctx(const SSL_METHOD *m)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, TB_SUITES) != 1)
		return NULL;
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TB_READ_AHEAD);
	return ctx;
}

static int tb_write_all(SSL *ssl, const char *p, size_t len)
{
	while (len > 0) {
		size_t n = 0;

		if (SSL_write_ex(ssl, p, len, &n) != 1)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* ---- server */

static int tb_listen(const char *addr, const char *port)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	s4.sin_port = htons((unsigned short)atoi(port));

	if (fd < 0 || inet_pton(AF_INET, addr, &s4.sin_addr) != 1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "tlsbulk: %s:%s: %s\n", addr, port, strerror(errno));
		return -1;
	}
	return fd;
}

/* Read until the end of the request head; the byte count asked or -1. */
static long long tb_request(SSL *ssl)
{
	char req[TB_REQ_MAX];
	unsigned long long body = 0;
	size_t len = 0, n;

	while (len < sizeof(req) - 1) {
		if (SSL_read_ex(ssl, req + len, sizeof(req) - 1 - len, &n) != 1)
			return -1;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			return sscanf(req, "GET /bulk/%llu ", &body) == 1 ? (long long)body : 0;
	}
	return -1;
}

static void tb_serve(SSL *ssl, const char *chunk)
{
	char head[160];
	long long body = SSL_accept(ssl) == 1 ? tb_request(ssl) : -1;
	int len;

	if (body < 0)
		return;
	len = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Length: %lld\r\n"
		       "Connection: close\r\n\r\n", body);
	if (tb_write_all(ssl, head, (size_t)len) < 0)
		return;
	while (body > 0) {
		size_t n = body < TB_BUF ? (size_t)body : TB_BUF;

		if (tb_write_all(ssl, chunk, n) < 0)
			return;
		body -= (long long)n;
	}
	SSL_shutdown(ssl);
}

static int tb_server(char **argv)
{
	struct timeval tmo = { .tv_sec = 10 };
	SSL_CTX *ctx = tb_ctx(TLS_server_method());
	char *chunk = malloc(TB_BUF);
	int one = 1, lfd = tb_listen(argv[0], argv[1]);

	if (lfd < 0 || !ctx || !chunk ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	memset(chunk, 'x', TB_BUF);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		SSL *ssl;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ssl = SSL_new(ctx);
		if (ssl && SSL_set_fd(ssl, fd) == 1)
			tb_serve(ssl, chunk);
		SSL_free(ssl);
		ERR_clear_error();
		close(fd);
	}
}

/* ---- client */

static int tb_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int one = 1, fd = -1;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	freeaddrinfo(ai);
	return fd;
}

static SSL *tb_client_ssl(SSL_CTX *ctx, int fd, const char *host)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl || SSL_set_fd(ssl, fd) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1 ||
	    SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* The response to its end (close_notify or EOF); bytes as ttfb counts them. */
static int tb_read_all(SSL *ssl, long long t0, long long *ttfb, unsigned long long *bytes)
{
	char *buf = malloc(TB_BUF);
	size_t n;

	if (!buf)
		return -1;
	while (SSL_read_ex(ssl, buf, TB_BUF, &n) == 1) {
		if (!*bytes)
			*ttfb = tb_now_us() - t0;
		*bytes += n;
	}
	free(buf);
	return *bytes ? 0 : -1;
}

static int tb_client(const char *ca, const char *path, const char *host, const char *port)
{
	SSL_CTX *ctx = tb_ctx(TLS_client_method());
	long long t0 = tb_now_us(), ttfb = 0;
	unsigned long long bytes = 0;
	char req[512];
	int fd, len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
	SSL *ssl = NULL;

	if (!ctx || (ca && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1))
		goto fail;
	SSL_CTX_set_verify(ctx, ca ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	fd = tb_connect(host, port);
	if (fd < 0 || !(ssl = tb_client_ssl(ctx, fd, host)) ||
	    tb_write_all(ssl, req, (size_t)len) < 0 || tb_read_all(ssl, t0, &ttfb, &bytes) < 0)
		goto fail;
	printf("ttfb_us=%lld total_us=%lld bytes=%llu cipher=%s\n", ttfb, tb_now_us() - t0,
	       bytes, SSL_get_cipher_name(ssl));
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
fail:
	fprintf(stderr, "tlsbulk: %s:%s failed\n", host, port);
	ERR_print_errors_fp(stderr);
	return 1;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *path = "/";
	int c;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 6 && strcmp(argv[1], "serve") == 0)
		return tb_server(argv + 2);
	while ((c = getopt(argc, argv, "c:p:")) != -1) {
		if (c == 'c')
			ca = optarg;
		else if (c == 'p')
			path = optarg;
		else
			optind = argc + 1;
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "usage: tlsbulk serve ADDR PORT CERT KEY\n"
			"       tlsbulk [-c CAFILE] [-p PATH] HOST PORT\n");
		return 2;
	}
	return tb_client(ca, path, argv[optind], argv[optind + 1]);
}
