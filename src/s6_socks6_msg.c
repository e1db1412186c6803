/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 stream messages (see s6_socks6_msg.h for the formats). */
#include <string.h>

#include "s6_bytes.h"
#include "s6_socks6_msg.h"

/* Requests and Operation Replies share one shape:
 *   VER B1 OPTLEN(2) | PORT(2) PAD ATYP | ADDR | OPTIONS
 * where B1 is the command or the reply code. */
struct addr_msg {
	uint16_t port;
	s6_s6_addr *addr;
	size_t opts_off;
	size_t opts_len;
};

static s6_err check_optlen(size_t optlen)
{
	if (optlen > S6_SOCKS6_OPTIONS_MAX)
		return S6_ERR_TOO_LONG;
	if (optlen % S6_SOCKS6_ALIGN)
		return S6_ERR_MALFORMED;
	return S6_OK;
}

/* Options handed to a packer: same rules, but the caller's fault. */
static s6_err check_pack_opts(const uint8_t *opts, size_t opts_len)
{
	if (opts_len > S6_SOCKS6_OPTIONS_MAX)
		return S6_ERR_TOO_LONG;
	if (opts_len % S6_SOCKS6_ALIGN || (opts_len && !opts))
		return S6_ERR_INVALID_ARG;
	return S6_OK;
}

static bool atyp_known(uint8_t t)
{
	return t == S6_SOCKS6_ATYP_IPV4 || t == S6_SOCKS6_ATYP_IPV6 ||
	       t == S6_SOCKS6_ATYP_DOMAIN;
}

/* Check whichever fixed bytes are present, so that garbage is refused
 * before the whole fixed part has arrived. b1_ok vets byte 1. */
static s6_err check_fixed(const uint8_t *buf, size_t len, bool (*b1_ok)(uint8_t))
{
	s6_err e;

	if (len >= 1 && buf[0] != S6_SOCKS6_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 2 && !b1_ok(buf[1]))
		return S6_ERR_MALFORMED;
	if (len >= 4 && (e = check_optlen(s6_get_u16be(buf + 2))) != S6_OK)
		return e;
	if (len >= 7 && buf[6] != 0)
		return S6_ERR_MALFORMED;
	if (len >= 8 && !atyp_known(buf[7]))
		return S6_ERR_MALFORMED;
	return S6_OK;
}

/* Parse up to the end of the address; the options may still be missing. */
static s6_err parse_head(const uint8_t *buf, size_t len, bool (*b1_ok)(uint8_t),
			 struct addr_msg *m, size_t *need)
{
	size_t alen = 0;
	s6_err e = check_fixed(buf, len, b1_ok);

	if (e != S6_OK)
		return e;
	if (len < S6_SOCKS6_REQ_FIXED_LEN) {
		*need = S6_SOCKS6_REQ_FIXED_LEN - len;
		return S6_ERR_NEED_MORE;
	}
	e = s6_s6_addr_parse(buf[7], buf + S6_SOCKS6_REQ_FIXED_LEN,
			     len - S6_SOCKS6_REQ_FIXED_LEN, m->addr, &alen, need);
	if (e != S6_OK)
		return e;
	m->port = s6_get_u16be(buf + 4);
	m->opts_off = S6_SOCKS6_REQ_FIXED_LEN + alen;
	m->opts_len = s6_get_u16be(buf + 2);
	return S6_OK;
}

/* Are all options present? */
static s6_err finish(size_t len, size_t opts_off, size_t opts_len,
		     size_t *used, size_t *need)
{
	size_t total = opts_off + opts_len;

	if (len < total) {
		*need = total - len;
		return S6_ERR_NEED_MORE;
	}
	*used = total;
	return S6_OK;
}

static s6_err pack_addr_msg(uint8_t b1, uint16_t port, const s6_s6_addr *a,
			    const uint8_t *opts, size_t opts_len,
			    uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t alen = s6_s6_addr_wire_len(a), total;
	s6_err e = check_pack_opts(opts, opts_len);

	if (e != S6_OK)
		return e;
	if (alen == 0 || !buf || !outlen)
		return S6_ERR_INVALID_ARG;
	total = S6_SOCKS6_REQ_FIXED_LEN + alen + opts_len;
	if (cap < total)
		return S6_ERR_TOO_LONG;
	buf[0] = S6_SOCKS6_VERSION;
	buf[1] = b1;
	s6_put_u16be(buf + 2, (uint16_t)opts_len);
	s6_put_u16be(buf + 4, port);
	buf[6] = 0;
	buf[7] = a->type;
	e = s6_s6_addr_pack(a, buf + S6_SOCKS6_REQ_FIXED_LEN,
			    cap - S6_SOCKS6_REQ_FIXED_LEN, &alen);
	if (e != S6_OK)
		return e;
	if (opts_len)
		memcpy(buf + S6_SOCKS6_REQ_FIXED_LEN + alen, opts, opts_len);
	*outlen = total;
	return S6_OK;
}

/* Spec line 476: NOOP carries an IPv4 or IPv6 address of zero, port 0. */
static bool noop_ok(const s6_s6_addr *a, uint16_t port)
{
	return port == 0 && s6_s6_addr_is_unspecified(a);
}

static bool any_command(uint8_t cmd)
{
	(void)cmd;
	return true;
}

