/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP over HTTP/1.1: the Upgrade request byte for byte, Basic
 * credentials, the response parser on success, refusals, prefixes and
 * malformed or oversized heads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_http.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_base64_rfc4648)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];

	for (size_t i = 0; i < N(v); i++) {
		ck_assert_int_eq(s6_cip_base64((const uint8_t *)v[i].in, strlen(v[i].in), out,
					       sizeof(out)), S6_OK);
		ck_assert_str_eq(out, v[i].out);
	}
	ck_assert_int_eq(s6_cip_base64((const uint8_t *)"foo", 3, out, 4), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_cip_base64((const uint8_t *)"foo", 3, out, 5), S6_OK);
}
END_TEST

START_TEST(test_request_rfc9484_with_auth)
{
	/* RFC 7617's example credentials. */
	s6_cip_http_req r = { S6_CIP_MODE_RFC9484, "proxy.example:443",
			      "/.well-known/masque/ip/*/*/", "Aladdin", "open sesame" };
	char buf[512];
	size_t n = 0;

	ck_assert_int_eq(s6_cip_http_request(&r, buf, sizeof(buf), &n), S6_OK);
	ck_assert_str_eq(buf, "GET /.well-known/masque/ip/*/*/ HTTP/1.1\r\n"
			 "Host: proxy.example:443\r\n"
			 "Connection: Upgrade\r\n"
			 "Upgrade: connect-ip\r\n"
			 "Capsule-Protocol: ?1\r\n"
			 "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
			 "\r\n");
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_int_eq(s6_cip_http_request(&r, buf, n, &n), S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(test_request_draft00)
{
	s6_cip_http_req r = { S6_CIP_MODE_DRAFT00, "[2001:db8::1]:8443", "/masque?t=x&p=6",
			      NULL, NULL };
	char buf[512];
	size_t n = 0;

	ck_assert_int_eq(s6_cip_http_request(&r, buf, sizeof(buf), &n), S6_OK);
	ck_assert_str_eq(buf, "GET /masque?t=x&p=6 HTTP/1.1\r\n"
			 "Host: [2001:db8::1]:8443\r\n"
			 "Connection: Upgrade\r\n"
			 "Upgrade: connect-ip\r\n"
			 "\r\n");
	/* A user without a password: "user:" */
	r.user = "u";
	ck_assert_int_eq(s6_cip_http_request(&r, buf, sizeof(buf), &n), S6_OK);
	ck_assert_ptr_nonnull(strstr(buf, "Proxy-Authorization: Basic dTo=\r\n"));
}
END_TEST

START_TEST(test_request_refuses_injection)
{
	static const struct { const char *host, *path, *user, *pass; } bad[] = {
		{ "h", "no-slash", NULL, NULL },
		{ "h", "/a b", NULL, NULL },
		{ "h\r\nX: y", "/", NULL, NULL },
		{ "", "/", NULL, NULL },
		{ NULL, "/", NULL, NULL },
		{ "h", "/", "us:er", "p" },
		{ "h", "/", "user", "p\r\nX: y" },
		{ "h", "/\x7f", NULL, NULL },
	};
	char buf[512];
	size_t n = 0;

	for (size_t i = 0; i < N(bad); i++) {
		s6_cip_http_req r = { S6_CIP_MODE_RFC9484, bad[i].host, bad[i].path,
				      bad[i].user, bad[i].pass };

		ck_assert_msg(s6_cip_http_request(&r, buf, sizeof(buf), &n) == S6_ERR_INVALID_ARG,
			      "case %zu", i);
	}
}
END_TEST

static s6_err resp(const char *s, size_t len, s6_cip_http_resp *out, size_t *used)
{
	uint8_t *copy = malloc(len ? len : 1);
	size_t need = 0;
	const char *why = NULL;
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	*used = 0;
	e = s6_cip_http_response(copy, len, out, used, &need, &why);
	free(copy);
	if (e == S6_ERR_NEED_MORE)
		ck_assert_uint_ge(need, 1);
	else if (e != S6_OK)
		ck_assert_ptr_nonnull(why);
	return e;
}

/* Every proper prefix of a head wants more. */
static void walk(const char *s, size_t head_len)
{
	static s6_cip_http_resp out;   /* large: not on the check stack */
	size_t used = 0;

	for (size_t k = 0; k < head_len; k++)
		ck_assert_msg(resp(s, k, &out, &used) == S6_ERR_NEED_MORE, "prefix %zu", k);
}

static const char ok101[] =
	"HTTP/1.1 101 Switching Protocols\r\n"
	"Connection: Upgrade\r\n"
	"uPgRaDe:   Connect-IP  \r\n"
	"Capsule-Protocol: ?1\r\n"
	"Proxy-Status: proxy.example.net; next-hop=\"192.0.2.7\"\r\n"
	"proxy-status: other\r\n"
	"\r\n";

START_TEST(test_response_101)
{
	static s6_cip_http_resp out;
	char buf[512];
	size_t hl = strlen(ok101), used = 0;

	/* The capsule stream starts in the same read. */
	memcpy(buf, ok101, hl);
	memcpy(buf + hl, "\x00\x1d\x00", 3);
	walk(ok101, hl);
	ck_assert_int_eq(resp(buf, hl + 3, &out, &used), S6_OK);
	ck_assert_uint_eq(used, hl);
	ck_assert_int_eq(out.status, 101);
	ck_assert_str_eq(out.status_line, "HTTP/1.1 101 Switching Protocols");
	ck_assert(out.upgrade_connect_ip && out.connection_upgrade && out.capsule_protocol);
	ck_assert(!out.has_body_framing);
	ck_assert(out.has_proxy_status && !out.proxy_status_overflow);
	ck_assert_str_eq(out.proxy_status, "proxy.example.net; next-hop=\"192.0.2.7\", other");
	ck_assert_uint_eq(out.nfields, 5);
}
END_TEST

START_TEST(test_response_refusals)
{
	static const struct { const char *head; s6_err want; int status; } t[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", S6_ERR_REFUSED, 200 },
		{ "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", S6_ERR_NOT_ALLOWED, 407 },
		{ "HTTP/1.0 403 Forbidden\r\n\r\n", S6_ERR_NOT_ALLOWED, 403 },
		{ "HTTP/1.1 502 Bad Gateway\r\nProxy-Status: p; error=dns_error\r\n\r\n",
		  S6_ERR_REFUSED, 502 },
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		  S6_ERR_PROXY_PROTOCOL, 101 },
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: connect-ip\r\n"
		  "Content-Length: 5\r\n\r\n", S6_ERR_PROXY_PROTOCOL, 101 },
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: connect-ip\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", S6_ERR_PROXY_PROTOCOL, 101 },
		{ "HTTP/1.1 101\r\n\r\n", S6_ERR_PROXY_PROTOCOL, 101 },
	};

	for (size_t i = 0; i < N(t); i++) {
		static s6_cip_http_resp out;
		size_t hl = strlen(t[i].head), used = 0;

		walk(t[i].head, hl);
		ck_assert_msg(resp(t[i].head, hl, &out, &used) == t[i].want, "case %zu", i);
		ck_assert_int_eq(out.status, t[i].status);
		ck_assert_uint_eq(used, hl);
		ck_assert_uint_gt(strlen(out.status_line), 11);
		ck_assert_mem_eq(out.status_line, t[i].head, strlen(out.status_line));
	}
}
END_TEST

