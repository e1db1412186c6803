/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "srv_relay.h"
#include "srv_splice.h"

#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

void srv_pipe_init(srv_pipe *p)
{
	p->rd = p->wr = -1;
	p->len = 0;
	p->full = false;
}

bool srv_pipe_open(srv_pipe *p)
{
	int fds[2];

	srv_pipe_init(p);
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return false;
	/* Larger than the default 16 slots so that one splice can take a
	 * whole receive queue; the user's pipe quota may refuse, which only
	 * costs speed. */
	fcntl(fds[1], F_SETPIPE_SZ, SRV_PIPE_SIZE);
	p->rd = fds[0];
	p->wr = fds[1];
	return true;
}

void srv_pipe_close(srv_pipe *p)
{
	if (p->rd >= 0)
		close(p->rd);
	if (p->wr >= 0)
		close(p->wr);
	srv_pipe_init(p);
}

ssize_t srv_pipe_fill(srv_pipe *p, int fd)
{
	ssize_t n;

	do
		n = splice(fd, NULL, p->wr, NULL, SRV_PIPE_MAX_BYTES - p->len,
			   SPLICE_FLAGS);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		p->len += (size_t)n;
	/* EAGAIN does not say whether the socket or the pipe was the
	 * obstacle; with bytes inside, assume the pipe until it drains (the
	 * destination is being watched then, so this cannot stall). */
	else if (n < 0 && errno == EAGAIN && p->len > 0)
		p->full = true;
	return n;
}

ssize_t srv_pipe_drain(srv_pipe *p, int fd)
{
	ssize_t n;

	if (p->len == 0)
		return 0;
	/* A peer that is gone raises SIGPIPE here (splice has no
	 * MSG_NOSIGNAL); the server's loop ignores that signal. */
	do
		n = splice(p->rd, NULL, fd, NULL, p->len, SPLICE_FLAGS);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		p->len -= (size_t)n;
		p->full = false;
	}
	return n;
}

ssize_t srv_pipe_to_buf(srv_pipe *p, srv_buf *b)
{
	ssize_t n;

	if (p->len == 0)
		return 0;
	n = srv_buf_read(b, p->rd);
	if (n > 0) {
		p->len -= (size_t)n;
		p->full = false;
	}
	return n;
}
