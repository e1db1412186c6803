/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proxy's side of CONNECT-IP over HTTP/1.1: the request head parser,
 * the scope in the path (template and query forms, * and %2A, IPv6 %3A),
 * and Basic credentials. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_http_req.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DEF "/.well-known/masque/ip/"

static s6_err parse(const char *s, s6_cip_req *r, size_t *used)
{
	size_t need = 0;
	const char *why = NULL;

	return s6_cip_req_parse((const uint8_t *)s, strlen(s), r, used, &need, &why);
}

START_TEST(test_req_rfc9484)
{
	const char *h = "GET /.well-known/masque/ip/*/*/ HTTP/1.1\r\n"
			"Host: proxy.example:443\r\n"
			"Connection: keep-alive, Upgrade\r\n"
			"Upgrade: connect-ip\r\n"
			"Capsule-Protocol: ?1\r\n"
			"Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
			"\r\nXYZ";
	s6_cip_req r;
	size_t used = 0;

	ck_assert_int_eq(parse(h, &r, &used), S6_OK);
	ck_assert_uint_eq(used, strlen(h) - 3);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/.well-known/masque/ip/*/*/");
	ck_assert_str_eq(r.host, "proxy.example:443");
	ck_assert(r.http11 && r.upgrade_connect_ip && r.connection_upgrade);
	ck_assert(r.capsule_protocol && r.has_auth && !r.has_body_framing);
	ck_assert_str_eq(r.auth, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	ck_assert_uint_eq(r.nfields, 5);
}
END_TEST

START_TEST(test_req_draft00_and_flags)
{
	s6_cip_req r;
	size_t used;

	ck_assert_int_eq(parse("GET /m?target=a&ip_proto=17 HTTP/1.1\r\nHost: h\r\n"
			       "Connection: Upgrade\r\nUpgrade: websocket, connect-ip\r\n\r\n",
			       &r, &used), S6_OK);
	ck_assert(r.upgrade_connect_ip && !r.capsule_protocol && !r.has_auth);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nUpgrade: connect-ip/2\r\n"
			       "Capsule-Protocol: ?0\r\nContent-Length: 0\r\n\r\n",
			       &r, &used), S6_OK);
	ck_assert(!r.upgrade_connect_ip && !r.capsule_protocol && r.has_body_framing);
}
END_TEST

START_TEST(test_req_incremental)
{
	const char *h = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: connect-ip\r\n\r\n";
	size_t len = strlen(h), used, need;
	const char *why;
	s6_cip_req r;

	for (size_t i = 0; i < len; i++) {
		need = 0;
		ck_assert_int_eq(s6_cip_req_parse((const uint8_t *)h, i, &r, &used, &need,
						  &why), S6_ERR_NEED_MORE);
		ck_assert_uint_ge(need, 1);
	}
	ck_assert_int_eq(s6_cip_req_parse((const uint8_t *)h, len, &r, &used, &need, &why),
			 S6_OK);
	ck_assert_uint_eq(used, len);
}
END_TEST

START_TEST(test_req_malformed)
{
	static const char *bad[] = {
		"\r\n\r\n",
		"GET\r\n\r\n",
		"GET /x\r\n\r\n",
		"GET /x HTTP/2\r\n\r\n",
		"GET /x HTTP/1.1\n\r\n",
		"GET /x HTTP/1.1\r\nHost h\r\n\r\n",
		"GET /x HTTP/1.1\r\nHo st: h\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\rb\r\n\r\n",
		"G(T /x HTTP/1.1\r\n\r\n",
		"GET /x y HTTP/1.1\r\n\r\n",
	};
	s6_cip_req r;
	size_t used;

	for (size_t i = 0; i < N(bad); i++)
		ck_assert_msg(parse(bad[i], &r, &used) == S6_ERR_MALFORMED, "case %zu", i);
}
END_TEST

START_TEST(test_req_too_long)
{
	char *h = malloc(S6_CIP_REQ_HEAD_MAX + 64);
	s6_cip_req r;
	size_t used, need;
	const char *why;
	size_t n;

	n = (size_t)sprintf(h, "GET /x HTTP/1.1\r\n");
	while (n < S6_CIP_REQ_HEAD_MAX + 10)
		h[n++] = 'a';
	ck_assert_int_eq(s6_cip_req_parse((const uint8_t *)h, n, &r, &used, &need, &why),
			 S6_ERR_TOO_LONG);
	n = (size_t)sprintf(h, "GET /x HTTP/1.1\r\n");
	for (int i = 0; i <= S6_CIP_REQ_FIELDS_MAX; i++)
		n += (size_t)sprintf(h + n, "A: b\r\n");
	n += (size_t)sprintf(h + n, "\r\n");
	ck_assert_int_eq(s6_cip_req_parse((const uint8_t *)h, n, &r, &used, &need, &why),
			 S6_ERR_TOO_LONG);
	free(h);
}
END_TEST

