/* SPDX-License-Identifier: GPL-2.0-or-later */
/* block-alias globs: whole-label `*` (one or more labels), in-label `*` and
 * `?`, case, trailing dots, escaped dots, malformed patterns and names. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_alias.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct m {
	const char *pat, *name;
	bool want;
};

START_TEST(test_matches)
{
	static const struct m t[] = {
		{ "tracker.example", "tracker.example", true },
		{ "tracker.example", "TRACKER.Example.", true },
		{ "tracker.example.", "tracker.example", true },
		{ "tracker.example", "xtracker.example", false },
		{ "tracker.example", "a.tracker.example", false },
		{ "*.tracker.example", "a.tracker.example", true },
		{ "*.tracker.example", "a.b.c.tracker.example", true },
		{ "*.tracker.example", "tracker.example", false },
		{ "*.tracker.example", "tracker.example.com", false },
		{ "*", "anything.at.all", true },
		{ "*", "x", true },
		{ "a.*", "a", false },
		{ "a.*", "a.b.c", true },
		{ "a.*.c", "a.b.c", true },
		{ "a.*.c", "a.b.x.c", true },
		{ "a.*.c", "a.c", false },
		{ "*.*", "a", false },
		{ "*.*", "a.b", true },
		{ "*.b.*.d", "x.b.y.b.z.d", true },
		{ "trk*.example", "trk.example", true },
		{ "trk*.example", "trk42.example", true },
		{ "trk*.example", "trk.x.example", false },
		{ "*trk*.example", "my-trk-1.example", true },
		{ "t?k.example", "tak.example", true },
		{ "t?k.example", "tk.example", false },
		{ "a*b*c.x", "aXbYbZc.x", true },
		{ "a*b*c.x", "aXbYbZ.x", false },
		{ "dot\\.label.example", "dot\\.label.example", true },
		{ "dot.label.example", "dot\\.label.example", false },
		{ "dot*.example", "dot\\.label.example", true },   /* '.' inside the label */
		{ "*.example", "dot\\.label.example", true },
		{ "\\*.example", "*.example", true },
		{ "\\*.example", "a.example", false },
		{ "back\\\\slash.x", "back\\\\slash.x", true },
	};

	for (size_t i = 0; i < N(t); i++)
		ck_assert_msg(s6_cip_alias_match(t[i].pat, t[i].name) == t[i].want,
			      "'%s' vs '%s'", t[i].pat, t[i].name);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *bad_pat[] = { "", ".", "a..b", ".a", "a b", "a\\", "caf\xc3\xa9" };
	static const char *bad_name[] = { "", "a..b", ".a", "a\\" };

	for (size_t i = 0; i < N(bad_pat); i++) {
		ck_assert_msg(s6_cip_alias_pattern_check(bad_pat[i]) == S6_ERR_MALFORMED, "'%s'",
			      bad_pat[i]);
		ck_assert(!s6_cip_alias_match(bad_pat[i], "a.b"));
	}
	for (size_t i = 0; i < N(bad_name); i++)
		ck_assert_msg(!s6_cip_alias_match("*", bad_name[i]), "'%s'", bad_name[i]);
	ck_assert_int_eq(s6_cip_alias_pattern_check(NULL), S6_ERR_INVALID_ARG);
	ck_assert(!s6_cip_alias_match(NULL, "a"));
	ck_assert(!s6_cip_alias_match("a", NULL));
	ck_assert_int_eq(s6_cip_alias_pattern_check("*.Tracker.example."), S6_OK);
}
END_TEST

START_TEST(test_label_limit_and_worst_case)
{
	/* 128 labels pass, 129 do not; a pattern of many stars against a long
	 * name finishes (the matcher is iterative). */
	char name[2 * 130 + 1], pat[2 * 64 + 2];
	size_t n = 0;

	for (int i = 0; i < 128; i++)
		name[n++] = 'a', name[n++] = '.';
	name[n - 1] = '\0';
	ck_assert(s6_cip_alias_match("*", name));
	name[n - 1] = '.';
	name[n++] = 'a';
	name[n] = '\0';
	ck_assert(!s6_cip_alias_match("*", name));
	n = 0;
	for (int i = 0; i < 63; i++)
		pat[n++] = '*', pat[n++] = '.';
	pat[n++] = 'b';
	pat[n] = '\0';
	name[2 * 127 + 1] = '\0';   /* 128 labels of 'a' */
	ck_assert(!s6_cip_alias_match(pat, name));
}
END_TEST

static Suite *alias_suite(void)
{
	Suite *s = suite_create("cip_alias");
	TCase *tc = tcase_create("alias");

	tcase_add_test(tc, test_matches);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_label_limit_and_worst_case);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(alias_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
