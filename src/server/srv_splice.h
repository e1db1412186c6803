/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A pipe that carries one relay direction from socket to socket with
 * splice(2): the kernel moves references to the received pages into the pipe
 * and from there into the other socket, so the bytes are never copied to or
 * from user space. The pipe counts what it holds; the relay decides when to
 * use it and falls back to a srv_buf when splice is refused (EINVAL). */
#ifndef SRV_SPLICE_H
#define SRV_SPLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct srv_buf;

/* Kernel pipe size asked for (F_SETPIPE_SZ; a refusal keeps the default),
 * and the most bytes the relay keeps in it before it stops reading. More
 * did not help on loopback: bytes queued longer only go cold in the cache. */
#define SRV_PIPE_SIZE (256 * 1024)
#define SRV_PIPE_MAX_BYTES (256 * 1024)

typedef struct srv_pipe {
	int rd, wr;     /* -1 when closed */
	size_t len;     /* bytes in the pipe */
	bool full;      /* a fill found no room (slots run out before bytes) */
} srv_pipe;

void srv_pipe_init(srv_pipe *p);
/* Create the pipe (non-blocking, close-on-exec). False with errno. */
bool srv_pipe_open(srv_pipe *p);
/* Close it; bytes still inside are lost. Safe when closed. */
void srv_pipe_close(srv_pipe *p);
static inline bool srv_pipe_is_open(const srv_pipe *p) { return p->rd >= 0; }
/* Whether a fill may be tried: open, not known to be full, under the cap. */
static inline bool srv_pipe_has_room(const srv_pipe *p)
{
	return srv_pipe_is_open(p) && !p->full && p->len < SRV_PIPE_MAX_BYTES;
}
/* Splice from the socket fd into the pipe: >0 bytes, 0 EOF, -1 with errno
 * (EAGAIN: nothing to read or no room; EINVAL: fd cannot be spliced). */
ssize_t srv_pipe_fill(srv_pipe *p, int fd);
/* Splice from the pipe into the socket fd: >0 bytes, 0 when empty, -1 with
 * errno (EAGAIN: fd full; EINVAL: fd cannot take spliced pages). */
ssize_t srv_pipe_drain(srv_pipe *p, int fd);
/* Copy from the pipe into b's free space (the fallback when the destination
 * refuses splice): >0 bytes, 0 when empty or b full, -1 with errno. */
ssize_t srv_pipe_to_buf(srv_pipe *p, struct srv_buf *b);

#endif
