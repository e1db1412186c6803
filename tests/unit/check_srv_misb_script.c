/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The --misbehave script parser: every step, the helpers' bytes (packed by
 * the real codecs), inline form, and malformed scripts with the line of the
 * problem. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srv_misb_script.h"

static bool parse(const char *text, srv_misb_script *s, char *why, size_t whylen)
{
	return srv_misb_parse(text, strlen(text), false, "t", s, why, whylen);
}

static void expect_bytes(const srv_misb_script *s, size_t step, int flavour,
			 const uint8_t *want, size_t n)
{
	const srv_misb_range *r = &s->steps[step].bytes[flavour];

	ck_assert(r->valid);
	ck_assert_uint_eq(r->len, n);
	ck_assert_mem_eq(s->bytes + r->off, want, n);
}

START_TEST(all_steps)
{
	srv_misb_script s;
	char why[256];
	static const char text[] =
		"# a comment\n"
		"expect 3\n"
		"  expect request  \n"
		"\n"
		"send 06 00 0000\n"
		"split 1\n"
		"split 2 40\n"
		"sleep 250\n"
		"text HTTP/1.0 200 ok \n"
		"send reply 200\n"
		"flood random\n";

	ck_assert_msg(parse(text, &s, why, sizeof why), "%s", why);
	ck_assert_uint_eq(s.n_steps, 9);
	ck_assert_int_eq(s.steps[0].kind, SRV_MISB_EXPECT);
	ck_assert_uint_eq(s.steps[0].arg, 3);
	ck_assert_uint_eq(s.steps[0].line, 2);
	ck_assert_int_eq(s.steps[1].kind, SRV_MISB_EXPECT_REQUEST);
	ck_assert_int_eq(s.steps[2].kind, SRV_MISB_SEND);
	expect_bytes(&s, 2, SRV_MISB_S6, (const uint8_t *)"\x06\x00\x00\x00", 4);
	expect_bytes(&s, 2, SRV_MISB_S4, (const uint8_t *)"\x06\x00\x00\x00", 4);
	ck_assert_int_eq(s.steps[3].kind, SRV_MISB_SPLIT);
	ck_assert_uint_eq(s.steps[3].arg, 1);
	ck_assert_uint_eq(s.steps[3].arg2, SRV_MISB_SPLIT_MS);
	ck_assert_uint_eq(s.steps[4].arg, 2);
	ck_assert_uint_eq(s.steps[4].arg2, 40);
	ck_assert_int_eq(s.steps[5].kind, SRV_MISB_SLEEP);
	ck_assert_uint_eq(s.steps[5].arg, 250);
	expect_bytes(&s, 6, SRV_MISB_S6, (const uint8_t *)"HTTP/1.0 200 ok\n", 16);
	/* reply 200: a SOCKS6 Operation Reply with code byte 200, and the
	 * SOCKS4 reply 00 C8 port ip */
	expect_bytes(&s, 7, SRV_MISB_S6,
		     (const uint8_t *)"\x06\xc8\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
	expect_bytes(&s, 7, SRV_MISB_S4, (const uint8_t *)"\x00\xc8\x00\x00\x00\x00\x00\x00", 8);
	ck_assert_int_eq(s.steps[8].kind, SRV_MISB_FLOOD);
	ck_assert_uint_eq(s.steps[8].arg, 1);
	ck_assert(!s.has_relay);
	ck_assert(!s.s6_only);
	srv_misb_free(&s);
	ck_assert_uint_eq(s.n_steps, 0);
}
END_TEST

START_TEST(helpers)
{
	srv_misb_script s;
	char why[256];

	ck_assert_msg(parse("send auth-ok\nsend auth-ok 0008 0004\nsend op-ok\n"
			    "send auth-fail\nsend reply 5 0008 0004\nrelay\n",
			    &s, why, sizeof why), "%s", why);
	ck_assert_uint_eq(s.n_steps, 6);
	expect_bytes(&s, 0, SRV_MISB_S6, (const uint8_t *)"\x06\x00\x00\x00", 4);
	ck_assert(!s.steps[0].bytes[SRV_MISB_S4].valid);
	expect_bytes(&s, 1, SRV_MISB_S6,
		     (const uint8_t *)"\x06\x00\x00\x04\x00\x08\x00\x04", 8);
	expect_bytes(&s, 2, SRV_MISB_S6,
		     (const uint8_t *)"\x06\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
	expect_bytes(&s, 2, SRV_MISB_S4, (const uint8_t *)"\x00\x5a\x00\x00\x00\x00\x00\x00", 8);
	expect_bytes(&s, 3, SRV_MISB_S6, (const uint8_t *)"\x06\x01\x00\x00", 4);
	expect_bytes(&s, 4, SRV_MISB_S6,
		     (const uint8_t *)"\x06\x05\x00\x04\x00\x00\x00\x01\x00\x00\x00\x00"
		     "\x00\x08\x00\x04", 16);
	ck_assert(!s.steps[4].bytes[SRV_MISB_S4].valid);
	ck_assert_int_eq(s.steps[5].kind, SRV_MISB_RELAY);
	ck_assert(s.has_relay);
	ck_assert(s.s6_only);
	srv_misb_free(&s);
}
END_TEST

START_TEST(inline_form)
{
	srv_misb_script s;
	char why[256];

	ck_assert_msg(srv_misb_load("inline:expect request; send op-ok;text hi;silence",
				    &s, why, sizeof why), "%s", why);
	ck_assert_uint_eq(s.n_steps, 4);
	expect_bytes(&s, 2, SRV_MISB_S4, (const uint8_t *)"hi\n", 3);
	ck_assert_int_eq(s.steps[3].kind, SRV_MISB_SILENCE);
	ck_assert_uint_eq(s.steps[3].line, 4);
	srv_misb_free(&s);
	ck_assert(!srv_misb_load("inline:send 06; bogus", &s, why, sizeof why));
	ck_assert_str_eq(why, "inline:2: unknown step 'bogus'");
}
END_TEST

/* The CONNECT-IP helpers: the 101 head and capsules framed with minimal
 * varints, for CONNECT-IP only; plain bytes for every flavour. */
START_TEST(cip_helpers)
{
	static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
				   "Upgrade: connect-ip\r\nCapsule-Protocol: ?1\r\n\r\n";
	uint8_t big[2 + 2 + 64];
	srv_misb_script s;
	char why[256], text[300];

	ck_assert_msg(srv_misb_load("inline:expect request; send http-101; send capsule 1 00 04 "
				    "0a 63 00 07 20; send capsule 16773376; send 40 01",
				    &s, why, sizeof why), "%s", why);
	ck_assert(s.cip_only && !s.s6_only);
	expect_bytes(&s, 1, SRV_MISB_CIP, (const uint8_t *)head, sizeof head - 1);
	ck_assert(!s.steps[1].bytes[SRV_MISB_S6].valid && !s.steps[1].bytes[SRV_MISB_S4].valid);
	expect_bytes(&s, 2, SRV_MISB_CIP,
		     (const uint8_t *)"\x01\x07\x00\x04\x0a\x63\x00\x07\x20", 9);
	expect_bytes(&s, 3, SRV_MISB_CIP, (const uint8_t *)"\x80\xff\xf1\x00\x00", 5);
	expect_bytes(&s, 4, SRV_MISB_CIP, (const uint8_t *)"\x40\x01", 2);
	expect_bytes(&s, 4, SRV_MISB_S6, (const uint8_t *)"\x40\x01", 2);
	srv_misb_free(&s);
	/* A 64-byte payload: the length takes two bytes. */
	strcpy(text, "send capsule 3");
	for (int i = 0; i < 64; i++)
		strcat(text, " ab");
	ck_assert_msg(parse(text, &s, why, sizeof why), "%s", why);
	big[0] = 3;
	big[1] = 0x40;
	big[2] = 64;
	memset(big + 3, 0xab, 64);
	expect_bytes(&s, 0, SRV_MISB_CIP, big, 67);
	srv_misb_free(&s);
	ck_assert(!parse("send capsule\n", &s, why, sizeof why));
	ck_assert_str_eq(why, "t:1: send capsule: a type (decimal) expected");
	ck_assert(!parse("send capsule 1 0\n", &s, why, sizeof why));
	ck_assert(!parse("send http-101 00\n", &s, why, sizeof why));
	ck_assert_str_eq(why, "t:1: send http-101 takes no argument");
}
END_TEST

/* Each malformed script fails with "t:LINE: ..." naming the problem. */
START_TEST(malformed)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{"frobnicate\n", "t:1: unknown step 'frobnicate'"},
		{"send\n", "t:1: send: bytes (hex) or a helper expected"},
		{"send 0\n", "t:1: bad hex byte"},
		{"send 0g\n", "t:1: bad hex byte"},
		{"send 06 0 6\n", "t:1: bad hex byte"},
		{"send zz\n", "t:1: bad hex byte"},
		{"expect\n", "t:1: expect: a number expected"},
		{"expect -1\n", "t:1: expect: bad argument"},
		{"expect 1 2\n", "t:1: expect: bad argument"},
		{"expect 99999999999\n", "t:1: expect: bad argument"},
		{"expect request now\n", "t:1: expect: bad argument"},
		{"sleep\n", "t:1: sleep: a number expected"},
		{"sleep 600001\n", "t:1: sleep: bad argument"},
		{"split 1 2 3\n", "t:1: split: bad argument"},
		{"split x\n", "t:1: split: bad argument"},
		{"silence now\n", "t:1: silence takes no argument"},
		{"rst\nsend 00\n", "t:2: nothing may follow"},
		{"relay\nrelay\n", "t:2: nothing may follow"},
		{"flood loud\n", "t:1: flood: 'zero' or 'random' expected"},
		{"flood zero zero\n", "t:1: flood: one argument at most"},
		{"send auth-ok 00\n", "t:1: options must be a multiple of 4"},
		{"send op-ok 000000\n", "t:1: options must be a multiple of 4"},
		{"send auth-fail 00000000\n", "t:1: send auth-fail takes no options"},
		{"send reply\n", "t:1: send reply: a code 0..255 expected"},
		{"send reply 256\n", "t:1: send reply: a code 0..255 expected"},
		{"\n# only a comment\n", "t: no steps"},
		{"", "t: no steps"},
	};
	srv_misb_script s;
	char why[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!parse(bad[i].text, &s, why, sizeof why), "accepted: %s",
			      bad[i].text);
		ck_assert_msg(strncmp(why, bad[i].why, strlen(bad[i].why)) == 0,
			      "'%s': got '%s'", bad[i].text, why);
		ck_assert_uint_eq(s.n_steps, 0);
		ck_assert_ptr_null(s.bytes);
	}
	ck_assert(!srv_misb_parse("send 00\0", 8, false, "t", &s, why, sizeof why));
	ck_assert_str_eq(why, "t: a NUL byte in the script");
	/* The message quotes the text given, not the bytes after it (found by
	 * fuzz_srv_misb_script: a file ending in an odd hex digit). */
	ck_assert(!srv_misb_parse("send 0zzzzzzzzz", 6, false, "t", &s, why, sizeof why));
	ck_assert_str_eq(why, "t:1: bad hex byte at '0' (pairs of 0-9a-f expected)");
	ck_assert(!srv_misb_parse("send 00 0g23456789ab;send 00", 20, true, "t", &s, why,
				  sizeof why));
	ck_assert_str_eq(why, "t:1: bad hex byte at '0g234567' (pairs of 0-9a-f expected)");
}
END_TEST

