/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 stream messages and the address field: exact byte layouts from the
 * draft's figures, round trips, incremental parsing, malformed input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_socks6.h"
#include "s6_socks6_msg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One parser behind a common signature, so one walker tests them all. */
typedef s6_err (*parse_fn)(const uint8_t *buf, size_t len, size_t *used, size_t *need);

static s6_err p_req(const uint8_t *b, size_t l, size_t *u, size_t *n)
{
	s6_s6_request r;

	return s6_s6_request_parse(b, l, &r, u, n);
}

static s6_err p_auth(const uint8_t *b, size_t l, size_t *u, size_t *n)
{
	s6_s6_auth_reply r;

	return s6_s6_auth_reply_parse(b, l, &r, u, n);
}

static s6_err p_op(const uint8_t *b, size_t l, size_t *u, size_t *n)
{
	s6_s6_op_reply r;

	return s6_s6_op_reply_parse(b, l, &r, u, n);
}

/* Parse exactly len bytes from a heap copy of that size, so that the
 * sanitizer build catches any read past the end. */
static s6_err parse_exact(parse_fn fn, const uint8_t *wire, size_t len,
			  size_t *used, size_t *need)
{
	uint8_t *copy = malloc(len ? len : 1);
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wire, len);
	e = fn(len ? copy : NULL, len, used, need);
	free(copy);
	return e;
}

/* Every strict prefix wants more, never past the end; feeding exactly *need
 * more bytes each time lands exactly on the end. */
static void walk(parse_fn fn, const uint8_t *wire, size_t total)
{
	size_t k, used = 0, need = 0, have = 0, steps = 0;
	s6_err e;

	for (k = 0; k < total; k++) {
		need = 0;
		e = parse_exact(fn, wire, k, &used, &need);
		ck_assert_msg(e == S6_ERR_NEED_MORE, "prefix %zu of %zu: %s", k, total,
			      s6_strerror(e));
		ck_assert_uint_ge(need, 1);
		ck_assert_msg(k + need <= total, "prefix %zu: need %zu overshoots %zu",
			      k, need, total);
	}
	for (;;) {
		e = parse_exact(fn, wire, have, &used, &need);
		if (e != S6_ERR_NEED_MORE)
			break;
		have += need;
		ck_assert_uint_lt(++steps, total + 2);
	}
	ck_assert_int_eq(e, S6_OK);
	ck_assert_uint_eq(have, total);
	ck_assert_uint_eq(used, total);
}

static s6_err parse_all(parse_fn fn, const uint8_t *wire, size_t len)
{
	size_t used = 0, need = 0;

	return parse_exact(fn, wire, len, &used, &need);
}

static s6_s6_addr addr_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	s6_s6_addr x;

	memset(&x, 0, sizeof(x));
	x.type = S6_SOCKS6_ATYP_IPV4;
	x.ip[0] = a, x.ip[1] = b, x.ip[2] = c, x.ip[3] = d;
	return x;
}

static s6_s6_addr addr_dom(const char *name)
{
	s6_s6_addr x;

	memset(&x, 0, sizeof(x));
	x.type = S6_SOCKS6_ATYP_DOMAIN;
	x.domain_len = (uint8_t)strlen(name);
	memcpy(x.domain, name, x.domain_len);
	return x;
}

