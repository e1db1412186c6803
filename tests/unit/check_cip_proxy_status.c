/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy-Status with next-hop and next-hop-aliases: the NOTES.md vectors,
 * the RFC 9532 examples, invalid fields that must be ignored whole, the
 * alias encoder, and label access. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_proxy_status.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static s6_ps ps;   /* large: kept off the test's stack */

static s6_err parse(const char *s)
{
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	const char *why = NULL;
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	e = s6_ps_parse(copy, len, &ps, &why);
	free(copy);
	if (e != S6_OK) {
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(ps.nmembers, 0);
	}
	return e;
}

static const char notes_valid[] =
	"proxy.example.net; next-hop=\"2001:db8::1\"; next-hop-aliases="
	"\"dot%5C.label.example.com,backslash%5C%5Cname.example.com,comma%2Cname.example.com\"";

START_TEST(test_notes_valid_vector)
{
	char label[64];

	ck_assert_int_eq(parse(notes_valid), S6_OK);
	ck_assert_uint_eq(ps.nmembers, 1);
	ck_assert_str_eq(ps.m[0].proxy, "proxy.example.net");
	ck_assert(ps.m[0].has_next_hop);
	ck_assert_str_eq(ps.m[0].next_hop, "2001:db8::1");
	ck_assert(ps.m[0].has_aliases);
	ck_assert_uint_eq(ps.m[0].naliases, 3);
	ck_assert_str_eq(ps.m[0].alias[0], "dot\\.label.example.com");
	ck_assert_str_eq(ps.m[0].alias[1], "backslash\\\\name.example.com");
	ck_assert_str_eq(ps.m[0].alias[2], "comma,name.example.com");
	ck_assert(s6_ps_name_label(ps.m[0].alias[0], 0, label, sizeof(label)));
	ck_assert_str_eq(label, "dot.label");
	ck_assert(s6_ps_name_label(ps.m[0].alias[0], 1, label, sizeof(label)));
	ck_assert_str_eq(label, "example");
	ck_assert(s6_ps_name_label(ps.m[0].alias[0], 2, label, sizeof(label)));
	ck_assert_str_eq(label, "com");
	ck_assert(!s6_ps_name_label(ps.m[0].alias[0], 3, label, sizeof(label)));
	ck_assert(s6_ps_name_label(ps.m[0].alias[1], 0, label, sizeof(label)));
	ck_assert_str_eq(label, "backslash\\name");
	ck_assert(s6_ps_name_label(ps.m[0].alias[2], 0, label, sizeof(label)));
	ck_assert_str_eq(label, "comma,name");
	ck_assert(!s6_ps_name_label(ps.m[0].alias[0], 0, label, 9));
}
END_TEST

START_TEST(test_notes_invalid_vector)
{
	ck_assert_int_eq(parse("proxy.example.net; next-hop-aliases=\"dot\\.label.example.com\""),
			 S6_ERR_MALFORMED);
}
END_TEST

START_TEST(test_rfc9532_examples)
{
	ck_assert_int_eq(parse("proxy.example.net; next-hop=\"2001:db8::1\";\t"
			       "next-hop-aliases=\"tracker.example.com,service1.example.com\""),
			 S6_ERR_MALFORMED);   /* tab after ';' is not allowed */
	ck_assert_int_eq(parse("proxy.example.net; next-hop=\"2001:db8::1\"; "
			       "next-hop-aliases=\"tracker.example.com,service1.example.com\""),
			 S6_OK);
	ck_assert_uint_eq(ps.m[0].naliases, 2);
	ck_assert_str_eq(ps.m[0].alias[0], "tracker.example.com");
	ck_assert_str_eq(ps.m[0].alias[1], "service1.example.com");
	/* Aliases without next-hop; "" means no CNAMEs. */
	ck_assert_int_eq(parse("reverseproxy.example.net; next-hop-aliases=\"\""), S6_OK);
	ck_assert(ps.m[0].has_aliases && !ps.m[0].has_next_hop);
	ck_assert_uint_eq(ps.m[0].naliases, 0);
	/* No aliases parameter at all. */
	ck_assert_int_eq(parse("\"proxy two\"; error=dns_error; next-hop=host.example"), S6_OK);
	ck_assert_str_eq(ps.m[0].proxy, "proxy two");
	ck_assert_str_eq(ps.m[0].error, "dns_error");
	ck_assert_str_eq(ps.m[0].next_hop, "host.example");
	ck_assert(!ps.m[0].has_aliases);
}
END_TEST