START_TEST(limits)
{
	srv_misb_script s;
	char why[256], *text, *big;
	size_t len;

	/* more than SRV_MISB_STEPS_MAX steps */
	len = (SRV_MISB_STEPS_MAX + 1) * 8 + 1;
	text = malloc(len);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i <= SRV_MISB_STEPS_MAX; i++)
		memcpy(text + i * 8, "sleep 1\n", 8);
	text[len - 1] = '\0';
	ck_assert(!parse(text, &s, why, sizeof why));
	ck_assert_msg(strstr(why, "more than 1024 steps"), "%s", why);
	text[(len - 1) - 8] = '\0';                        /* exactly the limit */
	ck_assert_msg(parse(text, &s, why, sizeof why), "%s", why);
	ck_assert_uint_eq(s.n_steps, SRV_MISB_STEPS_MAX);
	srv_misb_free(&s);
	free(text);

	/* more than SRV_MISB_BYTES_MAX bytes to send */
	len = 5 + 2 * (SRV_MISB_BYTES_MAX + 1) + 1;
	big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "send ", 5);
	memset(big + 5, 'a', len - 6);
	big[len - 1] = '\0';
	ck_assert(!parse(big, &s, why, sizeof why));
	ck_assert_msg(strstr(why, "bytes to send in all"), "%s", why);
	big[len - 3] = '\0';                               /* exactly the limit */
	ck_assert_msg(parse(big, &s, why, sizeof why), "%s", why);
	ck_assert_uint_eq(s.n_bytes, SRV_MISB_BYTES_MAX);
	srv_misb_free(&s);
	free(big);
}
END_TEST

START_TEST(files)
{
	char path[] = "/tmp/check_misb.XXXXXX";
	srv_misb_script s;
	char why[512];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "expect request\r\nsend op-ok\r\n", 28), 28);
	close(fd);
	ck_assert_msg(srv_misb_load(path, &s, why, sizeof why), "%s", why);
	ck_assert_uint_eq(s.n_steps, 2);
	srv_misb_free(&s);
	unlink(path);
	ck_assert(!srv_misb_load(path, &s, why, sizeof why));
	ck_assert_msg(strstr(why, "No such file"), "%s", why);
	ck_assert(!srv_misb_load("/tmp", &s, why, sizeof why));
	ck_assert_msg(strstr(why, "not a regular file"), "%s", why);
}
END_TEST

static Suite *misb_suite(void)
{
	Suite *s = suite_create("srv_misb_script");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, all_steps);
	tcase_add_test(tc, helpers);
	tcase_add_test(tc, inline_form);
	tcase_add_test(tc, cip_helpers);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(misb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
