/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration files: the streaming loader against the in-memory parser,
 * file checks (permissions, owner, type, size) and the search order of
 * s6_config_find. Parsing and the API are in check_config.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "s6_config.h"
#include "check_config_util.h"

/* ---- streaming loader versus in-memory parser ----------------------------- */

/* Comment line of exactly len bytes (without the '\n'), optionally + '\r'. */
static size_t put_comment(char *buf, size_t len, bool cr)
{
	buf[0] = '#';
	memset(buf + 1, 'c', len - 1);
	if (cr)
		buf[len++] = '\r';
	buf[len++] = '\n';
	return len;
}

/* Lines of every awkward length around the 4096-byte limit and the loader's
 * 8 KiB buffer, keys between them, optionally a line one byte too long. */
static size_t make_stream(char *buf, size_t cap, unsigned bad_at)
{
	static const size_t lens[] = {4096, 4095, 2, 4096, 3, 4094, 4096, 8, 4000, 4096};
	size_t len = 0;

	for (unsigned i = 0; i < 60; i++) {
		size_t l = lens[i % 10] - (i % 3 == 2 ? 1 : 0);
		ck_assert_uint_lt(len + 4200, cap);
		if (i == bad_at)
			l = S6_CONFIG_LINE_MAX + 1;
		len += put_comment(buf + len, l, i % 4 == 1 && l < 4097);
		len += (size_t)snprintf(buf + len, cap - len, "exclude 10.0.%u.0/24\n", i);
	}
	memcpy(buf + len, "dns local", 9); /* last line without '\n' */
	return len + 9;
}

static void stream_case(unsigned bad_at)
{
	static char text[300000];
	char err1[512] = "", err2[512] = "";
	const char *path = tmp_path("stream.conf");
	size_t len = make_stream(text, sizeof text, bad_at);
	s6_config a, b;
	s6_err e1, e2;

	write_file(path, text, len, 0644);
	s6_config_defaults(&a);
	s6_config_defaults(&b);
	e1 = s6_config_load(&a, path, err1, sizeof err1);
	e2 = s6_config_parse(&b, text, len, path, err2, sizeof err2);
	ck_assert_int_eq(e1, e2);
	ck_assert_str_eq(err1, err2);
	ck_assert_uint_eq(a.n_exclude, b.n_exclude);
	ck_assert(memcmp(a.exclude, b.exclude, sizeof a.exclude) == 0);
	if (bad_at >= 60) {
		ck_assert_int_eq(e1, S6_OK);
		ck_assert_uint_eq(a.n_exclude, 60);
		ck_assert_int_eq(a.dns, S6_DNS_LOCAL);
	} else {
		ck_assert_int_eq(e1, S6_ERR_CONFIG);
		assert_error(err1, path, 2 * bad_at + 1, "line too long");
	}
}

START_TEST(test_stream_good)
{
	stream_case(1000);
}
END_TEST

START_TEST(test_stream_long_line)
{
	/* Early, in the middle, at the end: different buffer positions. */
	stream_case((unsigned)_i * 7 + 1);
}
END_TEST

/* Exactly 4096 bytes is fine, also with a '\r', also as the last line. */
START_TEST(test_line_limit_exact)
{
	static char text[3 * 4200];
	char err[256];
	s6_config cfg;
	size_t len = put_comment(text, S6_CONFIG_LINE_MAX, false);

	len += put_comment(text + len, S6_CONFIG_LINE_MAX, true);
	len += put_comment(text + len, S6_CONFIG_LINE_MAX, false) - 1;
	write_file(tmp_path("exact.conf"), text, len, 0644);
	s6_config_defaults(&cfg);
	ck_assert_msg(s6_config_load(&cfg, tmp_path("exact.conf"), err, sizeof err) == S6_OK, "%s", err);
	ck_assert_int_eq(s6_config_parse(&cfg, text, len, "t", err, sizeof err), S6_OK);
	text[len++] = 'x'; /* the last line becomes 4097 bytes */
	write_file(tmp_path("exact.conf"), text, len, 0644);
	ck_assert_int_eq(s6_config_load(&cfg, tmp_path("exact.conf"), err, sizeof err), S6_ERR_CONFIG);
	assert_error(err, tmp_path("exact.conf"), 3, "line too long");
}
END_TEST

/* A 4096-byte line with CRLF whose '\r' and '\n' land in different reads:
 * sweep the first line's length across the loader's buffer boundary; the
 * line count must never drift (the error is on line 4 every time). */