static const uint8_t ip6_doc[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* CONNECT 192.0.2.1:80, no options. */
static const uint8_t w_connect4[] = {
	0x06, 0x01, 0x00, 0x00, 0x00, 0x50, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x01,
};
/* CONNECT a.example:443 with an 8-byte option: LEN 9, 2 bytes of padding. */
static const uint8_t w_connect_dom[] = {
	0x06, 0x01, 0x00, 0x08, 0x01, 0xbb, 0x00, 0x03,
	0x09, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x00,
	0x00, 0x01, 0x00, 0x08, 0x44, 0x01, 0x00, 0x00,
};
/* BIND [2001:db8::1]:8080. */
static const uint8_t w_bind6[] = {
	0x06, 0x02, 0x00, 0x00, 0x1f, 0x90, 0x00, 0x04,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
};
/* NOOP: IPv4 0.0.0.0, port 0. */
static const uint8_t w_noop[] = {
	0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
};
/* UDP ASSOCIATE, domain "abc": 1 + 3 = 4, no padding needed. */
static const uint8_t w_udp_dom3[] = {
	0x06, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 'a', 'b', 'c',
};
static const uint8_t w_auth_ok[] = { 0x06, 0x00, 0x00, 0x00 };
/* Failed, with an 8-byte Authentication Method Selection option. */
static const uint8_t w_auth_fail[] = {
	0x06, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00,
};
/* Success, bound to 203.0.113.5:1080. */
static const uint8_t w_op_ok[] = {
	0x06, 0x00, 0x00, 0x00, 0x04, 0x38, 0x00, 0x01, 0xcb, 0x00, 0x71, 0x05,
};
/* Connection refused, bind address "proxy" (LEN 5, 2 bytes of padding),
 * 4 bytes of options. */
static const uint8_t w_op_refused[] = {
	0x06, 0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03,
	0x05, 'p', 'r', 'o', 'x', 'y', 0x00, 0x00, 0xfc, 0x00, 0x00, 0x04,
};

static void pack_req_eq(uint8_t cmd, uint16_t port, s6_s6_addr a, const uint8_t *opts,
			size_t olen, const uint8_t *want, size_t wlen)
{
	s6_s6_request r = { .command = cmd, .port = port, .addr = a,
			    .opts = opts, .opts_len = olen };
	uint8_t buf[S6_SOCKS6_MSG_MAX];
	size_t len = 0;

	ck_assert_int_eq(s6_s6_request_pack(&r, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(buf, want, wlen);
	/* One byte short of room. */
	ck_assert_int_eq(s6_s6_request_pack(&r, buf, wlen - 1, &len), S6_ERR_TOO_LONG);
}

START_TEST(request_layouts)
{
	s6_s6_addr a6;

	memset(&a6, 0, sizeof(a6));
	a6.type = S6_SOCKS6_ATYP_IPV6;
	memcpy(a6.ip, ip6_doc, 16);
	pack_req_eq(1, 80, addr_ip4(192, 0, 2, 1), NULL, 0, w_connect4, sizeof(w_connect4));
	pack_req_eq(1, 443, addr_dom("a.example"), w_connect_dom + 20, 8, w_connect_dom,
		    sizeof(w_connect_dom));
	pack_req_eq(2, 8080, a6, NULL, 0, w_bind6, sizeof(w_bind6));
	pack_req_eq(0, 0, addr_ip4(0, 0, 0, 0), NULL, 0, w_noop, sizeof(w_noop));
	pack_req_eq(3, 0, addr_dom("abc"), NULL, 0, w_udp_dom3, sizeof(w_udp_dom3));
}
END_TEST

START_TEST(request_parse_fields)
{
	uint8_t buf[sizeof(w_connect_dom) + 5];
	s6_s6_request r;
	size_t used = 0, need = 0;

	/* Initial data after the request is not part of it. */
	memcpy(buf, w_connect_dom, sizeof(w_connect_dom));
	memcpy(buf + sizeof(w_connect_dom), "HELLO", 5);
	ck_assert_int_eq(s6_s6_request_parse(buf, sizeof(buf), &r, &used, &need), S6_OK);
	ck_assert_uint_eq(used, sizeof(w_connect_dom));
	ck_assert_uint_eq(r.command, S6_SOCKS6_CMD_CONNECT);
	ck_assert_uint_eq(r.port, 443);
	ck_assert_uint_eq(r.addr.type, S6_SOCKS6_ATYP_DOMAIN);
	ck_assert_str_eq(r.addr.domain, "a.example");
	ck_assert_uint_eq(r.addr.domain_len, 9);
	ck_assert_uint_eq(r.opts_off, 20);
	ck_assert_uint_eq(r.opts_len, 8);
	ck_assert_ptr_eq(r.opts, buf + 20);

	ck_assert_int_eq(s6_s6_request_parse(w_bind6, sizeof(w_bind6), &r, &used, &need),
			 S6_OK);
	ck_assert_uint_eq(r.command, S6_SOCKS6_CMD_BIND);
	ck_assert_uint_eq(r.port, 8080);
	ck_assert_uint_eq(r.addr.type, S6_SOCKS6_ATYP_IPV6);
	ck_assert_mem_eq(r.addr.ip, ip6_doc, 16);
	ck_assert_uint_eq(r.opts_len, 0);
	ck_assert_uint_eq(r.opts_off, sizeof(w_bind6));
}
END_TEST

START_TEST(reply_layouts)
{
	uint8_t buf[64];
	size_t len = 0, used = 0, need = 0;
	s6_s6_auth_reply ar = { .type = 1, .opts = w_auth_fail + 4, .opts_len = 8 };
	s6_s6_op_reply op = { .code = 0, .port = 1080, .addr = addr_ip4(203, 0, 113, 5) };

	ck_assert_int_eq(s6_s6_auth_reply_pack(&ar, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, sizeof(w_auth_fail));
	ck_assert_mem_eq(buf, w_auth_fail, len);
	ar = (s6_s6_auth_reply){ .type = 0 };
	ck_assert_int_eq(s6_s6_auth_reply_pack(&ar, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, sizeof(w_auth_ok));
	ck_assert_mem_eq(buf, w_auth_ok, len);
	ck_assert_int_eq(s6_s6_auth_reply_pack(&ar, buf, 3, &len), S6_ERR_TOO_LONG);

	ck_assert_int_eq(s6_s6_op_reply_pack(&op, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, sizeof(w_op_ok));
	ck_assert_mem_eq(buf, w_op_ok, len);
	op = (s6_s6_op_reply){ .code = 5, .addr = addr_dom("proxy"),
			       .opts = w_op_refused + 16, .opts_len = 4 };
	ck_assert_int_eq(s6_s6_op_reply_pack(&op, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, sizeof(w_op_refused));
	ck_assert_mem_eq(buf, w_op_refused, len);

	memset(&op, 0xa5, sizeof(op));
	ck_assert_int_eq(s6_s6_op_reply_parse(w_op_refused, sizeof(w_op_refused), &op,
					      &used, &need), S6_OK);
	ck_assert_uint_eq(used, sizeof(w_op_refused));
	ck_assert_uint_eq(op.code, S6_SOCKS6_REP_REFUSED);
	ck_assert_uint_eq(op.port, 0);
	ck_assert_str_eq(op.addr.domain, "proxy");
	ck_assert_ptr_eq(op.opts, w_op_refused + 16);
	ck_assert_uint_eq(op.opts_len, 4);
	ck_assert_int_eq(s6_s6_auth_reply_parse(w_auth_fail, sizeof(w_auth_fail), &ar,
						&used, &need), S6_OK);
	ck_assert_uint_eq(ar.type, S6_SOCKS6_AUTH_FAILED);
	ck_assert_ptr_eq(ar.opts, w_auth_fail + 4);
	ck_assert_uint_eq(ar.opts_off, 4);
	ck_assert_uint_eq(ar.opts_len, 8);
}
END_TEST

START_TEST(truncation_walks)
{
	walk(p_req, w_connect4, sizeof(w_connect4));
	walk(p_req, w_connect_dom, sizeof(w_connect_dom));
	walk(p_req, w_bind6, sizeof(w_bind6));
	walk(p_req, w_noop, sizeof(w_noop));
	walk(p_req, w_udp_dom3, sizeof(w_udp_dom3));
	walk(p_auth, w_auth_ok, sizeof(w_auth_ok));
	walk(p_auth, w_auth_fail, sizeof(w_auth_fail));
	walk(p_op, w_op_ok, sizeof(w_op_ok));
	walk(p_op, w_op_refused, sizeof(w_op_refused));
}
END_TEST

/* Every domain length: padding to 4, round trip, truncation walk. */
START_TEST(domain_lengths_round_trip)
{
	static uint8_t opts[12] = { 0xfc, 0x01, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8 };
	char name[256];
	uint8_t buf[512];
	size_t dlen, len, used, need, i;

	for (dlen = 1; dlen <= 255; dlen++) {
		s6_s6_request in, out;
		s6_s6_op_reply oin, oout;

		for (i = 0; i < dlen; i++)
			name[i] = (char)('a' + i % 26);
		name[dlen] = '\0';
		in = (s6_s6_request){ .command = 1, .port = (uint16_t)(dlen * 257),
				      .addr = addr_dom(name), .opts = opts,
				      .opts_len = dlen % 2 ? 12 : 0 };
		ck_assert_int_eq(s6_s6_request_pack(&in, buf, sizeof(buf), &len), S6_OK);
		ck_assert_uint_eq(len, 8 + ((1 + dlen + 3) / 4) * 4 + in.opts_len);
		ck_assert_uint_eq(len % 4, 0);
		for (i = 9 + dlen; i < len - in.opts_len; i++)
			ck_assert_uint_eq(buf[i], 0);
		ck_assert_int_eq(s6_s6_request_parse(buf, len, &out, &used, &need), S6_OK);
		ck_assert_uint_eq(used, len);
		ck_assert_str_eq(out.addr.domain, name);
		ck_assert_uint_eq(out.port, in.port);
		ck_assert_uint_eq(out.opts_len, in.opts_len);
		ck_assert_mem_eq(out.opts, opts, in.opts_len);
		walk(p_req, buf, len);

		oin = (s6_s6_op_reply){ .code = (uint8_t)(dlen % 10),
					.port = (uint16_t)dlen, .addr = addr_dom(name) };
		ck_assert_int_eq(s6_s6_op_reply_pack(&oin, buf, sizeof(buf), &len), S6_OK);
		ck_assert_int_eq(s6_s6_op_reply_parse(buf, len, &oout, &used, &need), S6_OK);
		ck_assert_uint_eq(oout.code, oin.code);
		ck_assert_str_eq(oout.addr.domain, name);
		walk(p_op, buf, len);
	}
}
END_TEST

/* Options Length: 16384 is the largest; anything above is refused as soon
 * as the length field is in. */
START_TEST(options_length_limits)
{
	static uint8_t big[8 + 4 + S6_SOCKS6_OPTIONS_MAX + 4];
	s6_s6_request r = { .command = 1, .port = 1, .addr = addr_ip4(10, 0, 0, 1) };
	s6_s6_auth_reply ar = { .type = 0 };
	size_t len = 0, used = 0, need = 0;
	uint8_t hdr[4] = { 0x06, 0x01, 0x40, 0x04 };    /* 16388 */

	r.opts = big + 12;
	r.opts_len = S6_SOCKS6_OPTIONS_MAX;
	ck_assert_int_eq(s6_s6_request_pack(&r, big, sizeof(big), &len), S6_OK);
	ck_assert_uint_eq(len, 12 + S6_SOCKS6_OPTIONS_MAX);
	ck_assert_int_eq(s6_s6_request_parse(big, len, &r, &used, &need), S6_OK);
	ck_assert_uint_eq(r.opts_len, S6_SOCKS6_OPTIONS_MAX);
	ck_assert_int_eq(s6_s6_request_parse(big, 12, &r, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, S6_SOCKS6_OPTIONS_MAX);

	r.opts_len = S6_SOCKS6_OPTIONS_MAX + 4;
	ck_assert_int_eq(s6_s6_request_pack(&r, big, sizeof(big), &len), S6_ERR_TOO_LONG);
	ar.opts = big;
	ar.opts_len = S6_SOCKS6_OPTIONS_MAX + 4;
	ck_assert_int_eq(s6_s6_auth_reply_pack(&ar, big, sizeof(big), &len), S6_ERR_TOO_LONG);

	ck_assert_int_eq(parse_all(p_req, hdr, 4), S6_ERR_TOO_LONG);
	ck_assert_int_eq(parse_all(p_op, (const uint8_t[]){ 6, 0, 0xff, 0xfc }, 4),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(parse_all(p_auth, (const uint8_t[]){ 6, 0, 0x40, 0x04 }, 4),
			 S6_ERR_TOO_LONG);
	/* Not a multiple of 4: no sequence of options has that length. */
	ck_assert_int_eq(parse_all(p_req, (const uint8_t[]){ 6, 1, 0, 6 }, 4),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(parse_all(p_auth, (const uint8_t[]){ 6, 0, 0, 1 }, 4),
			 S6_ERR_MALFORMED);
	r.opts_len = 6;
	ck_assert_int_eq(s6_s6_request_pack(&r, big, sizeof(big), &len), S6_ERR_INVALID_ARG);
	r.opts = NULL;
	r.opts_len = 4;
	ck_assert_int_eq(s6_s6_request_pack(&r, big, sizeof(big), &len), S6_ERR_INVALID_ARG);
}
END_TEST

/* Copy wire, change byte at off to v, parse the first len bytes. */
static s6_err mutate(parse_fn fn, const uint8_t *wire, size_t wlen, size_t off,
		     uint8_t v, size_t len)
{
	uint8_t buf[64];

	ck_assert_uint_le(wlen, sizeof(buf));
	memcpy(buf, wire, wlen);
	buf[off] = v;
	return parse_all(fn, buf, len);
}

START_TEST(bad_version)
{
	static const uint8_t vers[] = { 0, 4, 5, 7, 'G', 0xff };
	size_t i;

	/* Refused on the first byte: the proxy answers with a mismatch reply. */
	for (i = 0; i < N(vers); i++) {
		ck_assert_int_eq(mutate(p_req, w_connect4, sizeof(w_connect4), 0, vers[i], 1),
				 S6_ERR_BAD_VERSION);
		ck_assert_int_eq(mutate(p_auth, w_auth_ok, 4, 0, vers[i], 1),
				 S6_ERR_BAD_VERSION);
		ck_assert_int_eq(mutate(p_op, w_op_ok, sizeof(w_op_ok), 0, vers[i],
					sizeof(w_op_ok)), S6_ERR_BAD_VERSION);
	}
}
END_TEST

START_TEST(version_mismatch_reply)
{
	uint8_t b[S6_SOCKS6_VERSION_MISMATCH_LEN] = { 0 };
	size_t used = 0, need = 0;
	s6_s6_auth_reply ar;

	s6_s6_version_mismatch_pack(b);
	ck_assert_uint_eq(b[0], 0x06);
	/* The lone 6 looks like the start of an Authentication Reply... */
	ck_assert_int_eq(s6_s6_auth_reply_parse(b, 1, &ar, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 3);
	/* ...and only EOF tells them apart. */
	ck_assert_int_eq(s6_s6_reply_at_eof(b, 1), S6_ERR_BAD_VERSION);
	ck_assert_int_eq(s6_s6_reply_at_eof(b, 0), S6_ERR_PROXY_CLOSED);
	ck_assert_int_eq(s6_s6_reply_at_eof(NULL, 0), S6_ERR_PROXY_CLOSED);
	ck_assert_int_eq(s6_s6_reply_at_eof(w_auth_fail, 2), S6_ERR_PROXY_CLOSED);
	ck_assert_int_eq(s6_s6_reply_at_eof((const uint8_t[]){ 5 }, 1), S6_ERR_PROXY_CLOSED);
}
END_TEST

START_TEST(malformed_fixed_fields)
{
	static const uint8_t atyps[] = { 0, 2, 5, 0xff };
	size_t i;

	/* Padding byte, checked once 7 bytes are in. */
	ck_assert_int_eq(mutate(p_req, w_connect4, sizeof(w_connect4), 6, 1, 7),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_op, w_op_ok, sizeof(w_op_ok), 6, 0x80, sizeof(w_op_ok)),
			 S6_ERR_MALFORMED);
	for (i = 0; i < N(atyps); i++) {
		ck_assert_int_eq(mutate(p_req, w_connect4, sizeof(w_connect4), 7, atyps[i], 8),
				 S6_ERR_MALFORMED);
		ck_assert_int_eq(mutate(p_op, w_op_ok, sizeof(w_op_ok), 7, atyps[i],
					sizeof(w_op_ok)), S6_ERR_MALFORMED);
	}
	/* Reply code over 9, auth type over 1: refused on byte 1. */
	ck_assert_int_eq(mutate(p_op, w_op_ok, sizeof(w_op_ok), 1, 10, 2), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_op, w_op_ok, sizeof(w_op_ok), 1, 9, sizeof(w_op_ok)),
			 S6_OK);
	ck_assert_int_eq(mutate(p_auth, w_auth_ok, 4, 1, 2, 2), S6_ERR_MALFORMED);
	/* Unknown commands parse: the proxy answers "command not supported". */
	ck_assert_int_eq(mutate(p_req, w_connect4, sizeof(w_connect4), 1, 0x42,
				sizeof(w_connect4)), S6_OK);
}
END_TEST

START_TEST(malformed_domain)
{
	/* LEN 0. */
	ck_assert_int_eq(mutate(p_req, w_connect_dom, sizeof(w_connect_dom), 8, 0, 9),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_op, w_op_refused, sizeof(w_op_refused), 8, 0, 9),
			 S6_ERR_MALFORMED);
	/* Non-zero padding, each of the two bytes. */
	ck_assert_int_eq(mutate(p_req, w_connect_dom, sizeof(w_connect_dom), 18, ' ',
				sizeof(w_connect_dom)), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_req, w_connect_dom, sizeof(w_connect_dom), 19, 1,
				sizeof(w_connect_dom)), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_op, w_op_refused, sizeof(w_op_refused), 15, 'x',
				sizeof(w_op_refused)), S6_ERR_MALFORMED);
	/* A NUL inside the name. */
	ck_assert_int_eq(mutate(p_req, w_connect_dom, sizeof(w_connect_dom), 10, 0,
				sizeof(w_connect_dom)), S6_ERR_MALFORMED);
	/* LEN 10 instead of 9: the NUL that was padding is now in the name. */
	ck_assert_int_eq(mutate(p_req, w_connect_dom, sizeof(w_connect_dom), 8, 10,
				sizeof(w_connect_dom)), S6_ERR_MALFORMED);
	/* LEN 11: name fills the 12-byte field exactly, ending in NULs: bad. */
	ck_assert_int_eq(mutate(p_req, w_connect_dom, sizeof(w_connect_dom), 8, 11,
				sizeof(w_connect_dom)), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(domain_255)
{
	uint8_t buf[8 + 256];
	s6_s6_request r;
	size_t used = 0, need = 0;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, (const uint8_t[]){ 6, 1, 0, 0, 0, 80, 0, 3, 255 }, 9);
	/* 1 + 255 = 256: already aligned, so no padding follows. */
	ck_assert_int_eq(s6_s6_request_parse(buf, sizeof(buf), &r, &used, &need), S6_OK);
	ck_assert_uint_eq(used, sizeof(buf));
	ck_assert_uint_eq(r.addr.domain_len, 255);
	ck_assert_uint_eq(strlen(r.addr.domain), 255);
	walk(p_req, buf, sizeof(buf));
}
END_TEST

START_TEST(noop_rules)
{
	static const uint8_t noop6[] = {
		6, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	s6_s6_request r = { .command = 0, .addr = addr_ip4(0, 0, 0, 0) };
	uint8_t buf[64];
	size_t len;

	ck_assert_int_eq(parse_all(p_req, noop6, sizeof(noop6)), S6_OK);
	walk(p_req, noop6, sizeof(noop6));
	/* Port, address, address type must be zero / IP. */
	ck_assert_int_eq(mutate(p_req, w_noop, sizeof(w_noop), 5, 1, sizeof(w_noop)),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_req, w_noop, sizeof(w_noop), 11, 1, sizeof(w_noop)),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_req, noop6, sizeof(noop6), 23, 1, sizeof(noop6)),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(p_req, w_udp_dom3, sizeof(w_udp_dom3), 1, 0,
				sizeof(w_udp_dom3)), S6_ERR_MALFORMED);
	/* Refused before any of the options arrive. */
	ck_assert_int_eq(parse_all(p_req, (const uint8_t[]){ 6, 0, 0, 4, 0, 0, 0, 1,
							     0, 0, 0, 7 }, 12),
			 S6_ERR_MALFORMED);
	/* The packer will not produce a bad NOOP either. */
	ck_assert_int_eq(s6_s6_request_pack(&r, buf, sizeof(buf), &len), S6_OK);
	r.port = 1;
	ck_assert_int_eq(s6_s6_request_pack(&r, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
	r.port = 0;
	r.addr = addr_dom("x");
	ck_assert_int_eq(s6_s6_request_pack(&r, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
}
END_TEST

START_TEST(addr_helpers)
{
	s6_s6_addr a = addr_dom("ab"), b;
	uint8_t buf[8];
	size_t len = 0, used = 0, need = 0;

	ck_assert_uint_eq(s6_s6_addr_wire_len(&a), 4);
	ck_assert_int_eq(s6_s6_addr_pack(&a, buf, sizeof(buf), &len), S6_OK);
	ck_assert_mem_eq(buf, ((const uint8_t[]){ 2, 'a', 'b', 0 }), 4);
	ck_assert_int_eq(s6_s6_addr_pack(&a, buf, 3, &len), S6_ERR_TOO_LONG);
	a.domain[1] = '\0';
	ck_assert_uint_eq(s6_s6_addr_wire_len(&a), 0);
	ck_assert_int_eq(s6_s6_addr_pack(&a, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
	a.domain_len = 0;
	ck_assert_int_eq(s6_s6_addr_pack(&a, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
	a.type = 2;
	ck_assert_uint_eq(s6_s6_addr_wire_len(&a), 0);
	ck_assert_int_eq(s6_s6_addr_parse(2, buf, 4, &b, &used, &need), S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_s6_addr_parse(S6_SOCKS6_ATYP_IPV6, buf, 4, &b, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 12);
	a = addr_ip4(0, 0, 0, 0);
	ck_assert(s6_s6_addr_is_unspecified(&a));
	a.ip[3] = 1;
	ck_assert(!s6_s6_addr_is_unspecified(&a));
	a = addr_dom("x");
	ck_assert(!s6_s6_addr_is_unspecified(&a));
}
END_TEST

START_TEST(reply_codes)
{
	static const s6_err want[] = {
		S6_OK, S6_ERR_PROXY_FAILURE, S6_ERR_NOT_ALLOWED, S6_ERR_NET_UNREACHABLE,
		S6_ERR_HOST_UNREACHABLE, S6_ERR_REFUSED, S6_ERR_HOST_UNREACHABLE,
		S6_ERR_CMD_UNSUPPORTED, S6_ERR_TARGET_UNSUPPORTED, S6_ERR_TARGET_TIMEOUT,
	};
	unsigned c, d;

	for (c = 0; c < N(want); c++) {
		ck_assert_int_eq(s6_s6_reply_err((uint8_t)c), want[c]);
		ck_assert_str_ne(s6_s6_reply_str((uint8_t)c), "unknown reply code");
		for (d = 0; d < c; d++)
			ck_assert_str_ne(s6_s6_reply_str((uint8_t)c), s6_s6_reply_str((uint8_t)d));
	}
	ck_assert_str_eq(s6_s6_reply_str(4), "host unreachable");
	ck_assert_str_eq(s6_s6_reply_str(10), "unknown reply code");
	ck_assert_str_eq(s6_s6_reply_str(255), "unknown reply code");
	ck_assert_int_eq(s6_s6_reply_err(10), S6_ERR_PROXY_PROTOCOL);
}
END_TEST

static Suite *socks6_msg_suite(void)
{
	Suite *s = suite_create("socks6_msg");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, request_layouts);
	tcase_add_test(tc, request_parse_fields);
	tcase_add_test(tc, reply_layouts);
	tcase_add_test(tc, truncation_walks);
	tcase_add_test(tc, domain_lengths_round_trip);
	tcase_add_test(tc, options_length_limits);
	tcase_add_test(tc, bad_version);
	tcase_add_test(tc, version_mismatch_reply);
	tcase_add_test(tc, malformed_fixed_fields);
	tcase_add_test(tc, malformed_domain);
	tcase_add_test(tc, domain_255);
	tcase_add_test(tc, noop_rules);
	tcase_add_test(tc, addr_helpers);
	tcase_add_test(tc, reply_codes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socks6_msg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
