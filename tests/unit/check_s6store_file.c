/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session table's file: location, modes, refusal, rebuild, forget. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_s6store.h"
#include "s6_s6store_file.h"

static char base[64], dir[128], file[160];

static void setup(void)
{
	snprintf(base, sizeof base, "/tmp/check_s6store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(dir, sizeof dir, "%s/socks6ify", base);
	snprintf(file, sizeof file, "%s/sessions", dir);
}

static void teardown(void)
{
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

static s6_s6store *open_ok(bool want_rebuilt)
{
	char why[256] = "";
	bool rebuilt = !want_rebuilt;
	s6_s6store *st = s6_s6store_open(dir, close, &rebuilt, why, sizeof why);

	ck_assert_msg(st != NULL, "open failed: %s", why);
	ck_assert(rebuilt == want_rebuilt);
	ck_assert(s6_s6store_header_ok(st, sizeof *st));
	return st;
}

static void open_refused(const char *why_part)
{
	char why[256] = "";
	bool rebuilt;

	ck_assert_ptr_null(s6_s6store_open(dir, close, &rebuilt, why, sizeof why));
	ck_assert_msg(strstr(why, why_part) != NULL, "why: %s", why);
}

static s6_s6store_slot *lock_key(s6_s6store *st)
{
	char key[S6_S6STORE_KEY_MAX];
	size_t len = s6_s6store_make_key(key, "socks6", "u", NULL, "h", 1);
	uint32_t hint = 0;

	return s6_s6store_lock(st, key, len, 1, 1000, &hint);
}

START_TEST(test_dir_choice)
{
	char buf[128];

	ck_assert(s6_s6store_dir(buf, sizeof buf, base, geteuid()));
	ck_assert_str_eq(buf, dir);
	/* Another user's runtime directory, a missing one, a relative path. */
	ck_assert(s6_s6store_dir(buf, sizeof buf, base, geteuid() + 1));
	ck_assert_uint_eq(strncmp(buf, "/tmp/socks6ify-", 15), 0);
	ck_assert(s6_s6store_dir(buf, sizeof buf, "/nonexistent/run", geteuid()));
	ck_assert_uint_eq(strncmp(buf, "/tmp/socks6ify-", 15), 0);
	ck_assert(s6_s6store_dir(buf, sizeof buf, "relative", 1000));
	ck_assert_str_eq(buf, "/tmp/socks6ify-1000");
	ck_assert(s6_s6store_dir(buf, sizeof buf, NULL, 7));
	ck_assert_str_eq(buf, "/tmp/socks6ify-7");
	ck_assert(!s6_s6store_dir(buf, 8, NULL, 7));
}
END_TEST

START_TEST(test_create_modes_and_share)
{
	struct stat sb;
	s6_s6store *a = open_ok(false), *b;
	s6_s6store_slot *sl;

	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	ck_assert_int_eq(stat(file, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(sb.st_size, (off_t)sizeof(s6_s6store));
	sl = lock_key(a);
	ck_assert_ptr_nonnull(sl);
	sl->sess.generation = 4242;
	s6_s6store_unlock(sl, 1);
	/* A second opener maps the same table. */
	b = open_ok(false);
	sl = lock_key(b);
	ck_assert_uint_eq(sl->sess.generation, 4242);
	s6_s6store_unlock(sl, 1);
	munmap(a, sizeof *a);
	munmap(b, sizeof *b);
}
END_TEST

static void scribble(size_t len)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < len; i++)
		fputc((int)((i * 7919u + 13u) & 0xff), f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_rebuild)
{
	s6_s6store *st = open_ok(false);

	munmap(st, sizeof *st);
	scribble(sizeof(s6_s6store));       /* right size, wrong bytes */
	st = open_ok(true);
	ck_assert_ptr_nonnull(lock_key(st));
	munmap(st, sizeof *st);
	scribble(100);                      /* wrong size */
	st = open_ok(true);
	munmap(st, sizeof *st);
	st = open_ok(false);                /* and now it is fine */
	munmap(st, sizeof *st);
}
END_TEST

START_TEST(test_refusals)
{
	char target[200];
	s6_s6store *st = open_ok(false);

	munmap(st, sizeof *st);
	ck_assert_int_eq(chmod(file, 0644), 0);
	open_refused("mode 0600");
	ck_assert_int_eq(chmod(file, 0600), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	open_refused("mode 0700");
	ck_assert_int_eq(chmod(dir, 0700), 0);
	/* A symbolic link in place of the file or of the directory. */
	snprintf(target, sizeof target, "%s/elsewhere", base);
	ck_assert_int_eq(rename(file, target), 0);
	ck_assert_int_eq(symlink(target, file), 0);
	open_refused("cannot open");
	ck_assert_int_eq(unlink(file), 0);
	snprintf(target, sizeof target, "%s/realdir", base);
	ck_assert_int_eq(rename(dir, target), 0);
	ck_assert_int_eq(symlink(target, dir), 0);
	open_refused("cannot open");
}
END_TEST

START_TEST(test_forget)
{
	char why[256] = "";
	s6_s6store *st;
	s6_s6store_slot *sl;

	ck_assert_int_eq(s6_s6store_forget(dir, close, why, sizeof why), S6_OK); /* none yet */
	st = open_ok(false);
	sl = lock_key(st);
	sl->sess.valid = true;
	sl->sess.id_len = 4;
	s6_s6store_unlock(sl, 1);
	ck_assert_int_eq(s6_s6store_forget(dir, close, why, sizeof why), S6_OK);
	ck_assert(!sl->sess.valid);               /* cleared in place: seen by running processes */
	ck_assert_uint_eq(sl->key_len, 0);
	munmap(st, sizeof *st);
	scribble(10);
	ck_assert_int_eq(s6_s6store_forget(dir, close, why, sizeof why), S6_OK);
	ck_assert_int_ne(access(file, F_OK), 0);  /* a broken one is removed */
	ck_assert_int_eq(chmod(dir, 0750), 0);
	ck_assert_int_eq(s6_s6store_forget(dir, close, why, sizeof why), S6_ERR_IO);
}
END_TEST

void s6store_file_tests(Suite *s)
{
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dir_choice);
	tcase_add_test(tc, test_create_modes_and_share);
	tcase_add_test(tc, test_rebuild);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_forget);
	suite_add_tcase(s, tc);
}
