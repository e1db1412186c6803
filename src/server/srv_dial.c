/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s6_addr.h"
#include "srv_dial.h"

const char *srv_dial_reason(int err)
{
	switch (err) {
	case ECONNREFUSED: return "connection refused";
	case ETIMEDOUT: return "timeout";
	case ENETUNREACH: return "network unreachable";
	case EHOSTUNREACH: return "host unreachable";
	case EACCES:
	case EPERM: return "not permitted";
	case EADDRNOTAVAIL: return "address not available";
	case EAFNOSUPPORT: return "address family not supported";
	default: return "connection failed";
	}
}

static void finish(srv_dial *d, int fd, const char *reason)
{
	srv_lookup_cancel(&d->lookup);
	srv_timer_stop(d->loop, &d->deadline);
	if (fd >= 0)
		srv_watch_detach(d->loop, &d->sock);
	else
		srv_watch_close(d->loop, &d->sock);
	d->active = false;
	d->fn(d, fd, reason);
}

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static int open_socket(srv_dial *d, int family)
{
	int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
	int fd = -1;

	d->mptcp_used = false;
	if (d->mptcp) {
		fd = socket(family, type, IPPROTO_MPTCP);
		d->mptcp_used = fd >= 0;
	}
	if (fd < 0)
		fd = socket(family, type, 0);
	if (fd >= 0 && d->prepare)
		d->prepare(d, fd, family);
	return fd;
}

/* 0 or EINPROGRESS: the attempt is under way. With initial data the SYN
 * carries it when the kernel has a Fast Open cookie; without one (or
 * with TFO disabled) the data stays with the owner. */
static int start_connect(srv_dial *d, int fd, const struct sockaddr *sa)
{
	ssize_t n;

	d->idata_sent = 0;
	if (d->idata_len) {
		n = sendto(fd, d->idata, d->idata_len, MSG_FASTOPEN | MSG_NOSIGNAL,
			   sa, s6_addr_len(sa));
		if (n >= 0) {
			d->idata_sent = (size_t)n;
			return 0;
		}
		if (errno != EOPNOTSUPP)
			return errno;
	}
	if (connect(fd, sa, s6_addr_len(sa)) == 0)
		return 0;
	return errno;
}

/* Start a connect to the next address; false when no attempt is in flight. */
static bool attempt_next(srv_dial *d)
{
	while (d->next < d->addrs->n) {
		const struct sockaddr *sa = (const struct sockaddr *)&d->addrs->a[d->next++];
		int fd, err;

		if (d->allow && !d->allow(d, sa)) {
			d->last_err = EACCES;
			continue;
		}
		fd = open_socket(d, sa->sa_family);
		if (fd < 0) {
			d->last_err = errno;
			continue;
		}
		/* Connecting returns EINPROGRESS even on loopback; a 0 is
		 * handled the same way: writability reports the outcome. */
		err = start_connect(d, fd, sa);
		if (err == 0 || err == EINPROGRESS) {
			srv_watch_attach(&d->sock, fd);
			if (srv_watch_set(d->loop, &d->sock, EPOLLOUT))
				return true;
			d->last_err = errno;
			srv_watch_close(d->loop, &d->sock);
			continue;
		}
		d->last_err = err;
		close(fd);
	}
	return false;
}

static void try_addresses(srv_dial *d)
{
	if (!attempt_next(d))
		finish(d, -1, srv_dial_reason(d->last_err));
}

static void on_connect(srv_watch *w, uint32_t events)
{
	srv_dial *d = w->owner;
	int err = 0;
	socklen_t len = sizeof err;
	int one = 1;

	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		finish(d, w->fd, NULL);
		return;
	}
	d->last_err = err;
	srv_watch_close(d->loop, &d->sock);
	try_addresses(d);
}

static void on_lookup(srv_lookup *lk, const srv_addrs *res, const char *reason)
{
	srv_dial *d = lk->owner;

	if (!res) {
		finish(d, -1, reason);
		return;
	}
	d->addrs = res;
	d->next = 0;
	d->last_err = ECONNREFUSED;
	try_addresses(d);
}

static void on_deadline(srv_timer *t)
{
	finish(t->owner, -1, "timeout");
}

void srv_dial_init(srv_dial *d)
{
	memset(d, 0, sizeof *d);
	srv_lookup_init(&d->lookup);
	srv_watch_init(&d->sock, on_connect, d);
	srv_timer_init(&d->deadline, on_deadline, d);
}

bool srv_dial_start(srv_dial *d, srv_loop *l, srv_resolver *r, const char *host,
		    uint16_t port, unsigned timeout_ms, srv_dial_fn fn, void *owner)
{
	srv_dial_cancel(d);
	d->loop = l;
	d->fn = fn;
	d->owner = owner;
	if (!srv_lookup_start(&d->lookup, l, r, host, port, 0, on_lookup, d))
		return false;
	if (timeout_ms)
		srv_timer_arm(l, &d->deadline, timeout_ms);
	d->active = true;
	return true;
}

void srv_dial_cancel(srv_dial *d)
{
	if (!d->active)
		return;
	srv_lookup_cancel(&d->lookup);
	srv_timer_stop(d->loop, &d->deadline);
	srv_watch_close(d->loop, &d->sock);
	d->active = false;
}