START_TEST(test_scope_template)
{
	s6_cip_scope s;
	const char *why;

	ck_assert_int_eq(s6_cip_req_scope(DEF "*/*/", DEF, &s, &why), S6_OK);
	ck_assert(s.any_target && s.any_proto);
	ck_assert_int_eq(s6_cip_req_scope(DEF "%2A/%2a/", DEF, &s, &why), S6_OK);
	ck_assert(s.any_target && s.any_proto);
	ck_assert_int_eq(s6_cip_req_scope(DEF "2001%3Adb8%3A%3A1/17/", DEF, &s, &why), S6_OK);
	ck_assert_str_eq(s.target, "2001:db8::1");
	ck_assert(!s.any_target && !s.any_proto);
	ck_assert_uint_eq(s.ipproto, 17);
	ck_assert_int_eq(s6_cip_req_scope(DEF "192.0.2.0%2F24/0/", DEF, &s, &why), S6_OK);
	ck_assert_str_eq(s.target, "192.0.2.0/24");
	ck_assert(s.any_proto);
	ck_assert_int_eq(s6_cip_req_scope(DEF "host.example/1", DEF, &s, &why), S6_OK);
	ck_assert_str_eq(s.target, "host.example");
	ck_assert_uint_eq(s.ipproto, 1);
}
END_TEST

START_TEST(test_scope_query)
{
	s6_cip_scope s;
	const char *why;

	ck_assert_int_eq(s6_cip_req_scope("/m?target=a.example&ip_proto=6", DEF, &s, &why),
			 S6_OK);
	ck_assert_str_eq(s.target, "a.example");
	ck_assert_uint_eq(s.ipproto, 6);
	ck_assert_int_eq(s6_cip_req_scope("/vpn?user=bob", DEF, &s, &why), S6_OK);
	ck_assert(s.any_target && s.any_proto);
	ck_assert_int_eq(s6_cip_req_scope("/m?ipproto=17&target=%2A", DEF, &s, &why), S6_OK);
	ck_assert(s.any_target && !s.any_proto);
}
END_TEST

START_TEST(test_scope_bad)
{
	static const char *bad[] = {
		"/other/path", DEF, DEF "*", DEF "*/*/x", DEF "*/256/", DEF "*/-1/",
		DEF "*/1x/", DEF "/6/", DEF "%4/6/", DEF "a%00b/6/", DEF "*/1234/",
		"/m?target=", "/m?ipproto=300",
	};
	s6_cip_scope s;
	const char *why = NULL;

	for (size_t i = 0; i < N(bad); i++) {
		ck_assert_msg(s6_cip_req_scope(bad[i], DEF, &s, &why) == S6_ERR_MALFORMED,
			      "case %s", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(test_basic)
{
	s6_userpass up;
	const char *why;

	ck_assert_int_eq(s6_cip_req_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &up, &why),
			 S6_OK);
	ck_assert_str_eq((char *)up.user, "Aladdin");
	ck_assert_uint_eq(up.plen, 11);
	ck_assert_int_eq(memcmp(up.pass, "open sesame", 11), 0);
	ck_assert_int_eq(s6_cip_req_basic("basic dTo=", &up, &why), S6_OK); /* "u:" */
	ck_assert_uint_eq(up.ulen, 1);
	ck_assert_uint_eq(up.plen, 0);
	ck_assert_int_eq(s6_cip_req_basic("Bearer abc", &up, &why), S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_cip_req_basic("Basic dXNlcg==", &up, &why), S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_cip_req_basic("Basic Ond4", &up, &why), S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_cip_req_basic("Basic QWxh=GRp", &up, &why), S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_cip_req_basic("Basic QWx", &up, &why), S6_ERR_MALFORMED);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cip_http_req");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_req_rfc9484);
	tcase_add_test(tc, test_req_draft00_and_flags);
	tcase_add_test(tc, test_req_incremental);
	tcase_add_test(tc, test_req_malformed);
	tcase_add_test(tc, test_req_too_long);
	tcase_add_test(tc, test_scope_template);
	tcase_add_test(tc, test_scope_query);
	tcase_add_test(tc, test_scope_bad);
	tcase_add_test(tc, test_basic);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
