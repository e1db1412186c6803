/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: one fixture per error (exact FILE:LINE and the problem),
 * the full good fixture, value syntax, and the API for the proxy from the
 * command line, excludes and wipe. The streaming loader, file checks and
 * s6_config_find are in check_config_load.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "s6_addr.h"
#include "s6_config.h"
#include "check_config_util.h"

/* ---- defaults ------------------------------------------------------------ */

START_TEST(test_defaults)
{
	s6_config cfg;

	memset(&cfg, 0x5a, sizeof cfg);
	s6_config_defaults(&cfg);
	ck_assert(!cfg.has_proxy);
	ck_assert_uint_eq(cfg.n_exclude, 0);
	ck_assert_int_eq(cfg.dns, S6_DNS_REMOTE);
	ck_assert_int_eq(cfg.hosts, S6_HOSTS_LOCAL);
	ck_assert_uint_eq(cfg.connect_timeout_ms, 10000);
	ck_assert(!cfg.has_log_level);
	ck_assert_int_eq(cfg.log_level, S6_LOG_ERROR);
	ck_assert_int_eq(cfg.fail, S6_FAIL_CLOSED);
	ck_assert(!cfg.has_user && !cfg.has_pass && !cfg.holds_secret);
	ck_assert(all_zero(cfg.pass, sizeof cfg.pass));
}
END_TEST

/* ---- one fixture per error ---------------------------------------------- */

static const struct err_case {
	const char *file;
	unsigned line;
	const char *problem; /* substring after "FILE:LINE: " */
} err_cases[] = {
	{"bad-key.conf", 4, "unknown key 'frobnicate'"},
	{"missing-value.conf", 3, "missing value for key 'dns'"},
	{"bad-dns.conf", 4, "bad dns 'maybe': expected remote or local"},
	{"bad-timeout.conf", 3, "bad connect-timeout '0': expected seconds from 1 to 3600"},
	{"bad-timeout-range.conf", 4, "bad connect-timeout '3601'"},
	{"bad-timeout-syntax.conf", 3, "bad connect-timeout '2.5s'"},
	{"bad-log-level.conf", 3, "bad log-level 'loud': expected quiet, error, info or debug"},
	{"bad-fail.conf", 3, "bad fail 'sometimes': expected closed or open"},
	{"bad-exclude.conf", 4, "bad exclude '10.0.0.0/33': expected ADDRESS[/PREFIX][:PORT]"},
	{"bad-exclude-port.conf", 3, "bad exclude '127.0.0.1:0'"},
	{"bad-url.conf", 3, "invalid proxy URL: port '99999' out of range (1..65535)"},
	{"bad-url-scheme.conf", 3, "invalid proxy URL: unknown scheme 'http' (known schemes: socks4a,"},
	{"socks4a-password.conf", 3, "invalid proxy URL: socks4a carries a user id, not a password"},
	{"bad-uri-template.conf", 3, "invalid proxy URL: bad URI template in the path"},
	{"long-line.conf", 3, "line too long (more than 4096 bytes)"},
	{"nul-byte.conf", 4, "NUL byte in file"},
	{"control-char.conf", 3, "control character 0x01 in line"},
	{"long-username.conf", 3, "username longer than 255 bytes"},
	{"long-password.conf", 3, "password longer than 255 bytes"},
};

/* The loader reports the fixture, and the in-memory parser says the same. */
START_TEST(test_error_fixture)
{
	const struct err_case *c = &err_cases[_i];
	const char *path = tmp_path(c->file);
	char err[512] = "", err2[512] = "", text[16384];
	s6_config cfg;
	size_t len;

	/* A copy: the checkout may belong to someone else than the tester. */
	copy_fixture(c->file, path, 0644);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_ERR_CONFIG);
	assert_error(err, path, c->line, c->problem);

	len = read_all(path, text, sizeof text);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_parse(&cfg, text, len, path, err2, sizeof err2), S6_ERR_CONFIG);
	ck_assert_str_eq(err2, err);
}
END_TEST

/* ---- the good fixture ----------------------------------------------------- */