START_TEST(test_crlf_split)
{
	static char text[3 * 4200];
	const char *path = tmp_path("split.conf");
	char err[512];
	s6_config cfg;

	for (size_t first = 4060; first <= S6_CONFIG_LINE_MAX; first++) {
		size_t len = put_comment(text, first, false);
		len += put_comment(text + len, S6_CONFIG_LINE_MAX, true);
		len += (size_t)snprintf(text + len, sizeof text - len, "dns local\r\nbogus x\r\n");
		write_file(path, text, len, 0644);
		s6_config_defaults(&cfg);
		ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_ERR_CONFIG);
		assert_error(err, path, 4, "unknown key 'bogus'");
		ck_assert_int_eq(cfg.dns, S6_DNS_LOCAL);
	}
}
END_TEST

/* ---- file checks ------------------------------------------------------------- */

static const struct perm_case {
	const char *fixture;
	mode_t mode;
	s6_err want;
} perm_cases[] = {
	{"secret.conf", 0600, S6_OK},
	{"secret.conf", 0400, S6_OK},
	{"secret.conf", 0644, S6_ERR_CONFIG_PERMS},
	{"secret.conf", 0640, S6_ERR_CONFIG_PERMS},
	{"secret.conf", 0604, S6_ERR_CONFIG_PERMS},
	{"secret.conf", 0620, S6_ERR_CONFIG_PERMS},
	{"secret.conf", 0602, S6_ERR_CONFIG_PERMS},
	{"secret.conf", 0610, S6_ERR_CONFIG_PERMS},
	{"good.conf", 0644, S6_ERR_CONFIG_PERMS},
	{"no-secret.conf", 0644, S6_OK},
	{"no-secret.conf", 0666, S6_OK},
};

START_TEST(test_permissions)
{
	const struct perm_case *c = &perm_cases[_i];
	const char *path = tmp_path("perm.conf");
	char err[512] = "", want[600];
	s6_config cfg;

	copy_fixture(c->fixture, path, c->mode);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), c->want);
	if (c->want == S6_OK) {
		ck_assert_str_eq(err, "");
		ck_assert(cfg.has_proxy);
		return;
	}
	snprintf(want, sizeof want,
		 "%s: holds a password but is readable by group or others (chmod 600)", path);
	ck_assert_str_eq(err, want);
	/* The refused password does not linger in memory. */
	ck_assert(!cfg.has_pass);
	ck_assert(all_zero(cfg.pass, sizeof cfg.pass));
	ck_assert(all_zero(cfg.proxy.user, sizeof cfg.proxy.user));
}
END_TEST

START_TEST(test_secret_of_earlier_file)
{
	const char *path = tmp_path("plain.conf");
	char err[256];
	s6_config cfg;

	/* A password from an earlier source does not make this file's mode matter. */
	copy_fixture("no-secret.conf", path, 0644);
	s6_config_defaults(&cfg);
	cfg.holds_secret = true;
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_OK);
	ck_assert(cfg.holds_secret);
}
END_TEST

START_TEST(test_owner)
{
	const char *path = tmp_path("owned.conf");
	char err[512], want[600];
	s6_config cfg;

	if (geteuid() != 0)
		return; /* only root can give a file away */
	copy_fixture("no-secret.conf", path, 0600);
	ck_assert_int_eq(chown(path, 4242, 4242), 0);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_ERR_CONFIG_PERMS);
	snprintf(want, sizeof want, "%s: owned by uid 4242, neither you (uid %u) nor root",
		 path, (unsigned)getuid());
	ck_assert_str_eq(err, want);
	ck_assert(!cfg.has_proxy); /* refused before reading */
}
END_TEST

START_TEST(test_missing_file)
{
	const char *path = tmp_path("nope.conf");
	char err[512], want[600];
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_ERR_CONFIG);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(s6_config_load(&cfg, NULL, err, sizeof err), S6_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_not_regular)
{
	const char *fifo = tmp_path("fifo.conf");
	char err[512], want[600];
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, tmpdir, err, sizeof err), S6_ERR_CONFIG);
	snprintf(want, sizeof want, "%s: not a regular file", tmpdir);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(s6_config_load(&cfg, "/dev/null", err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "/dev/null: not a regular file");
	/* A FIFO without a writer must not block the open. */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(s6_config_load(&cfg, fifo, err, sizeof err), S6_ERR_CONFIG);
	snprintf(want, sizeof want, "%s: not a regular file", fifo);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_unreadable)
{
	const char *path = tmp_path("locked.conf");
	char err[512], want[600];
	s6_config cfg;

	if (geteuid() == 0)
		return; /* root reads anything */
	copy_fixture("no-secret.conf", path, 0000);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_ERR_CONFIG);
	snprintf(want, sizeof want, "%s: Permission denied", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_file_size_limit)
{
	static char text[S6_CONFIG_FILE_MAX + 1];
	const char *path = tmp_path("big.conf");
	char err[512], want[600];
	s6_config cfg;

	/* Lines of 63 bytes + '\n', exactly the limit, the last one "dns local". */
	for (size_t i = 0; i < S6_CONFIG_FILE_MAX; i += 64)
		put_comment(text + i, 63, false);
	memset(text + S6_CONFIG_FILE_MAX - 64, ' ', 63);
	memcpy(text + S6_CONFIG_FILE_MAX - 64, "dns local", 9);
	write_file(path, text, S6_CONFIG_FILE_MAX, 0644);
	s6_config_defaults(&cfg);
	ck_assert_msg(s6_config_load(&cfg, path, err, sizeof err) == S6_OK, "%s", err);
	ck_assert_int_eq(cfg.dns, S6_DNS_LOCAL);

	text[S6_CONFIG_FILE_MAX] = '\n';
	write_file(path, text, S6_CONFIG_FILE_MAX + 1, 0644);
	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_load(&cfg, path, err, sizeof err), S6_ERR_CONFIG);
	snprintf(want, sizeof want, "%s: larger than %d bytes", path, S6_CONFIG_FILE_MAX);
	ck_assert_str_eq(err, want);
}
END_TEST

