/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The socks6+tls keys (s6_config_tls.c) and the scheme itself. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_config.h"

static s6_err parse(s6_config *cfg, const char *text, char *err, size_t errlen)
{
	s6_config_defaults(cfg);
	return s6_config_parse(cfg, text, strlen(text), "t.conf", err, errlen);
}

/* 32 bytes 0x00..0x1f in base64. */
#define PIN_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

START_TEST(test_defaults)
{
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert(cfg.tls.verify);
	ck_assert_uint_eq(cfg.tls.engine_idle_s, 300);
	ck_assert_uint_eq(cfg.tls.n_pins, 0);
	ck_assert_str_eq(cfg.tls.ca_file, "");
}
END_TEST

START_TEST(test_keys)
{
	char err[512] = "";
	s6_config cfg;

	ck_assert_int_eq(parse(&cfg, "proxy socks6+tls://u:p@proxy.test:8443\n"
			       "ca-file /etc/ca.pem\npin-sha256 " PIN_A "\npin-sha256 " PIN_A "\n"
			       "tls-verify off\nengine-idle 5\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.proxy.scheme, S6_SCHEME_SOCKS6_TLS);
	ck_assert_uint_eq(cfg.proxy.port, 8443);
	ck_assert_str_eq(cfg.tls.ca_file, "/etc/ca.pem");
	ck_assert_uint_eq(cfg.tls.n_pins, 2);
	for (int i = 0; i < 32; i++)
		ck_assert_uint_eq(cfg.tls.pins[0][i], i);
	ck_assert(!cfg.tls.verify);
	ck_assert_uint_eq(cfg.tls.engine_idle_s, 5);
	ck_assert_int_eq(parse(&cfg, "tls-verify on", err, sizeof err), S6_OK);
	ck_assert(cfg.tls.verify);
	/* Default port as for socks6: no TLS port is assigned yet (draft-11). */
	ck_assert_int_eq(parse(&cfg, "proxy socks6+tls://h", err, sizeof err), S6_OK);
	ck_assert_uint_eq(cfg.proxy.port, 1080);
}
END_TEST

static const struct {
	const char *text, *msg;
} bad[] = {
	{"ca-file rel/ca.pem", "t.conf:1: bad ca-file 'rel/ca.pem': expected an absolute path"},
	{"pin-sha256 abc", "t.conf:1: bad pin-sha256 'abc'"},
	/* 44 characters but not base64, or the wrong padding. */
	{"pin-sha256 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=", "bad pin-sha256"},
	{"pin-sha256 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", "bad pin-sha256"},
	/* unused low bits set: not the canonical spelling */
	{"pin-sha256 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "bad pin-sha256"},
	{"tls-verify maybe", "t.conf:1: bad tls-verify 'maybe': expected on or off"},
	{"engine-idle 0", "t.conf:1: bad engine-idle '0'"},
	{"engine-idle 86401", "bad engine-idle"},
	{"engine-idle -1", "bad engine-idle"},
	{"engine-idle 5s", "bad engine-idle"},
};

START_TEST(test_bad)
{
	char err[512];
	s6_config cfg;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_int_eq(parse(&cfg, bad[i].text, err, sizeof err), S6_ERR_CONFIG);
		ck_assert_msg(strstr(err, bad[i].msg), "%s: got '%s'", bad[i].text, err);
	}
}
END_TEST

START_TEST(test_too_many_pins)
{
	char text[1024] = "", err[512];
	s6_config cfg;

	for (int i = 0; i < S6_CONFIG_PINS_MAX + 1; i++)
		strcat(text, "pin-sha256 " PIN_A "\n");
	ck_assert_int_eq(parse(&cfg, text, err, sizeof err), S6_ERR_CONFIG);
	ck_assert_msg(strstr(err, "t.conf:9: too many pin-sha256"), "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_tls");
	TCase *tc = tcase_create("config_tls");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_too_many_pins);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
