/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load and attack clients for t_load_server.sh; every mode is bounded in
 * connections and time, and talks to 127.0.0.1 only:
 *
 *   s6_load echo PORTFILE SECS          an epoll echo server on 127.0.0.1:0
 *                                       (its port written to PORTFILE), for
 *                                       at most SECS seconds
 *   s6_load hold KIND PROXY TARGET N SECS
 *                                       N clients CONNECT to TARGET through
 *                                       the proxy (KIND s4, s6 or mix: every
 *                                       other one SOCKS6, PROXY then
 *                                       "P4,P6"), each echoes a line; prints
 *                                       "held N/N", holds them SECS seconds,
 *                                       echoes again on each ("echo2 N/N")
 *   s6_load probe KIND PROXY TARGET SECS MS
 *                                       the well-behaved client: a fresh
 *                                       connection + echo every MS ms for
 *                                       SECS s; prints latencies
 *   s6_load refused KIND PROXY TARGET   one client that must be closed with
 *                                       no reply (the server is at its cap)
 *   s6_load slowloris KIND PROXY N SECS (s6_load_attack.c)
 *   s6_load flood KIND PROXY N SECS     (s6_load_attack.c)
 *
 * Exit status 0 when the mode's expectation held. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "s6_bytes.h"
#include "s6_load.h"

#define LINE_LEN 16
#define HOLD_MAX 4096
#define PROBE_MAX 4096
#define IO_TIMEOUT_MS 5000

uint64_t s6l_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool s6l_kind_parse(const char *s, enum s6l_kind *k)
{
	if (strcmp(s, "s4") == 0)
		*k = S6L_SOCKS4;
	else if (strcmp(s, "s6") == 0)
		*k = S6L_SOCKS6;
	else
		return false;
	return true;
}

size_t s6l_request(enum s6l_kind k, uint16_t port, bool slow, uint8_t *out)
{
	static const uint8_t lo[4] = {127, 0, 0, 1};

	if (k == S6L_SOCKS4) {
		size_t n = slow ? 255 : 4;
		out[0] = 4;
		out[1] = 1;
		s6_put_u16be(out + 2, port);
		memcpy(out + 4, lo, 4);
		memset(out + 8, 'u', n);
		out[8 + n] = 0;
		return 9 + n;
	}
	out[0] = 6;
	out[1] = 1;
	s6_put_u16be(out + 2, 0);
	s6_put_u16be(out + 4, port);
	out[6] = 0;
	if (!slow) {
		out[7] = 1;
		memcpy(out + 8, lo, 4);
		return 12;
	}
	out[7] = 3;
	out[8] = 255;
	memset(out + 9, 'n', 255);
	return 9 + 255;
}

static int s6_op_reply_len(const uint8_t *p, size_t have)
{
	size_t alen;

	if (have < 8)
		return 0;
	if (p[0] != 6 || p[1] != 0)
		return -1;
	switch (p[7]) {
	case 1: alen = 4; break;
	case 4: alen = 16; break;
	case 3:
		if (have < 9)
			return 0;
		alen = 1u + p[8];
		break;
	default: return -1;
	}
	return (int)(8 + alen + s6_get_u16be(p + 2));
}

int s6l_reply_len(enum s6l_kind k, const uint8_t *buf, size_t have)
{
	size_t auth;
	int op;

	if (k == S6L_SOCKS4) {
		if (have < 8)
			return 0;
		return buf[0] == 0 && buf[1] == 90 ? 8 : -1;
	}
	if (have < 4)
		return 0;
	if (buf[0] != 6 || buf[1] != 0)
		return -1;
	auth = 4u + s6_get_u16be(buf + 2);
	if (have < auth)
		return 0;
	op = s6_op_reply_len(buf + auth, have - auth);
	if (op <= 0)
		return op;
	return have >= auth + (size_t)op ? (int)(auth + (size_t)op) : 0;
}

