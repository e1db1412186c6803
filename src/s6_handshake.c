/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "s6_handshake.h"

int64_t s6_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void s6_hs_init(s6_hs *hs, const s6_hs_proto *proto)
{
	memset(hs, 0, sizeof *hs);
	hs->proto = proto;
}

/* The output holds the request, and in it the password of a SOCKS6
 * request or an RFC 1929 exchange (and the engine's secret): no copy may
 * outlive the handshake in freed or reused memory. */
void s6_hs_release(s6_hs *hs)
{
	if (hs->out_heap)
		explicit_bzero(hs->out_heap, hs->out_cap);
	explicit_bzero(hs->out_inline, sizeof hs->out_inline);
	free(hs->out_heap);
	free(hs->in_heap);
	hs->out_heap = hs->in_heap = NULL;
	hs->out_cap = hs->in_cap = 0;
}

static uint8_t *s6_hs_outbuf(s6_hs *hs)
{
	return hs->out_heap ? hs->out_heap : hs->out_inline;
}

static uint8_t *s6_hs_inbuf(s6_hs *hs)
{
	return hs->in_heap ? hs->in_heap : hs->in_inline;
}

const uint8_t *s6_hs_input(const s6_hs *hs)
{
	return hs->in_heap ? hs->in_heap : hs->in_inline;
}

/* Make room for `need` bytes in one of the two buffers, keeping `keep`. */
static s6_err s6_hs_reserve(uint8_t **heap, size_t *cap, uint8_t *inl, size_t need, size_t keep)
{
	size_t have = *cap ? *cap : S6_HS_INLINE;

	if (need > S6_HS_MAX)
		return S6_ERR_TOO_LONG;
	if (need <= have)
		return S6_OK;
	size_t ncap = have;
	while (ncap < need)
		ncap *= 2;
	if (ncap > S6_HS_MAX)
		ncap = S6_HS_MAX;
	/* Not realloc: it would free the old block unwiped (see release). */
	uint8_t *p = malloc(ncap);
	if (!p)
		return S6_ERR_NOMEM;
	if (keep)
		memcpy(p, *heap ? *heap : inl, keep);
	if (*heap) {
		explicit_bzero(*heap, have);
		free(*heap);
	} else {
		explicit_bzero(inl, keep);
	}
	*heap = p;
	*cap = ncap;
	return S6_OK;
}

s6_err s6_hs_queue(s6_hs *hs, const void *data, size_t len)
{
	s6_err err = s6_hs_reserve(&hs->out_heap, &hs->out_cap, hs->out_inline,
				   hs->out_len + len, hs->out_len);
	if (err != S6_OK)
		return err;
	memcpy(s6_hs_outbuf(hs) + hs->out_len, data, len);
	hs->out_len += len;
	return S6_OK;
}

s6_err s6_hs_expect(s6_hs *hs, size_t n)
{
	hs->in_len = 0;
	return s6_hs_expect_more(hs, n);
}

s6_err s6_hs_expect_more(s6_hs *hs, size_t n)
{
	s6_err err = s6_hs_reserve(&hs->in_heap, &hs->in_cap, hs->in_inline,
				   hs->in_len + n, hs->in_len);
	if (err != S6_OK) {
		hs->in_want = 0;
		return err;
	}
	hs->in_want = hs->in_len + n;
	return S6_OK;
}

void s6_hs_finish(s6_hs *hs)
{
	hs->done = true;
	hs->in_want = 0;
}

void s6_hs_fail(s6_hs *hs, s6_err err, const char *fmt, ...)
{
	va_list ap;

	hs->err = err;
	hs->done = true;
	hs->in_want = 0;
	va_start(ap, fmt);
	vsnprintf(hs->why, sizeof hs->why, fmt, ap);
	va_end(ap);
}

static s6_hs_status s6_hs_status_of(const s6_hs *hs)
{
	if (hs->err != S6_OK)
		return S6_HS_FAILED;
	return hs->done ? S6_HS_DONE : S6_HS_WANT_READ;
}

/* Send what is queued; false when the socket is full or the send failed. */
static bool s6_hs_flush(s6_hs *hs, int fd, const s6_io *io)
{
	while (hs->out_off < hs->out_len) {
		ssize_t n = io->send(fd, s6_hs_outbuf(hs) + hs->out_off, hs->out_len - hs->out_off,
				     MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				hs->sys_errno = errno;
				s6_hs_fail(hs, S6_ERR_IO, "send to proxy: %s", strerror(errno));
			}
			return false;
		}
		hs->out_off += (size_t)n;
	}
	hs->out_off = hs->out_len = 0;
	return true;
}

