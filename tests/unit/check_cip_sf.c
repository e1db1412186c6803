/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 8941 List parsing: every bare item type, parameters, the OWS rules of
 * section 4.2, and the failure cases that make a field invalid whole. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_sf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static s6_sf_member members[8];
static s6_sf_param params[16];

/* Parse from an exactly sized heap copy (no NUL after it). */
static s6_err parse(const char *s, s6_sf_list *l)
{
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	const char *why = NULL;
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	l->members = members;
	l->max_members = N(members);
	l->params = params;
	l->max_params = N(params);
	e = s6_sf_parse_list(copy, len, l, &why);
	if (e != S6_OK)
		ck_assert_ptr_nonnull(why);
	if (e == S6_OK) {
		/* Items point into the input: move them to the original. */
		for (size_t i = 0; i < l->nmembers; i++)
			if (members[i].item.text)
				members[i].item.text = s + (members[i].item.text - copy);
		for (size_t i = 0; i < l->nparams; i++) {
			params[i].key = s + (params[i].key - copy);
			if (params[i].value.text)
				params[i].value.text = s + (params[i].value.text - copy);
		}
	}
	free(copy);
	return e;
}

static bool text_is(const s6_sf_item *it, const char *want)
{
	return it->len == strlen(want) && memcmp(it->text, want, it->len) == 0;
}

START_TEST(test_item_types)
{
	s6_sf_list l;
	char buf[32];

	ck_assert_int_eq(parse("tok/en:x, \"a \\\"q\\\" \\\\ b\", -42, 3.14, ?0, ?1, :aGk=:, *star",
			       &l), S6_OK);
	ck_assert_uint_eq(l.nmembers, 8);
	ck_assert_int_eq(members[0].item.type, S6_SF_TOKEN);
	ck_assert(text_is(&members[0].item, "tok/en:x"));
	ck_assert_int_eq(members[1].item.type, S6_SF_STRING);
	ck_assert_uint_eq(s6_sf_string_copy(&members[1].item, buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "a \"q\" \\ b");
	ck_assert_uint_eq(s6_sf_string_copy(&members[1].item, buf, 9), SIZE_MAX);
	ck_assert_int_eq(members[2].item.type, S6_SF_INTEGER);
	ck_assert_int_eq(members[2].item.num, -42);
	ck_assert_int_eq(members[3].item.type, S6_SF_DECIMAL);
	ck_assert_int_eq(members[3].item.num, 3140);
	ck_assert_int_eq(members[4].item.type, S6_SF_BOOLEAN);
	ck_assert_int_eq(members[4].item.num, 0);
	ck_assert_int_eq(members[5].item.num, 1);
	ck_assert_int_eq(members[6].item.type, S6_SF_BYTES);
	ck_assert(text_is(&members[6].item, "aGk="));
	ck_assert(text_is(&members[7].item, "*star"));
}
END_TEST

START_TEST(test_numbers_at_limits)
{
	s6_sf_list l;

	ck_assert_int_eq(parse("999999999999999, -999999999999.999, 0.5", &l), S6_OK);
	ck_assert_int_eq(members[0].item.num, 999999999999999LL);
	ck_assert_int_eq(members[1].item.num, -999999999999999LL);
	ck_assert_int_eq(members[2].item.num, 500);
}
END_TEST

START_TEST(test_parameters)
{
	s6_sf_list l;
	const s6_sf_item *v;

	ck_assert_int_eq(parse("p; a=1;b; c=\"s\";  d=tok;a=2, q;x-y.z_*=?0", &l), S6_OK);
	ck_assert_uint_eq(l.nmembers, 2);
	ck_assert_uint_eq(members[0].param_count, 5);
	v = s6_sf_param_get(&l, &members[0], "a");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->num, 2);             /* the last one wins */
	v = s6_sf_param_get(&l, &members[0], "b");
	ck_assert_int_eq(v->type, S6_SF_BOOLEAN); /* no value: true */
	ck_assert_int_eq(v->num, 1);
	ck_assert(text_is(s6_sf_param_get(&l, &members[0], "c"), "s"));
	ck_assert(text_is(s6_sf_param_get(&l, &members[0], "d"), "tok"));
	ck_assert_ptr_null(s6_sf_param_get(&l, &members[0], "x-y.z_*"));
	ck_assert_ptr_nonnull(s6_sf_param_get(&l, &members[1], "x-y.z_*"));
}
END_TEST

