/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_udpnb MODE HOST PORT [SLOW_MS]: UDP first datagrams against a slow
 * SOCKS6 proxy (t_socks6_udp_nb.sh), to an echo server at HOST:PORT.
 *   nb      non-blocking sendto returns at once; the queue takes 8
 *           datagrams, the 9th gets EAGAIN; all 8 come back (poll)
 *   nbconn  non-blocking connect and send return at once; getpeername is
 *           the destination; an epoll registration made first sees the echo
 *   block   a blocking sendto waits for the association
 *   nbfail  the association cannot be made (ECONNREFUSED): the first
 *           sendto is accepted at once; poll and epoll report POLLERR,
 *           SO_ERROR returns the errno once (then neither does); the next sendto tries again and is
 *           accepted; a blocking read on the socket returns the errno at
 *           once (not after SO_RCVTIMEO); a blocking sendto fails with it
 *   full    the queue full: poll, select and epoll (registered before and
 *           while full) do not see the socket writable; a poller and an
 *           epoll waiter wake once the association is up, and a send goes
 * The echo must come later than SLOW_MS (the proxy really was slow). Prints
 * "ok MODE ..." or "fail MODE: why"; exit 1 on failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FAST_MS 500
#define QUEUE 8

static const char *mode;

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static void die(const char *why)
{
	printf("fail %s: %s (errno %s)\n", mode, why, strerrorname_np(errno) ?: "0");
	exit(1);
}

static int sock(const char *host, const char *port, struct sockaddr_storage *dst, socklen_t *len,
		bool nb)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("getaddrinfo");
	int s = socket(ai->ai_family, SOCK_DGRAM | (nb ? SOCK_NONBLOCK : 0), 0);
	if (s < 0)
		die("socket");
	memcpy(dst, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return s;
}

/* One echo of "dgram-i", within 5 s. Returns when it came (ms since t0). */
static long echo_back(int s, int i, long t0)
{
	char want[32], got[64];
	struct pollfd p = { .fd = s, .events = POLLIN };

	snprintf(want, sizeof want, "dgram-%d", i);
	for (int round = 0; round < 50; round++) {
		if (poll(&p, 1, 5000) != 1)
			die("no echo within 5 s");
		ssize_t n = recv(s, got, sizeof got - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			die("recv");
		got[n] = 0;
		if (strcmp(got, want) != 0)
			die("echo differs");
		return now_ms() - t0;
	}
	die("only EAGAIN");
	return 0;
}

static void send_fast(int s, int i, const struct sockaddr_storage *dst, socklen_t len)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "dgram-%d", i);
	long t = now_ms();

	if (sendto(s, buf, (size_t)n, 0, (const struct sockaddr *)dst, dst ? len : 0) != n)
		die("sendto");
	if (now_ms() - t > FAST_MS)
		die("sendto blocked");
}

static void nb(int s, const struct sockaddr_storage *dst, socklen_t len, long slow)
{
	long t0 = now_ms(), last = 0;

	for (int i = 0; i < QUEUE; i++)
		send_fast(s, i, dst, len);
	if (sendto(s, "x", 1, 0, (const struct sockaddr *)dst, len) != -1 || errno != EAGAIN)
		die("a full queue did not say EAGAIN");
	for (int i = 0; i < QUEUE; i++)
		last = echo_back(s, i, t0);
	if (last < slow)
		die("the proxy was not slow: the test proves nothing");
	printf("ok nb queued %d, EAGAIN beyond, echoes after %ld ms\n", QUEUE, last);
}

static void nbconn(int s, const struct sockaddr_storage *dst, socklen_t len, long slow)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof peer;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep = epoll_create1(0);
	long t0 = now_ms();

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0)
		die("epoll");
	if (connect(s, (const struct sockaddr *)dst, len) < 0)
		die("connect");
	if (now_ms() - t0 > FAST_MS)
		die("connect blocked");
	if (getpeername(s, (struct sockaddr *)&peer, &pl) < 0 || pl != len ||
	    memcmp(&peer, dst, len) != 0)
		die("getpeername is not the destination");
	send_fast(s, 0, NULL, 0);
	if (epoll_wait(ep, &out, 1, 5000) != 1 || !(out.events & EPOLLIN))
		die("epoll did not report the echo");
	long t = echo_back(s, 0, t0);
	if (t < slow)
		die("the proxy was not slow: the test proves nothing");
	printf("ok nbconn echo after %ld ms\n", t);
}

static void block(int s, const struct sockaddr_storage *dst, socklen_t len, long slow)
{
	long t0 = now_ms();

	if (sendto(s, "dgram-0", 7, 0, (const struct sockaddr *)dst, len) != 7)
		die("sendto");
	long t = now_ms() - t0;
	if (t < slow)
		die("a blocking sendto did not wait for the association");
	echo_back(s, 0, t0);
	printf("ok block sendto waited %ld ms\n", t);
}

static void nbfail_sent(int s, const struct sockaddr_storage *dst, socklen_t len, long t0)
{
	if (sendto(s, "y", 1, 0, (const struct sockaddr *)dst, len) != 1)
		die("sendto starting a background association was not accepted");
	if (now_ms() - t0 > FAST_MS)
		die("sendto blocked");
}

