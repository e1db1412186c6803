/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "s6_addr.h"
#include "s6_log.h"
#include "srv_bind.h"
#include "srv_s6_backlog.h"
#include "srv_s6_reply.h"
#include "srv_s6_state.h"

static bool send_op(srv_conn *c, const struct sockaddr *addr, unsigned backlog, bool echo)
{
	uint8_t out[S6_SOCKS6_OP_REPLY_FIXED_LEN + 16 + SRV_S6_REPLY_OPTS_MAX];
	uint8_t mem[SRV_S6_REPLY_OPTS_MAX];
	srv_s6_stack st = {.backlog = echo, .backlog_v = (uint16_t)backlog};
	s6_s6opt_buf b;
	size_t n;

	s6_s6opt_buf_init(&b, mem, sizeof mem);
	srv_s6_stack_echo(&b, &st);
	n = srv_s6_pack_op(S6_SOCKS6_REP_SUCCESS, addr, b.buf, b.len, out, sizeof out);
	return n && srv_conn_send(c, out, n);
}

/* ---- the initial connection: flush its reply, then only watch for the
 * client's close (what it sends is discarded: it relays nothing). */

static void owner_event(srv_watch *w, uint32_t events)
{
	srv_conn *c = w->owner;
	ssize_t n;

	if (srv_buf_len(&c->down) && srv_buf_write(&c->down, w->fd) < 0 &&
	    !srv_errno_transient(errno)) {
		srv_conn_close(c);
		return;
	}
	srv_buf_clear(&c->up);
	n = srv_buf_read(&c->up, w->fd);
	if (n == 0 || (n < 0 && !srv_errno_transient(errno))) {
		srv_conn_close(c);
		return;
	}
	srv_buf_clear(&c->up);
	if (!srv_watch_set(c->srv->loop, w, EPOLLIN | (srv_buf_len(&c->down) ? EPOLLOUT : 0)))
		srv_conn_close(c);
}

/* ---- inbound connections go to the oldest waiting BIND */

static void listener_event(srv_watch *w, uint32_t events)
{
	srv_s6_backlog *b = w->owner;
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	srv_conn *c;
	int one = 1, fd;

	if (b->n_waiters == 0) {
		/* Leave connections queued in the kernel until a BIND asks. */
		srv_watch_set(b->srv->loop, w, 0);
		return;
	}
	fd = accept4(w->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = b->waiters[0];
	srv_s6_backlog_release(b, c);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!send_op(c, (struct sockaddr *)&peer, 0, false)) {
		close(fd);
		srv_conn_close(c);
		return;
	}
	srv_s6_log_reply(c->peer_str, &((srv_s6_state *)c->state)->log, S6_SOCKS6_REP_SUCCESS);
	srv_conn_relay(c, fd);
}

static int listen_on(srv_s6_backlog *b, const struct sockaddr *where)
{
	socklen_t len = sizeof b->local;
	int fd = socket(where->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;

	if (fd < 0)
		return errno;
	memcpy(&ss, where, s6_addr_len(where));
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	if (bind(fd, (struct sockaddr *)&ss, s6_addr_len(where)) < 0 ||
	    listen(fd, (int)b->backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&b->local, &len) < 0) {
		int err = errno;
		close(fd);
		return err;
	}
	srv_watch_init(&b->listener, listener_event, b);
	srv_watch_attach(&b->listener, fd);
	return 0;
}

int srv_s6_backlog_open(srv_conn *c, srv_s6_session *s, const struct sockaddr *where,
			unsigned requested)
{
	srv_s6_state *st = c->state;
	srv_s6_backlog *b = calloc(1, sizeof *b);
	int err;

	if (!b)
		return ENOMEM;
	b->srv = c->srv;
	b->backlog = requested < SRV_S6_BACKLOG_MAX ? requested : SRV_S6_BACKLOG_MAX;
	err = listen_on(b, where);
	if (err) {
		free(b);
		return err;
	}
	memcpy(b->sid, s->id, sizeof b->sid);
	b->owner = c;
	s->backlog = b;
	st->backlog = b;
	if (!send_op(c, (struct sockaddr *)&b->local, b->backlog, true)) {
		srv_conn_close(c);
		return 0;
	}
	c->phase = SRV_RELAY;
	c->client.fn = owner_event;
	c->client.owner = c;
	owner_event(&c->client, 0);
	return 0;
}

srv_s6_backlog *srv_s6_backlog_match(srv_s6_session *s, const struct sockaddr *addr)
{
	srv_s6_backlog *b = s->backlog;

	if (!b || !srv_addr_same_host(addr, (struct sockaddr *)&b->local) ||
	    s6_addr_port(addr) != s6_addr_port((struct sockaddr *)&b->local))
		return NULL;
	return b;
}

bool srv_s6_backlog_wait(srv_s6_backlog *b, srv_conn *c)
{
	srv_s6_state *st = c->state;

	if (b->n_waiters == SRV_S6_BACKLOG_MAX)
		return false;
	if (!send_op(c, (struct sockaddr *)&b->local, b->backlog, st->stack.backlog)) {
		srv_conn_close(c);
		return true;
	}
	b->waiters[b->n_waiters++] = c;
	st->waiting_on = b;
	if (c->srv->cfg.bind_ms)
		srv_timer_arm(c->srv->loop, &st->wait_timer, c->srv->cfg.bind_ms);
	if (!srv_watch_set(c->srv->loop, &b->listener, EPOLLIN))
		srv_conn_close(c);
	return true;
}

static void close_backlog(srv_s6_backlog *b)
{
	srv_s6_session *s = srv_s6_session_find(b->srv->s6_sessions, b->sid,
						sizeof b->sid, srv_now_ms());

	if (s && s->backlog == b)
		s->backlog = NULL;
	while (b->n_waiters) {
		srv_conn *w = b->waiters[0];
		srv_s6_backlog_release(b, w);
		srv_s6_fail_op(w, S6_SOCKS6_REP_FAILURE);
	}
	srv_watch_close(b->srv->loop, &b->listener);
	free(b);
}

void srv_s6_backlog_release(srv_s6_backlog *b, srv_conn *c)
{
	srv_s6_state *st = c->state;
	size_t i;

	if (b->owner == c) {
		st->backlog = NULL;
		close_backlog(b);
		return;
	}
	for (i = 0; i < b->n_waiters && b->waiters[i] != c; i++)
		;
	if (i == b->n_waiters)
		return;
	memmove(&b->waiters[i], &b->waiters[i + 1], (b->n_waiters - i - 1) * sizeof *b->waiters);
	b->n_waiters--;
	st->waiting_on = NULL;
	srv_timer_stop(c->srv->loop, &st->wait_timer);
}
