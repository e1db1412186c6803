/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS4/4a client handshake machine: one request out, then one reply
 * (CONNECT) or two (BIND), each exactly 8 bytes, so the driver never reads
 * application data that follows the last reply.
 *
 * BIND: the first reply's DSTIP/DSTPORT are kept in hs->u.s4.bound_ip/port as
 * sent. A DSTIP of 0.0.0.0 means "the proxy's own address" (spec, BIND first
 * reply); the machine has no socket to ask, so it leaves 0.0.0.0 there and
 * the caller substitutes the address of the proxy it connected to. */
#include "config.h"

#include <string.h>

#include "s6_socks4.h"
#include "s6_socks4_client.h"

static s6_err on_input(s6_hs *hs);

static const s6_hs_proto socks4_proto = {
	.name = "socks4a",
	.on_input = on_input,
};

s6_err s6_socks4_client_start(s6_hs *hs, const s6_socks4_request *req)
{
	uint8_t buf[S6_SOCKS4_REQUEST_MAX];
	size_t len = 0;
	s6_err err;

	if (!hs || !req)
		return S6_ERR_INVALID_ARG;
	s6_hs_init(hs, &socks4_proto);
	err = s6_socks4_request_pack(req, buf, sizeof(buf), &len);
	if (err == S6_OK)
		err = s6_hs_queue(hs, buf, len);
	if (err != S6_OK)
		return err;
	hs->u.s4.command = req->command;
	hs->u.s4.replies_left = req->command == S6_SOCKS4_CMD_BIND ? 2 : 1;
	s6_hs_expect(hs, S6_SOCKS4_REPLY_LEN);
	return S6_OK;
}

bool s6_socks4_client_bind_ready(const s6_hs *hs)
{
	return hs && hs->proto == &socks4_proto &&
	       hs->u.s4.command == S6_SOCKS4_CMD_BIND &&
	       hs->u.s4.replies_left == 1 && hs->err == S6_OK && !hs->done;
}

/* A reply that is not SOCKS4 at all: the peer is probably not a SOCKS4
 * proxy (an HTTP proxy, SOCKS5, ...). Say what arrived. */
static s6_err fail_protocol(s6_hs *hs, s6_err perr)
{
	const uint8_t *b = s6_hs_input(hs);

	s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL,
		   "%s: invalid reply (%s%s): %02x %02x %02x %02x %02x %02x %02x %02x",
		   hs->proto->name,
		   perr == S6_ERR_BAD_VERSION ? "version byte " : "reply code ",
		   perr == S6_ERR_BAD_VERSION ? "is not 0" : "outside 90..93",
		   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
	return S6_ERR_PROXY_PROTOCOL;
}

static s6_err on_input(s6_hs *hs)
{
	s6_socks4_reply rep;
	size_t used = 0, need = 0;
	s6_err err = s6_socks4_reply_parse(s6_hs_input(hs), hs->in_len, &rep, &used, &need);

	if (err == S6_ERR_BAD_VERSION || err == S6_ERR_MALFORMED)
		return fail_protocol(hs, err);
	if (err != S6_OK) {
		/* The driver hands over exactly in_want == 8 bytes. */
		s6_hs_fail(hs, S6_ERR_PROXY_PROTOCOL, "%s: short reply", hs->proto->name);
		return S6_ERR_PROXY_PROTOCOL;
	}
	hs->u.s4.code = rep.code;
	if (rep.code != S6_SOCKS4_GRANTED) {
		err = s6_socks4_reply_err(rep.code);
		s6_hs_fail(hs, err, "%s: %sreply %u: %s", hs->proto->name,
			   hs->u.s4.replies_left == 1 && hs->u.s4.command == S6_SOCKS4_CMD_BIND
				   ? "second " : "",
			   rep.code, s6_socks4_reply_str(rep.code));
		return err;
	}
	if (hs->u.s4.command == S6_SOCKS4_CMD_BIND && hs->u.s4.replies_left == 2) {
		memcpy(hs->u.s4.bound_ip, rep.ip, 4);
		hs->u.s4.bound_port = rep.port;
	}
	if (--hs->u.s4.replies_left > 0)
		s6_hs_expect(hs, S6_SOCKS4_REPLY_LEN);
	else
		s6_hs_finish(hs);
	return S6_OK;
}
