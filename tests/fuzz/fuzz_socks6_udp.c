/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 UDP association messages (s6_socks6_udp.h), both ways the header
 * says they arrive:
 *   datagram mode: the input is one UDP datagram; OK means LENGTH fits in it
 *     (used = LENGTH <= size, the rest is padding to ignore), NEED_MORE means
 *     it does not (or not even LENGTH arrived) and the datagram is dropped;
 *   stream mode: the input is a TCP stream of messages; each one is parsed
 *     on every prefix (fuzz_prefix.h: need exact, OK stable, errors final,
 *     no read past the prefix), and the walk goes on after each OK.
 * Every parsed message agrees with its bytes and packs back to exactly
 * data[0..used); only the documented errors occur. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "s6_socks6_udp.h"

/* Stream mode parses a few prefixes past the first final answer. */
#define STREAM_TAIL 4
/* Messages walked per input: more adds time, not coverage. */
#define STREAM_MSGS_MAX 64

static s6_s6_udp_msg msg;

static s6_err parse_udp(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	return s6_s6_udp_parse(b, len, &msg, used, need);
}

static void check_err(s6_err e)
{
	FUZZ_CHECK(e == S6_OK || e == S6_ERR_NEED_MORE || e == S6_ERR_BAD_VERSION ||
		   e == S6_ERR_MALFORMED);
}

static bool ip_type(uint8_t t)
{
	return t == S6_SOCKS6_ATYP_IPV4 || t == S6_SOCKS6_ATYP_IPV6;
}

static void check_addr(const s6_s6_addr *a)
{
	size_t wl = s6_s6_addr_wire_len(a);

	FUZZ_CHECK(wl > 0 && wl % S6_SOCKS6_ALIGN == 0 && wl <= S6_SOCKS6_ADDR_WIRE_MAX);
	if (a->type == S6_SOCKS6_ATYP_DOMAIN)
		FUZZ_CHECK(a->domain_len >= 1 && strlen(a->domain) == a->domain_len);
}

/* msg was parsed OK from b[0..used). */
static void check_msg(const uint8_t *b, size_t used, uint8_t *out)
{
	uint64_t id = (uint64_t)s6_get_u32be(b + 4) << 32 | s6_get_u32be(b + 8);
	size_t n = 0, hlen = 0;

	FUZZ_CHECK(used == s6_get_u16be(b + 2) && used >= S6_SOCKS6_UDP_HDR_LEN);
	FUZZ_CHECK(msg.type == b[1] && msg.assoc_id == id);
	if (msg.type == S6_SOCKS6_UDP_ASSOC_INIT || msg.type == S6_SOCKS6_UDP_ASSOC_CONFIRM)
		FUZZ_CHECK(used == S6_SOCKS6_UDP_HDR_LEN);
	else
		FUZZ_CHECK(msg.type == S6_SOCKS6_UDP_DATAGRAM || msg.type == S6_SOCKS6_UDP_ERROR);
	if (msg.type >= S6_SOCKS6_UDP_DATAGRAM) {
		FUZZ_CHECK(msg.addr.type == b[12] && msg.port == s6_get_u16be(b + 14));
		check_addr(&msg.addr);
	}
	if (msg.type == S6_SOCKS6_UDP_ERROR) {
		FUZZ_CHECK(ip_type(msg.addr.type) && ip_type(msg.reporter.type));
		FUZZ_CHECK(msg.error_code >= 1 && msg.error_code <= 4);
		FUZZ_CHECK(S6_SOCKS6_UDP_DGRAM_FIXED_LEN + s6_s6_addr_wire_len(&msg.addr) + 4 +
			   s6_s6_addr_wire_len(&msg.reporter) == used);
	}
	if (msg.type == S6_SOCKS6_UDP_DATAGRAM) {
		FUZZ_CHECK(msg.payload_off == S6_SOCKS6_UDP_DGRAM_FIXED_LEN +
					      s6_s6_addr_wire_len(&msg.addr));
		FUZZ_CHECK(msg.payload == b + msg.payload_off &&
			   msg.payload_off + msg.payload_len == used);
		/* The header alone, for a payload sent separately. */
		FUZZ_CHECK(s6_s6_udp_datagram_header_pack(msg.assoc_id, &msg.addr, msg.port,
							  msg.payload_len, out,
							  S6_SOCKS6_UDP_MSG_MAX, &hlen) == S6_OK);
		FUZZ_CHECK(hlen == msg.payload_off && memcmp(out, b, hlen) == 0);
	}
	FUZZ_CHECK(s6_s6_udp_pack(&msg, out, S6_SOCKS6_UDP_MSG_MAX, &n) == S6_OK);
	FUZZ_CHECK(n == used && memcmp(out, b, used) == 0);
}

static void datagram_mode(struct fuzz_view *v, size_t size, uint8_t *out)
{
	const uint8_t *b = fuzz_view_limit(v, size);
	size_t used = 0, need = 0;
	s6_err e = parse_udp(b, size, &used, &need);

	check_err(e);
	FUZZ_CHECK((e == S6_ERR_BAD_VERSION) == (size >= 1 && b[0] != S6_SOCKS6_VERSION));
	if (e == S6_ERR_NEED_MORE)
		FUZZ_CHECK(need >= 1 && (size < 4 || size + need == s6_get_u16be(b + 2)));
	if (e == S6_OK) {
		FUZZ_CHECK(used <= size);
		check_msg(b, used, out);
	}
}

/* One message at the start of data[0..n); returns its length, 0 if none. */
static size_t stream_one(const uint8_t *data, size_t n, struct fuzz_res *res, uint8_t *out)
{
	struct fuzz_view v;
	size_t last, ok, used = 0, need = 0;

	fuzz_view_open(&v, data, n);
	last = fuzz_parse_prefixes(&v, n, parse_udp, res, STREAM_TAIL);
	for (size_t k = 0; k <= last; k++)
		check_err(res[k].err);
	ok = fuzz_check_prefixes(res, last);
	if (ok <= last) {
		const uint8_t *b = fuzz_view_limit(&v, ok);

		FUZZ_CHECK(parse_udp(b, ok, &used, &need) == S6_OK && used == ok);
		check_msg(b, used, out);
	}
	fuzz_view_close(&v);
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_res *res = malloc((size + 1) * sizeof *res);
	uint8_t *out = malloc(S6_SOCKS6_UDP_MSG_MAX);
	struct fuzz_view v;
	size_t off = 0;

	if (!res || !out)
		abort();
	fuzz_view_open(&v, data, size);
	datagram_mode(&v, size, out);
	fuzz_view_close(&v);
	for (int i = 0; i < STREAM_MSGS_MAX && off < size; i++) {
		size_t used = stream_one(data + off, size - off, res, out);

		if (used == 0)
			break;
		off += used;
	}
	free(out);
	free(res);
	return 0;
}