/* ---- which file ------------------------------------------------------------------ */

static void touch(const char *path)
{
	write_file(path, "", 0, 0600);
}

static void mkdirs(const char *rel)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	for (char *p = path + strlen(tmpdir) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

START_TEST(test_find)
{
	char buf[512], xdg[300], home[300], etc[300], want[600];
	const char *got;

	mkdirs("xdg/socks6ify");
	mkdirs("home/.config/socks6ify");
	mkdirs("etc");
	mkdirs("emptyxdg");
	snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
	snprintf(home, sizeof home, "%s/home", tmpdir);
	snprintf(etc, sizeof etc, "%s/etc/socks6ify.conf", tmpdir);
	touch(tmp_path("xdg/socks6ify/socks6ify.conf"));
	touch(tmp_path("home/.config/socks6ify/socks6ify.conf"));

	/* Explicit wins, existing or not. */
	got = s6_config_find("/nonexistent/my.conf", xdg, home, etc, buf, sizeof buf);
	ck_assert_ptr_eq(got, buf);
	ck_assert_str_eq(got, "/nonexistent/my.conf");
	/* Then XDG_CONFIG_HOME. */
	got = s6_config_find("", xdg, home, etc, buf, sizeof buf);
	snprintf(want, sizeof want, "%s/socks6ify/socks6ify.conf", xdg);
	ck_assert_str_eq(got, want);
	/* Without XDG_CONFIG_HOME (or with a relative one): ~/.config. */
	snprintf(want, sizeof want, "%s/.config/socks6ify/socks6ify.conf", home);
	ck_assert_str_eq(s6_config_find(NULL, NULL, home, etc, buf, sizeof buf), want);
	ck_assert_str_eq(s6_config_find(NULL, "rel/xdg", home, etc, buf, sizeof buf), want);
	/* XDG set but without the file: ~/.config is not consulted, /etc is. */
	snprintf(xdg, sizeof xdg, "%s/emptyxdg", tmpdir);
	ck_assert_ptr_null(s6_config_find(NULL, xdg, home, etc, buf, sizeof buf));
	touch(etc);
	ck_assert_str_eq(s6_config_find(NULL, xdg, home, etc, buf, sizeof buf), etc);
	ck_assert_str_eq(s6_config_find(NULL, NULL, NULL, etc, buf, sizeof buf), etc);
	/* Nothing at all: defaults only. */
	ck_assert_ptr_null(s6_config_find(NULL, NULL, NULL, tmp_path("none.conf"), buf, sizeof buf));
	/* Paths that do not fit are skipped; an explicit one comes back as is. */
	ck_assert_ptr_null(s6_config_find(NULL, NULL, home, etc, buf, 12));
	got = s6_config_find("/a/rather/long/explicit.conf", NULL, NULL, NULL, buf, 8);
	ck_assert_str_eq(got, "/a/rather/long/explicit.conf");
}
END_TEST

/* ---- suite -------------------------------------------------------------------- */

static Suite *config_load_suite(void)
{
	Suite *s = suite_create("config_load");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, test_stream_good);
	tcase_add_loop_test(tc, test_stream_long_line, 0, 9);
	tcase_add_test(tc, test_line_limit_exact);
	tcase_add_test(tc, test_crlf_split);
	tcase_add_loop_test(tc, test_permissions, 0, sizeof perm_cases / sizeof perm_cases[0]);
	tcase_add_test(tc, test_secret_of_earlier_file);
	tcase_add_test(tc, test_owner);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_file_size_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("find");
	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, test_find);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_load_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