static void assert_good(const s6_config *cfg)
{
	ck_assert(cfg->has_proxy);
	ck_assert_int_eq(cfg->proxy.scheme, S6_SCHEME_SOCKS4A);
	ck_assert_str_eq(cfg->proxy.host, "proxy.example.net");
	ck_assert_uint_eq(cfg->proxy.port, 1081);
	ck_assert(cfg->proxy.has_user && !cfg->proxy.has_pass);
	ck_assert_str_eq(cfg->proxy.user, "alice");
	ck_assert_uint_eq(cfg->n_exclude, 7);
	assert_rule(&cfg->exclude[0], AF_INET, "127.0.0.0", 8, 0);
	assert_rule(&cfg->exclude[1], AF_INET, "192.168.1.7", 32, 0);
	assert_rule(&cfg->exclude[2], AF_INET, "10.0.0.0", 8, 631);
	assert_rule(&cfg->exclude[3], AF_INET6, "::1", 128, 0);
	assert_rule(&cfg->exclude[4], AF_INET6, "2001:db8::", 32, 0);
	assert_rule(&cfg->exclude[5], AF_INET6, "2001:db8::", 32, 443);
	assert_rule(&cfg->exclude[6], AF_INET6, "::1", 128, 22);
	ck_assert_int_eq(cfg->dns, S6_DNS_LOCAL);
	ck_assert_uint_eq(cfg->connect_timeout_ms, 2500);
	ck_assert(cfg->has_log_level);
	ck_assert_int_eq(cfg->log_level, S6_LOG_DEBUG);
	ck_assert_int_eq(cfg->fail, S6_FAIL_OPEN);
	ck_assert(cfg->has_user && cfg->has_pass && cfg->holds_secret);
	ck_assert_str_eq(cfg->user, "bob");
	ck_assert_str_eq(cfg->pass, "pa#ss word");
}

START_TEST(test_good_parse)
{
	char text[16384], err[256] = "x";
	size_t len = read_all(fixture("good.conf"), text, sizeof text);
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_parse(&cfg, text, len, "good.conf", err, sizeof err), S6_OK);
	ck_assert_str_eq(err, "");
	assert_good(&cfg);
}
END_TEST

START_TEST(test_good_load)
{
	const char *path = tmp_path("good.conf");
	char err[256];
	s6_config cfg;

	copy_fixture("good.conf", path, 0600);
	s6_config_defaults(&cfg);
	ck_assert_msg(s6_config_load(&cfg, path, err, sizeof err) == S6_OK, "%s", err);
	assert_good(&cfg);
}
END_TEST

START_TEST(test_crlf)
{
	char err[256];
	s6_config cfg;

	copy_fixture("crlf.conf", tmp_path("crlf.conf"), 0644);
	s6_config_defaults(&cfg);
	ck_assert_msg(s6_config_load(&cfg, tmp_path("crlf.conf"), err, sizeof err) == S6_OK, "%s", err);
	ck_assert_int_eq(cfg.dns, S6_DNS_LOCAL);
	ck_assert_int_eq(cfg.fail, S6_FAIL_OPEN);
	ck_assert_uint_eq(cfg.connect_timeout_ms, 7000);
}
END_TEST

/* The shipped example parses, and so does each commented-out alternative
 * ("#key value" lines) once uncommented. */
START_TEST(test_example_file)
{
	static const char *const keys[] = {"proxy ", "exclude ", "dns ", "hosts ", "connect-timeout ",
					   "log-level ", "fail ", "udp ", "dns-udp ", "username ",
					   "password "};
	static char text[16384];
	char err[512];
	size_t len = read_all(S6_FIXTURES "/../../../conf/socks6ify.conf", text, sizeof text);
	unsigned tried = 0;
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_msg(s6_config_parse(&cfg, text, len, "example", err, sizeof err) == S6_OK, "%s", err);
	ck_assert(cfg.has_proxy && !cfg.holds_secret);
	ck_assert_str_eq(cfg.proxy.host, "127.0.0.1");
	ck_assert_uint_eq(cfg.n_exclude, 2);
	ck_assert_int_eq(cfg.dns, S6_DNS_REMOTE);
	ck_assert_uint_eq(cfg.connect_timeout_ms, 10000);
	ck_assert(!cfg.has_log_level);
	ck_assert_int_eq(cfg.fail, S6_FAIL_CLOSED);

	for (const char *line = text, *nl; line < text + len; line = nl + 1) {
		size_t n;
		if (!(nl = memchr(line, '\n', len - (size_t)(line - text))))
			nl = text + len;
		n = (size_t)(nl - line);
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (line[0] != '#' || strncmp(line + 1, keys[k], strlen(keys[k])) != 0)
				continue;
			s6_config_defaults(&cfg);
			ck_assert_msg(s6_config_parse(&cfg, line + 1, n - 1, "example", err,
						      sizeof err) == S6_OK, "%.*s: %s", (int)n, line, err);
			tried++;
		}
	}
	ck_assert_uint_ge(tried, 15);
}
END_TEST

