/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "s6_s6sess.h"

static const uint8_t ID[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t ID2[4] = {9, 9, 9, 9};

/* An answer carrying a Session ID and, when size > 0, a token window. */
static s6_s6_client_result created(const uint8_t *id, size_t len, uint32_t base, uint32_t size)
{
	s6_s6_client_result r;

	memset(&r, 0, sizeof r);
	r.has_session_id = true;
	memcpy(r.session_id, id, len);
	r.session_id_len = len;
	r.has_idem_window = size > 0;
	r.idem_base = base;
	r.idem_size = size;
	return r;
}

/* Open a session with ID and window [base, base + size). */
static void open_session(s6_s6sess *s, uint32_t base, uint32_t size)
{
	s6_s6sess_ticket t;
	s6_s6sess_outcome o;
	s6_s6_client_result r = created(ID, sizeof ID, base, size);

	s6_s6sess_plan(s, true, 16, false, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
	s6_s6sess_apply(s, &t, &r, 42, &o);
	ck_assert(o.created);
	ck_assert(s->valid);
}

START_TEST(test_create_then_reuse)
{
	s6_s6sess s;
	s6_s6sess_ticket t1, t2, t3;
	s6_s6sess_outcome o;
	s6_s6_client_result r = created(ID, sizeof ID, 100, 16), ok;

	s6_s6sess_init(&s);
	s6_s6sess_plan(&s, true, 16, true, &t1);
	ck_assert_int_eq(t1.role, S6_S6SESS_REQUEST);
	ck_assert_uint_eq(t1.window_request, 16);
	ck_assert(!t1.spend); /* no window yet: nothing to spend */
	/* A second request while the first is in flight does not wait. */
	s6_s6sess_plan(&s, true, 16, true, &t2);
	ck_assert_int_eq(t2.role, S6_S6SESS_NONE);
	s6_s6sess_apply(&s, &t1, &r, 42, &o);
	ck_assert(o.created && o.window_applied);
	ck_assert_int_eq(s.owner, 42);
	/* The late answer of the request made outside the session changes nothing. */
	memset(&ok, 0, sizeof ok);
	s6_s6sess_apply(&s, &t2, &ok, 7, &o);
	ck_assert(!o.created && !o.reused);
	ck_assert(s.valid && s.owner == 42);
	s6_s6sess_plan(&s, true, 16, false, &t3);
	ck_assert_int_eq(t3.role, S6_S6SESS_USE);
	ck_assert_uint_eq(t3.id_len, sizeof ID);
	ck_assert_mem_eq(t3.id, ID, sizeof ID);
	ck_assert(!t3.spend);
	ok.session_ok = true;
	s6_s6sess_apply(&s, &t3, &ok, 7, &o);
	ck_assert(o.reused && !o.invalid && !o.created);
}
END_TEST

START_TEST(test_sessions_off_and_declined)
{
	s6_s6sess s;
	s6_s6sess_ticket t;
	s6_s6sess_outcome o;
	s6_s6_client_result none;

	s6_s6sess_init(&s);
	s6_s6sess_plan(&s, false, 16, true, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_NONE);
	ck_assert(!s.requesting);
	/* The proxy silently declines: the next request asks again. */
	memset(&none, 0, sizeof none);
	s6_s6sess_plan(&s, true, 0, false, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
	ck_assert_uint_eq(t.window_request, 0);
	s6_s6sess_apply(&s, &t, &none, 1, &o);
	ck_assert(!o.created && !s.valid && !s.requesting);
	s6_s6sess_plan(&s, true, 0x80000000u, false, &t); /* invalid size: no window asked */
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
	ck_assert_uint_eq(t.window_request, 0);
	/* An attempt that got no answer gives the Session Request back. */
	s6_s6sess_abandon(&s, &t);
	ck_assert(!s.requesting);
	s6_s6sess_plan(&s, true, 4, false, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
	s6_s6sess_after_fork(&s);
	ck_assert(!s.requesting);
}
END_TEST

START_TEST(test_invalidate)
{
	s6_s6sess s;
	s6_s6sess_ticket use, old, again;
	s6_s6sess_outcome o;
	s6_s6_client_result inval, fresh = created(ID2, sizeof ID2, 0, 0);

	s6_s6sess_init(&s);
	open_session(&s, 0, 8);
	s6_s6sess_plan(&s, true, 16, false, &use);
	s6_s6sess_plan(&s, true, 16, false, &old);
	memset(&inval, 0, sizeof inval);
	inval.session_invalid = true;
	s6_s6sess_apply(&s, &use, &inval, 1, &o);
	ck_assert(o.invalid && !o.reused);
	ck_assert(!s.valid && !s.window.valid);
	/* The next request asks for a new session, with credentials. */
	s6_s6sess_plan(&s, true, 16, true, &again);
	ck_assert_int_eq(again.role, S6_S6SESS_REQUEST);
	s6_s6sess_apply(&s, &again, &fresh, 43, &o);
	ck_assert(o.created);
	ck_assert_mem_eq(s.id, ID2, sizeof ID2);
	/* A late "invalid" about the old session leaves the new one alone. */
	s6_s6sess_apply(&s, &old, &inval, 1, &o);
	ck_assert(!o.invalid);
	ck_assert(s.valid && s.owner == 43);
}
END_TEST

START_TEST(test_tokens_spend_and_advertise)
{
	s6_s6sess s;
	s6_s6sess_ticket t;
	s6_s6sess_outcome o;
	s6_s6_client_result r;

	s6_s6sess_init(&s);
	open_session(&s, 1000, 3);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert(t.spend);
	ck_assert_uint_eq(t.token, 1000); /* the smallest first */
	memset(&r, 0, sizeof r);
	r.session_ok = r.idem_accepted = true;
	r.has_idem_window = true;
	r.idem_base = 1001; /* the proxy shifted past the spent token */
	r.idem_size = 3;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(o.token_accepted && !o.token_rejected && o.window_applied);
	ck_assert_uint_eq(s.window.base, 1001);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert_uint_eq(t.token, 1001);
	/* An advertisement older than the one known is ignored. */
	r.idem_base = 900;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(!o.window_applied);
	ck_assert_uint_eq(s.window.base, 1001);
	/* The same window repeated is no news. */
	r.idem_base = 1001;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(!o.window_applied);
	/* Not spending leaves the window alone. */
	s6_s6sess_plan(&s, true, 16, false, &t);
	ck_assert(!t.spend);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert_uint_eq(t.token, 1002);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert_uint_eq(t.token, 1003);
	s6_s6sess_plan(&s, true, 16, true, &t); /* window [1001, 1004) used up */
	ck_assert_int_eq(t.role, S6_S6SESS_USE);
	ck_assert(!t.spend);
}
END_TEST

START_TEST(test_token_rejected)
{
	s6_s6sess s;
	s6_s6sess_ticket t, retry;
	s6_s6sess_outcome o;
	s6_s6_client_result r;

	s6_s6sess_init(&s);
	open_session(&s, 5, 4);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert(t.spend && t.token == 5);
	memset(&r, 0, sizeof r);
	r.idem_rejected = true;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(o.token_rejected && !o.token_accepted);
	ck_assert(s.valid); /* a rejection does not end the session */
	/* The retry goes without a token; the rejected one is never reused. */
	s6_s6sess_plan(&s, true, 16, false, &retry);
	ck_assert_int_eq(retry.role, S6_S6SESS_USE);
	ck_assert(!retry.spend);
	s6_s6sess_plan(&s, true, 16, true, &retry);
	ck_assert_uint_eq(retry.token, 6);
	/* Outcomes say nothing about tokens a ticket did not spend. */
	s6_s6sess_plan(&s, true, 16, false, &t);
	r.idem_accepted = true;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(!o.token_rejected && !o.token_accepted);
}
END_TEST

START_TEST(test_out_of_order_window_wraps)
{
	s6_s6sess s;
	s6_s6sess_ticket t;
	s6_s6sess_outcome o;
	s6_s6_client_result r;

	s6_s6sess_init(&s);
	open_session(&s, 0xfffffffeu, 4);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert_uint_eq(t.token, 0xfffffffeu);
	memset(&r, 0, sizeof r);
	r.has_idem_window = true;
	r.idem_base = 1; /* across the wrap: newer */
	r.idem_size = 4;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(o.window_applied);
	s6_s6sess_plan(&s, true, 16, true, &t);
	ck_assert_uint_eq(t.token, 1);
	r.idem_base = 0xffffffffu; /* older than 1 modulo 2^32 */
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(!o.window_applied);
	ck_assert_uint_eq(s.window.base, 1);
}
END_TEST

START_TEST(test_teardown_owner_only)
{
	s6_s6sess s;
	uint8_t id[S6_S6_SESSION_ID_MAX];
	uint16_t len = 0;
	s6_s6sess_ticket t;

	s6_s6sess_init(&s);
	ck_assert(!s6_s6sess_take_for_teardown(&s, 42, id, &len));
	open_session(&s, 0, 4);
	ck_assert(!s6_s6sess_take_for_teardown(&s, 43, id, &len)); /* a child */
	ck_assert(s.valid);
	ck_assert(s6_s6sess_take_for_teardown(&s, 42, id, &len));
	ck_assert_uint_eq(len, sizeof ID);
	ck_assert_mem_eq(id, ID, sizeof ID);
	ck_assert(!s.valid);
	ck_assert(!s6_s6sess_take_for_teardown(&s, 42, id, &len));
	/* After a teardown, the next request would open a new session. */
	s6_s6sess_plan(&s, true, 16, false, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
}
END_TEST

START_TEST(test_bad_session_id_ignored)
{
	s6_s6sess s;
	s6_s6sess_ticket t;
	s6_s6sess_outcome o;
	s6_s6_client_result r = created(ID, sizeof ID, 0, 0);

	s6_s6sess_init(&s);
	s6_s6sess_plan(&s, true, 16, false, &t);
	r.session_id_len = 0;
	s6_s6sess_apply(&s, &t, &r, 1, &o);
	ck_assert(!o.created && !s.valid && !s.requesting);
}
END_TEST

static Suite *s6sess_suite(void)
{
	Suite *s = suite_create("s6sess");
	TCase *tc = tcase_create("s6sess");

	tcase_add_test(tc, test_create_then_reuse);
	tcase_add_test(tc, test_sessions_off_and_declined);
	tcase_add_test(tc, test_invalidate);
	tcase_add_test(tc, test_tokens_spend_and_advertise);
	tcase_add_test(tc, test_token_rejected);
	tcase_add_test(tc, test_out_of_order_window_wraps);
	tcase_add_test(tc, test_teardown_owner_only);
	tcase_add_test(tc, test_bad_session_id_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(s6sess_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
