/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "s6_iov.h"

START_TEST(total)
{
	char a[3], b[5];
	struct iovec v[3] = { { a, 3 }, { NULL, 0 }, { b, 5 } };
	struct iovec big[2] = { { a, SIZE_MAX - 1 }, { b, 5 } };

	ck_assert_uint_eq(s6_iov_total(v, 3), 8);
	ck_assert_uint_eq(s6_iov_total(v, 0), 0);
	ck_assert_uint_eq(s6_iov_total(big, 2), SIZE_MAX);
}
END_TEST

START_TEST(scatter)
{
	char a[3], b[5];
	struct iovec v[3] = { { a, 3 }, { NULL, 0 }, { b, 5 } };
	const uint8_t *src = (const uint8_t *)"abcdefghij";

	memset(a, '.', sizeof a);
	memset(b, '.', sizeof b);
	ck_assert_uint_eq(s6_iov_scatter(v, 3, src, 4), 4);
	ck_assert_mem_eq(a, "abc", 3);
	ck_assert_mem_eq(b, "d....", 5);
	/* more than fits: truncated to the buffers */
	ck_assert_uint_eq(s6_iov_scatter(v, 3, src, 10), 8);
	ck_assert_mem_eq(b, "defgh", 5);
	ck_assert_uint_eq(s6_iov_scatter(v, 0, src, 10), 0);
	ck_assert_uint_eq(s6_iov_scatter(v, 3, src, 0), 0);
}
END_TEST

START_TEST(gather)
{
	char a[] = "abc", b[] = "defgh";
	struct iovec v[3] = { { a, 3 }, { NULL, 0 }, { b, 5 } };
	uint8_t out[10];

	memset(out, '.', sizeof out);
	ck_assert_uint_eq(s6_iov_gather(v, 3, out, 4), 4);
	ck_assert_mem_eq(out, "abcd.", 5);
	/* more room than bytes: all of them, nothing past */
	memset(out, '.', sizeof out);
	ck_assert_uint_eq(s6_iov_gather(v, 3, out, sizeof out), 8);
	ck_assert_mem_eq(out, "abcdefgh..", 10);
	ck_assert_uint_eq(s6_iov_gather(v, 0, out, sizeof out), 0);
	ck_assert_uint_eq(s6_iov_gather(v, 3, out, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iov");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, total);
	tcase_add_test(tc, scatter);
	tcase_add_test(tc, gather);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