static void nbfail(int s, const struct sockaddr_storage *dst, socklen_t len)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	struct timeval tv = { 5, 0 };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5eed }, out = { 0 };
	int err = -1, ep = epoll_create1(0);
	socklen_t el = sizeof err;
	char c;
	long t0 = now_ms();

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0)
		die("epoll");
	nbfail_sent(s, dst, len, t0);
	if (epoll_wait(ep, &out, 1, 3000) != 1 || out.events != EPOLLERR || out.data.u64 != 0x5eed ||
	    now_ms() - t0 > 1500)
		die("epoll did not report EPOLLERR for the failed association");
	if (poll(&p, 1, 3000) != 1 || !(p.revents & POLLERR))
		die("poll did not report POLLERR for the failed association");
	if (epoll_wait(ep, &out, 1, 0) != 1 || out.events != EPOLLERR)
		die("epoll (level-triggered) did not report EPOLLERR again");
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != ECONNREFUSED)
		die("SO_ERROR is not ECONNREFUSED");
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0)
		die("SO_ERROR was not cleared");
	if (poll(&p, 1, 0) != 0)
		die("poll still reports the error after SO_ERROR");
	if (epoll_wait(ep, &out, 1, 0) != 0)
		die("epoll still reports the error after SO_ERROR");
	close(ep);
	if (recv(s, &c, 1, 0) != -1 || errno != EAGAIN)
		die("recv after SO_ERROR is not EAGAIN");
	t0 = now_ms();
	nbfail_sent(s, dst, len, t0); /* a new attempt, failing again */
	if (fcntl(s, F_SETFL, 0) < 0 || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		die("fcntl");
	if (read(s, &c, 1) != -1 || errno != ECONNREFUSED)
		die("a blocking read did not return the failure");
	if (now_ms() - t0 > 1500)
		die("a blocking read waited for its timeout");
	if (sendto(s, "y", 1, 0, (const struct sockaddr *)dst, len) != -1 || errno != ECONNREFUSED)
		die("a blocking sendto did not fail with ECONNREFUSED");
	printf("ok nbfail queued, POLLERR, EPOLLERR, SO_ERROR once, blocking read %s at once\n",
	       strerrorname_np(ECONNREFUSED));
}

struct ep_waiter {
	int ep;
	uint32_t events;
	long at;
};

static void *ep_wait_main(void *arg)
{
	struct ep_waiter *w = arg;
	struct epoll_event out = { 0 };

	if (epoll_wait(w->ep, &out, 1, 5000) == 1)
		w->events = out.events;
	w->at = now_ms();
	return NULL;
}

/* Not writable while the queue is full (each wait must time out). */
static void full_held(int s, int ep, const struct sockaddr_storage *dst, socklen_t len)
{
	struct pollfd p = { .fd = s, .events = POLLOUT };
	struct timeval tv = { 0, 200000 };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	fd_set w;
	int ep2 = epoll_create1(0);

	for (int i = 0; i < QUEUE; i++)
		send_fast(s, i, dst, len);
	if (sendto(s, "x", 1, 0, (const struct sockaddr *)dst, len) != -1 || errno != EAGAIN)
		die("a full queue did not say EAGAIN");
	if (poll(&p, 1, 200) != 0)
		die("poll reported a full queue writable");
	FD_ZERO(&w);
	FD_SET(s, &w);
	if (select(s + 1, NULL, &w, NULL, &tv) != 0)
		die("select reported a full queue writable");
	if (epoll_wait(ep, &out, 1, 200) != 0)
		die("epoll (registered before) reported a full queue writable");
	if (ep2 < 0 || epoll_ctl(ep2, EPOLL_CTL_ADD, s, &ev) < 0)
		die("epoll");
	if (epoll_wait(ep2, &out, 1, 100) != 0)
		die("epoll (registered while full) reported a full queue writable");
	close(ep2);
}

static void full(int s, const struct sockaddr_storage *dst, socklen_t len, long slow)
{
	struct epoll_event ev = { .events = EPOLLOUT }, out;
	struct pollfd p = { .fd = s, .events = POLLOUT };
	struct ep_waiter w = { .ep = epoll_create1(0) };
	pthread_t th;
	long t0 = now_ms();

	if (w.ep < 0 || epoll_ctl(w.ep, EPOLL_CTL_ADD, s, &ev) < 0)
		die("epoll");
	if (epoll_wait(w.ep, &out, 1, 0) != 1)
		die("a fresh socket is not writable");
	full_held(s, w.ep, dst, len);
	if (pthread_create(&th, NULL, ep_wait_main, &w) != 0)
		die("pthread_create");
	if (poll(&p, 1, 5000) != 1 || !(p.revents & POLLOUT))
		die("poll did not wake when the association was up");
	long t = now_ms() - t0;
	pthread_join(th, NULL);
	if (!(w.events & EPOLLOUT) || w.at - t0 > t + 1000)
		die("the epoll waiter did not wake when the association was up");
	if (t < slow)
		die("the proxy was not slow: the test proves nothing");
	send_fast(s, QUEUE, dst, len);
	for (int i = 0; i <= QUEUE; i++)
		echo_back(s, i, t0);
	printf("ok full not writable while held, poll woke after %ld ms, epoll after %ld ms\n",
	       t, w.at - t0);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t len;

	if (argc < 4)
		return 2;
	mode = argv[1];
	long slow = argc > 4 ? atol(argv[4]) : 0;
	int s = sock(argv[2], argv[3], &dst, &len, strcmp(mode, "block") != 0);
	if (!strcmp(mode, "nb"))
		nb(s, &dst, len, slow);
	else if (!strcmp(mode, "nbconn"))
		nbconn(s, &dst, len, slow);
	else if (!strcmp(mode, "block"))
		block(s, &dst, len, slow);
	else if (!strcmp(mode, "full"))
		full(s, &dst, len, slow);
	else if (!strcmp(mode, "nbfail"))
		nbfail(s, &dst, len);
	else
		return 2;
	close(s);
	return 0;
}
