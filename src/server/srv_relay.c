/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s6_addr.h"
#include "srv_relay.h"

/* ---- buffers */

bool srv_buf_init(srv_buf *b, size_t cap)
{
	b->data = malloc(cap);
	b->head = b->tail = 0;
	b->cap = b->data ? cap : 0;
	return b->data != NULL;
}

void srv_buf_free(srv_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->head = b->tail = b->cap = 0;
}

void srv_buf_clear(srv_buf *b)
{
	b->head = b->tail = 0;
}

/* Move pending bytes to the front so the free space is contiguous. */
static void buf_compact(srv_buf *b)
{
	size_t len = srv_buf_len(b);

	if (b->head == 0)
		return;
	memmove(b->data, b->data + b->head, len);
	b->head = 0;
	b->tail = len;
}

uint8_t *srv_buf_tail(srv_buf *b, size_t n, size_t *room)
{
	if (n > srv_buf_room(b))
		return NULL;
	if (n > b->cap - b->tail)
		buf_compact(b);
	*room = b->cap - b->tail;
	return b->data + b->tail;
}

bool srv_buf_append(srv_buf *b, const void *p, size_t n)
{
	size_t room;
	uint8_t *t = srv_buf_tail(b, n, &room);

	if (!t)
		return false;
	if (n > 0)
		memcpy(t, p, n);
	b->tail += n;
	return true;
}

void srv_buf_consume(srv_buf *b, size_t n)
{
	b->head += n < srv_buf_len(b) ? n : srv_buf_len(b);
	if (b->head == b->tail)
		b->head = b->tail = 0;
}

bool srv_buf_grow(srv_buf *b, size_t cap)
{
	srv_buf nb;

	if (b->cap >= cap)
		return true;
	if (!srv_buf_init(&nb, cap))
		return false;
	srv_buf_append(&nb, srv_buf_peek(b), srv_buf_len(b));
	srv_buf_free(b);
	*b = nb;
	return true;
}

ssize_t srv_buf_read(srv_buf *b, int fd)
{
	ssize_t n;

	if (b->tail == b->cap)
		buf_compact(b);
	if (b->tail == b->cap)
		return 0;
	do
		n = read(fd, b->data + b->tail, b->cap - b->tail);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->tail += (size_t)n;
	return n;
}