/* ---- syntax ----------------------------------------------------------------- */

static const struct value_case {
	const char *text;
	const char *pass; /* NULL: no password set */
} comment_cases[] = {
	{"password ab#cd", "ab#cd"},
	{"password ab#", "ab#"},
	{"password ab #cd", "ab"},
	{"password ab\t#cd", "ab"},
	{"password a b  c ", "a b  c"},
	{"  \t password\t\tx\t", "x"},
	{"password x\r", "x"},
	{"password x\r\n", "x"},
	{"password \xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"},
	{"#password x", NULL},
	{"   # password x", NULL},
	{"\t#", NULL},
	{"", NULL},
	{"\n\n\r\n  \n", NULL},
	{"password one\npassword two", "two"},
};

START_TEST(test_comments_and_space)
{
	const struct value_case *c = &comment_cases[_i];
	char err[256];
	s6_config cfg;

	ck_assert_msg(parse_str(&cfg, c->text, err, sizeof err) == S6_OK, "%s", err);
	ck_assert_int_eq(cfg.has_pass, c->pass != NULL);
	ck_assert_str_eq(cfg.pass, c->pass ? c->pass : "");
}
END_TEST

static const struct line_err_case {
	const char *text;
	const char *err; /* exact */
} line_err_cases[] = {
	{"password #x", "t.conf:1: missing value for key 'password'"},
	{"proxy", "t.conf:1: missing value for key 'proxy'"},
	{"\n\nexclude\t \t", "t.conf:3: missing value for key 'exclude'"},
	{"DNS local", "t.conf:1: unknown key 'DNS' (known: proxy, exclude, dns, hosts, connect-timeout, "
		      "log-level, fail, udp, dns-udp, username, password, tos, ttl, no-fragment, "
		      "happy-eyeballs, mptcp, tfo, socks6-auth, session, token-window, "
		      "spend-tokens, tfo-proxy, socks6-optimistic, session-store, session-idle, "
		      "ca-file, pin-sha256, tls-verify, engine-idle, connect-ip-mode, "
		      "connect-ip-plain, block-alias)"},
	{"dns=local", "t.conf:1: unknown key 'dns=local'"},
	{"dns LOCAL", "t.conf:1: bad dns 'LOCAL': expected remote or local"},
	{"dns local remote", "t.conf:1: bad dns 'local remote': expected remote or local"},
	{"hosts none", "t.conf:1: bad hosts 'none': expected local or remote"},
	{"hosts Remote", "t.conf:1: bad hosts 'Remote': expected local or remote"},
	{"fail closed\nfail shut", "t.conf:2: bad fail 'shut': expected closed or open"},
	{"udp tunnel", "t.conf:1: bad udp 'tunnel': expected proxy, direct or block"},
	{"dns-udp block", "t.conf:1: bad dns-udp 'block': expected proxy, associate or direct"},
	{"log-level 4", "t.conf:1: bad log-level '4': expected quiet, error, info or debug"},
	{"exclude 10.0.0.0/8 10.1.0.0/16", "t.conf:1: bad exclude '10.0.0.0/8 10.1.0.0/16'"},
	{"exclude ::1:22", NULL}, /* valid: the IPv6 address ::1:22, see the man page */
	{"dns lo\x7f" "cal", "t.conf:1: control character 0x7f in line"},
	{"a\rb", "t.conf:1: control character 0x0d in line"},
	{"\r\r\n", "t.conf:1: control character 0x0d in line"},
	{"proxy socks4a://h\nproxy https://u:pw@h/{x", "t.conf:2: invalid proxy URL: bad URI template"},
	{"proxy connect-ip://h/x", "t.conf:1: invalid proxy URL: connect-ip URLs take no path"},
	{"proxy socks4a://h:0", "t.conf:1: invalid proxy URL: port '0' out of range (1..65535)"},
};

START_TEST(test_line_errors)
{
	const struct line_err_case *c = &line_err_cases[_i];
	char err[512] = "";
	s6_config cfg;
	s6_err e = parse_str(&cfg, c->text, err, sizeof err);

	if (!c->err) {
		ck_assert_msg(e == S6_OK, "%s", err);
		return;
	}
	ck_assert_int_eq(e, S6_ERR_CONFIG);
	ck_assert_msg(strncmp(err, c->err, strlen(c->err)) == 0, "got '%s'", err);
}
END_TEST

