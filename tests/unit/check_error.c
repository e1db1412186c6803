/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error strings and the errno each error becomes. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "s6_error.h"

START_TEST(strings_distinct)
{
	int a, b;

	for (a = 0; a < S6_ERR__COUNT; a++) {
		const char *sa = s6_strerror((s6_err)a);

		ck_assert_ptr_nonnull(sa);
		ck_assert_msg(strlen(sa) > 0, "error %d has an empty string", a);
		ck_assert_msg(strcmp(sa, "unknown error") != 0, "error %d has no string", a);
		for (b = 0; b < a; b++)
			ck_assert_msg(strcmp(sa, s6_strerror((s6_err)b)) != 0,
				      "errors %d and %d share \"%s\"", a, b, sa);
	}
}
END_TEST

START_TEST(out_of_range)
{
	static const int bad[] = { S6_ERR__COUNT, S6_ERR__COUNT + 1, 1000, -1, -1000 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *s = s6_strerror((s6_err)bad[i]);

		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		ck_assert_int_ne(s6_err_errno((s6_err)bad[i]), 0);
	}
}
END_TEST

START_TEST(errno_mapping)
{
	static const struct { s6_err err; int want; } map[] = {
		{ S6_ERR_REFUSED, ECONNREFUSED },
		{ S6_ERR_NOT_ALLOWED, EACCES },
		{ S6_ERR_PROXY_TIMEOUT, ETIMEDOUT },
		{ S6_ERR_NET_UNREACHABLE, ENETUNREACH },
		{ S6_ERR_HOST_UNREACHABLE, EHOSTUNREACH },
		{ S6_ERR_PROXY_CLOSED, ECONNRESET },
		{ S6_ERR_PROXY_PROTOCOL, EPROTO },
		{ S6_ERR_BLOCKED, EACCES },
		{ S6_ERR_STALE_PLACEHOLDER, EHOSTUNREACH },
		{ S6_ERR_TARGET_UNSUPPORTED, EAFNOSUPPORT },
		{ S6_ERR_PROXY_FAILURE, ECONNREFUSED },
		{ S6_ERR_CMD_UNSUPPORTED, EOPNOTSUPP },
		{ S6_ERR_TARGET_TIMEOUT, ETIMEDOUT },
	};
	size_t i;
	int e;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		ck_assert_msg(s6_err_errno(map[i].err) == map[i].want,
			      "%s: errno %d, want %d", s6_strerror(map[i].err),
			      s6_err_errno(map[i].err), map[i].want);
	ck_assert_int_eq(s6_err_errno(S6_OK), 0);
	/* Every failure becomes some errno: a program never sees 0 for one. */
	for (e = 1; e < S6_ERR__COUNT; e++)
		ck_assert_msg(s6_err_errno((s6_err)e) > 0, "%s maps to errno 0",
			      s6_strerror((s6_err)e));
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, strings_distinct);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, errno_mapping);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(error_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