ssize_t srv_buf_write(srv_buf *b, int fd)
{
	ssize_t n;

	if (srv_buf_len(b) == 0)
		return 0;
	do
		n = send(fd, srv_buf_peek(b), srv_buf_len(b), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		srv_buf_consume(b, (size_t)n);
	return n;
}

bool srv_errno_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* ---- relay */

static void touch(srv_relay *r)
{
	r->last_activity = srv_now_ms();
}

/* Splice refused: the direction goes on through its buffer, which takes
 * the pipe's bytes first. */
static void dir_unsplice(srv_relay_dir *d)
{
	d->piped = false;
	d->no_splice = true;
	if (d->pipe.len == 0)
		srv_pipe_close(&d->pipe);
}

/* Whether the socket's peer is on this host: a loopback address or the
 * socket's own. */
static bool peer_on_this_host(int fd)
{
	struct sockaddr_storage raw, peer, self;
	socklen_t len = sizeof raw;

	if (getpeername(fd, (struct sockaddr *)&raw, &len) < 0)
		return false;
	s6_addr_unmap((struct sockaddr *)&raw, &peer);
	len = sizeof raw;
	if (getsockname(fd, (struct sockaddr *)&raw, &len) < 0)
		return false;
	s6_addr_unmap((struct sockaddr *)&raw, &self);
	if (peer.ss_family == AF_INET) {
		const struct sockaddr_in *p = (void *)&peer, *s = (void *)&self;
		return ((const uint8_t *)&p->sin_addr)[0] == 127 ||
		       (self.ss_family == AF_INET &&
			p->sin_addr.s_addr == s->sin_addr.s_addr);
	}
	if (peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *p = (void *)&peer, *s = (void *)&self;
		return IN6_IS_ADDR_LOOPBACK(&p->sin6_addr) ||
		       (self.ss_family == AF_INET6 &&
			IN6_ARE_ADDR_EQUAL(&p->sin6_addr, &s->sin6_addr));
	}
	return false;
}

/* A direction has turned out to be a bulk transfer. Towards a peer on this
 * host the send buffer gets a fixed, small size: there is no path delay to
 * cover, and with autotuning the queues grow to megabytes, so the bytes the
 * peer copies out have gone cold in the cache (loopback bulk throughput
 * then falls to about half). Then the pipe, if one can be had. */
static void dir_go_bulk(srv_relay *r, srv_relay_dir *d)
{
	int sndbuf = SRV_LOCAL_SNDBUF;

	if (d->bulk || d->bytes < r->splice_after)
		return;
	d->bulk = true;
	if (peer_on_this_host(d->dst->fd))
		setsockopt(d->dst->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (d->no_splice)
		return;
	if (srv_pipe_open(&d->pipe))
		d->piped = true;
	else
		d->no_splice = true; /* EMFILE and the like: the buffer works */
}

/* One read from src into the pipe or the buffer; same returns as read(2). */
static ssize_t dir_read_once(srv_relay *r, srv_relay_dir *d)
{
	ssize_t n;

	dir_go_bulk(r, d);
	if (d->piped) {
		if (!srv_pipe_has_room(&d->pipe)) {
			errno = EAGAIN;
			return -1;
		}
		n = srv_pipe_fill(&d->pipe, d->src->fd);
		if (n >= 0 || errno != EINVAL)
			return n;
		dir_unsplice(d);
	}
	/* Bytes still in a refused pipe come before anything read now. */
	if (d->pipe.len > 0 || srv_buf_room(d->buf) == 0) {
		errno = EAGAIN;
		return -1;
	}
	return srv_buf_read(d->buf, d->src->fd);
}

/* Returns 0 or an errno value; *moved says that bytes or EOF came. */
static int dir_read(srv_relay *r, srv_relay_dir *d, bool *moved)
{
	ssize_t n;

	*moved = false;
	if (d->eof)
		return 0;
	n = dir_read_once(r, d);
	if (n < 0)
		return srv_errno_transient(errno) ? 0 : errno;
	if (n == 0)
		d->eof = true;
	else
		touch(r);
	*moved = true;
	return 0;
}

/* A refused pipe empties into the buffer behind what the buffer holds. */
static int dir_refill(srv_relay_dir *d)
{
	if (d->pipe.len > 0 && srv_buf_room(d->buf) > 0 &&
	    srv_pipe_to_buf(&d->pipe, d->buf) < 0 && !srv_errno_transient(errno))
		return -1;
	if (d->pipe.len == 0)
		srv_pipe_close(&d->pipe);
	return 0;
}

/* One round of sending to dst, in order: the buffer, then the pipe. Same
 * returns as send(2); 0 when there was nothing to send. */
static ssize_t dir_send(srv_relay_dir *d)
{
	ssize_t sent = 0, n;

	if (!d->piped && dir_refill(d) < 0)
		return -1;
	if (srv_buf_len(d->buf) > 0) {
		sent = srv_buf_write(d->buf, d->dst->fd);
		if (sent <= 0 || srv_buf_len(d->buf) > 0 || !d->piped)
			return sent;
	}
	if (!d->piped)
		return 0;
	n = srv_pipe_drain(&d->pipe, d->dst->fd);
	if (n < 0 && errno == EINVAL) {
		dir_unsplice(d);
		return sent ? sent : dir_send(d);
	}
	if (n < 0)
		return sent ? sent : -1; /* a lasting error shows next time */
	return sent + n;
}

/* Returns 0 or an errno value. */
static int dir_write(srv_relay *r, srv_relay_dir *d)
{
	ssize_t n = dir_send(d);

	if (n > 0) {
		d->bytes += (uint64_t)n;
		touch(r);
	} else if (n < 0 && !srv_errno_transient(errno)) {
		return errno;
	}
	if (d->eof && srv_buf_len(d->buf) == 0 && d->pipe.len == 0 && !d->shut) {
		/* The peer may already be gone; the other direction's own
		 * errors will tell. */
		shutdown(d->dst->fd, SHUT_WR);
		d->shut = true;
	}
	return 0;
}

/* Read when src reported input, send when dst reported room or the read
 * brought something (the destination is usually writable: no need to wait
 * for the event). */
static int dir_pump(srv_relay *r, srv_relay_dir *d, bool readable, bool writable)
{
	bool moved = false;
	int err = readable ? dir_read(r, d, &moved) : 0;

	if (err || !(writable || moved))
		return err;
	return dir_write(r, d);
}

/* What a direction needs from its two sockets. */
static uint32_t dir_src_events(const srv_relay_dir *d)
{
	bool room = d->piped ? srv_pipe_has_room(&d->pipe) :
			       d->pipe.len == 0 && srv_buf_room(d->buf) > 0;

	return !d->eof && room ? EPOLLIN : 0;
}

static uint32_t dir_dst_events(const srv_relay_dir *d)
{
	bool shut_pending = d->eof && !d->shut;
	bool pending = srv_buf_len(d->buf) > 0 || d->pipe.len > 0;

	return pending || shut_pending ? EPOLLOUT : 0;
}

static int update_interest(srv_relay *r)
{
	uint32_t client = dir_src_events(&r->up) | dir_dst_events(&r->down);
	uint32_t target = dir_src_events(&r->down) | dir_dst_events(&r->up);

	if (!srv_watch_set(r->loop, r->up.src, client) ||
	    !srv_watch_set(r->loop, r->up.dst, target))
		return errno ? errno : EIO;
	return 0;
}

static void finish(srv_relay *r, int err)
{
	srv_relay_stop(r);
	r->done(r, err);
}

static void relay_event(srv_watch *w, uint32_t events)
{
	srv_relay *r = w->owner;
	/* Errors and hang-ups show on the next read or write of that socket. */
	uint32_t any = EPOLLERR | EPOLLHUP;
	bool in = events & (EPOLLIN | any), out = events & (EPOLLOUT | any);
	int err;

	if (!r->running)
		return;
	err = dir_pump(r, &r->up, in && w == r->up.src, out && w == r->up.dst);
	if (!err)
		err = dir_pump(r, &r->down, in && w == r->down.src,
			       out && w == r->down.dst);
	if (!err && r->up.shut && r->down.shut) {
		finish(r, 0);
		return;
	}
	if (!err)
		err = update_interest(r);
	if (err)
		finish(r, err);
}

static void idle_expired(srv_timer *t)
{
	srv_relay *r = t->owner;
	uint64_t quiet = srv_now_ms() - r->last_activity;

	/* The deadline is only re-armed here, not on every transfer. */
	if (quiet < r->idle_ms) {
		srv_timer_arm(r->loop, &r->idle, r->idle_ms - quiet);
		return;
	}
	finish(r, ETIMEDOUT);
}

static void dir_init(srv_relay_dir *d, srv_watch *src, srv_watch *dst, srv_buf *buf)
{
	d->src = src;
	d->dst = dst;
	d->buf = buf;
	srv_pipe_init(&d->pipe);
	d->bulk = d->piped = d->no_splice = false;
	d->eof = d->shut = false;
	d->bytes = 0;
}

bool srv_relay_start(srv_relay *r, srv_loop *l, srv_watch *client,
		     srv_watch *target, srv_buf *up, srv_buf *down, bool client_eof,
		     unsigned idle_ms, srv_relay_done_fn done, void *owner)
{
	r->loop = l;
	dir_init(&r->up, client, target, up);
	dir_init(&r->down, target, client, down);
	r->up.eof = client_eof;
	r->idle_ms = idle_ms;
	r->last_activity = srv_now_ms();
	r->done = done;
	r->owner = owner;
	r->running = true;
	r->splice_after = SRV_SPLICE_AFTER;
	client->fn = target->fn = relay_event;
	client->owner = target->owner = r;
	srv_timer_init(&r->idle, idle_expired, r);
	if (idle_ms)
		srv_timer_arm(l, &r->idle, idle_ms);
	if (update_interest(r) == 0)
		return true;
	srv_relay_stop(r);
	return false;
}

void srv_relay_stop(srv_relay *r)
{
	if (!r->running)
		return;
	r->running = false;
	srv_timer_stop(r->loop, &r->idle);
	srv_pipe_close(&r->up.pipe);
	srv_pipe_close(&r->down.pipe);
}
