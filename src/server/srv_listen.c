/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "s6_addr.h"
#include "s6_log.h"
#include "srv_listen.h"

/* Queue length for pending TCP Fast Open requests on each listener. */
#define SRV_TFO_QLEN 256

#define ACCEPTS_PER_EVENT 64
#define PAUSE_MS 100
#define REFUSE_LOG_MS 1000

/* At the cap every further connection is refused; the line for it is
 * logged at most once a second (with how many went unlogged before it),
 * as a connection flood would otherwise become a log flood. */
static void refuse_over_limit(srv_listener *ls, int fd, const struct sockaddr *peer)
{
	char buf[S6_ADDR_STR_MAX], more[48] = "";
	struct sockaddr_storage ss;
	uint64_t now = srv_now_ms();

	close(fd);
	if (ls->cap_logged_ms && now - ls->cap_logged_ms < REFUSE_LOG_MS) {
		ls->cap_unlogged++;
		return;
	}
	if (ls->cap_unlogged)
		snprintf(more, sizeof more, "; %u more not logged", ls->cap_unlogged);
	ls->cap_logged_ms = now;
	ls->cap_unlogged = 0;
	s6_addr_unmap(peer, &ss);
	s6_log(S6_LOG_ERROR, "%s: rejected: too many clients (max-clients %u)%s",
	       s6_addr_format((struct sockaddr *)&ss, buf, sizeof buf),
	       ls->srv->cfg.max_clients, more);
}

/* Out of descriptors: the pending connection stays queued and epoll would
 * report it again at once, so stop watching for a moment. */
static void pause_accepting(srv_listener *ls)
{
	s6_log(S6_LOG_ERROR, "accept: %s; pausing for %d ms", strerror(errno), PAUSE_MS);
	srv_watch_set(ls->srv->loop, &ls->watch, 0);
	srv_timer_arm(ls->srv->loop, &ls->pause, PAUSE_MS);
}

static void resume_accepting(srv_timer *t)
{
	srv_listener *ls = t->owner;

	srv_watch_set(ls->srv->loop, &ls->watch, EPOLLIN);
}

static void on_accept(srv_watch *w, uint32_t events)
{
	srv_listener *ls = w->owner;
	srv_server *s = ls->srv;

	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd = accept4(w->fd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				pause_accepting(ls);
			else if (!srv_errno_transient(errno))
				s6_log(S6_LOG_ERROR, "accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= s->cfg.max_clients)
			refuse_over_limit(ls, fd, (struct sockaddr *)&peer);
		else if (ls->proto->accept)
			ls->proto->accept(s, fd, (struct sockaddr *)&peer);
		else
			srv_conn_new(s, fd, (struct sockaddr *)&peer, ls->proto);
	}
}

static int open_socket(const struct sockaddr *addr, struct sockaddr_storage *actual)
{
	socklen_t len = sizeof *actual;
	int one = 1, qlen = SRV_TFO_QLEN;
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* [::]:P and 0.0.0.0:P must be able to coexist as two listeners. */
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	/* Clients may put their request in the SYN (SOCKS6 recommends TFO on
	 * the client-proxy leg); without server TFO in net.ipv4.tcp_fastopen
	 * this has no effect and a plain handshake follows. */
	setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof qlen);
	if (bind(fd, addr, s6_addr_len(addr)) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)actual, &len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

bool srv_listen_add(srv_server *s, const struct sockaddr *addr, const srv_proto *proto)
{
	char buf[S6_ADDR_STR_MAX];
	srv_listener *ls = calloc(1, sizeof *ls);
	int fd;

	if (!ls)
		return false;
	fd = open_socket(addr, &ls->addr);
	if (fd < 0) {
		s6_log(S6_LOG_ERROR, "cannot listen on %s: %s",
		       s6_addr_format(addr, buf, sizeof buf), strerror(errno));
		free(ls);
		return false;
	}
	ls->srv = s;
	ls->proto = proto;
	srv_watch_init(&ls->watch, on_accept, ls);
	srv_watch_attach(&ls->watch, fd);
	srv_timer_init(&ls->pause, resume_accepting, ls);
	ls->next = s->listeners;
	s->listeners = ls;
	if (!srv_watch_set(s->loop, &ls->watch, EPOLLIN))
		return false;
	s6_log(S6_LOG_INFO, "listening %s %s", proto->name,
	       s6_addr_format((struct sockaddr *)&ls->addr, buf, sizeof buf));
	return true;
}

void srv_listen_close_all(srv_server *s)
{
	while (s->listeners) {
		srv_listener *ls = s->listeners;
		s->listeners = ls->next;
		srv_timer_stop(s->loop, &ls->pause);
		srv_watch_close(s->loop, &ls->watch);
		free(ls);
	}
}