/* Secrets never appear in error messages. */
START_TEST(test_errors_hide_secrets)
{
	static const char *const texts[] = {
		"proxy socks6://u:hunter2@h:0",
		"proxy socks4a://u:hunter2@h",
		"proxy connect-ip://u:hunter2@h/x",
		"proxy socks6://u:hunter2#@h",
		"password hun\x01ter2",
	};
	char err[512];
	s6_config cfg;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		ck_assert_int_eq(parse_str(&cfg, texts[i], err, sizeof err), S6_ERR_CONFIG);
		ck_assert_msg(strstr(err, "hunter2") == NULL && strstr(err, "ter2") == NULL, "%s", err);
	}
}
END_TEST

static const struct timeout_case {
	const char *text;
	unsigned ms; /* 0: refused */
} timeout_cases[] = {
	{"1", 1000}, {"10", 10000}, {"2.5", 2500}, {"1.25", 1250}, {"1.125", 1125},
	{"01", 1000}, {"3600", 3600000}, {"3600.000", 3600000}, {"1.0", 1000},
	{"0", 0}, {"0.5", 0}, {"0.999", 0}, {"3600.001", 0}, {"3601", 0}, {"99999", 0},
	{"1.1255", 0}, {"10.", 0}, {".5", 0}, {"-1", 0}, {"+1", 0}, {"1e3", 0},
	{"2,5", 0}, {"10s", 0}, {"0x10", 0}, {"4294967296", 0},
};

START_TEST(test_timeout)
{
	const struct timeout_case *c = &timeout_cases[_i];
	char text[64], err[256];
	s6_config cfg;

	snprintf(text, sizeof text, "connect-timeout %s", c->text);
	if (c->ms == 0) {
		ck_assert_int_eq(parse_str(&cfg, text, err, sizeof err), S6_ERR_CONFIG);
		ck_assert_uint_eq(cfg.connect_timeout_ms, 10000);
	} else {
		ck_assert_msg(parse_str(&cfg, text, err, sizeof err) == S6_OK, "%s", err);
		ck_assert_uint_eq(cfg.connect_timeout_ms, c->ms);
	}
}
END_TEST

