/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exclude rules: parse table (host bits cleared, ports, mapped forms),
 * malformed input, and matching against IPv4, IPv6 and mapped sockaddrs. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "s6_addr.h"
#include "s6_cidr.h"

static const struct parse_case {
	const char *text;
	int family;
	const char *addr; /* expected network, host bits cleared */
	unsigned prefix;
	unsigned port;
} parse_cases[] = {
	{"10.0.0.0/8", AF_INET, "10.0.0.0", 8, 0},
	{"10.1.2.3/8", AF_INET, "10.0.0.0", 8, 0},
	{"10.255.255.255/9", AF_INET, "10.128.0.0", 9, 0},
	{"1.2.3.5/31", AF_INET, "1.2.3.4", 31, 0},
	{"192.168.1.7", AF_INET, "192.168.1.7", 32, 0},
	{"192.168.1.7/32", AF_INET, "192.168.1.7", 32, 0},
	{"255.255.255.255/0", AF_INET, "0.0.0.0", 0, 0},
	{"127.0.0.0/8:631", AF_INET, "127.0.0.0", 8, 631},
	{"1.2.3.4:80", AF_INET, "1.2.3.4", 32, 80},
	{"1.2.3.4:65535", AF_INET, "1.2.3.4", 32, 65535},
	{"1.2.3.4/024", AF_INET, "1.2.3.0", 24, 0},
	{"::1", AF_INET6, "::1", 128, 0},
	{"::", AF_INET6, "::", 128, 0},
	{"::/0", AF_INET6, "::", 0, 0},
	{"2001:db8::/32", AF_INET6, "2001:db8::", 32, 0},
	{"2001:db8:ffff::1/33", AF_INET6, "2001:db8:8000::", 33, 0},
	{"2001:db8::1/127", AF_INET6, "2001:db8::", 127, 0},
	{"fe80::/10", AF_INET6, "fe80::", 10, 0},
	{"febf:1::/10", AF_INET6, "fe80::", 10, 0},
	{"[2001:db8::/32]:443", AF_INET6, "2001:db8::", 32, 443},
	{"[::1]:22", AF_INET6, "::1", 128, 22},
	{"[::1]", AF_INET6, "::1", 128, 0},
	{"[2001:db8::/32]", AF_INET6, "2001:db8::", 32, 0},
	/* IPv6 spellings of IPv4 networks become IPv4 rules. */
	{"::ffff:10.0.0.0/104", AF_INET, "10.0.0.0", 8, 0},
	{"::ffff:10.1.2.3", AF_INET, "10.1.2.3", 32, 0},
	{"[::ffff:127.0.0.1]:22", AF_INET, "127.0.0.1", 32, 22},
	{"::ffff:0:0/96", AF_INET, "0.0.0.0", 0, 0},
	/* ...but only those: /95 reaches beyond ::ffff:0:0/96. */
	{"::ffff:0:0/95", AF_INET6, "::fffe:0:0", 95, 0},
	{"::10.0.0.1", AF_INET6, "::10.0.0.1", 128, 0},
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	uint8_t want[16] = {0};
	s6_cidr r;

	ck_assert_int_eq(inet_pton(c->family, c->addr, want), 1);
	ck_assert_msg(s6_cidr_parse(c->text, &r) == S6_OK, "%s", c->text);
	ck_assert_int_eq(r.family, c->family);
	ck_assert_msg(memcmp(r.addr, want, 16) == 0, "%s: address", c->text);
	ck_assert_uint_eq(r.prefix, c->prefix);
	ck_assert_uint_eq(r.port, c->port);
}
END_TEST

static const char *const bad_cases[] = {
	"", "garbage", "10.0.0.0/33", "::/129", "2001:db8::/1000", "10.0.0.0/",
	"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/0x8", "10.0.0.0/8/8",
	"10.0.0.0/8:0", "10.0.0.0/8:65536", "10.0.0.0/8:", "1.2.3.4:http", "1.2.3.4:-1",
	"1.2.3.4:+80", "1.2.3.4:000080", "[::1]:0", "[::1]:", "[::1]:65536", "[::1",
	"[::1]x", "[::1]:22:33", "[]", "[]:22", "[10.0.0.1]:80", "[10.0.0.0/8]",
	"1.2.3", "256.1.1.1", "1.2.3.4.5", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1\n",
	"fe80::1%eth0", "a:b", "1.2.3.4/0008", ":80", "/8", "::1/", ":::",
	"[2001:db8::/33]/1", "1:2:3:4:5:6:7:8:9",
	"0000000000000000000000000000000000000000000000000000000000000000000000::1",
};

