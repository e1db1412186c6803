/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SOCKS6 Stack option keys of the configuration. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "s6_config.h"

static s6_err parse(s6_config *cfg, const char *text, char *err, size_t errlen)
{
	s6_config_defaults(cfg);
	return s6_config_parse(cfg, text, strlen(text), "s.conf", err, errlen);
}

START_TEST(test_defaults)
{
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert(!cfg.stack.tos.set && !cfg.stack.ttl.set && !cfg.stack.no_fragment.set);
	ck_assert(!cfg.stack.happy_eyeballs.set && !cfg.stack.mptcp.set);
	ck_assert(cfg.stack.tfo);             /* TFO toward the target is asked for */
	ck_assert_uint_eq(cfg.stack.tfo_payload, 0);
}
END_TEST

START_TEST(test_values_and_legs)
{
	s6_config cfg;
	char err[256];

	ck_assert_int_eq(parse(&cfg, "tos 0x10\nttl 64 both\nno-fragment on proxy\n"
				     "happy-eyeballs off\nmptcp on\ntfo 1200\n", err, sizeof err), S6_OK);
	ck_assert(cfg.stack.tos.set);
	ck_assert_uint_eq(cfg.stack.tos.value, 16);
	ck_assert_int_eq(cfg.stack.tos.leg, S6_LEG_REMOTE);
	ck_assert_uint_eq(cfg.stack.ttl.value, 64);
	ck_assert_int_eq(cfg.stack.ttl.leg, S6_LEG_BOTH);
	ck_assert_uint_eq(cfg.stack.no_fragment.value, 1);
	ck_assert_int_eq(cfg.stack.no_fragment.leg, S6_LEG_PROXY);
	ck_assert(cfg.stack.happy_eyeballs.set);
	ck_assert_uint_eq(cfg.stack.happy_eyeballs.value, 0);
	ck_assert_uint_eq(cfg.stack.mptcp.value, 1);
	ck_assert(cfg.stack.tfo);
	ck_assert_uint_eq(cfg.stack.tfo_payload, 1200);

	ck_assert_int_eq(parse(&cfg, "tfo off\n", err, sizeof err), S6_OK);
	ck_assert(!cfg.stack.tfo);
	ck_assert_int_eq(parse(&cfg, "tfo 900\ntfo on\n", err, sizeof err), S6_OK);
	ck_assert(cfg.stack.tfo);
	ck_assert_uint_eq(cfg.stack.tfo_payload, 0); /* a later line overrides */
	ck_assert_int_eq(parse(&cfg, "tos 255 remote\nttl 1 proxy\n", err, sizeof err), S6_OK);
	ck_assert_uint_eq(cfg.stack.tos.value, 255);
	ck_assert_uint_eq(cfg.stack.ttl.value, 1);
}
END_TEST