/* Read at most the bytes the machine asked for; true once in[] is full. */
static bool s6_hs_fill(s6_hs *hs, int fd, const s6_io *io)
{
	while (hs->in_len < hs->in_want) {
		ssize_t n = io->recv(fd, s6_hs_inbuf(hs) + hs->in_len, hs->in_want - hs->in_len,
				     MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			s6_hs_fail(hs, S6_ERR_PROXY_CLOSED,
				   "proxy closed the connection after %zu of %zu reply bytes",
				   hs->in_len, hs->in_want);
			return false;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				hs->sys_errno = errno;
				s6_hs_fail(hs, errno == ECONNRESET ? S6_ERR_PROXY_CLOSED : S6_ERR_IO,
					   "receive from proxy: %s", strerror(errno));
			}
			return false;
		}
		hs->in_len += (size_t)n;
	}
	return true;
}

s6_hs_status s6_hs_step(s6_hs *hs, int fd, const s6_io *io)
{
	while (!hs->done) {
		if (hs->out_len > 0 && !s6_hs_flush(hs, fd, io))
			return hs->done ? S6_HS_FAILED : S6_HS_WANT_WRITE;
		if (hs->in_want == 0) {
			s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL, "%s: machine stalled",
				   hs->proto->name);
			break;
		}
		if (!s6_hs_fill(hs, fd, io))
			return hs->done ? S6_HS_FAILED : S6_HS_WANT_READ;
		s6_err err = hs->proto->on_input(hs);
		if (err != S6_OK && !hs->done)
			s6_hs_fail(hs, err, "%s: %s", hs->proto->name, s6_strerror(err));
	}
	/* A finished machine may still hold output (a last message). */
	if (hs->err == S6_OK && hs->out_len > 0 && !s6_hs_flush(hs, fd, io))
		return hs->err != S6_OK ? S6_HS_FAILED : S6_HS_WANT_WRITE;
	return s6_hs_status_of(hs);
}

s6_hs_status s6_hs_send_upto(s6_hs *hs, int fd, const s6_io *io, size_t limit)
{
	while (hs->err == S6_OK && hs->out_off < hs->out_len && limit > 0) {
		size_t len = hs->out_len - hs->out_off;
		ssize_t n = io->send(fd, s6_hs_outbuf(hs) + hs->out_off, len < limit ? len : limit,
				     MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			hs->sys_errno = errno;
			s6_hs_fail(hs, S6_ERR_IO, "send to proxy: %s", strerror(errno));
		}
		if (n < 0)
			break;
		hs->out_off += (size_t)n;
		limit -= (size_t)n;
	}
	if (hs->out_off == hs->out_len)
		hs->out_off = hs->out_len = 0;
	if (hs->err != S6_OK)
		return S6_HS_FAILED;
	return hs->out_len > 0 ? S6_HS_WANT_WRITE : s6_hs_status_of(hs);
}

short s6_hs_events(const s6_hs *hs)
{
	if (hs->err != S6_OK || (hs->done && hs->out_len == 0))
		return 0;
	return hs->out_len > 0 ? POLLOUT : POLLIN;
}

s6_hs_status s6_hs_run(s6_hs *hs, int fd, const s6_io *io, int timeout_ms)
{
	int64_t deadline = s6_now_ms() + timeout_ms;

	for (;;) {
		s6_hs_status st = s6_hs_step(hs, fd, io);
		if (st == S6_HS_DONE || st == S6_HS_FAILED)
			return st;
		int64_t left = deadline - s6_now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = {.fd = fd, .events = s6_hs_events(hs)};
		int n = io->poll(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR) {
			hs->sys_errno = errno;
			s6_hs_fail(hs, S6_ERR_IO, "poll: %s", strerror(errno));
			return S6_HS_FAILED;
		}
		/* POLLERR/POLLHUP: the next step's recv/send reports the cause. */
	}
	s6_hs_fail(hs, S6_ERR_PROXY_TIMEOUT, "%s: no answer from proxy within %d ms",
		   hs->proto->name, timeout_ms);
	return S6_HS_FAILED;
}
