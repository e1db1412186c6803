/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Canned proxy for the SOCKS6 client machine tests (see the header). */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "check_socks6_client_util.h"

struct s6cli_fake fk;

void feed(const void *b, size_t n)
{
	ck_assert_uint_le(fk.in_len + n, sizeof(fk.in));
	memcpy(fk.in + fk.in_len, b, n);
	fk.in_len += n;
}

static ssize_t fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	ck_assert(flags & MSG_DONTWAIT);
	ck_assert_uint_le(fk.sent_len + len, sizeof(fk.sent));
	memcpy(fk.sent + fk.sent_len, buf, len);
	fk.sent_len += len;
	return (ssize_t)len;
}

static ssize_t fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t n = len;

	(void)fd;
	ck_assert(flags & MSG_DONTWAIT);
	if (fk.pos + len > fk.reply_end && fk.pos + len - fk.reply_end > fk.overask)
		fk.overask = fk.pos + len - fk.reply_end;
	if (fk.pause_at && fk.pos == fk.pause_at && !fk.paused) {
		fk.paused = true;
		errno = EAGAIN;
		return -1;
	}
	if (fk.pos == fk.in_len) {
		if (fk.eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (fk.chunk && n > fk.chunk)
		n = fk.chunk;
	if (n > fk.in_len - fk.pos)
		n = fk.in_len - fk.pos;
	memcpy(buf, fk.in + fk.pos, n);
	fk.pos += n;
	return (ssize_t)n;
}

static int fake_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	(void)timeout_ms;
	ck_assert_uint_eq(n, 1);
	fds[0].revents = fds[0].events;
	return 1;
}

const s6_io fake_io = { fake_send, fake_recv, fake_poll };

s6_hs hs;
s6_s6_client_result res;

void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	memset(&hs, 0x5a, sizeof(hs));
	memset(&res, 0x5a, sizeof(res));
}

void teardown(void)
{
	s6_hs_release(&hs);
}

s6_s6_client_params connect_v4(void)
{
	s6_s6_client_params p;

	memset(&p, 0, sizeof(p));
	p.command = S6_SOCKS6_CMD_CONNECT;
	p.addr.type = S6_SOCKS6_ATYP_IPV4;
	memcpy(p.addr.ip, "\x7f\x00\x00\x01", 4);
	p.port = 80;
	p.out = &res;
	return p;
}

/* Run to the end; the stream is complete, so the run never waits long. */
s6_hs_status run(const s6_s6_client_params *p)
{
	if (!fk.reply_end)
		fk.reply_end = fk.in_len;
	ck_assert_int_eq(s6_socks6_client_start(&hs, p), S6_OK);
	return s6_hs_run(&hs, 3, &fake_io, 2000);
}

void sent_is(const uint8_t *exp, size_t n)
{
	ck_assert_uint_eq(fk.sent_len, n);
	ck_assert_mem_eq(fk.sent, exp, n);
}

void assert_done_exact(void)
{
	ck_assert_int_eq(hs.err, S6_OK);
	ck_assert(hs.done);
	ck_assert_uint_eq(fk.pos, fk.reply_end);
	ck_assert_uint_eq(fk.overask, 0);
}