s6_err s6_s6_request_pack(const s6_s6_request *req, uint8_t *buf, size_t cap,
			  size_t *outlen)
{
	if (!req)
		return S6_ERR_INVALID_ARG;
	if (req->command == S6_SOCKS6_CMD_NOOP && !noop_ok(&req->addr, req->port))
		return S6_ERR_INVALID_ARG;
	return pack_addr_msg(req->command, req->port, &req->addr, req->opts,
			     req->opts_len, buf, cap, outlen);
}

s6_err s6_s6_request_parse(const uint8_t *buf, size_t len, s6_s6_request *out,
			   size_t *used, size_t *need)
{
	struct addr_msg m;
	s6_err e;

	if (!out || !used || !need || (!buf && len))
		return S6_ERR_INVALID_ARG;
	m.addr = &out->addr;
	e = parse_head(buf, len, any_command, &m, need);
	if (e != S6_OK)
		return e;
	/* Refused as soon as the address is known, before the options. */
	if (buf[1] == S6_SOCKS6_CMD_NOOP && !noop_ok(&out->addr, m.port))
		return S6_ERR_MALFORMED;
	e = finish(len, m.opts_off, m.opts_len, used, need);
	if (e != S6_OK)
		return e;
	out->command = buf[1];
	out->port = m.port;
	out->opts = buf + m.opts_off;
	out->opts_off = m.opts_off;
	out->opts_len = m.opts_len;
	return S6_OK;
}

void s6_s6_version_mismatch_pack(uint8_t out[S6_SOCKS6_VERSION_MISMATCH_LEN])
{
	out[0] = S6_SOCKS6_VERSION;
}

s6_err s6_s6_reply_at_eof(const uint8_t *buf, size_t len)
{
	if (buf && len == S6_SOCKS6_VERSION_MISMATCH_LEN && buf[0] == S6_SOCKS6_VERSION)
		return S6_ERR_BAD_VERSION;
	return S6_ERR_PROXY_CLOSED;
}

s6_err s6_s6_auth_reply_pack(const s6_s6_auth_reply *rep, uint8_t *buf,
			     size_t cap, size_t *outlen)
{
	size_t total;
	s6_err e;

	if (!rep || !buf || !outlen || rep->type > S6_SOCKS6_AUTH_FAILED)
		return S6_ERR_INVALID_ARG;
	e = check_pack_opts(rep->opts, rep->opts_len);
	if (e != S6_OK)
		return e;
	total = S6_SOCKS6_AUTH_REPLY_FIXED_LEN + rep->opts_len;
	if (cap < total)
		return S6_ERR_TOO_LONG;
	buf[0] = S6_SOCKS6_VERSION;
	buf[1] = rep->type;
	s6_put_u16be(buf + 2, (uint16_t)rep->opts_len);
	if (rep->opts_len)
		memcpy(buf + S6_SOCKS6_AUTH_REPLY_FIXED_LEN, rep->opts, rep->opts_len);
	*outlen = total;
	return S6_OK;
}

s6_err s6_s6_auth_reply_parse(const uint8_t *buf, size_t len,
			      s6_s6_auth_reply *out, size_t *used, size_t *need)
{
	size_t optlen;
	s6_err e;

	if (!out || !used || !need || (!buf && len))
		return S6_ERR_INVALID_ARG;
	if (len >= 1 && buf[0] != S6_SOCKS6_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 2 && buf[1] > S6_SOCKS6_AUTH_FAILED)
		return S6_ERR_MALFORMED;
	if (len < S6_SOCKS6_AUTH_REPLY_FIXED_LEN) {
		*need = S6_SOCKS6_AUTH_REPLY_FIXED_LEN - len;
		return S6_ERR_NEED_MORE;
	}
	optlen = s6_get_u16be(buf + 2);
	e = check_optlen(optlen);
	if (e == S6_OK)
		e = finish(len, S6_SOCKS6_AUTH_REPLY_FIXED_LEN, optlen, used, need);
	if (e != S6_OK)
		return e;
	out->type = buf[1];
	out->opts = buf + S6_SOCKS6_AUTH_REPLY_FIXED_LEN;
	out->opts_off = S6_SOCKS6_AUTH_REPLY_FIXED_LEN;
	out->opts_len = optlen;
	return S6_OK;
}

static bool reply_code_ok(uint8_t code)
{
	return code <= S6_SOCKS6_REP__MAX;
}

s6_err s6_s6_op_reply_pack(const s6_s6_op_reply *rep, uint8_t *buf, size_t cap,
			   size_t *outlen)
{
	if (!rep || !reply_code_ok(rep->code))
		return S6_ERR_INVALID_ARG;
	return pack_addr_msg(rep->code, rep->port, &rep->addr, rep->opts,
			     rep->opts_len, buf, cap, outlen);
}

s6_err s6_s6_op_reply_parse(const uint8_t *buf, size_t len,
			    s6_s6_op_reply *out, size_t *used, size_t *need)
{
	struct addr_msg m;
	s6_err e;

	if (!out || !used || !need || (!buf && len))
		return S6_ERR_INVALID_ARG;
	m.addr = &out->addr;
	e = parse_head(buf, len, reply_code_ok, &m, need);
	if (e == S6_OK)
		e = finish(len, m.opts_off, m.opts_len, used, need);
	if (e != S6_OK)
		return e;
	out->code = buf[1];
	out->port = m.port;
	out->opts = buf + m.opts_off;
	out->opts_off = m.opts_off;
	out->opts_len = m.opts_len;
	return S6_OK;
}