int s6l_connect_nb(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_port(const char *s, uint16_t *port)
{
	long v = strtol(s, NULL, 10);

	if (v <= 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* ---- echo server */

struct echo_conn {
	uint8_t buf[4096];
	size_t len;
};

static void echo_io(int ep, int fd, struct echo_conn **tab)
{
	struct echo_conn *e = tab[fd];
	ssize_t n;

	if (!e)
		return;
	if (e->len == 0) {
		n = read(fd, e->buf, sizeof e->buf);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			goto gone;
		if (n > 0)
			e->len = (size_t)n;
	}
	if (e->len > 0) {
		n = write(fd, e->buf, e->len);
		if (n < 0 && errno != EAGAIN)
			goto gone;
		if (n > 0) {
			memmove(e->buf, e->buf + n, e->len - (size_t)n);
			e->len -= (size_t)n;
		}
	}
	struct epoll_event ev = {.events = e->len ? EPOLLOUT : EPOLLIN, .data.fd = fd};
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	return;
gone:
	close(fd);
	free(e);
	tab[fd] = NULL;
}

static int echo_listen(const char *portfile)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FILE *f;

	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(l, 4096) < 0 || getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	f = fopen(portfile, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", ntohs(sa.sin_port));
	fclose(f);
	return l;
}

static int echo_serve(char **av)
{
	enum { MAXFD = 65536 };
	struct echo_conn **tab = calloc(MAXFD, sizeof *tab);
	uint64_t end = s6l_now_ms() + 1000u * (uint64_t)atoi(av[1]);
	int l = echo_listen(av[0]), ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, evs[256];

	if (!tab || l < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) < 0) {
		perror("echo");
		return 2;
	}
	while (s6l_now_ms() < end) {
		int n = epoll_wait(ep, evs, 256, 1000);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, c;
			if (fd != l) {
				echo_io(ep, fd, tab);
				continue;
			}
			while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
				if (c >= MAXFD || !(tab[c] = calloc(1, sizeof **tab)) ||
				    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0)
					close(c);
			}
		}
	}
	return 0;
}

/* ---- blocking helpers for the probe and the second echo round */

static bool wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};
	uint64_t now = s6l_now_ms();

	return now < deadline && poll(&p, 1, (int)(deadline - now)) == 1;
}

/* Read exactly n bytes (or until the reply is whole with k set). */
static ssize_t read_until(int fd, uint8_t *buf, size_t cap, const enum s6l_kind *k,
			  size_t n, uint64_t deadline)
{
	size_t have = 0;

	for (;;) {
		int want = k ? s6l_reply_len(*k, buf, have) : (have >= n ? (int)n : 0);
		if (want < 0)
			return -1;
		if (want > 0)
			return (size_t)want == have ? want : -1;
		if (have == cap || !wait_fd(fd, POLLIN, deadline))
			return -1;
		ssize_t r = read(fd, buf + have, cap - have);
		if (r <= 0 && !(r < 0 && errno == EAGAIN))
			return r == 0 || errno == ECONNRESET ? -2 : -1;
		if (r > 0)
			have += (size_t)r;
	}
}

static bool echo_line(int fd, unsigned id, uint64_t deadline)
{
	char line[LINE_LEN + 1];
	uint8_t back[LINE_LEN];

	snprintf(line, sizeof line, "line-%09u\n", id);
	if (!wait_fd(fd, POLLOUT, deadline) || write(fd, line, LINE_LEN) != LINE_LEN)
		return false;
	return read_until(fd, back, LINE_LEN, NULL, LINE_LEN, deadline) == LINE_LEN &&
	       memcmp(back, line, LINE_LEN) == 0;
}

/* Connect, request, wait for the reply: the fd, or -1 (-2: closed or
 * reset with no reply byte, what a client over the cap sees: the server
 * closes at once, a reset when the request had already arrived). */
static int open_relay(enum s6l_kind k, uint16_t proxy, uint16_t target, uint64_t deadline)
{
	uint8_t req[S6L_REQ_MAX], rep[512];
	size_t n = s6l_request(k, target, false, req);
	int fd = s6l_connect_nb(proxy);
	ssize_t r;

	if (fd < 0)
		return -1;
	if (!wait_fd(fd, POLLOUT, deadline) || write(fd, req, n) != (ssize_t)n) {
		bool reset = errno == EPIPE || errno == ECONNRESET;
		close(fd);
		return reset ? -2 : -1;
	}
	r = read_until(fd, rep, sizeof rep, &k, 0, deadline);
	if (r < 0) {
		close(fd);
		return r == -2 ? -2 : -1;
	}
	return fd;
}

/* "mix" alternates: even clients SOCKS4 to the first port, odd SOCKS6 to
 * the second of "P4,P6". */
