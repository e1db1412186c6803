/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 UDP association messages: exact layouts from the draft's figures,
 * round trips, incremental (TCP) and whole-datagram (UDP) parsing,
 * malformed input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_socks6_udp.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ID 0x0102030405060708ULL

static s6_err parse_exact(const uint8_t *wire, size_t len, s6_s6_udp_msg *m,
			  size_t *used, size_t *need)
{
	uint8_t *copy = malloc(len ? len : 1);
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wire, len);
	e = s6_s6_udp_parse(len ? copy : NULL, len, m, used, need);
	free(copy);
	return e;
}

static s6_err parse_all(const uint8_t *wire, size_t len)
{
	s6_s6_udp_msg m;
	size_t used = 0, need = 0;

	return parse_exact(wire, len, &m, &used, &need);
}

/* As in check_socks6_msg: prefixes want more, exact feeding ends at the end. */
static void walk(const uint8_t *wire, size_t total)
{
	s6_s6_udp_msg m;
	size_t k, used = 0, need = 0, have = 0, steps = 0;
	s6_err e;

	for (k = 0; k < total; k++) {
		e = parse_exact(wire, k, &m, &used, &need);
		ck_assert_msg(e == S6_ERR_NEED_MORE, "prefix %zu of %zu: %s", k, total,
			      s6_strerror(e));
		ck_assert_uint_ge(need, 1);
		ck_assert_uint_le(k + need, total);
	}
	while ((e = parse_exact(wire, have, &m, &used, &need)) == S6_ERR_NEED_MORE) {
		have += need;
		ck_assert_uint_lt(++steps, total + 2);
	}
	ck_assert_int_eq(e, S6_OK);
	ck_assert_uint_eq(have, total);
	ck_assert_uint_eq(used, total);
}

static s6_s6_addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	s6_s6_addr x;

	memset(&x, 0, sizeof(x));
	x.type = S6_SOCKS6_ATYP_IPV4;
	x.ip[0] = a, x.ip[1] = b, x.ip[2] = c, x.ip[3] = d;
	return x;
}

static s6_s6_addr ip6(uint8_t last)
{
	s6_s6_addr x;

	memset(&x, 0, sizeof(x));
	x.type = S6_SOCKS6_ATYP_IPV6;
	x.ip[0] = 0x20, x.ip[1] = 0x01, x.ip[2] = 0x0d, x.ip[3] = 0xb8, x.ip[15] = last;
	return x;
}

