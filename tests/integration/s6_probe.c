/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_probe: a client that connects the way real programs do, so integration
 * tests can check each wait mechanism through the preload library.
 *
 *   s6_probe [-t MS] [-q MS] [-r] [-n N] MODE HOST PORT
 *   MODE: block | poll | select | epoll | epoll-before | epoll-et
 *   -t MS  overall wait limit (default 10000)
 *   -q MS  after EINPROGRESS, require the socket to stay NOT writable for MS
 *          (for a proxy that answers late or never)
 *   -r     read first: print the server's first line (a banner, as SSH and
 *          SMTP servers send) before sending anything
 *   -n N   do it N times in this process (a new socket each time), then
 *          print "loop N ok=K rss_first_kb=A rss_last_kb=B": the resident
 *          size after the first and the last round, for leak checks
 *
 * Prints "ok MODE peer=ADDR", with -r "banner LINE", and the first response
 * line of an HTTP GET, or "fail MODE at=STEP errno=N (text)". Exit 0 on
 * success, 1 on failure (with -n: of the last round). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

struct probe {
	const char *mode;
	int fd, ep;
	int timeout_ms;
	bool read_first;
};

static int fail(const struct probe *p, const char *step, int err)
{
	printf("fail %s at=%s errno=%d (%s)\n", p->mode, step, err, strerror(err));
	return 1;
}

/* Wait until fd is ready for `events` (POLLIN/POLLOUT) the probe's way.
 * Returns 1 ready, 0 timeout, -1 error. */
static int wait_ready(struct probe *p, short events, int ms)
{
	if (strcmp(p->mode, "poll") == 0) {
		struct pollfd pfd = {.fd = p->fd, .events = events};
		return poll(&pfd, 1, ms) < 0 ? -1 : pfd.revents != 0;
	}
	if (strcmp(p->mode, "select") == 0) {
		fd_set set;
		struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
		FD_ZERO(&set);
		FD_SET(p->fd, &set);
		int n = select(p->fd + 1, events == POLLIN ? &set : NULL,
			       events == POLLOUT ? &set : NULL, NULL, &tv);
		return n < 0 ? -1 : n > 0;
	}
	/* epoll modes: the registration exists already (before or after connect). */
	struct epoll_event ev = {.events = (events == POLLIN ? EPOLLIN : EPOLLOUT) |
					   (strcmp(p->mode, "epoll-et") == 0 ? EPOLLET : 0)};
	ev.data.u64 = 0x5eed;
	if (epoll_ctl(p->ep, EPOLL_CTL_MOD, p->fd, &ev) < 0)
		return -1;
	struct epoll_event out[4];
	int n = epoll_wait(p->ep, out, 4, ms);
	if (n > 0 && out[0].data.u64 != 0x5eed) {
		fprintf(stderr, "epoll returned foreign data %llx\n", (unsigned long long)out[0].data.u64);
		return -1;
	}
	return n < 0 ? -1 : n > 0;
}

static int epoll_register(struct probe *p)
{
	struct epoll_event ev = {.events = EPOLLOUT | (strcmp(p->mode, "epoll-et") == 0 ? EPOLLET : 0)};
	ev.data.u64 = 0x5eed;
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	return p->ep < 0 ? -1 : epoll_ctl(p->ep, EPOLL_CTL_ADD, p->fd, &ev);
}

static int finish_connect(struct probe *p, int quiet_ms)
{
	if (quiet_ms > 0 && wait_ready(p, POLLOUT, quiet_ms) != 0)
		return fail(p, "reported-writable-while-pending", EPROTO);
	int r = wait_ready(p, POLLOUT, p->timeout_ms);
	if (r <= 0)
		return fail(p, "wait", r == 0 ? ETIMEDOUT : errno);
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return fail(p, "getsockopt", errno);
	return err ? fail(p, "so_error", err) : 0;
}