struct target_spec {
	bool mix;
	enum s6l_kind kind;
	uint16_t port4, port6, target;
};

static int parse_spec(char **av, struct target_spec *t)
{
	memset(t, 0, sizeof *t);
	if (parse_port(av[2], &t->target) < 0)
		return -1;
	if (strcmp(av[0], "mix") == 0) {
		const char *comma = strchr(av[1], ',');
		t->mix = true;
		return comma && parse_port(av[1], &t->port4) == 0 &&
		       parse_port(comma + 1, &t->port6) == 0 ? 0 : -1;
	}
	if (!s6l_kind_parse(av[0], &t->kind) || parse_port(av[1], &t->port4) < 0)
		return -1;
	t->port6 = t->port4;
	return 0;
}

static void spec_pick(const struct target_spec *t, unsigned i, enum s6l_kind *k,
		      uint16_t *proxy)
{
	*k = t->mix ? (i % 2 ? S6L_SOCKS6 : S6L_SOCKS4) : t->kind;
	*proxy = *k == S6L_SOCKS6 ? t->port6 : t->port4;
}

static int hold_run(const struct target_spec *t, unsigned n, unsigned secs);

static int hold(char **av)
{
	struct target_spec t;
	long n = strtol(av[3], NULL, 10), secs = strtol(av[4], NULL, 10);

	if (parse_spec(av, &t) < 0 || n < 1 || n > HOLD_MAX || secs < 0 || secs > 60)
		return 2;
	return hold_run(&t, (unsigned)n, (unsigned)secs);
}

/* ---- hold: N relays set up concurrently (epoll), then held */

enum hold_step { H_CONNECTING, H_REPLY, H_ECHO, H_HELD, H_FAILED };

struct hold_conn {
	int fd;
	enum s6l_kind kind;
	enum hold_step step;
	uint8_t buf[512];
	size_t have;
};

static void hold_fail(struct hold_conn *h, const char *why, unsigned *failed)
{
	if (*failed < 5)
		fprintf(stderr, "hold: client fd %d: %s (%s)\n", h->fd, why, strerror(errno));
	(*failed)++;
	close(h->fd);
	h->fd = -1;
	h->step = H_FAILED;
}

/* One readiness event; true when the connection reached H_HELD now. */
static bool hold_step(struct hold_conn *h, uint16_t target, unsigned *failed)
{
	uint8_t req[S6L_REQ_MAX];
	ssize_t r;
	int len;

	if (h->step == H_CONNECTING) {
		size_t n = s6l_request(h->kind, target, false, req);
		if (write(h->fd, req, n) != (ssize_t)n)
			return hold_fail(h, "request", failed), false;
		h->step = H_REPLY;
		return false;
	}
	r = read(h->fd, h->buf + h->have, sizeof h->buf - h->have);
	if (r < 0 && errno == EAGAIN)
		return false;
	if (r <= 0)
		return hold_fail(h, r ? "read" : "closed", failed), false;
	h->have += (size_t)r;
	if (h->step == H_REPLY) {
		len = s6l_reply_len(h->kind, h->buf, h->have);
		if (len < 0 || (len > 0 && (size_t)len != h->have))
			return hold_fail(h, "reply", failed), false;
		if (len == 0)
			return false;
		h->have = 0;
		h->step = H_ECHO;
		if (write(h->fd, "hold-line-12345\n", LINE_LEN) != LINE_LEN)
			return hold_fail(h, "write", failed), false;
		return false;
	}
	if (h->have < LINE_LEN)
		return false;
	if (h->have != LINE_LEN || memcmp(h->buf, "hold-line-12345\n", LINE_LEN))
		return hold_fail(h, "echo", failed), false;
	h->step = H_HELD;
	return true;
}