START_TEST(test_whitespace_rules)
{
	static const char *ok[] = {
		"", "   ", "a", "  a  ", "a,b", "a , b", "a\t,\tb", "a ,\t b", "a;k=1",
		"a; k=1", "a;  k=1 , b",
	};
	static const size_t count[] = { 0, 0, 1, 1, 2, 2, 2, 2, 1, 1, 2 };
	s6_sf_list l;

	for (size_t i = 0; i < N(ok); i++) {
		ck_assert_msg(parse(ok[i], &l) == S6_OK, "'%s'", ok[i]);
		ck_assert_uint_eq(l.nmembers, count[i]);
	}
}
END_TEST

START_TEST(test_failures)
{
	static const char *bad[] = {
		"a,",                  /* trailing comma */
		"a, ",                 /* trailing comma then OWS */
		",a",                  /* empty first member */
		"a,,b",                /* empty member */
		"\"dot\\.x\"",         /* escape other than \" and \\ */
		"\"abc",               /* unterminated string */
		"\"a\\",               /* string ending in a backslash */
		"\"a\tb\"",            /* control in a string */
		"a;Key=1",             /* uppercase key */
		"a;kEy=1",             /* uppercase later in the key */
		"a;\tk=1",             /* tab after ';' */
		"\ta",                 /* leading tab */
		"a ;k=1",              /* space before ';' */
		"a;k =1",              /* space before '=' */
		"a b",                 /* two items without a comma */
		"caf\xc3\xa9",         /* non-ASCII */
		"\"caf\xc3\xa9\"",     /* non-ASCII in a string */
		"1234567890123456",    /* 16-digit integer */
		"1234567890123.5",     /* 13 integer digits in a decimal */
		"1.2345",              /* 4 fraction digits */
		"1.",                  /* decimal ending in '.' */
		"-",                   /* sign without digits */
		"?2",                  /* bad boolean */
		"?",
		":aGk=",               /* unterminated byte sequence */
		":a!k=:",              /* non-base64 */
		"(a b)",               /* inner list: refused */
		"a;=1",                /* empty key */
		"a;1k=1",              /* key starting with a digit */
		"@123",                /* RFC 9651 date: not RFC 8941 */
		"a;k=",                /* '=' without a value */
	};
	s6_sf_list l;

	for (size_t i = 0; i < N(bad); i++)
		ck_assert_msg(parse(bad[i], &l) == S6_ERR_MALFORMED, "'%s'", bad[i]);
}
END_TEST

START_TEST(test_capacity)
{
	s6_sf_list l;

	ck_assert_int_eq(parse("a,b,c,d,e,f,g,h", &l), S6_OK);
	ck_assert_int_eq(parse("a,b,c,d,e,f,g,h,i", &l), S6_ERR_TOO_LONG);
	ck_assert_int_eq(parse("a;a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p", &l), S6_OK);
	ck_assert_int_eq(parse("a;a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q", &l), S6_ERR_TOO_LONG);
}
END_TEST

static Suite *sf_suite(void)
{
	Suite *s = suite_create("cip_sf");
	TCase *tc = tcase_create("sf");

	tcase_add_test(tc, test_item_types);
	tcase_add_test(tc, test_numbers_at_limits);
	tcase_add_test(tc, test_parameters);
	tcase_add_test(tc, test_whitespace_rules);
	tcase_add_test(tc, test_failures);
	tcase_add_test(tc, test_capacity);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sf_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
