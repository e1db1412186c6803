/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_rawsys: a client that bypasses libc's socket wrappers with syscall(2),
 * so integration tests can check that the preload library still routes it.
 *
 *   s6_rawsys tcp HOST PORT   connect with syscall(SYS_connect), send an
 *                             HTTP GET with syscall(SYS_sendto), print the reply
 *   s6_rawsys udp ADDR PORT   send one datagram each with SYS_sendto and
 *                             SYS_sendmsg; print "udp sendto=ERRNO sendmsg=ERRNO"
 *
 * Both modes first check that other numbers pass through untouched, with
 * libc's error convention (-1 and errno): prints "passthru ok". Exit 0 when
 * every call did what the mode expects of it, 1 otherwise. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int passthru(void)
{
	errno = 0;
	long r = syscall(SYS_close, -1);
	if (r != -1 || errno != EBADF || syscall(SYS_getpid) != getpid()) {
		printf("passthru fail r=%ld errno=%d\n", r, errno);
		return 1;
	}
	printf("passthru ok\n");
	return 0;
}

static struct addrinfo *lookup(const char *host, const char *port, int type)
{
	struct addrinfo hints = {.ai_socktype = type}, *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);

	if (rc) {
		printf("getaddrinfo %s: %s\n", host, gai_strerror(rc));
		return NULL;
	}
	return ai;
}

/* getpeername must name what the program asked for, not the proxy. */
static int peer_is(int fd, const struct addrinfo *ai)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;

	return getpeername(fd, (struct sockaddr *)&ss, &l) == 0 && l == ai->ai_addrlen &&
	       memcmp(&ss, ai->ai_addr, l) == 0;
}

static int tcp(const char *host, const char *port)
{
	struct addrinfo *ai = lookup(host, port, SOCK_STREAM);
	char req[512], buf[4096];
	ssize_t n;

	if (!ai)
		return 1;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (syscall(SYS_connect, fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		printf("connect fail errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	printf("connect ok peer=%s\n", peer_is(fd, ai) ? "dest" : "other");
	freeaddrinfo(ai);
	int len = snprintf(req, sizeof req, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
	if (syscall(SYS_sendto, fd, req, (size_t)len, 0, NULL, 0) != len) {
		printf("send fail errno=%d\n", errno);
		return 1;
	}
	for (int i = 0; i < 1000 && (n = read(fd, buf, sizeof buf)) > 0; i++)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static int udp(const char *addr, const char *port)
{
	struct addrinfo *ai = lookup(addr, port, SOCK_DGRAM);
	char b[] = "s6_rawsys";
	struct iovec v = {b, sizeof b};
	struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
	int e1 = 0, e2 = 0;

	if (!ai)
		return 1;
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (syscall(SYS_sendto, fd, b, sizeof b, 0, ai->ai_addr, ai->ai_addrlen) < 0)
		e1 = errno;
	m.msg_name = ai->ai_addr;
	m.msg_namelen = ai->ai_addrlen;
	if (syscall(SYS_sendmsg, fd, &m, 0) < 0)
		e2 = errno;
	printf("udp sendto=%d sendmsg=%d\n", e1, e2);
	freeaddrinfo(ai);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
		fprintf(stderr, "usage: s6_rawsys tcp|udp HOST PORT\n");
		return 2;
	}
	if (passthru())
		return 1;
	return strcmp(argv[1], "tcp") ? udp(argv[2], argv[3]) : tcp(argv[2], argv[3]);
}
