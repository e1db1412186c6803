/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "s6_log.h"
#include "srv_conn.h"

/* How long a refused client gets to read its reply before the close. */
#define SRV_LINGER_MS 2000
/* A hand-over takes at most this much of the client end's input (what a
 * socketpair holds is far less), in at most this many reads. */
#define SRV_HANDOVER_MAX (4 * 1024 * 1024)
#define SRV_HANDOVER_READS 64

#define CONN_OF(ptr, member) \
	((srv_conn *)(void *)((char *)(ptr) - offsetof(srv_conn, member)))

static void conn_reap(srv_deferred *d)
{
	srv_conn *c = CONN_OF(d, reap);

	srv_buf_free(&c->up);
	srv_buf_free(&c->down);
	free(c->state);
	free(c);
}

void srv_conn_close(srv_conn *c)
{
	srv_server *s = c->srv;

	if (c->closed)
		return;
	c->closed = true;
	srv_conn_set_front(c, NULL);
	srv_relay_stop(&c->relay);
	if (c->proto->release)
		c->proto->release(c);
	srv_timer_stop(s->loop, &c->timer);
	srv_watch_close(s->loop, &c->client);
	srv_watch_close(s->loop, &c->target);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	srv_loop_defer(s->loop, &c->reap, conn_reap);
}

void srv_conn_close_all(srv_server *s)
{
	while (s->conns)
		srv_conn_close(s->conns);
}

/* ---- HANDSHAKE and PENDING: the connection's own client handling */

static void update_client(srv_conn *c)
{
	uint32_t ev = 0;

	if (!c->client_eof && srv_buf_room(&c->up) > 0)
		ev |= EPOLLIN;
	if (srv_buf_len(&c->down) > 0 && !c->hold_down)
		ev |= EPOLLOUT;
	if (!srv_watch_set(c->srv->loop, &c->client, ev))
		srv_conn_close(c);
}

ssize_t srv_conn_read_client(srv_conn *c)
{
	ssize_t n;

	if (c->client_eof || srv_buf_room(&c->up) == 0)
		return 0;
	n = srv_buf_read(&c->up, c->client.fd);
	if (n < 0 && srv_errno_transient(errno))
		return 0;
	if (n == 0)
		c->client_eof = true;
	return n;
}

/* Read what the client sent; in HANDSHAKE let the protocol look at it.
 * False when the connection is gone or has left these two phases. */
static bool client_read(srv_conn *c)
{
	ssize_t n = srv_conn_read_client(c);

	if (n < 0) {
		s6_log(S6_LOG_DEBUG, "%s: %s", c->peer_str, strerror(errno));
		srv_conn_close(c);
		return false;
	}
	if (c->phase != SRV_HANDSHAKE)
		return true;
	if (n > 0)
		c->proto->input(c);
	if (c->closed || c->phase != SRV_HANDSHAKE)
		return !c->closed && c->phase == SRV_PENDING;
	if (c->client_eof || srv_buf_room(&c->up) == 0) {
		s6_log(S6_LOG_DEBUG, "%s: closed before completing a request",
		       c->peer_str);
		srv_conn_close(c);
		return false;
	}
	return true;
}

static bool client_flush(srv_conn *c)
{
	if (srv_buf_write(&c->down, c->client.fd) < 0 && !srv_errno_transient(errno)) {
		s6_log(S6_LOG_DEBUG, "%s: %s", c->peer_str, strerror(errno));
		srv_conn_close(c);
		return false;
	}
	return true;
}

/* CLOSING: flush the refusal, shut our side, drain until the client's EOF
 * (closing with unread input would send a reset that can destroy the
 * reply still in flight). */
static void linger_step(srv_conn *c)
{
	ssize_t n;

	if (!client_flush(c))
		return;
	if (srv_buf_len(&c->down) > 0) {
		if (!srv_watch_set(c->srv->loop, &c->client, EPOLLOUT))
			srv_conn_close(c);
		return;
	}
	if (!c->shut_sent) {
		shutdown(c->client.fd, SHUT_WR);
		c->shut_sent = true;
	}
	srv_buf_clear(&c->up);
	n = srv_buf_read(&c->up, c->client.fd);
	if (n == 0 || (n < 0 && !srv_errno_transient(errno))) {
		srv_conn_close(c);
		return;
	}
	if (!srv_watch_set(c->srv->loop, &c->client, EPOLLIN))
		srv_conn_close(c);
}

static void client_event(srv_watch *w, uint32_t events)
{
	srv_conn *c = w->owner;

	if (c->phase == SRV_CLOSING) {
		linger_step(c);
		return;
	}
	if (!client_read(c) || (!c->hold_down && !client_flush(c)))
		return;
	update_client(c);
}

static void conn_timer(srv_timer *t)
{
	srv_conn *c = t->owner;

	if (c->phase == SRV_HANDSHAKE)
		s6_log(S6_LOG_INFO, "%s: closed: no complete request in time "
		       "(handshake timeout)", c->peer_str);
	srv_conn_close(c);
}

/* ---- for protocol handlers */

void srv_conn_handshake_done(srv_conn *c)
{
	c->phase = SRV_PENDING;
	srv_timer_stop(c->srv->loop, &c->timer);
}

bool srv_conn_send(srv_conn *c, const void *p, size_t n)
{
	if (c->closed || !srv_buf_append(&c->down, p, n))
		return false;
	if (c->phase == SRV_HANDSHAKE || c->phase == SRV_PENDING)
		update_client(c);
	return true;
}

