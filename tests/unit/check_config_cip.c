/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP keys (s6_config_cip.c) and proxy URLs. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_capsule.h"
#include "s6_config.h"

static s6_err parse(s6_config *cfg, const char *text, char *err, size_t errlen)
{
	s6_config_defaults(cfg);
	return s6_config_parse(cfg, text, strlen(text), "t.conf", err, errlen);
}

START_TEST(test_defaults)
{
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(cfg.cip.mode, S6_CIP_MODE_RFC9484);
	ck_assert(!cfg.cip.plain);
	ck_assert_uint_eq(cfg.cip.n_block, 0);
}
END_TEST

START_TEST(test_keys)
{
	char err[512] = "";
	s6_config cfg;

	ck_assert_int_eq(parse(&cfg, "connect-ip-mode draft00\nconnect-ip-plain yes\n"
			       "block-alias *.tracker.example\nblock-alias trk?.Example.COM.\n",
			       err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.cip.mode, S6_CIP_MODE_DRAFT00);
	ck_assert(cfg.cip.plain);
	ck_assert_uint_eq(cfg.cip.n_block, 2);
	ck_assert_str_eq(cfg.cip.block[0], "*.tracker.example");
	ck_assert_str_eq(cfg.cip.block[1], "trk?.Example.COM.");
	ck_assert_int_eq(parse(&cfg, "connect-ip-mode draft00\nconnect-ip-mode rfc9484\n"
			       "connect-ip-plain yes\nconnect-ip-plain no", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.cip.mode, S6_CIP_MODE_RFC9484);
	ck_assert(!cfg.cip.plain);
}
END_TEST

START_TEST(test_block_alias_max)
{
	char text[2048] = "", err[512] = "";
	s6_config cfg;
	size_t n = 0;

	for (int i = 0; i < S6_CONFIG_BLOCK_ALIAS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "block-alias a%d.example\n", i);
	ck_assert_int_eq(parse(&cfg, text, err, sizeof err), S6_OK);
	ck_assert_uint_eq(cfg.cip.n_block, S6_CONFIG_BLOCK_ALIAS_MAX);
	snprintf(text + n, sizeof text - n, "block-alias one.more.example\n");
	ck_assert_int_eq(parse(&cfg, text, err, sizeof err), S6_ERR_CONFIG);
	ck_assert_str_eq(err, "t.conf:17: too many block-alias keys (at most 16)");
}
END_TEST

static const struct {
	const char *text, *msg;
} bad[] = {
	{"connect-ip-mode rfc9298", "t.conf:1: bad connect-ip-mode 'rfc9298': expected rfc9484 or draft00"},
	{"connect-ip-mode DRAFT00", "t.conf:1: bad connect-ip-mode 'DRAFT00'"},
	{"connect-ip-plain on", "t.conf:1: bad connect-ip-plain 'on': expected yes or no"},
	{"block-alias a..example", "t.conf:1: bad block-alias 'a..example'"},
	{"block-alias ex\xc3\xa9.example", "t.conf:1: bad block-alias"},
	{"block-alias", "t.conf:1: missing value for key 'block-alias'"},
	{"proxy https://h/{target", "t.conf:1: invalid proxy URL: bad URI template in the path"},
	{"proxy https://h/ip/{target:3}/{ipproto}/", "t.conf:1: invalid proxy URL: bad URI template"},
	{"proxy connect-ip://h/x", "t.conf:1: invalid proxy URL: connect-ip URLs take no path"},
};

START_TEST(test_bad)
{
	char err[512] = "";
	s6_config cfg;

	ck_assert_int_eq(parse(&cfg, bad[_i].text, err, sizeof err), S6_ERR_CONFIG);
	ck_assert_msg(strncmp(err, bad[_i].msg, strlen(bad[_i].msg)) == 0, "%s -> %s",
		      bad[_i].text, err);
}
END_TEST

START_TEST(test_set_proxy_template)
{
	char err[512] = "";
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_set_proxy(&cfg, "https://h/{ipproto", err, sizeof err), S6_ERR_URL);
	ck_assert_msg(strstr(err, "proxy URL: bad URI template") == err, "%s", err);
	ck_assert(!cfg.has_proxy);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_cip");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_block_alias_max);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_set_proxy_template);
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