static const uint8_t w_init[] = { 6, 1, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t w_confirm[] = { 6, 2, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8 };
/* Datagram to 198.51.100.7:53 carrying "abc": 16 + 4 + 3 = 23. */
static const uint8_t w_dgram4[] = {
	6, 3, 0, 23, 1, 2, 3, 4, 5, 6, 7, 8,
	0x01, 0x00, 0x00, 0x35, 198, 51, 100, 7, 'a', 'b', 'c',
};
/* Datagram from "dns.example" (LEN 11: 12 bytes, no padding), port 853,
 * payload 0x00 0xff: 16 + 12 + 2 = 30. */
static const uint8_t w_dgram_dom[] = {
	6, 3, 0, 30, 1, 2, 3, 4, 5, 6, 7, 8,
	0x03, 0x00, 0x03, 0x55, 11, 'd', 'n', 's', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x00, 0xff,
};
/* Datagram, domain "ab" (padded with one NUL), empty payload: 16 + 4. */
static const uint8_t w_dgram_ab[] = {
	6, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 0x03, 0x00, 0x00, 0x07, 2, 'a', 'b', 0,
};
/* The empty datagram of "Proxying UDP servers": address and port zero. */
static const uint8_t w_dgram_zero[] = {
	6, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0, 0, 0, 0, 0, 0, 0,
};
/* Error: 192.0.2.9:5000 host unreachable, reported by 198.51.100.1. */
static const uint8_t w_error4[] = {
	6, 4, 0, 28, 1, 2, 3, 4, 5, 6, 7, 8,
	0x01, 0x00, 0x13, 0x88, 192, 0, 2, 9,
	0x01, 0x02, 0x00, 0x00, 198, 51, 100, 1,
};

static void pack_eq(const s6_s6_udp_msg *m, const uint8_t *want, size_t wlen)
{
	uint8_t buf[128];
	size_t len = 0;

	ck_assert_int_eq(s6_s6_udp_pack(m, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(buf, want, wlen);
	ck_assert_int_eq(s6_s6_udp_pack(m, buf, wlen - 1, &len), S6_ERR_TOO_LONG);
}

START_TEST(layouts)
{
	s6_s6_udp_msg m = { .type = S6_SOCKS6_UDP_ASSOC_INIT, .assoc_id = ID };

	pack_eq(&m, w_init, sizeof(w_init));
	m.type = S6_SOCKS6_UDP_ASSOC_CONFIRM;
	pack_eq(&m, w_confirm, sizeof(w_confirm));
	m = (s6_s6_udp_msg){ .type = S6_SOCKS6_UDP_DATAGRAM, .assoc_id = ID, .port = 53,
			     .addr = ip4(198, 51, 100, 7),
			     .payload = (const uint8_t *)"abc", .payload_len = 3 };
	pack_eq(&m, w_dgram4, sizeof(w_dgram4));
	m.addr = ip4(0, 0, 0, 0);
	m.port = 0;
	m.payload_len = 0;
	pack_eq(&m, w_dgram_zero, sizeof(w_dgram_zero));
	memset(&m.addr, 0, sizeof(m.addr));
	m.addr.type = S6_SOCKS6_ATYP_DOMAIN;
	m.addr.domain_len = 2;
	memcpy(m.addr.domain, "ab", 3);
	m.port = 7;
	pack_eq(&m, w_dgram_ab, sizeof(w_dgram_ab));
	m = (s6_s6_udp_msg){ .type = S6_SOCKS6_UDP_ERROR, .assoc_id = ID, .port = 5000,
			     .addr = ip4(192, 0, 2, 9),
			     .error_code = S6_SOCKS6_UDP_ERR_HOST_UNREACH,
			     .reporter = ip4(198, 51, 100, 1) };
	pack_eq(&m, w_error4, sizeof(w_error4));
}
END_TEST

START_TEST(parse_fields)
{
	uint8_t buf[sizeof(w_dgram_dom) + 7];
	s6_s6_udp_msg m;
	size_t used = 0, need = 0;

	/* Trailing bytes (UDP padding, or the next message on TCP) are left. */
	memcpy(buf, w_dgram_dom, sizeof(w_dgram_dom));
	memset(buf + sizeof(w_dgram_dom), 0xee, 7);
	ck_assert_int_eq(s6_s6_udp_parse(buf, sizeof(buf), &m, &used, &need), S6_OK);
	ck_assert_uint_eq(used, sizeof(w_dgram_dom));
	ck_assert_uint_eq(m.type, S6_SOCKS6_UDP_DATAGRAM);
	ck_assert(m.assoc_id == ID);
	ck_assert_uint_eq(m.port, 853);
	ck_assert_uint_eq(m.addr.type, S6_SOCKS6_ATYP_DOMAIN);
	ck_assert_str_eq(m.addr.domain, "dns.example");
	ck_assert_uint_eq(m.payload_len, 2);
	ck_assert_uint_eq(m.payload_off, 28);
	ck_assert_ptr_eq(m.payload, buf + 28);

	ck_assert_int_eq(s6_s6_udp_parse(w_error4, sizeof(w_error4), &m, &used, &need), S6_OK);
	ck_assert_uint_eq(m.type, S6_SOCKS6_UDP_ERROR);
	ck_assert_uint_eq(m.port, 5000);
	ck_assert_mem_eq(m.addr.ip, ((const uint8_t[]){ 192, 0, 2, 9 }), 4);
	ck_assert_uint_eq(m.error_code, S6_SOCKS6_UDP_ERR_HOST_UNREACH);
	ck_assert_uint_eq(m.reporter.type, S6_SOCKS6_ATYP_IPV4);
	ck_assert_mem_eq(m.reporter.ip, ((const uint8_t[]){ 198, 51, 100, 1 }), 4);

	ck_assert_int_eq(s6_s6_udp_parse(w_confirm, sizeof(w_confirm), &m, &used, &need),
			 S6_OK);
	ck_assert_uint_eq(m.type, S6_SOCKS6_UDP_ASSOC_CONFIRM);
	ck_assert_uint_eq(used, 12);

	/* Over UDP: LENGTH larger than the datagram means "ignore it". */
	ck_assert_int_eq(s6_s6_udp_parse(w_dgram4, sizeof(w_dgram4) - 1, &m, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 1);
}
END_TEST

START_TEST(walks)
{
	walk(w_init, sizeof(w_init));
	walk(w_confirm, sizeof(w_confirm));
	walk(w_dgram4, sizeof(w_dgram4));
	walk(w_dgram_dom, sizeof(w_dgram_dom));
	walk(w_dgram_ab, sizeof(w_dgram_ab));
	walk(w_dgram_zero, sizeof(w_dgram_zero));
	walk(w_error4, sizeof(w_error4));
}
END_TEST

START_TEST(round_trips)
{
	static const uint64_t ids[] = { 0, 1, 0xfedcba9876543210ULL, UINT64_MAX };
	static uint8_t payload[S6_SOCKS6_UDP_MSG_MAX];
	static uint8_t buf[S6_SOCKS6_UDP_MSG_MAX + 16];
	uint8_t hdr[64];
	s6_s6_udp_msg in, out;
	size_t i, len = 0, hlen = 0, used = 0, need = 0;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	for (i = 0; i < N(ids); i++) {
		in = (s6_s6_udp_msg){ .type = S6_SOCKS6_UDP_DATAGRAM, .assoc_id = ids[i],
				      .port = (uint16_t)(i + 1), .addr = ip6((uint8_t)i),
				      .payload = payload, .payload_len = 100 * i };
		ck_assert_int_eq(s6_s6_udp_pack(&in, buf, sizeof(buf), &len), S6_OK);
		/* The header alone is the prefix of the whole message. */
		ck_assert_int_eq(s6_s6_udp_datagram_header_pack(ids[i], &in.addr, in.port,
								in.payload_len, hdr,
								sizeof(hdr), &hlen), S6_OK);
		ck_assert_uint_eq(hlen, 32);
		ck_assert_mem_eq(hdr, buf, hlen);
		ck_assert_int_eq(s6_s6_udp_datagram_header_pack(ids[i], &in.addr, in.port,
								in.payload_len, hdr,
								hlen - 1, &hlen), S6_ERR_TOO_LONG);
		ck_assert_int_eq(s6_s6_udp_parse(buf, len, &out, &used, &need), S6_OK);
		ck_assert(out.assoc_id == ids[i]);
		ck_assert_uint_eq(out.port, in.port);
		ck_assert_mem_eq(out.addr.ip, in.addr.ip, 16);
		ck_assert_uint_eq(out.payload_len, in.payload_len);
		ck_assert_mem_eq(out.payload, payload, in.payload_len);
		walk(buf, len);

		in = (s6_s6_udp_msg){ .type = S6_SOCKS6_UDP_ERROR, .assoc_id = ids[i],
				      .port = 9, .addr = ip6(9), .reporter = ip6(0xfe),
				      .error_code = (uint8_t)(1 + i % 4) };
		ck_assert_int_eq(s6_s6_udp_pack(&in, buf, sizeof(buf), &len), S6_OK);
		ck_assert_uint_eq(len, 16 + 16 + 4 + 16);
		ck_assert_int_eq(s6_s6_udp_parse(buf, len, &out, &used, &need), S6_OK);
		ck_assert_uint_eq(out.error_code, in.error_code);
		ck_assert_mem_eq(out.reporter.ip, in.reporter.ip, 16);
		walk(buf, len);
	}
}
END_TEST

START_TEST(size_limits)
{
	static uint8_t payload[S6_SOCKS6_UDP_MSG_MAX];
	static uint8_t buf[S6_SOCKS6_UDP_MSG_MAX + 16];
	uint8_t hdr[64];
	s6_s6_udp_msg m = { .type = S6_SOCKS6_UDP_DATAGRAM, .assoc_id = ID,
			    .addr = ip4(10, 0, 0, 1), .payload = payload,
			    .payload_len = S6_SOCKS6_UDP_MSG_MAX - 20 };
	size_t len = 0, hlen = 0, used = 0, need = 0;

	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_OK);
	ck_assert_uint_eq(len, S6_SOCKS6_UDP_MSG_MAX);
	ck_assert_uint_eq(buf[2], 0xff);
	ck_assert_uint_eq(buf[3], 0xff);
	ck_assert_int_eq(s6_s6_udp_parse(buf, len, &m, &used, &need), S6_OK);
	ck_assert_int_eq(s6_s6_udp_datagram_header_pack(ID, &m.addr, 0, m.payload_len,
							hdr, sizeof(hdr), &hlen), S6_OK);
	ck_assert_uint_eq(hlen, 20);
	ck_assert_mem_eq(hdr, buf, 16);
	ck_assert_int_eq(s6_s6_udp_datagram_header_pack(ID, &m.addr, 0, m.payload_len + 1,
							hdr, sizeof(hdr), &hlen),
			 S6_ERR_TOO_LONG);
	m.payload_len++;
	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_ERR_TOO_LONG);
	m.payload = NULL;
	m.payload_len = 1;
	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
}
END_TEST

static s6_err mutate(const uint8_t *wire, size_t wlen, size_t off, uint8_t v, size_t len)
{
	uint8_t buf[64];

	ck_assert_uint_le(wlen, sizeof(buf));
	memcpy(buf, wire, wlen);
	buf[off] = v;
	return parse_all(buf, len);
}

START_TEST(malformed_header)
{
	static const uint8_t bad_types[] = { 0, 5, 0xff };
	size_t i;

	ck_assert_int_eq(mutate(w_init, 12, 0, 5, 1), S6_ERR_BAD_VERSION);
	for (i = 0; i < N(bad_types); i++)
		ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 1, bad_types[i], 2),
				 S6_ERR_MALFORMED);
	/* Init/Confirm are exactly 12; refused as soon as LENGTH is in. */
	ck_assert_int_eq(mutate(w_init, 12, 3, 13, 4), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_confirm, 12, 3, 11, 4), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_confirm, 12, 2, 1, 4), S6_ERR_MALFORMED);
	/* A Datagram needs room for the smallest address, an Error for two. */
	ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 3, 19, 4), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, sizeof(w_error4), 3, 27, 4), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 3, 0, 4), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(malformed_address)
{
	/* Unknown address type and non-zero padding, refused early. */
	ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 12, 2, 13), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 12, 0, 13), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 13, 1, 14), S6_ERR_MALFORMED);
	/* IPv6 does not fit in LENGTH 23: malformed, not "need more". */
	ck_assert_int_eq(mutate(w_dgram4, sizeof(w_dgram4), 12, 4, sizeof(w_dgram4)),
			 S6_ERR_MALFORMED);
	/* Domain: LEN 0, LEN past LENGTH, NUL inside, padding non-zero. */
	ck_assert_int_eq(mutate(w_dgram_ab, 20, 16, 0, 20), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_dgram_ab, 20, 16, 4, 20), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_dgram_ab, 20, 17, 0, 20), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_dgram_ab, 20, 19, 'c', 20), S6_ERR_MALFORMED);
	/* LEN 3 makes "ab\0" the name. */
	ck_assert_int_eq(mutate(w_dgram_ab, 20, 16, 3, 20), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(malformed_error)
{
	uint8_t longer[sizeof(w_error4) + 4];
	s6_s6_udp_msg m = { .type = S6_SOCKS6_UDP_ERROR, .addr = ip4(1, 2, 3, 4),
			    .reporter = ip4(5, 6, 7, 8), .error_code = 1 };
	uint8_t buf[64];
	size_t len;

	/* Only IPv4/IPv6 addresses, codes 1..4, zero padding. */
	ck_assert_int_eq(mutate(w_error4, 28, 12, 3, 13), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, 28, 20, 3, 28), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, 28, 20, 4, 28), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, 28, 21, 0, 28), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, 28, 21, 5, 28), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, 28, 21, 4, 28), S6_OK);
	ck_assert_int_eq(mutate(w_error4, 28, 22, 1, 28), S6_ERR_MALFORMED);
	ck_assert_int_eq(mutate(w_error4, 28, 23, 1, 28), S6_ERR_MALFORMED);
	/* Nothing may follow the reporter address inside LENGTH. */
	memcpy(longer, w_error4, sizeof(w_error4));
	memset(longer + sizeof(w_error4), 0, 4);
	longer[3] = sizeof(longer);
	ck_assert_int_eq(parse_all(longer, sizeof(longer)), S6_ERR_MALFORMED);

	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_OK);
	m.error_code = 5;
	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
	m.error_code = 1;
	m.reporter.type = S6_SOCKS6_ATYP_DOMAIN;
	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
	m.reporter = ip4(5, 6, 7, 8);
	m.type = 5;
	ck_assert_int_eq(s6_s6_udp_pack(&m, buf, sizeof(buf), &len), S6_ERR_INVALID_ARG);
}
END_TEST

static Suite *socks6_udp_suite(void)
{
	Suite *s = suite_create("socks6_udp");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, layouts);
	tcase_add_test(tc, parse_fields);
	tcase_add_test(tc, walks);
	tcase_add_test(tc, round_trips);
	tcase_add_test(tc, size_limits);
	tcase_add_test(tc, malformed_header);
	tcase_add_test(tc, malformed_address);
	tcase_add_test(tc, malformed_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socks6_udp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
