/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /etc/hosts parser: names and aliases in any case, families and order,
 * comments, malformed and over-long lines, caps, text bounds, the loopback
 * names; and the `hosts` configuration key. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "s6_config.h"
#include "s6_hosts.h"

static const char sample[] =
	"# The static table\n"
	"127.0.0.1\tlocalhost\n"
	"::1     localhost ip6-localhost ip6-loopback\n"
	"\n"
	"   192.0.2.10 Web.Example.  web www # the web server\n"
	"2001:db8::10 web.example web\n"
	"192.0.2.11 web.example\n"
	"192.0.2.10 web.example\n" /* a duplicate */
	"#192.0.2.66 commented.example\n"
	"192.0.2.12 tight#comment.example\n"
	"999.0.2.1 badaddr.example\n"
	"127.1 shortform.example\n"
	"fe80::1%eth0 scoped.example\n"
	"justaname.example\n"
	"198.51.100.1 crlf.example\r\n"
	"198.51.100.2\x01" "ctl.example\n"
	"198.51.100.3 last.example"; /* no newline at the end */

/* Lookup in a heap copy of exactly len bytes, so reading past it is caught. */
static size_t lookup(const char *text, size_t len, const char *name, int family,
		     s6_hosts_addr *out, size_t max, char *canon, size_t canonlen)
{
	char *copy = malloc(len ? len : 1);
	size_t n;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	n = s6_hosts_lookup(copy, len, name, family, out, max, canon, canonlen);
	free(copy);
	return n;
}

static void assert_addr(const s6_hosts_addr *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN];

	ck_assert_ptr_nonnull(inet_ntop(a->family, a->addr, buf, sizeof buf));
	ck_assert_str_eq(buf, want);
}

static const struct find_case {
	const char *name;
	int family;
	const char *want[4]; /* in order, NULL-terminated */
	const char *canon;
} find_cases[] = {
	{"localhost", AF_UNSPEC, {"127.0.0.1", "::1"}, "localhost"},
	{"LOCALHOST", AF_INET, {"127.0.0.1"}, "localhost"},
	{"localhost", AF_INET6, {"::1"}, "localhost"},
	{"ip6-loopback", AF_INET6, {"::1"}, "localhost"},
	{"ip6-loopback", AF_INET, {NULL}, NULL},
	{"web.example", AF_UNSPEC, {"192.0.2.10", "2001:db8::10", "192.0.2.11"}, "Web.Example."},
	{"WWW", AF_UNSPEC, {"192.0.2.10"}, "Web.Example."},
	{"web", AF_INET6, {"2001:db8::10"}, "web.example"},
	{"web.example.", AF_INET, {"192.0.2.10", "192.0.2.11"}, "Web.Example."},
	{"web.example..", AF_INET, {NULL}, NULL},
	{"commented.example", AF_UNSPEC, {NULL}, NULL},
	{"server", AF_UNSPEC, {NULL}, NULL},
	{"tight", AF_UNSPEC, {"192.0.2.12"}, "tight"},
	{"tight#comment.example", AF_UNSPEC, {NULL}, NULL},
	{"badaddr.example", AF_UNSPEC, {NULL}, NULL},
	{"shortform.example", AF_UNSPEC, {NULL}, NULL},
	{"scoped.example", AF_UNSPEC, {NULL}, NULL},
	{"justaname.example", AF_UNSPEC, {NULL}, NULL},
	{"crlf.example", AF_INET, {"198.51.100.1"}, "crlf.example"},
	{"ctl.example", AF_INET, {"198.51.100.2"}, "ctl.example"},
	{"last.example", AF_INET, {"198.51.100.3"}, "last.example"},
	{"last.exampl", AF_INET, {NULL}, NULL},
	{"web.example", AF_UNIX, {NULL}, NULL},
	{"", AF_UNSPEC, {NULL}, NULL},
	{".", AF_UNSPEC, {NULL}, NULL},
	{"192.0.2.10", AF_UNSPEC, {NULL}, NULL}, /* an address is not a name */
};