/* Read up to the first newline, the probe's way; prints "PREFIX LINE". */
static int read_line(struct probe *p, const char *prefix)
{
	char buf[4096];
	size_t got = 0;

	while (got < sizeof buf - 1 && !memchr(buf, '\n', got)) {
		if (strcmp(p->mode, "block") != 0 && wait_ready(p, POLLIN, p->timeout_ms) <= 0)
			return fail(p, "wait-read", ETIMEDOUT);
		/* Byte by byte: the banner's line must not eat the response. */
		ssize_t n = recv(p->fd, buf + got, p->read_first ? 1 : sizeof buf - 1 - got, 0);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return fail(p, "recv", n < 0 ? errno : ECONNRESET);
		got += (size_t)n;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("%s%s\n", prefix, buf);
	return 0;
}

static int exchange(struct probe *p, const char *host)
{
	char req[512];

	if (p->read_first && read_line(p, "banner ") != 0)
		return 1;
	snprintf(req, sizeof req, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
	if (send(p->fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return fail(p, "send", errno);
	return read_line(p, "");
}

static int run_ai(struct probe *p, const char *host, struct addrinfo *ai, int quiet_ms)
{
	char peer[INET6_ADDRSTRLEN + 8], want[INET6_ADDRSTRLEN + 8];

	p->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strcmp(p->mode, "block") != 0)
		fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	if ((strcmp(p->mode, "epoll-before") == 0 || strcmp(p->mode, "epoll-et") == 0) &&
	    epoll_register(p) < 0)
		return fail(p, "epoll_ctl", errno);
	if (connect(p->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return fail(p, "connect", errno);
		if (strcmp(p->mode, "epoll") == 0 && epoll_register(p) < 0)
			return fail(p, "epoll_ctl", errno);
		if (finish_connect(p, quiet_ms) != 0)
			return 1;
	} else if (strcmp(p->mode, "block") != 0) {
		return fail(p, "connect-returned-0-on-nonblocking", EPROTO);
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getpeername(p->fd, (struct sockaddr *)&ss, &sl) < 0)
		return fail(p, "getpeername", errno);
	getnameinfo((struct sockaddr *)&ss, sl, peer, sizeof peer, NULL, 0, NI_NUMERICHOST);
	getnameinfo(ai->ai_addr, ai->ai_addrlen, want, sizeof want, NULL, 0, NI_NUMERICHOST);
	if (strcmp(peer, want) != 0)
		return fail(p, "getpeername-mismatch", EPROTO);
	printf("ok %s peer=%s\n", p->mode, peer);
	return exchange(p, host);
}

static int run(struct probe *p, const char *host, const char *port, int quiet_ms)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);

	if (rc != 0) {
		printf("fail %s at=getaddrinfo errno=0 (%s)\n", p->mode, gai_strerror(rc));
		return 1;
	}
	rc = run_ai(p, host, ai, quiet_ms);
	freeaddrinfo(ai);
	if (p->fd >= 0)
		close(p->fd);
	if (p->ep >= 0)
		close(p->ep);
	p->fd = p->ep = -1;
	return rc;
}

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	struct probe p = {.fd = -1, .ep = -1, .timeout_ms = 10000};
	int quiet_ms = 0, c, rounds = 1, ok = 0, rc = 1;
	long first = 0;

	while ((c = getopt(argc, argv, "t:q:rn:")) != -1) {
		if (c == 't')
			p.timeout_ms = atoi(optarg);
		else if (c == 'q')
			quiet_ms = atoi(optarg);
		else if (c == 'r')
			p.read_first = true;
		else if (c == 'n')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind != 3 || rounds < 1 || rounds > 100000) {
		fprintf(stderr, "usage: s6_probe [-t MS] [-q MS] [-r] [-n N] MODE HOST PORT\n");
		return 2;
	}
	p.mode = argv[optind];
	for (int i = 0; i < rounds; i++) {
		rc = run(&p, argv[optind + 1], argv[optind + 2], quiet_ms);
		ok += rc == 0;
		fflush(stdout);
		if (i == 0)
			first = rss_kb();
	}
	if (rounds > 1)
		printf("loop %d ok=%d rss_first_kb=%ld rss_last_kb=%ld\n", rounds, ok,
		       first, rss_kb());
	return rc;
}
