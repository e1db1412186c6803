/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "s6_addr.h"
#include "srv_bind.h"
#include "srv_relay.h"

bool srv_addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	struct sockaddr_storage x, y;

	s6_addr_unmap(a, &x);
	s6_addr_unmap(b, &y);
	if (x.ss_family != y.ss_family)
		return false;
	if (x.ss_family == AF_INET)
		return memcmp(&((struct sockaddr_in *)&x)->sin_addr,
			      &((struct sockaddr_in *)&y)->sin_addr, 4) == 0;
	if (x.ss_family == AF_INET6)
		return memcmp(&((struct sockaddr_in6 *)&x)->sin6_addr,
			      &((struct sockaddr_in6 *)&y)->sin6_addr, 16) == 0;
	return false;
}

static bool expected(const srv_bind *b)
{
	if (b->expect.n == 0)
		return true; /* SOCKS6: any source */
	for (size_t i = 0; i < b->expect.n; i++)
		if (srv_addr_same_host((const struct sockaddr *)&b->peer,
				       (const struct sockaddr *)&b->expect.a[i]))
			return true;
	return false;
}

static void finish(srv_bind *b, int fd, const char *reason)
{
	srv_timer_stop(b->loop, &b->deadline);
	srv_watch_close(b->loop, &b->listener);
	b->active = false;
	b->fn(b, fd, reason);
}

static void on_accept(srv_watch *w, uint32_t events)
{
	srv_bind *b = w->owner;
	socklen_t len = sizeof b->peer;
	int one = 1;
	int fd;

	fd = accept4(w->fd, (struct sockaddr *)&b->peer, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (srv_errno_transient(errno) || errno == ECONNABORTED)
			return;
		finish(b, -1, "accept failed");
		return;
	}
	/* One connection only: the listener closes whatever the outcome. */
	b->have_peer = true;
	if (!expected(b)) {
		close(fd);
		finish(b, -1, "inbound connection from an unexpected address");
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	finish(b, fd, NULL);
}

static void on_deadline(srv_timer *t)
{
	finish(t->owner, -1, "timeout");
}

void srv_bind_init(srv_bind *b)
{
	memset(b, 0, sizeof *b);
	srv_watch_init(&b->listener, on_accept, b);
	srv_timer_init(&b->deadline, on_deadline, b);
}

static int open_listener(srv_bind *b, const struct sockaddr *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = s6_addr_len(addr);
	int fd;

	memcpy(&ss, addr, len);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	len = sizeof b->local;
	if (bind(fd, (struct sockaddr *)&ss, s6_addr_len(addr)) < 0 ||
	    listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&b->local, &len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int srv_bind_start(srv_bind *b, srv_loop *l, const struct sockaddr *addr,
		   const srv_addrs *expect, unsigned timeout_ms,
		   srv_bind_fn fn, void *owner)
{
	int fd;

	srv_bind_cancel(b);
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return EAFNOSUPPORT;
	b->loop = l;
	fd = open_listener(b, addr);
	if (fd < 0)
		return errno;
	srv_watch_attach(&b->listener, fd);
	if (!srv_watch_set(l, &b->listener, EPOLLIN)) {
		int err = errno;
		srv_watch_close(l, &b->listener);
		return err;
	}
	b->expect = *expect;
	b->have_peer = false;
	b->fn = fn;
	b->owner = owner;
	if (timeout_ms)
		srv_timer_arm(l, &b->deadline, timeout_ms);
	b->active = true;
	return 0;
}

void srv_bind_cancel(srv_bind *b)
{
	if (!b->active)
		return;
	srv_timer_stop(b->loop, &b->deadline);
	srv_watch_close(b->loop, &b->listener);
	b->active = false;
}