START_TEST(test_enums)
{
	static const char *const levels[] = {"quiet", "error", "info", "debug"};
	char err[256], text[64];
	s6_config cfg;

	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof text, "log-level %s", levels[i]);
		ck_assert_int_eq(parse_str(&cfg, text, err, sizeof err), S6_OK);
		ck_assert(cfg.has_log_level);
		ck_assert_int_eq(cfg.log_level, (s6_log_level)i);
	}
	ck_assert_int_eq(parse_str(&cfg, "dns local\ndns remote", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.dns, S6_DNS_REMOTE);
	ck_assert_int_eq(parse_str(&cfg, "dns local", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.dns, S6_DNS_LOCAL);
	ck_assert_int_eq(parse_str(&cfg, "fail open\nfail closed", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.fail, S6_FAIL_CLOSED);
	ck_assert_int_eq(parse_str(&cfg, "fail open", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.fail, S6_FAIL_OPEN);
	ck_assert_int_eq(cfg.udp, S6_UDP_PROXY);
	ck_assert_int_eq(parse_str(&cfg, "udp direct", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.udp, S6_UDP_DIRECT);
	ck_assert_int_eq(parse_str(&cfg, "udp block\nudp proxy", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.udp, S6_UDP_PROXY);
	ck_assert_int_eq(parse_str(&cfg, "udp block", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.udp, S6_UDP_BLOCK);
	ck_assert_int_eq(cfg.dns_udp, S6_DNS_UDP_PROXY);
	ck_assert_int_eq(parse_str(&cfg, "dns-udp associate", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.dns_udp, S6_DNS_UDP_ASSOCIATE);
	ck_assert_int_eq(parse_str(&cfg, "dns-udp direct\ndns-udp proxy", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.dns_udp, S6_DNS_UDP_PROXY);
	ck_assert_int_eq(parse_str(&cfg, "dns-udp direct", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.dns_udp, S6_DNS_UDP_DIRECT);
	ck_assert(!cfg.has_log_level);
}
END_TEST

START_TEST(test_override_and_accumulate)
{
	char err[256];
	s6_config cfg;

	ck_assert_int_eq(parse_str(&cfg, "proxy socks4a://joe@a.example\n"
				   "exclude 10.0.0.0/8\n"
				   "proxy socks4a://b.example:9\n"
				   "exclude [::1]:22\n"
				   "username u1\nusername u2\n", err, sizeof err), S6_OK);
	ck_assert_str_eq(cfg.proxy.host, "b.example");
	ck_assert_uint_eq(cfg.proxy.port, 9);
	ck_assert(!cfg.proxy.has_user);
	ck_assert(all_zero(cfg.proxy.user, sizeof cfg.proxy.user));
	ck_assert_uint_eq(cfg.n_exclude, 2);
	assert_rule(&cfg.exclude[0], AF_INET, "10.0.0.0", 8, 0);
	assert_rule(&cfg.exclude[1], AF_INET6, "::1", 128, 22);
	ck_assert_str_eq(cfg.user, "u2");
	ck_assert(!cfg.holds_secret); /* a user name alone is no secret */
}
END_TEST

START_TEST(test_buffer_edges)
{
	static const char text[] = "dns localZZZ";
	char err[512], small[5];
	s6_config cfg;

	/* len, not the NUL, ends the text. */
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_parse(&cfg, text, 9, "t", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.dns, S6_DNS_LOCAL);
	ck_assert_int_eq(s6_config_parse(&cfg, NULL, 0, "t", err, sizeof err), S6_OK);
	/* No filename, no error buffer, a tiny error buffer. */
	ck_assert_int_eq(s6_config_parse(&cfg, "x y", 3, NULL, err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "config:1: unknown key 'x' (known: proxy, exclude, dns, hosts, connect-timeout, "
			 "log-level, fail, udp, dns-udp, username, password, tos, ttl, no-fragment, "
			 "happy-eyeballs, mptcp, tfo, socks6-auth, session, token-window, "
			 "spend-tokens, tfo-proxy, socks6-optimistic, session-store, session-idle, "
			 "ca-file, pin-sha256, tls-verify, engine-idle, connect-ip-mode, "
			 "connect-ip-plain, block-alias)");
	ck_assert_int_eq(s6_config_parse(&cfg, "x y", 3, "t", NULL, 0), S6_ERR_CONFIG);
	memset(small, 'q', sizeof small);
	ck_assert_int_eq(s6_config_parse(&cfg, "x y", 3, "file", small, sizeof small), S6_ERR_CONFIG);
	ck_assert_str_eq(small, "file");
}
END_TEST

/* A buffer of n lines "exclude 10.x.y.z/32". */
static size_t make_excludes(char *buf, size_t cap, unsigned n)
{
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "exclude 10.%u.%u.1/32\n", i / 256, i % 256);
	return len;
}

START_TEST(test_too_many_excludes)
{
	static char text[16384];
	char err[256];
	s6_config cfg;
	size_t len = make_excludes(text, sizeof text, S6_CONFIG_EXCLUDE_MAX);

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_parse(&cfg, text, len, "t", err, sizeof err), S6_OK);
	ck_assert_uint_eq(cfg.n_exclude, S6_CONFIG_EXCLUDE_MAX);
	assert_rule(&cfg.exclude[127], AF_INET, "10.0.127.1", 32, 0);

	len = make_excludes(text, sizeof text, S6_CONFIG_EXCLUDE_MAX + 1);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_parse(&cfg, text, len, "t", err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "t:129: too many exclude rules (at most 128)");

	/* Same through the loader. */
	write_file(tmp_path("many.conf"), text, len, 0644);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, tmp_path("many.conf"), err, sizeof err), S6_ERR_CONFIG);
	assert_error(err, tmp_path("many.conf"), 129, "too many exclude rules");
}
END_TEST

/* ---- proxy from the command line, excludes, wipe ------------------------- */

START_TEST(test_set_proxy)
{
	char err[512];
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_set_proxy(&cfg, "socks4a://joe@127.0.0.1:1080", err, sizeof err), S6_OK);
	ck_assert(cfg.has_proxy && cfg.proxy.has_user);
	ck_assert_str_eq(cfg.proxy.host, "127.0.0.1");
	ck_assert(!cfg.holds_secret); /* not from a file */

	ck_assert_int_eq(s6_config_set_proxy(&cfg, "ftp://h", err, sizeof err), S6_ERR_URL);
	ck_assert(strncmp(err, "proxy URL: unknown scheme 'ftp'", 31) == 0);
	ck_assert_int_eq(s6_config_set_proxy(&cfg, "https://u:p@h/{x", err, sizeof err), S6_ERR_URL);
	ck_assert_str_eq(err, "proxy URL: bad URI template in the path (RFC 6570 with {target} and "
			 "{ipproto}, e.g. /.well-known/masque/ip/{target}/{ipproto}/)");
	ck_assert_int_eq(s6_config_set_proxy(&cfg, "socks4a://h:1x", err, sizeof err), S6_ERR_URL);
	ck_assert_str_eq(err, "proxy URL: bad port '1x' (expected a number 1..65535)");
	ck_assert_int_eq(s6_config_set_proxy(&cfg, NULL, NULL, 0), S6_ERR_URL);
	/* Failures left the earlier proxy alone. */
	ck_assert_str_eq(cfg.proxy.host, "127.0.0.1");
	ck_assert_str_eq(cfg.proxy.user, "joe");

	ck_assert_int_eq(s6_config_set_proxy(&cfg, "socks4a://[::1]:1081", err, sizeof err), S6_OK);
	ck_assert(!cfg.proxy.has_user && cfg.proxy.host_is_ipv6);
	ck_assert(all_zero(cfg.proxy.user, sizeof cfg.proxy.user));
}
END_TEST

START_TEST(test_set_proxy_too_long)
{
	char url[400], err[512];
	s6_config cfg;

	memset(url, 'a', sizeof url);
	memcpy(url, "socks4a://", 10);
	url[sizeof url - 1] = '\0';
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_set_proxy(&cfg, url, err, sizeof err), S6_ERR_TOO_LONG);
	ck_assert_str_eq(err, "proxy URL: host longer than 255 bytes");
	ck_assert(!cfg.has_proxy);
}
END_TEST

static bool excluded(const s6_config *cfg, const char *dest)
{
	struct sockaddr_storage ss;
	socklen_t len;

	ck_assert(s6_addr_parse(dest, &ss, &len));
	return s6_config_excluded(cfg, (struct sockaddr *)&ss);
}

START_TEST(test_excluded)
{
	char err[256];
	s6_config cfg;

	ck_assert_int_eq(parse_str(&cfg, "", err, sizeof err), S6_OK);
	ck_assert(!excluded(&cfg, "127.0.0.1:80"));
	ck_assert_int_eq(parse_str(&cfg, "exclude 127.0.0.0/8\nexclude [::1]:22\n"
				   "exclude 192.168.0.0/16:631", err, sizeof err), S6_OK);
	ck_assert(excluded(&cfg, "127.0.0.1:80"));
	ck_assert(excluded(&cfg, "[::ffff:127.1.2.3]:80"));
	ck_assert(excluded(&cfg, "[::1]:22"));
	ck_assert(!excluded(&cfg, "[::1]:80"));
	ck_assert(excluded(&cfg, "192.168.7.7:631"));
	ck_assert(!excluded(&cfg, "192.168.7.7:632"));
	ck_assert(!excluded(&cfg, "8.8.8.8:53"));
}
END_TEST

START_TEST(test_wipe)
{
	char err[256];
	s6_config cfg;

	ck_assert_int_eq(parse_str(&cfg, "proxy socks4a://joe@h\nusername bob\npassword pw",
				   err, sizeof err), S6_OK);
	s6_config_wipe(&cfg);
	ck_assert(!cfg.has_user && !cfg.has_pass && !cfg.proxy.has_user);
	ck_assert(all_zero(cfg.user, sizeof cfg.user));
	ck_assert(all_zero(cfg.pass, sizeof cfg.pass));
	ck_assert(all_zero(cfg.proxy.user, sizeof cfg.proxy.user));
	ck_assert_str_eq(cfg.proxy.host, "h");
}
END_TEST

/* ---- suite -------------------------------------------------------------------- */

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_error_fixture, 0, sizeof err_cases / sizeof err_cases[0]);
	tcase_add_test(tc, test_good_parse);
	tcase_add_test(tc, test_good_load);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_example_file);
	tcase_add_loop_test(tc, test_comments_and_space, 0,
			    sizeof comment_cases / sizeof comment_cases[0]);
	tcase_add_loop_test(tc, test_line_errors, 0, sizeof line_err_cases / sizeof line_err_cases[0]);
	tcase_add_test(tc, test_errors_hide_secrets);
	tcase_add_loop_test(tc, test_timeout, 0, sizeof timeout_cases / sizeof timeout_cases[0]);
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_override_and_accumulate);
	tcase_add_test(tc, test_buffer_edges);
	tcase_add_test(tc, test_too_many_excludes);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, test_set_proxy);
	tcase_add_test(tc, test_set_proxy_too_long);
	tcase_add_test(tc, test_excluded);
	tcase_add_test(tc, test_wipe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
