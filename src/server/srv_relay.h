/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded byte buffers and the bidirectional relay between a client and its
 * target. Each direction has one buffer; a side is read only while the
 * buffer towards the other side has room (back-pressure), EOF on one side
 * becomes shutdown(SHUT_WR) on the other once the buffer is flushed, and any
 * error ends the relay. The relay never closes sockets: its owner does, in
 * the done callback.
 *
 * A direction that has carried splice_after bytes (a bulk transfer) moves
 * on to a pipe and splice(2) (srv_splice.h): the same rules, with the pipe
 * in the buffer's place and without copying the bytes through user space.
 * What the buffer still holds (the handshake's leftovers) leaves first. When
 * no pipe can be had, or splice refuses a socket (EINVAL), the direction
 * stays with (or returns to) its buffer for good, taking the pipe's bytes
 * first. A bulk direction towards a peer on this host also gets a small
 * fixed send buffer (SRV_LOCAL_SNDBUF). */
#ifndef SRV_RELAY_H
#define SRV_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "srv_loop.h"
#include "srv_splice.h"

#define SRV_BUF_SIZE (64 * 1024)
/* Bytes a direction relays through its buffer before it splices: short
 * exchanges need no pipe (two descriptors and four system calls). */
#define SRV_SPLICE_AFTER (64 * 1024)
/* SO_SNDBUF towards a peer on this host once a direction is bulk (the
 * kernel doubles it). */
#define SRV_LOCAL_SNDBUF (128 * 1024)

typedef struct srv_buf {
	uint8_t *data;
	size_t head, tail, cap; /* bytes [head, tail) are pending */
} srv_buf;

bool srv_buf_init(srv_buf *b, size_t cap);
void srv_buf_free(srv_buf *b);
static inline size_t srv_buf_len(const srv_buf *b) { return b->tail - b->head; }
static inline size_t srv_buf_room(const srv_buf *b) { return b->cap - srv_buf_len(b); }
static inline const uint8_t *srv_buf_peek(const srv_buf *b) { return b->data + b->head; }
/* False when the bytes do not fit. */
bool srv_buf_append(srv_buf *b, const void *p, size_t n);
/* At least n free bytes in one piece at the end (pending bytes moved to
 * the front when that makes them), for a writer that fills them in place
 * and then adds what it wrote to b->tail; NULL when b has no such room.
 * *room: how many there are. */
uint8_t *srv_buf_tail(srv_buf *b, size_t n, size_t *room);
void srv_buf_consume(srv_buf *b, size_t n);
/* Enlarge b to cap bytes (never shrinks), keeping its pending bytes: for
 * protocols whose messages can outgrow SRV_BUF_SIZE. False without memory
 * (b unchanged). */
bool srv_buf_grow(srv_buf *b, size_t cap);
void srv_buf_clear(srv_buf *b);
/* One read(2) into the free space: >0 bytes read, 0 EOF (or no room),
 * -1 with errno (EAGAIN: nothing available). */
ssize_t srv_buf_read(srv_buf *b, int fd);
/* One send(2) with MSG_NOSIGNAL of the pending bytes; same returns. */
ssize_t srv_buf_write(srv_buf *b, int fd);

/* errno values that only mean "try again later". */
bool srv_errno_transient(int err);

typedef struct srv_relay srv_relay;
/* err is 0 when both directions ended with EOF, else an errno value. */
typedef void (*srv_relay_done_fn)(srv_relay *r, int err);

typedef struct srv_relay_dir {
	srv_watch *src, *dst;
	srv_buf *buf;
	srv_pipe pipe;  /* open while splicing, or until a refused pipe drains */
	bool bulk;      /* carried splice_after bytes: tuned, piped if possible */
	bool piped;     /* src is read into the pipe */
	bool no_splice; /* no pipe or splice refused: buffered from now on */
	bool eof;       /* src returned EOF */
	bool shut;      /* dst was shut down for writing */
	uint64_t bytes; /* delivered to dst */
} srv_relay_dir;

struct srv_relay {
	srv_loop *loop;
	srv_relay_dir up;   /* client -> target */
	srv_relay_dir down; /* target -> client */
	srv_timer idle;
	uint64_t idle_ms, last_activity;
	srv_relay_done_fn done;
	void *owner;
	bool running;
	/* SRV_SPLICE_AFTER from srv_relay_start; 0 splices at once and
	 * UINT64_MAX never (tests set it before the first event). */
	uint64_t splice_after;
};

/* Take over both watches (their callbacks now belong to the relay). Bytes
 * already in the buffers are delivered first; client_eof says the client
 * already sent EOF. idle_ms 0 means no idle limit. */
bool srv_relay_start(srv_relay *r, srv_loop *l, srv_watch *client,
		     srv_watch *target, srv_buf *up, srv_buf *down, bool client_eof,
		     unsigned idle_ms, srv_relay_done_fn done, void *owner);
/* Stop the idle timer and close the pipes; sockets stay with the caller.
 * Safe when not running. */
void srv_relay_stop(srv_relay *r);

#endif