START_TEST(test_bad)
{
	s6_cidr r;

	memset(&r, 0x5a, sizeof r);
	ck_assert_msg(s6_cidr_parse(bad_cases[_i], &r) == S6_ERR_MALFORMED, "'%s'", bad_cases[_i]);
	ck_assert_int_eq(r.family, 0);
	ck_assert_uint_eq(r.prefix, 0);
	ck_assert_uint_eq(r.port, 0);
}
END_TEST

START_TEST(test_null)
{
	s6_cidr r;

	ck_assert_int_eq(s6_cidr_parse(NULL, &r), S6_ERR_INVALID_ARG);
}
END_TEST

static const struct match_case {
	const char *rule;
	const char *dest; /* ADDR:PORT or [ADDR]:PORT */
	bool match;
} match_cases[] = {
	{"10.0.0.0/8", "10.1.2.3:80", true},
	{"10.0.0.0/8", "10.255.255.255:1", true},
	{"10.0.0.0/8", "11.0.0.1:80", false},
	{"10.0.0.0/8", "9.255.255.255:80", false},
	{"10.0.0.0/8", "[::ffff:10.1.2.3]:80", true},
	{"10.0.0.0/8", "[::ffff:11.1.2.3]:80", false},
	{"10.0.0.0/8", "[::a01:203]:80", false},   /* IPv4-compatible is not mapped */
	{"10.0.0.0/8", "[::1]:80", false},
	{"192.168.1.7", "192.168.1.7:443", true},
	{"192.168.1.7", "192.168.1.6:443", false},
	{"1.2.3.4/31", "1.2.3.5:1", true},
	{"1.2.3.4/31", "1.2.3.6:1", false},
	{"127.0.0.0/8:631", "127.0.0.1:631", true},
	{"127.0.0.0/8:631", "127.0.0.1:632", false},
	{"127.0.0.0/8:631", "[::ffff:127.0.0.1]:631", true},
	{"127.0.0.0/8:631", "[::ffff:127.0.0.1]:80", false},
	{"0.0.0.0/0", "203.0.113.9:9", true},
	{"0.0.0.0/0", "[::ffff:203.0.113.9]:9", true},
	{"0.0.0.0/0", "[2001:db8::1]:9", false},
	{"::1", "[::1]:22", true},
	{"::1", "[::2]:22", false},
	{"::1", "127.0.0.1:22", false},
	{"[::1]:22", "[::1]:22", true},
	{"[::1]:22", "[::1]:23", false},
	{"2001:db8::/32", "[2001:db8:1::5]:443", true},
	{"2001:db8::/32", "[2001:db9::1]:443", false},
	{"[2001:db8::/32]:443", "[2001:db8::7]:443", true},
	{"[2001:db8::/32]:443", "[2001:db8::7]:80", false},
	{"2001:db8:ffff::1/33", "[2001:db8:8000::1]:1", true},
	{"2001:db8:ffff::1/33", "[2001:db8:7fff::1]:1", false},
	{"::/0", "[2001:db8::1]:1", true},
	{"::/0", "[::ffff:1.2.3.4]:1", true},  /* an IPv6 rule sees the raw address */
	{"::/0", "1.2.3.4:1", false},
	{"::ffff:10.0.0.0/104", "10.9.9.9:1", true},
	{"::ffff:10.0.0.0/104", "[::ffff:10.9.9.9]:1", true},
	{"::ffff:10.0.0.0/104", "11.9.9.9:1", false},
};

START_TEST(test_match)
{
	const struct match_case *c = &match_cases[_i];
	struct sockaddr_storage ss;
	socklen_t sslen;
	s6_cidr r;

	ck_assert_int_eq(s6_cidr_parse(c->rule, &r), S6_OK);
	ck_assert(s6_addr_parse(c->dest, &ss, &sslen));
	ck_assert_msg(s6_cidr_match(&r, (struct sockaddr *)&ss) == c->match,
		      "%s vs %s", c->rule, c->dest);
}
END_TEST