void srv_conn_hold(srv_conn *c, bool hold)
{
	c->hold_down = hold;
}

void srv_conn_refuse(srv_conn *c, const void *p, size_t n)
{
	srv_loop *l = c->srv->loop;

	if (c->closed)
		return;
	c->hold_down = false;
	srv_relay_stop(&c->relay);
	srv_watch_close(l, &c->target);
	c->phase = SRV_CLOSING;
	c->client.fn = client_event;
	c->client.owner = c;
	srv_buf_clear(&c->up);
	srv_buf_append(&c->down, p, n);
	srv_timer_arm(l, &c->timer, SRV_LINGER_MS);
	/* Writability starts linger_step even when nothing is queued. */
	if (!srv_watch_set(l, &c->client, EPOLLOUT))
		srv_conn_close(c);
}

static void relay_done(srv_relay *r, int err)
{
	srv_conn *c = r->owner;

	if (err == ETIMEDOUT)
		s6_log(S6_LOG_INFO, "%s: closed: idle timeout", c->peer_str);
	s6_log(S6_LOG_DEBUG, "%s: closed: %" PRIu64 " bytes from client, %"
	       PRIu64 " bytes to client%s%s", c->peer_str, r->up.bytes,
	       r->down.bytes, err ? ", " : "", err ? strerror(err) : "");
	srv_conn_close(c);
}

void srv_conn_relay(srv_conn *c, int target_fd)
{
	srv_server *s = c->srv;

	if (c->closed) {
		close(target_fd);
		return;
	}
	srv_watch_attach(&c->target, target_fd);
	c->hold_down = false;
	c->phase = SRV_RELAY;
	if (!srv_relay_start(&c->relay, s->loop, &c->client, &c->target, &c->up,
			     &c->down, c->client_eof, s->cfg.idle_ms, relay_done, c))
		srv_conn_close(c);
}

/* ---- hand-over to the front */

void srv_conn_set_front(srv_conn *c, srv_conn_front *f)
{
	if (c->front)
		c->front->conn = NULL;
	c->front = f;
	if (f)
		f->conn = c;
}

/* Read all the client end has delivered into c->up, growing it: the front
 * takes the target, and no byte may stay behind in this socket. False on
 * an error or when it does not end. */
static bool drain_client(srv_conn *c)
{
	for (int i = 0; i < SRV_HANDOVER_READS && !c->client_eof; i++) {
		ssize_t n;

		if (srv_buf_room(&c->up) == 0 &&
		    (c->up.cap * 2 > SRV_HANDOVER_MAX || !srv_buf_grow(&c->up, c->up.cap * 2)))
			return false;
		n = srv_buf_read(&c->up, c->client.fd);
		if (n == 0)
			c->client_eof = true;
		else if (n < 0)
			return srv_errno_transient(errno);
	}
	return c->client_eof;
}

void srv_conn_relay_direct(srv_conn *c, int target_fd)
{
	srv_conn_handover h;

	if (c->closed || !c->front || !drain_client(c)) {
		srv_conn_relay(c, target_fd);
		return;
	}
	h = (srv_conn_handover){
		.target_fd = target_fd,
		.up = &c->up,
		.down = &c->down,
		.client_eof = c->client_eof,
	};
	if (!c->front->take(c->front, &h)) {
		srv_conn_relay(c, target_fd);
		return;
	}
	s6_log(S6_LOG_DEBUG, "%s: relayed by its front", c->peer_str);
	srv_conn_close(c);
}

/* ---- creation */

static bool conn_setup(srv_conn *c, int fd, const struct sockaddr *peer,
		       const struct sockaddr *local)
{
	socklen_t len = sizeof c->local;
	int one = 1;

	s6_addr_unmap(peer, &c->peer);
	s6_addr_format((struct sockaddr *)&c->peer, c->peer_str, sizeof c->peer_str);
	if (local)
		memcpy(&c->local, local, s6_addr_len(local));
	else if (getsockname(fd, (struct sockaddr *)&c->local, &len) < 0)
		return false;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->state = calloc(1, c->proto->state_size ? c->proto->state_size : 1);
	return c->state && srv_buf_init(&c->up, SRV_BUF_SIZE) &&
	       srv_buf_init(&c->down, SRV_BUF_SIZE);
}

bool srv_conn_new(srv_server *s, int fd, const struct sockaddr *peer,
		  const srv_proto *proto)
{
	return srv_conn_new_via(s, fd, peer, NULL, proto) != NULL;
}

srv_conn *srv_conn_new_via(srv_server *s, int fd, const struct sockaddr *peer,
			   const struct sockaddr *local, const srv_proto *proto)
{
	srv_conn *c = calloc(1, sizeof *c);

	if (c)
		c->proto = proto;
	if (!c || !conn_setup(c, fd, peer, local)) {
		s6_log(S6_LOG_ERROR, "cannot take a new connection: %s",
		       c ? "out of resources" : "out of memory");
		if (c)
			conn_reap(&c->reap);
		close(fd);
		return NULL;
	}
	c->srv = s;
	srv_watch_init(&c->client, client_event, c);
	srv_watch_attach(&c->client, fd);
	srv_watch_init(&c->target, client_event, c);
	srv_timer_init(&c->timer, conn_timer, c);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	if (proto->init)
		proto->init(c);
	if (s->cfg.handshake_ms)
		srv_timer_arm(s->loop, &c->timer, s->cfg.handshake_ms);
	update_client(c);
	return c->closed ? NULL : c;
}
