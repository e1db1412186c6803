// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ttfb: the benchmark's HTTP client. One GET (or N in a row) to HOST:PORT,
 * with plain connect()/write()/read()/close() so that a preload shim sees
 * the calls a simple program makes.
 *
 *   ttfb [-t] [-n N] [-p PATH] [-4 PROXYPORT] HOST PORT
 *
 *   -t       TCP Fast Open (TCP_FASTOPEN_CONNECT: the request rides in the
 *            SYN when the kernel holds a cookie for the server)
 *   -n N     N sequential connections (default 1)
 *   -p PATH  request PATH (default /); the bench server answers /bulk/BYTES
 *            with BYTES bytes of body
 *   -4 PROXYPORT  speak SOCKS4 itself to HOST:PROXYPORT and ask it for
 *            HOST:PORT (IPv4 only): the floor of what any proxied
 *            connection costs the client, with no shim in the process
 *
 * One line on stdout, times in microseconds from just before socket():
 *   ttfb_us=T total_us=T bytes=B                            (N = 1)
 *   n=N wall_us=W user_us=U sys_us=S ttfb_med_us=T bytes=B  (N > 1)
 * user_us/sys_us are this process's CPU time (all threads, so a shim's
 * helper thread counts) spent in the loop only. Exit status 1 on any error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

#define TT_BUF (256 * 1024)
#define TT_MAX_N 1000000

struct tt_opts {
	int tfo;
	long n;
	const char *path;
	const char *host;
	const char *port;
	const char *socks4_port; /* NULL: connect to HOST:PORT itself */
};

struct tt_result {
	long long ttfb_us;
	long long total_us;
	unsigned long long bytes;
};

static long long tt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long tt_tv_us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

static int tt_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read the whole response: first byte stamps r->ttfb_us, end of file ends it. */
static int tt_read_all(int fd, long long t0, struct tt_result *r, char *buf)
{
	for (;;) {
		ssize_t n = read(fd, buf, TT_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = 0;
			return r->bytes ? 0 : -1;
		}
		if (!r->bytes) {
			r->ttfb_us = tt_now_us() - t0;
			if (n < 5 || memcmp(buf, "HTTP/", 5)) {
				fprintf(stderr, "ttfb: not an HTTP response\n");
				return -1;
			}
		}
		r->bytes += (unsigned long long)n;
	}
}

/* The SOCKS4 CONNECT exchange for the address in dst (the request, then
 * the 8-byte reply read whole). */
static int tt_socks4(int fd, const struct sockaddr_in *dst)
{
	uint8_t req[9] = { 4, 1 }, rep[8];
	size_t got = 0;

	memcpy(req + 2, &dst->sin_port, 2);   /* both in network order */
	memcpy(req + 4, &dst->sin_addr, 4);
	if (tt_write_all(fd, (const char *)req, sizeof(req)) < 0)
		return -1;
	while (got < sizeof(rep)) {
		ssize_t n = read(fd, rep + got, sizeof(rep) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return rep[1] == 90 ? 0 : -1;
}

/* Connect to the target, or to the proxy and through it with -4. */
static int tt_connect(const struct tt_opts *o, int fd, const struct addrinfo *ai)
{
	struct sockaddr_in px;

	if (!o->socks4_port)
		return connect(fd, ai->ai_addr, ai->ai_addrlen);
	memcpy(&px, ai->ai_addr, sizeof(px));
	px.sin_port = htons((uint16_t)atoi(o->socks4_port));
	if (connect(fd, (struct sockaddr *)&px, sizeof(px)) < 0)
		return -1;
	return tt_socks4(fd, (const struct sockaddr_in *)ai->ai_addr);
}

static int tt_get(const struct tt_opts *o, const struct addrinfo *ai,
		  const char *req, size_t reqlen, char *buf, struct tt_result *r)
{
	long long t0 = tt_now_us();
	int one = 1, fd, rc = -1;

	memset(r, 0, sizeof(*r));
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (o->tfo && setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)) < 0)
		fprintf(stderr, "ttfb: TCP_FASTOPEN_CONNECT: %s\n", strerror(errno));
	if (tt_connect(o, fd, ai) < 0)
		fprintf(stderr, "ttfb: connect: %s\n", strerror(errno));
	else if (tt_write_all(fd, req, reqlen) < 0)
		fprintf(stderr, "ttfb: write: %s\n", strerror(errno));
	else if (tt_read_all(fd, t0, r, buf) < 0)
		fprintf(stderr, "ttfb: read: %s\n", errno ? strerror(errno) : "no response");
	else
		rc = 0;
	close(fd);
	r->total_us = tt_now_us() - t0;
	return rc;
}

