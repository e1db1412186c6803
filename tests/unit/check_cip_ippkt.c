/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP and ICMP echo packets of CONNECT-IP tunnels: exact bytes against
 * vectors computed independently (Python's struct and a plain RFC 1071
 * sum), round trips, the MTU bound, and every check of the parser. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_ippkt.h"

static const uint8_t v4_vec[] = {
	0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x6a, 0xb8, 0x0a, 0x00,
	0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x0c, 0xb4, 0xa8,
	0x70, 0x69, 0x6e, 0x67,
};

static const uint8_t v6_vec[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x11, 0x40, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfd, 0x00, 0x00, 0x18,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x9c, 0x40,
	0x00, 0x35, 0x00, 0x0b, 0xa4, 0xe3, 0x61, 0x62, 0x63,
};

static s6_ippkt_flow flow4(void)
{
	s6_ippkt_flow f = { .v = 4, .proto = 17, .src = { 10, 0, 0, 2 }, .dst = { 198, 18, 0, 1 },
			    .sport = 40000, .dport = 7 };
	return f;
}

static s6_ippkt_flow flow6(void)
{
	s6_ippkt_flow f = { .v = 6, .proto = 17, .sport = 40000, .dport = 53 };
	f.src[0] = 0xfd;
	f.src[15] = 2;
	f.dst[0] = 0xfd;
	f.dst[3] = 0x18;
	f.dst[15] = 1;
	return f;
}

/* Parse an exactly sized heap copy so ASan sees over-reads. */
static s6_err parse(const uint8_t *p, size_t len, s6_ippkt *o, uint8_t **keep)
{
	const char *why = NULL;
	uint8_t *c = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(c);
	memcpy(c, p, len);
	s6_err e = s6_ippkt_parse(c, len, o, &why);
	if (e != S6_OK)
		ck_assert_ptr_nonnull(why);
	*keep = c;
	return e;
}

START_TEST(test_udp4_vector)
{
	s6_ippkt_flow f = flow4();
	uint8_t buf[64];
	size_t n = 0;

	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, (const uint8_t *)"ping", 4, 1500, buf,
					    sizeof buf, &n), S6_OK);
	ck_assert_uint_eq(n, sizeof v4_vec);
	ck_assert_mem_eq(buf, v4_vec, n);
}
END_TEST

START_TEST(test_udp6_vector)
{
	s6_ippkt_flow f = flow6();
	uint8_t buf[64];
	size_t n = 0;

	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, (const uint8_t *)"abc", 3, 1500, buf,
					    sizeof buf, &n), S6_OK);
	ck_assert_uint_eq(n, sizeof v6_vec);
	ck_assert_mem_eq(buf, v6_vec, n);
}
END_TEST

START_TEST(test_parse_vectors)
{
	s6_ippkt o;
	uint8_t *c;

	ck_assert_int_eq(parse(v4_vec, sizeof v4_vec, &o, &c), S6_OK);
	ck_assert_uint_eq(o.v, 4);
	ck_assert_uint_eq(o.proto, 17);
	ck_assert_uint_eq(o.hop, 64);
	ck_assert_uint_eq(o.sport, 40000);
	ck_assert_uint_eq(o.dport, 7);
	ck_assert_uint_eq(o.payload_len, 4);
	ck_assert_mem_eq(o.payload, "ping", 4);
	ck_assert_uint_eq(o.dst[0], 198);
	free(c);
	ck_assert_int_eq(parse(v6_vec, sizeof v6_vec, &o, &c), S6_OK);
	ck_assert_uint_eq(o.v, 6);
	ck_assert_uint_eq(o.dport, 53);
	ck_assert_uint_eq(o.payload_len, 3);
	ck_assert_mem_eq(o.payload, "abc", 3);
	free(c);
}
END_TEST

/* Every bit flip outside the IPv6 fields no checksum covers (traffic
 * class, flow label, hop limit) is caught by the UDP checksum or a length
 * check, or makes the packet something else than UDP. */
START_TEST(test_corruption_detected)
{
	s6_ippkt o;
	uint8_t *c, p[sizeof v6_vec];

	for (size_t i = 0; i < sizeof v6_vec; i++) {
		memcpy(p, v6_vec, sizeof p);
		if (i < 4 || i == 7)
			continue;
		p[i] ^= 0x01;
		s6_err e = parse(p, sizeof p, &o, &c);
		free(c);
		ck_assert_msg(e != S6_OK || o.proto != 17, "flip at byte %zu accepted", i);
	}
}
END_TEST

START_TEST(test_truncated)
{
	s6_ippkt o;
	uint8_t *c;

	for (size_t n = 0; n < sizeof v4_vec; n++) {
		ck_assert_int_eq(parse(v4_vec, n, &o, &c), S6_ERR_MALFORMED);
		free(c);
	}
	for (size_t n = 0; n < sizeof v6_vec; n++) {
		ck_assert_int_eq(parse(v6_vec, n, &o, &c), S6_ERR_MALFORMED);
		free(c);
	}
}
END_TEST

START_TEST(test_mtu)
{
	s6_ippkt_flow f = flow6();
	size_t max = s6_ippkt_max_payload(&f, 1500), n = 0;
	uint8_t *pl = calloc(1, 2000), *buf = malloc(2000);
	s6_ippkt o;
	uint8_t *c;

	ck_assert_uint_eq(max, 1500 - 40 - 8);
	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, pl, max, 1500, buf, 2000, &n), S6_OK);
	ck_assert_uint_eq(n, 1500);
	ck_assert_int_eq(parse(buf, n, &o, &c), S6_OK);
	ck_assert_uint_eq(o.payload_len, max);
	free(c);
	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, pl, max + 1, 1500, buf, 2000, &n),
			 S6_ERR_TOO_LONG);
	f = flow4();
	ck_assert_uint_eq(s6_ippkt_max_payload(&f, 1500), 1472);
	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, pl, 1473, 1500, buf, 2000, &n),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, pl, 100, 1500, buf, 100, &n), S6_ERR_TOO_LONG);
	f.v = 5;
	ck_assert_int_eq(s6_ippkt_udp_build(&f, 64, pl, 1, 1500, buf, 2000, &n), S6_ERR_INVALID_ARG);
	free(pl);
	free(buf);
}
END_TEST

