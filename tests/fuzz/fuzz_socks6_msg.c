/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 stream message parsers: Request (server side), Authentication Reply
 * and Operation Reply (client side), each run on every prefix of the input
 * (fuzz_prefix.h: need exact, OK stable, errors final, no read past the
 * prefix). Besides: only the documented errors; BAD_VERSION exactly when the
 * first byte is not 6; a parsed message's fields agree with its bytes, and
 * packing it again gives back exactly data[0..used). */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_socks6_msg.h"

static s6_s6_request req;
static s6_s6_auth_reply arep;
static s6_s6_op_reply orep;

static s6_err parse_req(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return s6_s6_request_parse(b, len, &req, used, need);
}

static s6_err parse_auth(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return s6_s6_auth_reply_parse(b, len, &arep, used, need);
}

static s6_err parse_op(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return s6_s6_op_reply_parse(b, len, &orep, used, need);
}

/* What every parsed address must look like. */
static void check_addr(const s6_s6_addr *a)
{
	size_t wl = s6_s6_addr_wire_len(a);

	FUZZ_CHECK(wl == 4 || wl == 16 || a->type == S6_SOCKS6_ATYP_DOMAIN);
	FUZZ_CHECK(wl > 0 && wl % S6_SOCKS6_ALIGN == 0 && wl <= S6_SOCKS6_ADDR_WIRE_MAX);
	if (a->type == S6_SOCKS6_ATYP_DOMAIN)
		FUZZ_CHECK(a->domain_len >= 1 && strlen(a->domain) == a->domain_len);
}

/* The options range of a parsed message. */
static void check_opts(const uint8_t *b, size_t used, const uint8_t *opts,
		       size_t off, size_t len)
{
	FUZZ_CHECK(opts == b + off && off + len == used);
	FUZZ_CHECK(len % S6_SOCKS6_ALIGN == 0 && len <= S6_SOCKS6_OPTIONS_MAX);
	FUZZ_CHECK(len == (size_t)(b[2] << 8 | b[3]));
}

static void check_same(const uint8_t *b, size_t used, const uint8_t *out, size_t outlen)
{
	FUZZ_CHECK(outlen == used && memcmp(out, b, used) == 0);
}

/* b[0..used) parsed OK into the matching global; check and repack it. */
static void check_req(const uint8_t *b, size_t used, uint8_t *out)
{
	size_t n = 0;

	FUZZ_CHECK(req.command == b[1] && req.port == (uint16_t)(b[4] << 8 | b[5]));
	FUZZ_CHECK(req.addr.type == b[7]);
	check_addr(&req.addr);
	FUZZ_CHECK(req.opts_off == S6_SOCKS6_REQ_FIXED_LEN + s6_s6_addr_wire_len(&req.addr));
	check_opts(b, used, req.opts, req.opts_off, req.opts_len);
	if (req.command == S6_SOCKS6_CMD_NOOP)
		FUZZ_CHECK(req.port == 0 && s6_s6_addr_is_unspecified(&req.addr));
	FUZZ_CHECK(s6_s6_request_pack(&req, out, S6_SOCKS6_MSG_MAX, &n) == S6_OK);
	check_same(b, used, out, n);
}

static void check_auth(const uint8_t *b, size_t used, uint8_t *out)
{
	size_t n = 0;

	FUZZ_CHECK(arep.type == b[1] && arep.type <= S6_SOCKS6_AUTH_FAILED);
	FUZZ_CHECK(arep.opts_off == S6_SOCKS6_AUTH_REPLY_FIXED_LEN);
	check_opts(b, used, arep.opts, arep.opts_off, arep.opts_len);
	FUZZ_CHECK(s6_s6_auth_reply_pack(&arep, out, S6_SOCKS6_MSG_MAX, &n) == S6_OK);
	check_same(b, used, out, n);
}

static void check_op(const uint8_t *b, size_t used, uint8_t *out)
{
	size_t n = 0;

	FUZZ_CHECK(orep.code == b[1] && orep.code <= S6_SOCKS6_REP__MAX);
	FUZZ_CHECK(orep.port == (uint16_t)(b[4] << 8 | b[5]) && orep.addr.type == b[7]);
	check_addr(&orep.addr);
	FUZZ_CHECK(orep.opts_off == S6_SOCKS6_OP_REPLY_FIXED_LEN +
				    s6_s6_addr_wire_len(&orep.addr));
	check_opts(b, used, orep.opts, orep.opts_off, orep.opts_len);
	FUZZ_CHECK(s6_s6_op_reply_pack(&orep, out, S6_SOCKS6_MSG_MAX, &n) == S6_OK);
	check_same(b, used, out, n);
}

/* Documented errors, and BAD_VERSION exactly for a first byte other than 6
 * (the version is checked before anything else). */
static void check_errors(const struct fuzz_res *res, size_t n, const uint8_t *data)
{
	for (size_t k = 0; k <= n; k++) {
		s6_err e = res[k].err;

		FUZZ_CHECK(e == S6_OK || e == S6_ERR_NEED_MORE || e == S6_ERR_BAD_VERSION ||
			   e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG);
		FUZZ_CHECK((e == S6_ERR_BAD_VERSION) == (k >= 1 && data[0] != S6_SOCKS6_VERSION));
	}
}

static void run_one(struct fuzz_view *v, const uint8_t *data, size_t n,
		    fuzz_parse_fn parse, void (*check)(const uint8_t *, size_t, uint8_t *),
		    struct fuzz_res *res, uint8_t *out)
{
	size_t ok;

	fuzz_parse_prefixes(v, n, parse, res, SIZE_MAX);
	check_errors(res, n, data);
	ok = fuzz_check_prefixes(res, n);
	if (ok > n)
		return;
	/* Parse the shortest OK prefix again; the struct then points into it. */
	{
		const uint8_t *b = fuzz_view_limit(v, ok);
		size_t used = 0, need = 0;

		FUZZ_CHECK(parse(b, ok, &used, &need) == S6_OK && used == ok);
		check(b, used, out);
	}
}

/* A client that saw EOF while the auth reply parser still wanted more. */
static void check_eof(const struct fuzz_res *res, size_t n, const uint8_t *data)
{
	for (size_t k = 0; k <= n && k < S6_SOCKS6_AUTH_REPLY_FIXED_LEN + 1; k++) {
		s6_err e = s6_s6_reply_at_eof(k ? data : NULL, k);

		FUZZ_CHECK(e == S6_ERR_BAD_VERSION || e == S6_ERR_PROXY_CLOSED);
		FUZZ_CHECK((e == S6_ERR_BAD_VERSION) ==
			   (k == 1 && data[0] == S6_SOCKS6_VERSION));
		if (e == S6_ERR_BAD_VERSION)
			FUZZ_CHECK(res[k].err == S6_ERR_NEED_MORE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_res *res = malloc((size + 1) * sizeof *res);
	uint8_t *out = malloc(S6_SOCKS6_MSG_MAX);
	struct fuzz_view v;

	if (!res || !out)
		abort();
	fuzz_view_open(&v, data, size);
	run_one(&v, data, size, parse_req, check_req, res, out);
	run_one(&v, data, size, parse_op, check_op, res, out);
	run_one(&v, data, size, parse_auth, check_auth, res, out);
	check_eof(res, size, data);
	fuzz_view_close(&v);
	free(out);
	free(res);
	return 0;
}
