/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's SOCKS6 users table: NAME:PASS parsing, the users file
 * (comments, blank lines, CRLF, errors with line numbers, the permission
 * check) and the credential check with byte-string lengths. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srv_s6_auth.h"

static s6_userpass creds(const char *u, const char *p)
{
	s6_userpass up;

	memset(&up, 0, sizeof up);
	up.ulen = strlen(u);
	up.plen = strlen(p);
	memcpy(up.user, u, up.ulen);
	memcpy(up.pass, p, up.plen);
	return up;
}

static bool ok(const srv_s6_users *u, const char *name, const char *pass)
{
	s6_userpass up = creds(name, pass);

	return srv_s6_users_check(u, &up) != NULL;
}

START_TEST(add_and_check)
{
	srv_s6_users u = {0};
	char why[128];

	ck_assert(srv_s6_users_add(&u, "alice:secret", 12, why, sizeof why));
	ck_assert(srv_s6_users_add(&u, "bob:a:b c", 9, why, sizeof why));
	ck_assert(ok(&u, "alice", "secret"));
	ck_assert(!ok(&u, "alice", "secre"));
	ck_assert(!ok(&u, "alice", "secret!"));
	ck_assert(!ok(&u, "alic", "secret"));
	ck_assert(!ok(&u, "carol", "secret"));
	ck_assert(ok(&u, "bob", "a:b c"));            /* split at the first ':' */
	/* A later entry replaces the password. */
	ck_assert(srv_s6_users_add(&u, "alice:new", 9, why, sizeof why));
	ck_assert_uint_eq(u.n, 2);
	ck_assert(!ok(&u, "alice", "secret"));
	ck_assert(ok(&u, "alice", "new"));
	srv_s6_users_free(&u);
	ck_assert_uint_eq(u.n, 0);
}
END_TEST

START_TEST(add_rejects)
{
	srv_s6_users u = {0};
	char why[128], longname[300];

	ck_assert(!srv_s6_users_add(&u, "nocolon", 7, why, sizeof why));
	ck_assert(!srv_s6_users_add(&u, ":pass", 5, why, sizeof why));
	ck_assert(!srv_s6_users_add(&u, "name:", 5, why, sizeof why));
	memset(longname, 'n', 256);
	longname[256] = ':';
	longname[257] = 'p';
	ck_assert(!srv_s6_users_add(&u, longname, 258, why, sizeof why));
	ck_assert(strstr(why, "255") != NULL);
	ck_assert_uint_eq(u.n, 0);
	srv_s6_users_free(&u);
}
END_TEST

static char path[64];

static void write_file(const char *text, mode_t mode)
{
	int fd;

	snprintf(path, sizeof path, "/tmp/check_srv_s6_auth.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(file_lines)
{
	srv_s6_users u = {0};
	char why[256];

	write_file("# users\n\nalice:secret\n   # indented comment\r\n"
		   "bob:pw with space\r\ncarol:last", 0600);
	ck_assert_msg(srv_s6_users_load(&u, path, why, sizeof why), "%s", why);
	unlink(path);
	ck_assert_uint_eq(u.n, 3);
	ck_assert(ok(&u, "alice", "secret"));
	ck_assert(ok(&u, "bob", "pw with space"));   /* CR dropped, spaces kept */
	ck_assert(ok(&u, "carol", "last"));          /* no final newline */
	srv_s6_users_free(&u);
}
END_TEST

START_TEST(file_errors)
{
	srv_s6_users u = {0};
	char why[256];

	write_file("alice:secret\nbroken line\n", 0600);
	ck_assert(!srv_s6_users_load(&u, path, why, sizeof why));
	unlink(path);
	ck_assert_msg(strstr(why, ":2: ") != NULL, "%s", why);

	write_file("alice:secret\n", 0640);
	ck_assert(!srv_s6_users_load(&u, path, why, sizeof why));
	unlink(path);
	ck_assert_msg(strstr(why, "group or others") != NULL, "%s", why);

	ck_assert(!srv_s6_users_load(&u, "/nonexistent/users", why, sizeof why));
	ck_assert(strstr(why, "/nonexistent/users") != NULL);
	srv_s6_users_free(&u);
}
END_TEST

START_TEST(binary_credentials)
{
	srv_s6_users u = {0};
	char why[128];
	s6_userpass up = creds("dave", "p");

	ck_assert(srv_s6_users_add(&u, "dave:p\0q", 8, why, sizeof why));
	ck_assert_ptr_null(srv_s6_users_check(&u, &up));  /* length counts */
	up.plen = 3;
	memcpy(up.pass, "p\0q", 3);
	ck_assert_ptr_nonnull(srv_s6_users_check(&u, &up));
	srv_s6_users_free(&u);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("srv_s6_auth");
	TCase *tc = tcase_create("users");

	tcase_add_test(tc, add_and_check);
	tcase_add_test(tc, add_rejects);
	tcase_add_test(tc, file_lines);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, binary_credentials);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
