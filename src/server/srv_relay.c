/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

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

bool srv_buf_append(srv_buf *b, const void *p, size_t n)
{
	if (n > srv_buf_room(b))
		return false;
	if (n > b->cap - b->tail)
		buf_compact(b);
	memcpy(b->data + b->tail, p, n);
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

/* One read and one write for one direction. Returns 0 or an errno value. */
static int dir_pump(srv_relay *r, srv_relay_dir *d)
{
	if (!d->eof && srv_buf_room(d->buf) > 0) {
		ssize_t n = srv_buf_read(d->buf, d->src->fd);
		if (n == 0)
			d->eof = true;
		else if (n > 0)
			r->last_activity = srv_now_ms();
		else if (!srv_errno_transient(errno))
			return errno;
	}
	if (srv_buf_len(d->buf) > 0) {
		ssize_t n = srv_buf_write(d->buf, d->dst->fd);
		if (n > 0) {
			d->bytes += (uint64_t)n;
			r->last_activity = srv_now_ms();
		} else if (n < 0 && !srv_errno_transient(errno)) {
			return errno;
		}
	}
	if (d->eof && srv_buf_len(d->buf) == 0 && !d->shut) {
		/* The peer may already be gone; the other direction's own
		 * errors will tell. */
		shutdown(d->dst->fd, SHUT_WR);
		d->shut = true;
	}
	return 0;
}

/* What a direction needs from its two sockets. */
static uint32_t dir_src_events(const srv_relay_dir *d)
{
	return !d->eof && srv_buf_room(d->buf) > 0 ? EPOLLIN : 0;
}

static uint32_t dir_dst_events(const srv_relay_dir *d)
{
	bool shut_pending = d->eof && !d->shut;
	return srv_buf_len(d->buf) > 0 || shut_pending ? EPOLLOUT : 0;
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
	int err;

	if (!r->running)
		return;
	err = dir_pump(r, &r->up);
	if (!err)
		err = dir_pump(r, &r->down);
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
}
