/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy URL parser: every scheme, defaults, userinfo decoding, IPv6,
 * formatting without the password, and every error path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "s6_url.h"

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- good URLs ---------------------------------------------------------- */

static const struct good_case {
	const char *text;
	s6_scheme scheme;
	const char *host;
	bool v6;
	unsigned port;
	const char *user; /* NULL: no user */
	const char *pass; /* NULL: no password */
	const char *path;
} good_cases[] = {
	{"socks4a://proxy.example.net", S6_SCHEME_SOCKS4A, "proxy.example.net", false, 1080, NULL, NULL, ""},
	{"socks6://proxy.example.net", S6_SCHEME_SOCKS6, "proxy.example.net", false, 1080, NULL, NULL, ""},
	{"socks6+tls://proxy.example.net", S6_SCHEME_SOCKS6_TLS, "proxy.example.net", false, 1080, NULL, NULL, ""},
	{"connect-ip://proxy.example.net", S6_SCHEME_CONNECT_IP, "proxy.example.net", false, 443, NULL, NULL, ""},
	{"https://proxy.example.net", S6_SCHEME_HTTPS, "proxy.example.net", false, 443, NULL, NULL, ""},
	{"SOCKS4A://H", S6_SCHEME_SOCKS4A, "H", false, 1080, NULL, NULL, ""},
	{"SoCkS6+TlS://h", S6_SCHEME_SOCKS6_TLS, "h", false, 1080, NULL, NULL, ""},
	{"HTTPS://h:8443", S6_SCHEME_HTTPS, "h", false, 8443, NULL, NULL, ""},
	{"socks4a://127.0.0.1:9050", S6_SCHEME_SOCKS4A, "127.0.0.1", false, 9050, NULL, NULL, ""},
	{"socks4a://h:1", S6_SCHEME_SOCKS4A, "h", false, 1, NULL, NULL, ""},
	{"socks4a://h:65535", S6_SCHEME_SOCKS4A, "h", false, 65535, NULL, NULL, ""},
	{"socks4a://h:00080", S6_SCHEME_SOCKS4A, "h", false, 80, NULL, NULL, ""},
	{"socks4a://h/", S6_SCHEME_SOCKS4A, "h", false, 1080, NULL, NULL, ""},
	{"socks4a://my_host-1.example.", S6_SCHEME_SOCKS4A, "my_host-1.example.", false, 1080, NULL, NULL, ""},
	{"socks4a://joe@h", S6_SCHEME_SOCKS4A, "h", false, 1080, "joe", NULL, ""},
	{"socks4a://j%20o%2Fe@h:1", S6_SCHEME_SOCKS4A, "h", false, 1, "j o/e", NULL, ""},
	{"socks6://alice:secret@h", S6_SCHEME_SOCKS6, "h", false, 1080, "alice", "secret", ""},
	{"socks6://alice:@h", S6_SCHEME_SOCKS6, "h", false, 1080, "alice", "", ""},
	{"socks6://us%40er:p%3Aa%2fss%23%25@h", S6_SCHEME_SOCKS6, "h", false, 1080, "us@er", "p:a/ss#%", ""},
	{"socks6://a@b:c@h", S6_SCHEME_SOCKS6, "h", false, 1080, "a@b", "c", ""},
	{"socks6://u:p:q@h", S6_SCHEME_SOCKS6, "h", false, 1080, "u", "p:q", ""},
	{"socks6://u:%C3%A9@h", S6_SCHEME_SOCKS6, "h", false, 1080, "u", "\xc3\xa9", ""},
	{"socks6://[2001:db8::1]:1081", S6_SCHEME_SOCKS6, "2001:db8::1", true, 1081, NULL, NULL, ""},
	{"socks6+tls://[::1]", S6_SCHEME_SOCKS6_TLS, "::1", true, 1080, NULL, NULL, ""},
	{"connect-ip://u:p@[::ffff:10.0.0.1]", S6_SCHEME_CONNECT_IP, "::ffff:10.0.0.1", true, 443, "u", "p", ""},
	{"connect-ip://h:8443/", S6_SCHEME_CONNECT_IP, "h", false, 8443, NULL, NULL, ""},
	{"https://u:p@proxy.example:8443/.well-known/masque/ip/{target}/{ipproto}/",
	 S6_SCHEME_HTTPS, "proxy.example", false, 8443, "u", "p", "/.well-known/masque/ip/{target}/{ipproto}/"},
	{"https://[2001:db8::2]/masque/ip", S6_SCHEME_HTTPS, "2001:db8::2", true, 443, NULL, NULL, "/masque/ip"},
	{"https://h/", S6_SCHEME_HTTPS, "h", false, 443, NULL, NULL, ""},
};