START_TEST(test_invalid_fields)
{
	static const char *bad[] = {
		"p; next-hop-aliases=\"a.example,\"",           /* empty name at the end */
		"p; next-hop-aliases=\"a.example,,b.example\"", /* empty name */
		"p; next-hop-aliases=\"a b.example\"",          /* raw space */
		"p; next-hop-aliases=\"a%2\"",                  /* short escape */
		"p; next-hop-aliases=\"a%zz.example\"",         /* bad hex */
		"p; next-hop-aliases=\"a%00.example\"",         /* encoded NUL */
		"p; next-hop-aliases=\"x%5Cy.example\"",        /* backslash escaping y */
		"p; next-hop-aliases=\"x%5C\"",                 /* dangling backslash */
		"p; next-hop-aliases=\".a.example\"",           /* empty label */
		"p; next-hop-aliases=\"a..example\"",           /* empty label */
		"p; next-hop-aliases=tok",                      /* not a string */
		"p; next-hop-aliases",                          /* no value: true, not a string */
		"p; error=\"dns\"",                             /* error not a token */
		"p; next-hop=1",                                /* next-hop an integer */
		"42; next-hop=\"h\"",                           /* member not a name */
		"p,",                                           /* trailing comma */
		"p; Next-hop=\"h\"",                            /* uppercase key */
		"p, q, r, s, t, 7",                             /* bad member past the kept */
	};

	for (size_t i = 0; i < N(bad); i++)
		ck_assert_msg(parse(bad[i]) != S6_OK, "'%s'", bad[i]);
}
END_TEST

START_TEST(test_many_members)
{
	ck_assert_int_eq(parse("a, b; next-hop=\"x\", c, d, e; next-hop-aliases=\"z.example\", f"),
			 S6_OK);
	ck_assert_uint_eq(ps.nmembers, 6);
	ck_assert_uint_eq(ps.ndecoded, S6_PS_MEMBERS_MAX);
	ck_assert_str_eq(ps.m[1].next_hop, "x");
	ck_assert_str_eq(ps.m[3].proxy, "d");
	ck_assert_int_eq(parse("a; next-hop-aliases=\"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\""),
			 S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(test_alias_encoder_matches_vector)
{
	static const char *names[] = { "dot\\.label.example.com", "backslash\\\\name.example.com",
				       "comma,name.example.com" };
	static const char *wire[] = { "dot%5C.label.example.com",
				      "backslash%5C%5Cname.example.com",
				      "comma%2Cname.example.com" };
	char out[128], dec[1][S6_PS_NAME_MAX];
	size_t n = 0, count = 0;

	for (size_t i = 0; i < N(names); i++) {
		ck_assert_int_eq(s6_ps_alias_encode(names[i], out, sizeof(out), &n), S6_OK);
		ck_assert_str_eq(out, wire[i]);
		ck_assert_uint_eq(n, strlen(wire[i]));
		ck_assert_int_eq(s6_ps_aliases_decode(out, n, dec, 1, &count, NULL), S6_OK);
		ck_assert_uint_eq(count, 1);
		ck_assert_str_eq(dec[0], names[i]);
	}
	ck_assert_int_eq(s6_ps_alias_encode("comma,x", out, 9, &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_ps_alias_encode("comma,x", out, 10, &n), S6_OK);
}
END_TEST

static Suite *ps_suite(void)
{
	Suite *s = suite_create("cip_proxy_status");
	TCase *tc = tcase_create("proxy_status");

	tcase_add_test(tc, test_notes_valid_vector);
	tcase_add_test(tc, test_notes_invalid_vector);
	tcase_add_test(tc, test_rfc9532_examples);
	tcase_add_test(tc, test_invalid_fields);
	tcase_add_test(tc, test_many_members);
	tcase_add_test(tc, test_alias_encoder_matches_vector);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ps_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