/* Encoded options, in the order the encoder writes them. */
START_TEST(test_encode)
{
	s6_config cfg;
	uint8_t buf[S6_CONFIG_STACK_OPTS_MAX];
	size_t len = 99;
	char err[256];

	s6_config_defaults(&cfg);
	ck_assert_int_eq(s6_config_stack_encode(&cfg.stack, buf, sizeof buf, &len), S6_OK);
	/* Only TFO, proxy-remote leg (2 << 6 | level 4), payload 0. */
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(buf, "\x00\x01\x00\x08" "\x84\x01\x00\x00", 8);

	ck_assert_int_eq(parse(&cfg, "tos 0x10\nttl 64 both\nno-fragment on proxy\n"
				     "happy-eyeballs off\nmptcp on\ntfo 1200\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(s6_config_stack_encode(&cfg.stack, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, 48);
	ck_assert_mem_eq(buf,
			 "\x00\x01\x00\x08" "\x81\x01\x10\x00"   /* tos remote 16 */
			 "\x00\x01\x00\x08" "\xc1\x03\x40\x00"   /* ttl both 64 */
			 "\x00\x01\x00\x08" "\x41\x04\x02\x00"   /* no-fragment proxy, desired */
			 "\x00\x01\x00\x08" "\x81\x02\x01\x00"   /* happy eyeballs not desired */
			 "\x00\x01\x00\x08" "\x84\x02\x02\x00"   /* mptcp desired */
			 "\x00\x01\x00\x08" "\x84\x01\x04\xb0",  /* tfo, payload 1200 */
			 48);
	ck_assert_int_eq(parse(&cfg, "tfo off\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(s6_config_stack_encode(&cfg.stack, buf, sizeof buf, &len), S6_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(parse(&cfg, "tos 1\nttl 2\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(s6_config_stack_encode(&cfg.stack, buf, 12, &len), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* The SOCKS6 session keys. */
START_TEST(test_socks6_keys)
{
	s6_config cfg;
	char err[256];

	s6_config_defaults(&cfg);
	ck_assert_int_eq(cfg.s6.auth, S6_S6AUTH_0RTT);
	ck_assert(cfg.s6.session);
	ck_assert_uint_eq(cfg.s6.token_window, 16);
	ck_assert_int_eq(cfg.s6.spend, S6_SPEND_REPLAYABLE);
	ck_assert_int_eq(parse(&cfg, "socks6-auth slow\nsession no\ntoken-window 0\n"
				     "spend-tokens always\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.s6.auth, S6_S6AUTH_SLOW);
	ck_assert(!cfg.s6.session);
	ck_assert_uint_eq(cfg.s6.token_window, 0);
	ck_assert_int_eq(cfg.s6.spend, S6_SPEND_ALWAYS);
	ck_assert_int_eq(parse(&cfg, "socks6-auth 0rtt\nsession yes\ntoken-window 65536\n"
				     "spend-tokens never\n", err, sizeof err), S6_OK);
	ck_assert_int_eq(cfg.s6.auth, S6_S6AUTH_0RTT);
	ck_assert(cfg.s6.session);
	ck_assert_uint_eq(cfg.s6.token_window, 65536);
	ck_assert_int_eq(cfg.s6.spend, S6_SPEND_NEVER);
}
END_TEST

static const struct {
	const char *text;
	const char *err;
} bad[] = {
	{"tos 256", "s.conf:1: bad tos '256': expected a number from 0 to 255, then optionally proxy, remote or both"},
	{"tos -1", "s.conf:1: bad tos '-1'"},
	{"tos 10 sideways", "s.conf:1: bad tos '10 sideways'"},
	{"tos 10 both extra", "s.conf:1: bad tos '10 both extra'"},
	{"ttl 0", "s.conf:1: bad ttl '0': expected a number from 1 to 255"},
	{"ttl 12x", "s.conf:1: bad ttl '12x'"},
	{"no-fragment yes", "s.conf:1: bad no-fragment 'yes': expected on or off, then optionally"},
	{"happy-eyeballs maybe", "s.conf:1: bad happy-eyeballs 'maybe': expected on or off"},
	{"happy-eyeballs on both", "s.conf:1: happy-eyeballs applies to the proxy-remote leg only"},
	{"mptcp on proxy", "s.conf:1: mptcp applies to the proxy-remote leg only"},
	{"tfo 0", "s.conf:1: bad tfo '0': expected on, off, or the largest SYN payload"},
	{"tfo 65536", "s.conf:1: bad tfo '65536'"},
	{"tfo fast", "s.conf:1: bad tfo 'fast'"},
	{"\n\nttl 999999999999999999999", "s.conf:3: bad ttl '999999999999999999999'"},
	{"mptcp", "s.conf:1: missing value for key 'mptcp'"},
	{"socks6-auth fast", "s.conf:1: bad socks6-auth 'fast': expected 0rtt or slow"},
	{"session on", "s.conf:1: bad session 'on': expected yes or no"},
	{"token-window 65537", "s.conf:1: bad token-window '65537': expected a number from 0 (none) to 65536"},
	{"token-window -1", "s.conf:1: bad token-window '-1'"},
	{"token-window 99999999999", "s.conf:1: bad token-window '99999999999'"},
	{"token-window 1x", "s.conf:1: bad token-window '1x'"},
	{"spend-tokens sometimes", "s.conf:1: bad spend-tokens 'sometimes': expected always, replayable or never"},
	{"session", "s.conf:1: missing value for key 'session'"},
};

START_TEST(test_errors)
{
	s6_config cfg;
	char err[256];

	ck_assert_int_eq(parse(&cfg, bad[_i].text, err, sizeof err), S6_ERR_CONFIG);
	ck_assert_msg(strncmp(err, bad[_i].err, strlen(bad[_i].err)) == 0,
		      "for '%s': got '%s', want prefix '%s'", bad[_i].text, err, bad[_i].err);
	ck_assert(strchr(err, '\n') == NULL); /* one line */
}
END_TEST

static Suite *stack_suite(void)
{
	Suite *s = suite_create("config_stack");
	TCase *tc = tcase_create("stack");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values_and_legs);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_socks6_keys);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof bad / sizeof bad[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stack_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