static int tt_cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int tt_loop(const struct tt_opts *o, const struct addrinfo *ai,
		   const char *req, size_t reqlen, char *buf)
{
	struct rusage ru0, ru1;
	struct tt_result r;
	unsigned long long bytes = 0;
	long long t0, *ttfb;
	long i;

	ttfb = calloc((size_t)o->n, sizeof(*ttfb));
	if (!ttfb)
		return 1;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = tt_now_us();
	for (i = 0; i < o->n; i++) {
		if (tt_get(o, ai, req, reqlen, buf, &r) < 0) {
			fprintf(stderr, "ttfb: connection %ld of %ld failed\n", i + 1, o->n);
			free(ttfb);
			return 1;
		}
		ttfb[i] = r.ttfb_us;
		bytes += r.bytes;
	}
	t0 = tt_now_us() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	qsort(ttfb, (size_t)o->n, sizeof(*ttfb), tt_cmp_ll);
	printf("n=%ld wall_us=%lld user_us=%lld sys_us=%lld ttfb_med_us=%lld bytes=%llu\n",
	       o->n, t0, tt_tv_us(&ru1.ru_utime) - tt_tv_us(&ru0.ru_utime),
	       tt_tv_us(&ru1.ru_stime) - tt_tv_us(&ru0.ru_stime), ttfb[o->n / 2], bytes);
	free(ttfb);
	return 0;
}

static int tt_parse(int argc, char **argv, struct tt_opts *o)
{
	char *end;
	int c;

	*o = (struct tt_opts){ .n = 1, .path = "/" };
	while ((c = getopt(argc, argv, "tn:p:4:")) != -1) {
		switch (c) {
		case 't':
			o->tfo = 1;
			break;
		case 'n':
			o->n = strtol(optarg, &end, 10);
			if (*end || o->n < 1 || o->n > TT_MAX_N)
				return -1;
			break;
		case 'p':
			o->path = optarg;
			break;
		case '4':
			o->socks4_port = optarg;
			if (strtol(optarg, &end, 10) < 1 || strtol(optarg, &end, 10) > 65535 || *end)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != 2)
		return -1;
	o->host = argv[optind];
	o->port = argv[optind + 1];
	return 0;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct tt_opts o;
	struct tt_result r;
	char req[512], *buf;
	int len, rc;

	if (tt_parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: ttfb [-t] [-n N] [-p PATH] [-4 PROXYPORT] HOST PORT\n");
		return 2;
	}
	if (o.socks4_port)
		hints.ai_family = AF_INET;
	rc = getaddrinfo(o.host, o.port, &hints, &ai);
	if (rc) {
		fprintf(stderr, "ttfb: %s: %s\n", o.host, gai_strerror(rc));
		return 1;
	}
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", o.path, o.host);
	buf = malloc(TT_BUF);
	if (len <= 0 || (size_t)len >= sizeof(req) || !buf)
		return 1;
	if (o.n > 1) {
		rc = tt_loop(&o, ai, req, (size_t)len, buf);
	} else {
		rc = tt_get(&o, ai, req, (size_t)len, buf, &r) < 0;
		if (!rc)
			printf("ttfb_us=%lld total_us=%lld bytes=%llu\n", r.ttfb_us, r.total_us, r.bytes);
	}
	free(buf);
	freeaddrinfo(ai);
	return rc;
}