START_TEST(test_find)
{
	const struct find_case *c = &find_cases[_i];
	s6_hosts_addr out[S6_HOSTS_ADDRS_MAX];
	char canon[S6_HOSTS_NAME_MAX + 1] = "junk";
	size_t want = 0, n;

	while (want < 4 && c->want[want])
		want++;
	n = lookup(sample, sizeof sample - 1, c->name, c->family, out, S6_HOSTS_ADDRS_MAX,
		   canon, sizeof canon);
	ck_assert_msg(n == want, "%s: %zu addresses, want %zu", c->name, n, want);
	for (size_t i = 0; i < n; i++)
		assert_addr(&out[i], c->want[i]);
	ck_assert_str_eq(canon, c->canon ? c->canon : "");
}
END_TEST

/* Lines of exactly the cap are read; one byte more and the line is skipped. */
START_TEST(test_line_cap)
{
	static char text[3 * S6_HOSTS_LINE_MAX];
	const char *head = "192.0.2.1 capped.example";
	s6_hosts_addr out[2];
	size_t hl = strlen(head);

	for (size_t len = S6_HOSTS_LINE_MAX - 1; len <= S6_HOSTS_LINE_MAX + 1; len++) {
		memcpy(text, head, hl);
		memset(text + hl, ' ', len - hl);
		text[len] = '\n';
		memcpy(text + len + 1, "192.0.2.2 next.example\n", 23);
		size_t total = len + 1 + 23;
		ck_assert_uint_eq(lookup(text, total, "capped.example", AF_INET, out, 2, NULL, 0),
				  len <= S6_HOSTS_LINE_MAX ? 1 : 0);
		/* The line after an over-long one is read normally. */
		ck_assert_uint_eq(lookup(text, total, "next.example", AF_INET, out, 2, NULL, 0), 1);
		assert_addr(&out[0], "192.0.2.2");
	}
}
END_TEST

START_TEST(test_caps)
{
	static char text[64 * 40];
	char name[S6_HOSTS_NAME_MAX + 3], canon[6];
	s6_hosts_addr out[S6_HOSTS_ADDRS_MAX + 4];
	size_t len = 0;

	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "10.0.0.%d many.example\n", i);
	ck_assert_uint_eq(lookup(text, len, "many.example", AF_INET, out, S6_HOSTS_ADDRS_MAX, NULL, 0),
			  S6_HOSTS_ADDRS_MAX);
	assert_addr(&out[S6_HOSTS_ADDRS_MAX - 1], "10.0.0.15");
	ck_assert_uint_eq(lookup(text, len, "many.example", AF_INET, out, 1, canon, sizeof canon), 1);
	ck_assert_str_eq(canon, "many."); /* cut to the buffer */
	ck_assert_uint_eq(lookup(text, len, "many.example", AF_INET, out, 0, NULL, 0), 0);
	/* Names of 253 characters are names; 254 are not. */
	memset(name, 'a', sizeof name);
	name[S6_HOSTS_NAME_MAX] = '\0';
	len = (size_t)snprintf(text, sizeof text, "10.1.1.1 %s\n", name);
	ck_assert_uint_eq(lookup(text, len, name, AF_UNSPEC, out, 1, NULL, 0), 1);
	name[S6_HOSTS_NAME_MAX] = '.'; /* the root dot does not count */
	name[S6_HOSTS_NAME_MAX + 1] = '\0';
	ck_assert_uint_eq(lookup(text, len, name, AF_UNSPEC, out, 1, NULL, 0), 1);
	name[S6_HOSTS_NAME_MAX] = 'a';
	len = (size_t)snprintf(text, sizeof text, "10.1.1.1 %s\n", name);
	ck_assert_uint_eq(lookup(text, len, name, AF_UNSPEC, out, 1, NULL, 0), 0);
}
END_TEST

/* len ends the text, not a NUL; a NUL inside separates tokens; no text at all. */
START_TEST(test_bounds)
{
	static const char text[] = "192.0.2.5 cut.example\n192.0.2.6\0nul.example\n";
	s6_hosts_addr out[2];

	ck_assert_uint_eq(lookup(text, 12, "cut.example", AF_INET, out, 2, NULL, 0), 0);
	ck_assert_uint_eq(lookup(text, 12, "cu", AF_INET, out, 2, NULL, 0), 1);
	ck_assert_uint_eq(lookup(text, sizeof text - 1, "nul.example", AF_INET, out, 2, NULL, 0), 1);
	assert_addr(&out[0], "192.0.2.6");
	ck_assert_uint_eq(s6_hosts_lookup(NULL, 100, "x", AF_INET, out, 2, NULL, 0), 0);
	ck_assert_uint_eq(s6_hosts_lookup(text, sizeof text, NULL, AF_INET, out, 2, NULL, 0), 0);
	ck_assert_uint_eq(lookup(text, 0, "cut.example", AF_INET, out, 2, NULL, 0), 0);
}
END_TEST