START_TEST(test_match_other_families)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/tmp/x"};
	s6_cidr all4, all6;

	ck_assert_int_eq(s6_cidr_parse("0.0.0.0/0", &all4), S6_OK);
	ck_assert_int_eq(s6_cidr_parse("::/0", &all6), S6_OK);
	ck_assert(!s6_cidr_match(&all4, (struct sockaddr *)&un));
	ck_assert(!s6_cidr_match(&all6, (struct sockaddr *)&un));
	ck_assert(!s6_cidr_match(&all4, NULL));
	ck_assert(!s6_cidr_match(NULL, (struct sockaddr *)&un));
}
END_TEST

/* Callers may hand in a sockaddr at any address (e.g. inside a packed
 * message); matching must not rely on alignment (UBSan checks this). */
START_TEST(test_match_unaligned)
{
	_Alignas(16) unsigned char raw[1 + sizeof(struct sockaddr_in6)];
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(22)};
	s6_cidr r;

	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr), 1);
	memcpy(raw + 1, &in6, sizeof in6);
	ck_assert_int_eq(s6_cidr_parse("127.0.0.0/8:22", &r), S6_OK);
	ck_assert(s6_cidr_match(&r, (const struct sockaddr *)(const void *)(raw + 1)));
	ck_assert_int_eq(s6_cidr_parse("127.0.0.0/8:23", &r), S6_OK);
	ck_assert(!s6_cidr_match(&r, (const struct sockaddr *)(const void *)(raw + 1)));
}
END_TEST

/* Every prefix length of both families: the network itself and the last
 * address of the network match, the next address after it does not. */
START_TEST(test_every_prefix)
{
	for (unsigned p = 0; p <= 128; p++) {
		struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
		char text[64];
		s6_cidr r;

		snprintf(text, sizeof text, "2001:db8:1234:5678:9abc:def0:1357:9bdf/%u", p);
		ck_assert_int_eq(s6_cidr_parse(text, &r), S6_OK);
		memcpy(&in6.sin6_addr, r.addr, 16);
		ck_assert(s6_cidr_match(&r, (struct sockaddr *)&in6));
		for (unsigned bit = p; bit < 128; bit++) /* fill the host part */
			in6.sin6_addr.s6_addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		ck_assert(s6_cidr_match(&r, (struct sockaddr *)&in6));
		if (p > 0) { /* flip the last network bit */
			in6.sin6_addr.s6_addr[(p - 1) / 8] ^= (uint8_t)(0x80 >> ((p - 1) % 8));
			ck_assert_msg(!s6_cidr_match(&r, (struct sockaddr *)&in6), "/%u", p);
		}
	}
	for (unsigned p = 0; p <= 32; p++) {
		struct sockaddr_in in = {.sin_family = AF_INET};
		char text[32];
		s6_cidr r;
		uint32_t net, host;

		snprintf(text, sizeof text, "172.31.201.77/%u", p);
		ck_assert_int_eq(s6_cidr_parse(text, &r), S6_OK);
		memcpy(&net, r.addr, 4);
		host = p == 32 ? 0 : (0xffffffffu >> p);
		in.sin_addr.s_addr = net | htonl(host);
		ck_assert(s6_cidr_match(&r, (struct sockaddr *)&in));
		if (p > 0) {
			in.sin_addr.s_addr ^= htonl(1u << (32 - p));
			ck_assert_msg(!s6_cidr_match(&r, (struct sockaddr *)&in), "/%u", p);
		}
	}
}
END_TEST

static Suite *cidr_suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse, 0, sizeof parse_cases / sizeof parse_cases[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad_cases / sizeof bad_cases[0]);
	tcase_add_test(tc, test_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_loop_test(tc, test_match, 0, sizeof match_cases / sizeof match_cases[0]);
	tcase_add_test(tc, test_match_other_families);
	tcase_add_test(tc, test_match_unaligned);
	tcase_add_test(tc, test_every_prefix);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cidr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
