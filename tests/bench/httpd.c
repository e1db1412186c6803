// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * httpd: the benchmark's web server. Serves one connection at a time (the
 * benchmark's clients are sequential), with TCP Fast Open enabled on the
 * listener so that a request carried in a SYN is answered at once.
 *
 *   httpd ADDR PORT
 *
 * GET /bulk/BYTES answers BYTES bytes of body; any other GET a 13-byte page.
 * The response ends with the connection (HTTP/1.0). "listening" on stdout
 * once the socket is ready.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define HD_REQ_MAX 4096
#define HD_CHUNK (256 * 1024)
#define HD_TFO_QLEN 256
#define HD_PAGE "hello, bench\n"

static int hd_listen(const char *addr, const char *port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	int one = 1, qlen = HD_TFO_QLEN, fd, p = atoi(port);
	struct sockaddr *sa = (struct sockaddr *)&s4;
	socklen_t salen = sizeof(s4);

	s4.sin_port = s6.sin6_port = htons((unsigned short)p);
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&s6;
		salen = sizeof(s6);
	} else if (inet_pton(AF_INET, addr, &s4.sin_addr) != 1) {
		fprintf(stderr, "httpd: bad address %s\n", addr);
		return -1;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -1;
	/* Server side of TFO (net.ipv4.tcp_fastopen bit 2 must be set too). */
	if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)) < 0)
		fprintf(stderr, "httpd: TCP_FASTOPEN: %s\n", strerror(errno));
	if (bind(fd, sa, salen) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "httpd: %s:%s: %s\n", addr, port, strerror(errno));
		return -1;
	}
	return fd;
}

/* Read until the end of the request head; -1 when it never comes. */
static int hd_read_request(int fd, char *req)
{
	size_t len = 0;

	while (len < HD_REQ_MAX - 1) {
		ssize_t n = read(fd, req + len, HD_REQ_MAX - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			return 0;
	}
	return -1;
}

static int hd_send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void hd_serve(int fd, const char *chunk)
{
	char req[HD_REQ_MAX], head[160];
	unsigned long long body = sizeof(HD_PAGE) - 1;
	int bulk, len;

	if (hd_read_request(fd, req) < 0)
		return;
	bulk = sscanf(req, "GET /bulk/%llu ", &body) == 1;
	len = snprintf(head, sizeof(head),
		       "HTTP/1.0 200 OK\r\nContent-Length: %llu\r\nConnection: close\r\n\r\n%s",
		       body, bulk ? "" : HD_PAGE);
	/* The small page goes out in one segment with its head. */
	if (hd_send_all(fd, head, (size_t)len) < 0 || !bulk)
		return;
	while (body > 0) {
		size_t n = body < HD_CHUNK ? (size_t)body : HD_CHUNK;

		if (hd_send_all(fd, chunk, n) < 0)
			return;
		body -= n;
	}
}

int main(int argc, char **argv)
{
	struct timeval tmo = { .tv_sec = 10 };
	char *chunk;
	int lfd;

	if (argc != 3) {
		fprintf(stderr, "usage: httpd ADDR PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = hd_listen(argv[1], argv[2]);
	chunk = malloc(HD_CHUNK);
	if (lfd < 0 || !chunk)
		return 1;
	memset(chunk, 'x', HD_CHUNK);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("httpd: accept");
			return 1;
		}
		/* A client that stalls must not hold the one-at-a-time server. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
		hd_serve(fd, chunk);
		close(fd);
	}
}