START_TEST(test_response_interim)
{
	static const char h[] = "HTTP/1.1 100 Continue\r\n\r\n"
				"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
				"HTTP/1.1 101 Switching Protocols\r\nUpgrade: connect-ip\r\n\r\n";
	static s6_cip_http_resp out;
	size_t used = 0;

	walk(h, strlen(h));
	ck_assert_int_eq(resp(h, strlen(h), &out, &used), S6_OK);
	ck_assert_uint_eq(used, strlen(h));
	ck_assert_uint_eq(out.nfields, 1);
}
END_TEST

START_TEST(test_response_malformed)
{
	static const char *bad[] = {
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: connect-ip\r\n  folded\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\nUpgrade: connect-ip\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: connect-ip\rX\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/2 101 OK\r\n\r\n",
		"HTTP/1.1 101x\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"\x16\x03\x01\x02\xff",
		"XTTP/1.1 101 OK\r\n\r\n",
		"HTTP/1.1 101 OK\r\nUpgrade : connect-ip\r\n\r\n",
		"HTTP/1.1 101 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 101 OK\r\n: empty-name\r\n\r\n",
		"HTTP/1.1 101 OK\r\nX: a\x01b\r\n\r\n",
		"HTTP/1.1 101 O\x7fK\r\n\r\n",
	};

	for (size_t i = 0; i < N(bad); i++) {
		static s6_cip_http_resp out;
		size_t used = 0;

		ck_assert_msg(resp(bad[i], strlen(bad[i]), &out, &used) == S6_ERR_MALFORMED,
			      "case %zu", i);
	}
	{
		/* NUL inside a value (strlen would stop there). */
		static const char nul[] = "HTTP/1.1 101 OK\r\nX: a\0b\r\n\r\n";
		static s6_cip_http_resp out;
		size_t used = 0;

		ck_assert_int_eq(resp(nul, sizeof(nul) - 1, &out, &used), S6_ERR_MALFORMED);
		/* A TLS record is refused at its first byte, not after a line. */
		ck_assert_int_eq(resp("\x16", 1, &out, &used), S6_ERR_MALFORMED);
		ck_assert_int_eq(resp("HTTP/2", 6, &out, &used), S6_ERR_MALFORMED);
		ck_assert_int_eq(resp("HTTP/", 5, &out, &used), S6_ERR_NEED_MORE);
	}
}
END_TEST