START_TEST(test_fragments_and_ext)
{
	uint8_t p[sizeof v6_vec + 8], *c;
	s6_ippkt o;

	/* IPv4 with MF set: refused (the header checksum fixed up). */
	uint8_t q[sizeof v4_vec];
	memcpy(q, v4_vec, sizeof q);
	q[6] = 0x20;
	q[10] = 0x8a; /* 0x6ab8 + 0x2000 - 0x4000, complemented sum adjusted */
	q[11] = 0xb8;
	ck_assert_int_eq(parse(q, sizeof q, &o, &c), S6_ERR_MALFORMED);
	free(c);
	/* IPv6 with a destination options header in front of UDP: skipped. */
	memcpy(p, v6_vec, 40);
	p[5] = 0x0b + 8;
	p[6] = 60;
	memset(p + 40, 0, 8);
	p[40] = 17;
	p[42] = 1; /* PadN of 4 bytes */
	p[43] = 4;
	memcpy(p + 48, v6_vec + 40, sizeof v6_vec - 40);
	ck_assert_int_eq(parse(p, sizeof p, &o, &c), S6_OK);
	ck_assert_uint_eq(o.proto, 17);
	ck_assert_mem_eq(o.payload, "abc", 3);
	free(c);
	/* A fragment header: refused. */
	p[6] = 44;
	ck_assert_int_eq(parse(p, sizeof p, &o, &c), S6_ERR_MALFORMED);
	free(c);
}
END_TEST

START_TEST(test_udp6_zero_checksum)
{
	uint8_t p[sizeof v6_vec], *c;
	s6_ippkt o;

	memcpy(p, v6_vec, sizeof p);
	p[46] = p[47] = 0;
	ck_assert_int_eq(parse(p, sizeof p, &o, &c), S6_ERR_MALFORMED);
	free(c);
	uint8_t q[sizeof v4_vec];
	memcpy(q, v4_vec, sizeof q);
	q[26] = q[27] = 0; /* IPv4: "no checksum" is legal */
	ck_assert_int_eq(parse(q, sizeof q, &o, &c), S6_OK);
	free(c);
}
END_TEST

START_TEST(test_echo)
{
	s6_ippkt_flow f = { .v = 4, .proto = 1, .src = { 10, 0, 0, 2 }, .dst = { 198, 18, 0, 1 },
			    .sport = 4242 };
	uint8_t msg[16] = { 8, 0, 0xde, 0xad, 0, 1, 0, 7, 'h', 'e', 'l', 'l', 'o', '!', '!', '!' };
	uint8_t buf[128], *c;
	size_t n = 0;
	s6_ippkt o;

	ck_assert_int_eq(s6_ippkt_echo_build(&f, 64, msg, sizeof msg, 1500, buf, sizeof buf, &n),
			 S6_OK);
	ck_assert_uint_eq(n, 20 + sizeof msg);
	ck_assert_int_eq(parse(buf, n, &o, &c), S6_OK);
	ck_assert_uint_eq(o.proto, 1);
	ck_assert_uint_eq(o.icmp_type, 8);
	ck_assert_uint_eq(o.sport, 4242); /* the identifier is the socket's */
	ck_assert_uint_eq(o.payload_len, sizeof msg);
	ck_assert_mem_eq(o.payload + 6, msg + 6, sizeof msg - 6);
	free(c);
	/* IPv6: the pseudo-header is in the checksum. */
	f.v = 6;
	f.proto = 58;
	memset(f.src, 0, 16);
	f.src[0] = 0xfd;
	f.src[15] = 2;
	memset(f.dst, 0, 16);
	f.dst[0] = 0xfd;
	f.dst[15] = 1;
	msg[0] = 128;
	ck_assert_int_eq(s6_ippkt_echo_build(&f, 64, msg, sizeof msg, 1500, buf, sizeof buf, &n),
			 S6_OK);
	ck_assert_int_eq(parse(buf, n, &o, &c), S6_OK);
	ck_assert_uint_eq(o.icmp_type, 128);
	free(c);
	buf[n - 1] ^= 1;
	ck_assert_int_eq(parse(buf, n, &o, &c), S6_ERR_MALFORMED);
	free(c);
	/* Not an echo request, or the wrong family's type: EINVAL. */
	msg[0] = 8;
	ck_assert_int_eq(s6_ippkt_echo_build(&f, 64, msg, sizeof msg, 1500, buf, sizeof buf, &n),
			 S6_ERR_INVALID_ARG);
	msg[0] = 128;
	ck_assert_int_eq(s6_ippkt_echo_build(&f, 64, msg, 7, 1500, buf, sizeof buf, &n),
			 S6_ERR_INVALID_ARG);
}
END_TEST

static Suite *ippkt_suite(void)
{
	Suite *s = suite_create("cip_ippkt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_udp4_vector);
	tcase_add_test(tc, test_udp6_vector);
	tcase_add_test(tc, test_parse_vectors);
	tcase_add_test(tc, test_corruption_detected);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_mtu);
	tcase_add_test(tc, test_fragments_and_ext);
	tcase_add_test(tc, test_udp6_zero_checksum);
	tcase_add_test(tc, test_echo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ippkt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