/* Random bytes and random cuts of the sample: bounded, never past the text. */
START_TEST(test_garbage)
{
	static const char alphabet[] = "0123456789abcdef.:# \t\n\r%\x01\x7f\xff" "localhost";
	static char text[4096];
	s6_hosts_addr out[S6_HOSTS_ADDRS_MAX];
	char canon[32];
	unsigned seed = 12345;

	for (int round = 0; round < 2000; round++) {
		size_t len = (seed = seed * 1103515245u + 12345u) % sizeof text;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		size_t n = lookup(text, len, "localhost", AF_UNSPEC, out, S6_HOSTS_ADDRS_MAX,
				  canon, sizeof canon);
		ck_assert_uint_le(n, S6_HOSTS_ADDRS_MAX);
		ck_assert_uint_lt(strlen(canon), sizeof canon);
		lookup(sample, len % sizeof sample, "web", AF_UNSPEC, out, 2, NULL, 0);
	}
}
END_TEST

static const struct loop_case {
	const char *name;
	int family;
	const char *want[2];
} loop_cases[] = {
	{"localhost", AF_UNSPEC, {"127.0.0.1", "::1"}},
	{"LocalHost.", AF_INET, {"127.0.0.1"}},
	{"localhost", AF_INET6, {"::1"}},
	{"app.localhost", AF_UNSPEC, {"127.0.0.1", "::1"}},
	{"a.b.LOCALHOST", AF_INET, {"127.0.0.1"}},
	{"localhost.localdomain", AF_UNSPEC, {"127.0.0.1", "::1"}},
	{"ip6-localhost", AF_UNSPEC, {"::1"}},
	{"ip6-loopback", AF_INET6, {"::1"}},
	{"ip6-loopback", AF_INET, {NULL}},
	{".localhost", AF_UNSPEC, {NULL}},
	{"notlocalhost", AF_UNSPEC, {NULL}},
	{"localhost.example", AF_UNSPEC, {NULL}},
	{"localhost..", AF_UNSPEC, {NULL}},
	{"", AF_UNSPEC, {NULL}},
};

START_TEST(test_loopback)
{
	const struct loop_case *c = &loop_cases[_i];
	s6_hosts_addr out[2];
	size_t want = c->want[0] ? (c->want[1] ? 2 : 1) : 0;
	size_t n = s6_hosts_loopback(c->name, c->family, out, 2);

	ck_assert_msg(n == want, "%s: %zu addresses, want %zu", c->name, n, want);
	for (size_t i = 0; i < n; i++)
		assert_addr(&out[i], c->want[i]);
	if (want == 2) /* and the cap holds */
		ck_assert_uint_eq(s6_hosts_loopback(c->name, c->family, out, 1), 1);
}
END_TEST

START_TEST(test_config_key)
{
	char err[256];
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(cfg.hosts, S6_HOSTS_LOCAL);
	ck_assert_int_eq(s6_config_parse(&cfg, "hosts remote\n", 13, "t", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.hosts, S6_HOSTS_REMOTE);
	ck_assert_int_eq(s6_config_parse(&cfg, "hosts local", 11, "t", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.hosts, S6_HOSTS_LOCAL);
	ck_assert_int_eq(s6_config_parse(&cfg, "hosts yes", 9, "t", err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "t:1: bad hosts 'yes': expected local or remote");
	s6_config_wipe(&cfg);
}
END_TEST

static Suite *hosts_suite(void)
{
	Suite *s = suite_create("hosts");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_find, 0, sizeof find_cases / sizeof find_cases[0]);
	tcase_add_test(tc, test_line_cap);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_garbage);
	tcase_add_loop_test(tc, test_loopback, 0, sizeof loop_cases / sizeof loop_cases[0]);
	tcase_add_test(tc, test_config_key);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hosts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