START_TEST(test_response_limits)
{
	size_t cap = S6_CIP_HTTP_HEAD_MAX + 64, n, used = 0;
	char *h = malloc(cap);
	static s6_cip_http_resp out;

	ck_assert_ptr_nonnull(h);
	/* Too many fields. */
	n = (size_t)snprintf(h, cap, "HTTP/1.1 101 OK\r\n");
	for (int i = 0; i <= S6_CIP_HTTP_FIELDS_MAX; i++)
		n += (size_t)snprintf(h + n, cap - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(h + n, cap - n, "\r\n");
	ck_assert_int_eq(resp(h, n, &out, &used), S6_ERR_TOO_LONG);
	/* A head longer than the limit, with or without its end. */
	n = (size_t)snprintf(h, cap, "HTTP/1.1 101 OK\r\nX: ");
	memset(h + n, 'a', cap - n);
	ck_assert_int_eq(resp(h, S6_CIP_HTTP_HEAD_MAX - 1, &out, &used), S6_ERR_NEED_MORE);
	ck_assert_int_eq(resp(h, S6_CIP_HTTP_HEAD_MAX, &out, &used), S6_ERR_TOO_LONG);
	ck_assert_int_eq(resp(h, cap, &out, &used), S6_ERR_TOO_LONG);
	/* Exactly at the limit is fine. */
	n = (size_t)snprintf(h, cap, "HTTP/1.1 101 OK\r\nUpgrade: connect-ip\r\nX: ");
	memset(h + n, 'a', S6_CIP_HTTP_HEAD_MAX - n - 4);
	memcpy(h + S6_CIP_HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	ck_assert_int_eq(resp(h, S6_CIP_HTTP_HEAD_MAX, &out, &used), S6_OK);
	ck_assert_uint_eq(used, S6_CIP_HTTP_HEAD_MAX);
	/* Proxy-Status lines beyond the buffer: flagged, not truncated. */
	n = (size_t)snprintf(h, cap, "HTTP/1.1 101 OK\r\nUpgrade: connect-ip\r\n");
	for (int i = 0; i < 3; i++) {
		n += (size_t)snprintf(h + n, cap - n, "Proxy-Status: ");
		memset(h + n, 'p', 1000);
		n += 1000;
		n += (size_t)snprintf(h + n, cap - n, "\r\n");
	}
	n += (size_t)snprintf(h + n, cap - n, "\r\n");
	ck_assert_int_eq(resp(h, n, &out, &used), S6_OK);
	ck_assert(out.proxy_status_overflow);
	free(h);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("cip_http");
	TCase *tc = tcase_create("http");

	tcase_add_test(tc, test_base64_rfc4648);
	tcase_add_test(tc, test_request_rfc9484_with_auth);
	tcase_add_test(tc, test_request_draft00);
	tcase_add_test(tc, test_request_refuses_injection);
	tcase_add_test(tc, test_response_101);
	tcase_add_test(tc, test_response_refusals);
	tcase_add_test(tc, test_response_interim);
	tcase_add_test(tc, test_response_malformed);
	tcase_add_test(tc, test_response_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
