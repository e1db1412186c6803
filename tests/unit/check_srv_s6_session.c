/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's SOCKS6 session table: create/find by id, idle expiry, the
 * size cap, deletion, and the one token window per session with its
 * ledger. The clock is passed in, so expiry is tested without sleeping. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srv_s6_session.h"

static void make_id(uint8_t id[SRV_S6_SESSION_ID_LEN], unsigned n)
{
	memset(id, 0xa5, SRV_S6_SESSION_ID_LEN);
	id[0] = (uint8_t)n;
	id[1] = (uint8_t)(n >> 8);
}

START_TEST(create_find_delete)
{
	srv_s6_sessions *t = srv_s6_sessions_new(8, 1000);
	uint8_t id[SRV_S6_SESSION_ID_LEN], other[SRV_S6_SESSION_ID_LEN];
	srv_s6_session *s;

	ck_assert_ptr_nonnull(t);
	make_id(id, 1);
	make_id(other, 2);
	s = srv_s6_session_create(t, id, "alice", 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->user, "alice");
	ck_assert_ptr_null(srv_s6_session_create(t, id, "bob", 100)); /* id in use */
	ck_assert_ptr_eq(srv_s6_session_find(t, id, sizeof id, 200), s);
	ck_assert_ptr_null(srv_s6_session_find(t, other, sizeof other, 200));
	ck_assert_ptr_null(srv_s6_session_find(t, id, 12, 200));      /* wrong length */
	ck_assert_ptr_nonnull(srv_s6_session_create(t, other, NULL, 200));
	ck_assert_str_eq(srv_s6_session_find(t, other, sizeof other, 200)->user, "");
	srv_s6_session_delete(t, s);
	ck_assert_ptr_null(srv_s6_session_find(t, id, sizeof id, 200));
	ck_assert_uint_eq(t->n, 1);
	srv_s6_sessions_free(t);
}
END_TEST

START_TEST(idle_expiry_restarts_on_use)
{
	srv_s6_sessions *t = srv_s6_sessions_new(8, 1000);
	uint8_t a[SRV_S6_SESSION_ID_LEN], b[SRV_S6_SESSION_ID_LEN];

	make_id(a, 1);
	make_id(b, 2);
	ck_assert_ptr_nonnull(srv_s6_session_create(t, a, "x", 0));
	ck_assert_ptr_nonnull(srv_s6_session_create(t, b, "y", 0));
	/* Using a at 900 keeps it alive until 1900. */
	ck_assert_ptr_nonnull(srv_s6_session_find(t, a, sizeof a, 900));
	ck_assert_ptr_nonnull(srv_s6_session_find(t, a, sizeof a, 1800));
	ck_assert_ptr_null(srv_s6_session_find(t, b, sizeof b, 1800)); /* idle 1800 */
	ck_assert_uint_eq(t->n, 1);
	srv_s6_sessions_expire(t, 2801);
	ck_assert_uint_eq(t->n, 0);
	srv_s6_sessions_free(t);
}
END_TEST

START_TEST(no_timeout_never_expires)
{
	srv_s6_sessions *t = srv_s6_sessions_new(2, 0);
	uint8_t a[SRV_S6_SESSION_ID_LEN];

	make_id(a, 1);
	ck_assert_ptr_nonnull(srv_s6_session_create(t, a, "x", 0));
	ck_assert_ptr_nonnull(srv_s6_session_find(t, a, sizeof a, UINT64_C(1) << 40));
	srv_s6_sessions_free(t);
}
END_TEST

START_TEST(cap_then_room_after_expiry)
{
	srv_s6_sessions *t = srv_s6_sessions_new(3, 1000);
	uint8_t id[SRV_S6_SESSION_ID_LEN];
	unsigned i;

	for (i = 0; i < 3; i++) {
		make_id(id, i);
		ck_assert_ptr_nonnull(srv_s6_session_create(t, id, "u", i * 100));
	}
	make_id(id, 3);
	ck_assert_ptr_null(srv_s6_session_create(t, id, "u", 500));   /* full */
	ck_assert_uint_eq(t->n, 3);
	/* At 1150 the session of time 0 and 100 are idle over 1000. */
	ck_assert_ptr_nonnull(srv_s6_session_create(t, id, "u", 1150));
	ck_assert_uint_eq(t->n, 2);
	make_id(id, 0);
	ck_assert_ptr_null(srv_s6_session_find(t, id, sizeof id, 1150));
	srv_s6_sessions_free(t);
}
END_TEST

START_TEST(one_window_clamped_and_spent)
{
	srv_s6_sessions *t = srv_s6_sessions_new(2, 0);
	uint8_t id[SRV_S6_SESSION_ID_LEN];
	srv_s6_session *s;

	make_id(id, 7);
	s = srv_s6_session_create(t, id, "u", 0);
	ck_assert(!srv_s6_session_issue_window(s, 0, 64, 10));        /* empty */
	ck_assert(srv_s6_session_issue_window(s, 1000, 64, 0xfffffff0u));
	ck_assert_uint_eq(s->ledger.size, 64);                          /* --token-window */
	ck_assert_uint_eq(s->ledger.base, 0xfffffff0u);
	ck_assert(!srv_s6_session_issue_window(s, 8, 64, 5));          /* only one */
	ck_assert(s6_token_ledger_spend(&s->ledger, 0xfffffff0u));
	ck_assert(!s6_token_ledger_spend(&s->ledger, 0xfffffff0u));    /* replay */
	ck_assert(s6_token_ledger_spend(&s->ledger, 0x00000002u));     /* wraps */
	ck_assert(!s6_token_ledger_spend(&s->ledger, 0x7fffffffu));    /* outside */
	srv_s6_sessions_free(t);
}
END_TEST

START_TEST(window_limited_by_ledger)
{
	srv_s6_sessions *t = srv_s6_sessions_new(1, 0);
	uint8_t id[SRV_S6_SESSION_ID_LEN];
	srv_s6_session *s;

	make_id(id, 1);
	s = srv_s6_session_create(t, id, "u", 0);
	ck_assert(srv_s6_session_issue_window(s, 100000, 100000, 1));
	ck_assert_uint_eq(s->ledger.size, S6_TOKEN_LEDGER_MAX);
	srv_s6_sessions_free(t);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("srv_s6_session");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, create_find_delete);
	tcase_add_test(tc, idle_expiry_restarts_on_use);
	tcase_add_test(tc, no_timeout_never_expires);
	tcase_add_test(tc, cap_then_room_after_expiry);
	tcase_add_test(tc, one_window_clamped_and_spent);
	tcase_add_test(tc, window_limited_by_ledger);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(session_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
