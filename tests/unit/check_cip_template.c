/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 6570 level-3 expansion of CONNECT-IP templates: the default template
 * with host, IPv4, IPv6, prefix and wildcard targets, the draft-00 variable
 * name, every operator, and malformed templates. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_template.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct tc {
	const char *tmpl, *target, *ipproto, *want;
};

static void expect(const struct tc *t)
{
	s6_cip_tvars v = { t->target, t->ipproto };
	char out[256];
	size_t n = 0;
	s6_err e = s6_cip_template_expand(t->tmpl, &v, out, sizeof(out), &n);

	ck_assert_msg(e == S6_OK, "%s: %s", t->tmpl, s6_strerror(e));
	ck_assert_str_eq(out, t->want);
	ck_assert_uint_eq(n, strlen(t->want));
}

START_TEST(test_default_template)
{
	static const struct tc t[] = {
		{ S6_CIP_TEMPLATE_DEFAULT, "192.0.2.1", "17",
		  "/.well-known/masque/ip/192.0.2.1/17/" },
		{ S6_CIP_TEMPLATE_DEFAULT, "2001:db8::1", "6",
		  "/.well-known/masque/ip/2001%3Adb8%3A%3A1/6/" },
		{ S6_CIP_TEMPLATE_DEFAULT, "192.0.2.0/24", "*",
		  "/.well-known/masque/ip/192.0.2.0%2F24/*/" },
		{ S6_CIP_TEMPLATE_DEFAULT, "*", "*", "/.well-known/masque/ip/*/*/" },
		{ S6_CIP_TEMPLATE_DEFAULT, "target.example.com", "1",
		  "/.well-known/masque/ip/target.example.com/1/" },
		/* "*" only as the whole value; inside it is encoded. */
		{ S6_CIP_TEMPLATE_DEFAULT, "a*b", "1", "/.well-known/masque/ip/a%2Ab/1/" },
		/* Undefined variables vanish. */
		{ S6_CIP_TEMPLATE_DEFAULT, NULL, NULL, "/.well-known/masque/ip///" },
	};

	for (size_t i = 0; i < N(t); i++)
		expect(&t[i]);
}
END_TEST

START_TEST(test_operators_and_draft00)
{
	static const struct tc t[] = {
		{ "https://masque.example.org/{target}/{ip_proto}/", "h", "6",
		  "https://masque.example.org/h/6/" },
		{ "/masque?t={target}&p={ip_proto}", "2001:db8::1", "17",
		  "/masque?t=2001%3Adb8%3A%3A1&p=17" },
		{ "/masque{?target,ip_proto}", "h", "6", "/masque?target=h&ip_proto=6" },
		{ "/masque{?target,ipproto}", "h", NULL, "/masque?target=h" },
		{ "/m{?nothing}", "h", "6", "/m" },
		{ "/m?x=1{&target}", "h", "6", "/m?x=1&target=h" },
		{ "/m{+target}", "2001:db8::1", NULL, "/m2001:db8::1" },
		{ "/m{#target}", "a/b", NULL, "/m#a/b" },
		{ "/m{.target}", "a", NULL, "/m.a" },
		{ "/m{/target,ipproto}", "a b", "6", "/m/a%20b/6" },
		{ "/m{;target,ipproto}", "", "6", "/m;target;ipproto=6" },
		{ "/m{?target}", "", NULL, "/m?target=" },
		{ "/m{target,ipproto}", "x", "1", "/mx,1" },
		{ "/%7Euser/{target}", "x", NULL, "/%7Euser/x" },
		{ "/caf\xc3\xa9/{target}", "x", NULL, "/caf%C3%A9/x" },
	};

	for (size_t i = 0; i < N(t); i++)
		expect(&t[i]);
}
END_TEST

START_TEST(test_malformed_templates)
{
	static const char *bad[] = {
		"/{target", "/{}", "/{target:3}", "/{target*}", "/{=target}", "/{!target}",
		"/a b/{target}", "/<{target}>", "/%zz/{target}", "/%4", "/}", "/{a{b}}",
		"/{target,}", "/{,target}", "/{ta..rget}", "/{.}", "/a\"b", "/a\\b", "/a|b",
		"/{-target}",
	};
	s6_cip_tvars v = { "x", "6" };
	char out[64];
	size_t n = 0;

	for (size_t i = 0; i < N(bad); i++)
		ck_assert_msg(s6_cip_template_expand(bad[i], &v, out, sizeof(out), &n) ==
			      S6_ERR_MALFORMED, "%s", bad[i]);
}
END_TEST

START_TEST(test_limits)
{
	s6_cip_tvars v = { "2001:db8::1", "6" };
	char out[64], expr[S6_CIP_TEMPLATE_EXPR_MAX + 8];
	size_t n = 0;

	/* "/.well-known/masque/ip/2001%3Adb8%3A%3A1/6/" is 43 bytes + NUL. */
	ck_assert_int_eq(s6_cip_template_expand(S6_CIP_TEMPLATE_DEFAULT, &v, out, 44, &n), S6_OK);
	ck_assert_int_eq(s6_cip_template_expand(S6_CIP_TEMPLATE_DEFAULT, &v, out, 43, &n),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_cip_template_expand(S6_CIP_TEMPLATE_DEFAULT, &v, out, 0, &n),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_cip_template_expand(NULL, &v, out, sizeof(out), &n),
			 S6_ERR_INVALID_ARG);
	/* An over-long expression is refused without scanning past it. */
	expr[0] = '{';
	memset(expr + 1, 'a', S6_CIP_TEMPLATE_EXPR_MAX + 1);
	strcpy(expr + S6_CIP_TEMPLATE_EXPR_MAX + 2, "}");
	ck_assert_int_eq(s6_cip_template_expand(expr, &v, out, sizeof(out), &n),
			 S6_ERR_MALFORMED);
}
END_TEST

static Suite *template_suite(void)
{
	Suite *s = suite_create("cip_template");
	TCase *tc = tcase_create("template");

	tcase_add_test(tc, test_default_template);
	tcase_add_test(tc, test_operators_and_draft00);
	tcase_add_test(tc, test_malformed_templates);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(template_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