START_TEST(test_good)
{
	const struct good_case *c = &good_cases[_i];
	s6_proxy_url u;
	char why[256] = "untouched";

	ck_assert_msg(s6_url_parse(c->text, &u, why, sizeof why) == S6_OK, "%s: %s", c->text, why);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(u.scheme, c->scheme);
	ck_assert_str_eq(u.host, c->host);
	ck_assert_int_eq(u.host_is_ipv6, c->v6);
	ck_assert_uint_eq(u.port, c->port);
	ck_assert_int_eq(u.has_user, c->user != NULL);
	ck_assert_str_eq(u.user, c->user ? c->user : "");
	ck_assert_int_eq(u.has_pass, c->pass != NULL);
	ck_assert_str_eq(u.pass, c->pass ? c->pass : "");
	ck_assert_str_eq(u.path, c->path);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

static const struct bad_case {
	const char *text;
	s6_err err;
	const char *why; /* substring of the reason */
} bad_cases[] = {
	{"", S6_ERR_URL, "missing scheme"},
	{"proxy.example.net:1080", S6_ERR_URL, "missing scheme"},
	{"://h", S6_ERR_URL, "empty scheme"},
	{"http://h", S6_ERR_URL, "unknown scheme 'http' (known schemes: socks4a, socks6, socks6+tls, connect-ip, https)"},
	{"socks5://h", S6_ERR_URL, "unknown scheme 'socks5'"},
	{"socks4://h", S6_ERR_URL, "unknown scheme 'socks4'"},
	{"socks4a:/h", S6_ERR_URL, "missing scheme"},
	{"alice:secret@socks4a://h", S6_ERR_URL, "malformed scheme (known schemes: socks4a,"},
	{"soc ks://h", S6_ERR_URL, "space or control character"},
	{"x-1.2+y://h", S6_ERR_URL, "unknown scheme 'x-1.2+y'"},
	{"socks4a://user:pw@h", S6_ERR_URL, "socks4a carries a user id, not a password"},
	{"socks4a://user:@h", S6_ERR_URL, "socks4a carries a user id, not a password (write ':' in a user id as %3A)"},
	{"socks6://@h", S6_ERR_URL, "empty user name"},
	{"socks6://:pw@h", S6_ERR_URL, "empty user name"},
	{"socks6://u%4@h", S6_ERR_URL, "bad percent-escape in user name"},
	{"socks6://u%@h", S6_ERR_URL, "bad percent-escape in user name"},
	{"socks6://u%zz@h", S6_ERR_URL, "bad percent-escape in user name"},
	{"socks6://u:p%g0@h", S6_ERR_URL, "bad percent-escape in password"},
	{"socks6://u:p%2@h", S6_ERR_URL, "bad percent-escape in password"},
	{"socks6://u%00@h", S6_ERR_URL, "user name decodes to a NUL byte"},
	{"socks6://u:p%00@h", S6_ERR_URL, "password decodes to a NUL byte"},
	{"socks6://", S6_ERR_URL, "missing host"},
	{"socks6://:1080", S6_ERR_URL, "missing host"},
	{"socks6://u@", S6_ERR_URL, "missing host"},
	{"socks6://[]", S6_ERR_URL, "missing host"},
	{"socks6://h:", S6_ERR_URL, "empty port"},
	{"socks6://h:0", S6_ERR_URL, "out of range"},
	{"socks6://h:65536", S6_ERR_URL, "out of range"},
	{"socks6://h:100000", S6_ERR_URL, "out of range"},
	{"socks6://h:000001080", S6_ERR_URL, "out of range"},
	{"socks6://h:99999999999999999999999", S6_ERR_URL, "out of range"},
	{"socks6://h:+80", S6_ERR_URL, "bad port '+80'"},
	{"socks6://h:-1", S6_ERR_URL, "bad port"},
	{"socks6://h:0x50", S6_ERR_URL, "bad port"},
	{"socks6://h:80a", S6_ERR_URL, "bad port"},
	{"socks6://h: 80", S6_ERR_URL, "space or control character"},
	{"socks6://2001:db8::1", S6_ERR_URL, "needs brackets"},
	{"socks6://::1", S6_ERR_URL, "needs brackets"},
	{"socks6://[2001:db8::1", S6_ERR_URL, "missing ']'"},
	{"socks6://[2001:db8::1]x", S6_ERR_URL, "unexpected text after ']'"},
	{"socks6://[2001:db8::1]:", S6_ERR_URL, "empty port"},
	{"socks6://[zz::1]", S6_ERR_URL, "bad IPv6 address '[zz::1]'"},
	{"socks6://[1.2.3.4]", S6_ERR_URL, "bad IPv6 address"},
	{"socks6://[fe80::1%25eth0]", S6_ERR_URL, "bad IPv6 address"},
	{"socks6://ho st", S6_ERR_URL, "space or control character"},
	{"socks6://h\tx", S6_ERR_URL, "space or control character"},
	{"socks6://h\x7f", S6_ERR_URL, "space or control character"},
	{"socks6://h*st", S6_ERR_URL, "bad character '*' in host name"},
	{"socks6://h%41", S6_ERR_URL, "bad character '%' in host name"},
	{"socks6://a..b", S6_ERR_URL, "empty label"},
	{"socks6://.a", S6_ERR_URL, "empty label"},
	{"socks6://.", S6_ERR_URL, "empty label"},
	{"socks6://999.1.1.1", S6_ERR_URL, "bad IPv4 address '999.1.1.1'"},
	{"socks6://1.2.3", S6_ERR_URL, "bad IPv4 address"},
	{"socks6://h/path", S6_ERR_URL, "socks6 URLs take no path (got '/path')"},
	{"socks4a://h//", S6_ERR_URL, "socks4a URLs take no path"},
	{"connect-ip://h/.well-known/masque/ip/", S6_ERR_URL, "connect-ip URLs take no path"},
	{"socks6+tls://h/x", S6_ERR_URL, "socks6+tls URLs take no path"},
	{"https://h/x?y=1", S6_ERR_URL, "query ('?') is not allowed"},
	{"socks4a://h?", S6_ERR_URL, "query ('?') is not allowed"},
	{"https://h/x#frag", S6_ERR_URL, "fragment ('#') is not allowed"},
	{"socks6://u:p#w@h", S6_ERR_URL, "percent-encode '#' in a password as %23"},
	{"socks6://u:se?cret@h", S6_ERR_URL, "percent-encode '?' in a password as %3F"},
	{"socks6://u:secret@h:0", S6_ERR_URL, "out of range"},
	{"socks6://u:secret%zz@h", S6_ERR_URL, "bad percent-escape in password"},
	{"socks6://u:secret@[zz]", S6_ERR_URL, "bad IPv6 address '[zz]'"},
	{"socks6://u:secret@h:x", S6_ERR_URL, "bad port 'x'"},
	{"socks4a://u:secret@h", S6_ERR_URL, "socks4a carries a user id"},
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	s6_proxy_url u;
	char why[256] = "";

	ck_assert_int_eq(s6_url_parse(c->text, &u, why, sizeof why), c->err);
	ck_assert_msg(strstr(why, c->why) != NULL, "%s: got '%s', want '%s'", c->text, why, c->why);
	ck_assert(strstr(why, "secret") == NULL && strstr(why, "cret") == NULL); /* never echoed */
	/* A failed parse leaves nothing behind. */
	ck_assert(all_zero((const char *)&u, sizeof u));
}
END_TEST

/* text = prefix + n copies of unit + suffix, in a static buffer. */
static const char *build(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	static char buf[8192];
	size_t len = strlen(prefix), ul = strlen(unit);

	memcpy(buf, prefix, len);
	for (size_t i = 0; i < n; i++, len += ul)
		memcpy(buf + len, unit, ul);
	strcpy(buf + len, suffix);
	return buf;
}

/* A host of exactly n bytes in labels of 63 (or fewer). */
static const char *long_host(size_t n)
{
	static char host[600];
	for (size_t i = 0; i < n; i++)
		host[i] = (i % 64 == 63) ? '.' : 'a';
	host[n] = '\0';
	if (host[n - 1] == '.')
		host[n - 1] = 'a';
	return host;
}

START_TEST(test_length_limits)
{
	s6_proxy_url u;
	char why[256], text[4096];

	snprintf(text, sizeof text, "socks6://%s", long_host(255));
	ck_assert_int_eq(s6_url_parse(text, &u, why, sizeof why), S6_OK);
	ck_assert_uint_eq(strlen(u.host), 255);
	snprintf(text, sizeof text, "socks6://%s", long_host(256));
	ck_assert_int_eq(s6_url_parse(text, &u, why, sizeof why), S6_ERR_TOO_LONG);
	ck_assert_str_eq(why, "host longer than 255 bytes");

	ck_assert_int_eq(s6_url_parse(build("socks6://", "a", 64, ""), &u, why, sizeof why), S6_ERR_URL);
	ck_assert_str_eq(why, "host name label longer than 63 bytes");

	ck_assert_int_eq(s6_url_parse(build("socks6://", "u", 255, "@h"), &u, why, sizeof why), S6_OK);
	ck_assert_uint_eq(strlen(u.user), 255);
	ck_assert_int_eq(s6_url_parse(build("socks6://", "u", 256, "@h"), &u, why, sizeof why),
			 S6_ERR_TOO_LONG);
	ck_assert_str_eq(why, "user name longer than 255 bytes");
	/* The limit is on the decoded bytes: 256 escapes are 768 characters. */
	ck_assert_int_eq(s6_url_parse(build("socks6://u:", "%41", 255, "@h"), &u, why, sizeof why), S6_OK);
	ck_assert_uint_eq(strlen(u.pass), 255);
	ck_assert_int_eq(s6_url_parse(build("socks6://u:", "%41", 256, "@h"), &u, why, sizeof why),
			 S6_ERR_TOO_LONG);
	ck_assert_str_eq(why, "password longer than 255 bytes");

	ck_assert_int_eq(s6_url_parse(build("https://h", "/", 1023, ""), &u, why, sizeof why), S6_OK);
	ck_assert_uint_eq(strlen(u.path), 1023);
	ck_assert_int_eq(s6_url_parse(build("https://h", "/", 1024, ""), &u, why, sizeof why),
			 S6_ERR_TOO_LONG);
	ck_assert_str_eq(why, "path longer than 1023 bytes");

	/* 2048 in all is fine, 2049 is not, even when every field is within
	 * its own limit: 255 escaped bytes of user and password each. */
	char creds[1600];
	snprintf(creds, sizeof creds, "https://%s", build("", "%41", 255, ":"));
	snprintf(creds + strlen(creds), sizeof creds - strlen(creds), "%s", build("", "%41", 255, "@h"));
	ck_assert_uint_eq(strlen(creds), 1541);
	snprintf(text, sizeof text, "%s%s", creds, build("/", "x", 2048 - 1541 - 1, ""));
	ck_assert_uint_eq(strlen(text), 2048);
	ck_assert_int_eq(s6_url_parse(text, &u, why, sizeof why), S6_OK);
	strcat(text, "x");
	ck_assert_int_eq(s6_url_parse(text, &u, why, sizeof why), S6_ERR_TOO_LONG);
	ck_assert_str_eq(why, "URL longer than 2048 bytes");
}
END_TEST

START_TEST(test_failure_wipes_credentials)
{
	s6_proxy_url u;
	char why[128];

	memset(&u, 0x5a, sizeof u);
	ck_assert_int_eq(s6_url_parse("socks6://alice:secret@h:0", &u, why, sizeof why), S6_ERR_URL);
	ck_assert(all_zero(u.pass, sizeof u.pass));
	ck_assert(all_zero(u.user, sizeof u.user));
	ck_assert(!u.has_pass && !u.has_user);
}
END_TEST

START_TEST(test_why_buffer)
{
	s6_proxy_url u;
	char small[8];

	/* No reason buffer at all is fine. */
	ck_assert_int_eq(s6_url_parse("bogus", &u, NULL, 0), S6_ERR_URL);
	ck_assert_int_eq(s6_url_parse(NULL, &u, NULL, 0), S6_ERR_URL);
	/* A short one is truncated, not overrun. */
	memset(small, 'x', sizeof small);
	ck_assert_int_eq(s6_url_parse("http://h", &u, small, sizeof small), S6_ERR_URL);
	ck_assert_str_eq(small, "unknown");
}
END_TEST

START_TEST(test_scheme_names)
{
	ck_assert_str_eq(s6_scheme_name(S6_SCHEME_SOCKS4A), "socks4a");
	ck_assert_str_eq(s6_scheme_name(S6_SCHEME_SOCKS6), "socks6");
	ck_assert_str_eq(s6_scheme_name(S6_SCHEME_SOCKS6_TLS), "socks6+tls");
	ck_assert_str_eq(s6_scheme_name(S6_SCHEME_CONNECT_IP), "connect-ip");
	ck_assert_str_eq(s6_scheme_name(S6_SCHEME_HTTPS), "https");
	ck_assert_str_eq(s6_scheme_name(S6_SCHEME__COUNT), "?");
	ck_assert_str_eq(s6_scheme_name((s6_scheme)-1), "?");
}
END_TEST

START_TEST(test_implemented)
{
	/* This stage: SOCKS4a only. */
	ck_assert(s6_scheme_implemented(S6_SCHEME_SOCKS4A));
	ck_assert(s6_scheme_implemented(S6_SCHEME_SOCKS6));
	ck_assert(s6_scheme_implemented(S6_SCHEME_SOCKS6_TLS));
	ck_assert(s6_scheme_is_socks6(S6_SCHEME_SOCKS6_TLS));
	ck_assert(!s6_scheme_is_socks6(S6_SCHEME_SOCKS4A));
	ck_assert(s6_scheme_implemented(S6_SCHEME_CONNECT_IP));
	ck_assert(s6_scheme_implemented(S6_SCHEME_HTTPS));
	ck_assert(!s6_scheme_implemented(S6_SCHEME__COUNT));
}
END_TEST

/* ---- formatting ------------------------------------------------------------ */

static const struct fmt_case {
	const char *text;
	const char *printed;
} fmt_cases[] = {
	{"socks4a://h", "socks4a://h:1080"},
	{"SOCKS4A://joe@H:99", "socks4a://joe@H:99"},
	{"socks6://alice:secret@proxy.example.net", "socks6://alice@proxy.example.net:1080"},
	{"socks6://us%40er:p@h", "socks6://us%40er@h:1080"},
	{"socks6://a%20b%0A:p@h", "socks6://a%20b%0A@h:1080"},
	{"socks6+tls://[2001:db8::1]:1081", "socks6+tls://[2001:db8::1]:1081"},
	{"connect-ip://u:p@[::1]", "connect-ip://u@[::1]:443"},
	{"https://u:p@h/.well-known/masque/ip/{target}/{ipproto}/",
	 "https://u@h:443/.well-known/masque/ip/{target}/{ipproto}/"},
};

START_TEST(test_format)
{
	const struct fmt_case *c = &fmt_cases[_i];
	s6_proxy_url u, again;
	char buf[512], why[128];

	ck_assert_int_eq(s6_url_parse(c->text, &u, why, sizeof why), S6_OK);
	ck_assert_ptr_eq(s6_url_format(&u, buf, sizeof buf), buf);
	ck_assert_str_eq(buf, c->printed);
	ck_assert(strstr(buf, "secret") == NULL);
	/* The printed form parses back to the same proxy (minus the password). */
	ck_assert_int_eq(s6_url_parse(buf, &again, why, sizeof why), S6_OK);
	ck_assert_int_eq(again.scheme, u.scheme);
	ck_assert_str_eq(again.host, u.host);
	ck_assert_uint_eq(again.port, u.port);
	ck_assert_str_eq(again.user, u.user);
	ck_assert_str_eq(again.path, u.path);
	ck_assert(!again.has_pass);
}
END_TEST

START_TEST(test_format_truncates)
{
	s6_proxy_url u;
	char buf[11];

	ck_assert_int_eq(s6_url_parse("socks6://alice:pw@host.example", &u, NULL, 0), S6_OK);
	memset(buf, 'x', sizeof buf);
	s6_url_format(&u, buf, sizeof buf);
	ck_assert_str_eq(buf, "socks6://a");
	buf[0] = 'q';
	s6_url_format(&u, buf, 0);
	ck_assert_int_eq(buf[0], 'q');
}
END_TEST

START_TEST(test_wipe)
{
	s6_proxy_url u;

	ck_assert_int_eq(s6_url_parse("socks6://alice:secret@h:1", &u, NULL, 0), S6_OK);
	s6_url_wipe(&u);
	ck_assert(all_zero(u.user, sizeof u.user));
	ck_assert(all_zero(u.pass, sizeof u.pass));
	ck_assert(!u.has_user && !u.has_pass);
	ck_assert_str_eq(u.host, "h");
	ck_assert_uint_eq(u.port, 1);
}
END_TEST

static Suite *url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0, sizeof good_cases / sizeof good_cases[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad_cases / sizeof bad_cases[0]);
	tcase_add_test(tc, test_length_limits);
	tcase_add_test(tc, test_failure_wipes_credentials);
	tcase_add_test(tc, test_why_buffer);
	tcase_add_test(tc, test_scheme_names);
	tcase_add_test(tc, test_implemented);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_format, 0, sizeof fmt_cases / sizeof fmt_cases[0]);
	tcase_add_test(tc, test_format_truncates);
	tcase_add_test(tc, test_wipe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(url_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