static unsigned hold_setup(struct hold_conn *hc, const struct target_spec *t,
			   unsigned n, unsigned *failed)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t end = s6l_now_ms() + 20000;
	unsigned held = 0;
	struct epoll_event evs[256];

	for (unsigned i = 0; i < n; i++) {
		uint16_t proxy;
		spec_pick(t, i, &hc[i].kind, &proxy);
		hc[i].fd = s6l_connect_nb(proxy);
		hc[i].step = H_CONNECTING;
		struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = i};
		if (hc[i].fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, hc[i].fd, &ev) < 0)
			hold_fail(&hc[i], "connect", failed);
	}
	while (held + *failed < n && s6l_now_ms() < end) {
		int k = epoll_wait(ep, evs, 256, 500);
		for (int j = 0; j < k; j++) {
			struct hold_conn *h = &hc[evs[j].data.u32];
			if (h->step == H_FAILED)
				continue;
			if (hold_step(h, t->target, failed))
				held++;
			if (h->fd >= 0 && h->step == H_REPLY) {
				struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[j].data.u32};
				epoll_ctl(ep, EPOLL_CTL_MOD, h->fd, &ev);
			}
		}
	}
	close(ep);
	return held;
}

static int hold_run(const struct target_spec *t, unsigned n, unsigned secs)
{
	struct hold_conn *hc = calloc(n, sizeof *hc);
	unsigned failed = 0, held, again = 0;
	uint64_t t0 = s6l_now_ms();

	if (!hc)
		return 2;
	held = hold_setup(hc, t, n, &failed);
	printf("held %u/%u in %llu ms\n", held, n, (unsigned long long)(s6l_now_ms() - t0));
	sleep(secs);
	for (unsigned i = 0; i < n; i++)
		if (hc[i].step == H_HELD &&
		    echo_line(hc[i].fd, i, s6l_now_ms() + IO_TIMEOUT_MS))
			again++;
	printf("echo2 %u/%u\n", again, n);
	for (unsigned i = 0; i < n; i++)
		if (hc[i].fd >= 0)
			close(hc[i].fd);
	free(hc);
	return held == n && again == n ? 0 : 1;
}

/* ---- probe: the well-behaved client */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int probe(char **av)
{
	static uint64_t lat[PROBE_MAX];
	struct target_spec t;
	long secs = strtol(av[3], NULL, 10), ms = strtol(av[4], NULL, 10);
	uint64_t end, t0;
	unsigned n = 0, failed = 0;

	if (parse_spec(av, &t) < 0 || secs < 1 || secs > 120 || ms < 1)
		return 2;
	end = s6l_now_ms() + 1000u * (uint64_t)secs;
	while ((t0 = s6l_now_ms()) < end && n < PROBE_MAX) {
		enum s6l_kind k;
		uint16_t proxy;
		spec_pick(&t, n + failed, &k, &proxy);
		int fd = open_relay(k, proxy, t.target, t0 + IO_TIMEOUT_MS);
		bool ok = fd >= 0 && echo_line(fd, n, t0 + IO_TIMEOUT_MS);
		if (fd >= 0)
			close(fd);
		if (ok)
			lat[n++] = s6l_now_ms() - t0;
		else
			failed++;
		usleep((useconds_t)ms * 1000u);
	}
	qsort(lat, n, sizeof *lat, cmp_u64);
	printf("probe ok %u failed %u p50 %llu ms max %llu ms\n", n, failed,
	       (unsigned long long)(n ? lat[n / 2] : 0),
	       (unsigned long long)(n ? lat[n - 1] : 0));
	return n > 0 && failed == 0 ? 0 : 1;
}

static int refused(char **av)
{
	struct target_spec t;
	int fd;

	if (parse_spec(av, &t) < 0)
		return 2;
	fd = open_relay(t.kind, t.port4, t.target, s6l_now_ms() + IO_TIMEOUT_MS);
	if (fd >= 0)
		close(fd);
	printf("refused: %s\n", fd == -2 ? "closed without a reply" :
	       fd >= 0 ? "served" : "other failure");
	return fd == -2 ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(150); /* every mode ends well before */
	if (argc == 4 && strcmp(argv[1], "echo") == 0)
		return echo_serve(argv + 2);
	if (argc == 7 && strcmp(argv[1], "hold") == 0)
		return hold(argv + 2);
	if (argc == 7 && strcmp(argv[1], "probe") == 0)
		return probe(argv + 2);
	if (argc == 5 && strcmp(argv[1], "refused") == 0)
		return refused(argv + 2);
	if (argc == 6 && strcmp(argv[1], "slowloris") == 0)
		return s6l_slowloris(argv + 2);
	if (argc == 6 && strcmp(argv[1], "flood") == 0)
		return s6l_flood(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of s6_load.c\n");
	return 2;
}
