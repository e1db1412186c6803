/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure pieces of the TLS front: first-byte verdicts, the key file mode
 * rule and the handshake log line that tests and the engine grep. */
#include "config.h"

#include <check.h>
#include <string.h>
#include <sys/stat.h>

#include "srv_tls_util.h"

START_TEST(test_first_byte)
{
	char buf[48];

	ck_assert_ptr_null(srv_tls_first_byte_verdict(0x16, buf, sizeof buf));
	ck_assert_str_eq(srv_tls_first_byte_verdict(6, buf, sizeof buf),
			 "plaintext SOCKS6 on the TLS listener");
	ck_assert_str_eq(srv_tls_first_byte_verdict(4, buf, sizeof buf),
			 "plaintext SOCKS4 on the TLS listener");
	ck_assert_str_eq(srv_tls_first_byte_verdict(5, buf, sizeof buf),
			 "plaintext SOCKS5 on the TLS listener");
	ck_assert_str_eq(srv_tls_first_byte_verdict('G', buf, sizeof buf),
			 "not a TLS handshake (first byte 0x47)");
	/* An SSLv2-style or TLS alert record is not a ClientHello either. */
	ck_assert_ptr_nonnull(srv_tls_first_byte_verdict(0x15, buf, sizeof buf));
	ck_assert_ptr_nonnull(srv_tls_first_byte_verdict(0x80, buf, sizeof buf));
}
END_TEST

START_TEST(test_key_mode)
{
	char why[96];

	ck_assert(srv_tls_key_mode_ok(S_IFREG | 0600, why, sizeof why));
	ck_assert(srv_tls_key_mode_ok(S_IFREG | 0400, why, sizeof why));
	ck_assert(!srv_tls_key_mode_ok(S_IFREG | 0640, why, sizeof why));
	ck_assert_str_eq(why, "private key accessible by group or others "
			 "(mode 640; chmod 600)");
	ck_assert(!srv_tls_key_mode_ok(S_IFREG | 0604, why, sizeof why));
	ck_assert(!srv_tls_key_mode_ok(S_IFREG | 0601, why, sizeof why));
	ck_assert(!srv_tls_key_mode_ok(S_IFDIR | 0700, why, sizeof why));
	ck_assert_str_eq(why, "not a regular file");
	ck_assert(!srv_tls_key_mode_ok(S_IFIFO | 0600, why, sizeof why));
}
END_TEST

START_TEST(test_line)
{
	char buf[256];
	srv_tls_hsinfo hi = {
		.resumed = true, .early = 517, .syn_data = true,
		.version = "TLSv1.3", .cipher = "TLS_AES_256_GCM_SHA384",
	};
	int n = srv_tls_format_line(buf, sizeof buf, "127.0.0.1:4242", &hi);

	ck_assert_str_eq(buf, "tls 127.0.0.1:4242 tls=resumed early=517 syn=data "
			 "version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384");
	ck_assert_int_eq(n, (int)strlen(buf));
	hi = (srv_tls_hsinfo){0};
	srv_tls_format_line(buf, sizeof buf, "[::1]:9", &hi);
	ck_assert_str_eq(buf, "tls [::1]:9 tls=full early=0 syn=plain version=- cipher=-");
	/* Truncation is snprintf's: the length says what was needed. */
	n = srv_tls_format_line(buf, 8, "[::1]:9", &hi);
	ck_assert_int_gt(n, 8);
	ck_assert_str_eq(buf, "tls [::");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_tls_util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_first_byte);
	tcase_add_test(tc, test_key_mode);
	tcase_add_test(tc, test_line);
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
	return failed ? 1 : 0;
}
