/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4 reply parser and the client handshake machine run by the driver
 * over a canned socket. The input is the proxy's side of the conversation:
 *   byte 0   request shape (bit 0 BIND, bit 1 SOCKS4a, bit 2 with user id)
 *   byte 1   largest send() the canned socket accepts (0: everything)
 *   rest     a script: a control byte, then that many stream bytes
 * Control byte c: 0xff end of stream (recv returns 0), 0xfe EINTR,
 * 0xfd ECONNRESET, c % 16 == 0 EAGAIN, else up to c % 16 bytes are served.
 * The driver must never ask for more than one 8-byte reply at a time, nor
 * consume more than 8 bytes per expected reply, and must end DONE, FAILED
 * or WANT_READ (script exhausted) with consistent state. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "s6_socks4_client.h"

struct canned {
	const uint8_t *script;
	size_t len, pos;
	size_t send_max;
	size_t sent;
	uint8_t got[2 * S6_SOCKS4_REPLY_LEN];   /* stream bytes handed over */
	size_t got_len;
};

static struct canned *cur;

static ssize_t canned_send(int fd, const void *buf, size_t len, int flags)
{
	size_t n = cur->send_max && len > cur->send_max ? cur->send_max : len;

	FUZZ_CHECK(len > 0);
	cur->sent += n;
	return (ssize_t)n;
}

/* One script step; the driver calls again after a partial read. */
static ssize_t canned_recv(int fd, void *buf, size_t len, int flags)
{
	size_t n;
	uint8_t c;

	FUZZ_CHECK(len > 0 && len <= S6_SOCKS4_REPLY_LEN);
	if (cur->pos >= cur->len) {
		errno = EAGAIN;
		return -1;
	}
	c = cur->script[cur->pos++];
	if (c == 0xff)
		return 0;
	if (c == 0xfe || c == 0xfd || c % 16 == 0) {
		errno = c == 0xfe ? EINTR : c == 0xfd ? ECONNRESET : EAGAIN;
		return -1;
	}
	n = c % 16;
	if (n > len)
		n = len;
	if (n > cur->len - cur->pos)
		n = cur->len - cur->pos;
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	FUZZ_CHECK(cur->got_len + n <= sizeof cur->got);
	memcpy(buf, cur->script + cur->pos, n);
	memcpy(cur->got + cur->got_len, cur->script + cur->pos, n);
	cur->got_len += n;
	cur->pos += n;
	return (ssize_t)n;
}

static int canned_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	abort();   /* s6_hs_step never polls */
}

static const s6_io canned_io = {canned_send, canned_recv, canned_poll};

static void make_request(uint8_t shape, s6_socks4_request *req)
{
	static const uint8_t ip[4] = {192, 0, 2, 7};

	memset(req, 0, sizeof *req);
	req->command = shape & 1 ? S6_SOCKS4_CMD_BIND : S6_SOCKS4_CMD_CONNECT;
	req->port = 8080;
	memcpy(req->ip, ip, 4);
	if (shape & 2)
		snprintf(req->domain, sizeof req->domain, "example.org");
	if (shape & 4)
		snprintf(req->userid, sizeof req->userid, "fuzz");
}

/* The parser alone on the script bytes, whole and as every prefix. */
static void fuzz_reply_parse(const uint8_t *data, size_t size)
{
	for (size_t k = 0; k <= size && k <= S6_SOCKS4_REPLY_LEN; k++) {
		s6_socks4_reply rep;
		size_t used = 0, need = 0;
		s6_err err = s6_socks4_reply_parse(data, k, &rep, &used, &need);

		if (err == S6_OK)
			FUZZ_CHECK(k == S6_SOCKS4_REPLY_LEN && used == k && rep.code == data[1]);
		else if (err == S6_ERR_NEED_MORE)
			FUZZ_CHECK(k < S6_SOCKS4_REPLY_LEN && need == S6_SOCKS4_REPLY_LEN - k);
		else
			FUZZ_CHECK(err == S6_ERR_BAD_VERSION || err == S6_ERR_MALFORMED);
	}
}

/* What a finished machine must look like given the bytes it consumed. */
static void check_end(const s6_hs *hs, s6_hs_status st, size_t reqlen, uint8_t cmd,
		      const struct canned *c)
{
	size_t replies = cmd == S6_SOCKS4_CMD_BIND ? 2 : 1;

	FUZZ_CHECK(st == S6_HS_DONE || st == S6_HS_FAILED || st == S6_HS_WANT_READ);
	FUZZ_CHECK(c->got_len <= replies * S6_SOCKS4_REPLY_LEN);
	if (st == S6_HS_WANT_READ) {
		FUZZ_CHECK(c->pos == c->len && !hs->done && hs->err == S6_OK);
		FUZZ_CHECK(c->sent == reqlen && s6_hs_events(hs) == POLLIN);
		return;
	}
	FUZZ_CHECK(hs->done && s6_hs_events(hs) == 0);
	if (st == S6_HS_FAILED) {
		FUZZ_CHECK(hs->err != S6_OK && hs->why[0] != '\0');
		FUZZ_CHECK(memchr(hs->why, '\0', sizeof hs->why) != NULL);
		return;
	}
	FUZZ_CHECK(hs->err == S6_OK && c->sent == reqlen);
	FUZZ_CHECK(c->got_len == replies * S6_SOCKS4_REPLY_LEN);
	FUZZ_CHECK(hs->u.s4.code == S6_SOCKS4_GRANTED);
	if (cmd == S6_SOCKS4_CMD_BIND) {
		FUZZ_CHECK(hs->u.s4.bound_port == (uint16_t)(c->got[2] << 8 | c->got[3]));
		FUZZ_CHECK(memcmp(hs->u.s4.bound_ip, c->got + 4, 4) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	s6_socks4_request req;
	uint8_t packed[S6_SOCKS4_REQUEST_MAX];
	size_t reqlen = 0;
	struct canned c = {0};
	s6_hs_status st = S6_HS_WANT_WRITE;
	s6_hs hs;

	fuzz_reply_parse(data, size);
	if (size < 2)
		return 0;
	make_request(data[0], &req);
	FUZZ_CHECK(s6_socks4_request_pack(&req, packed, sizeof packed, &reqlen) == S6_OK);
	FUZZ_CHECK(s6_socks4_client_start(&hs, &req) == S6_OK);
	c.script = data + 2;
	c.len = size - 2;
	c.send_max = data[1];
	cur = &c;
	/* Every step consumes a script byte or finishes, so this ends; the
	 * bound only guards against a driver that spins. */
	for (size_t i = 0; i <= size + reqlen + 4; i++) {
		st = s6_hs_step(&hs, 3, &canned_io);
		if (st == S6_HS_DONE || st == S6_HS_FAILED)
			break;
		if (st == S6_HS_WANT_READ && c.pos >= c.len)
			break;
		/* First reply in, second one begun at most. */
		if (req.command == S6_SOCKS4_CMD_BIND && s6_socks4_client_bind_ready(&hs))
			FUZZ_CHECK(c.got_len >= S6_SOCKS4_REPLY_LEN &&
				   c.got_len < 2 * S6_SOCKS4_REPLY_LEN);
	}
	check_end(&hs, st, reqlen, req.command, &c);
	cur = NULL;
	return 0;
}
