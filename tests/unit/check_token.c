/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <stdlib.h>
#include "s6_token.h"

START_TEST(test_modular_order)
{
	ck_assert(s6_token_lt(1, 2));
	ck_assert(!s6_token_lt(2, 1));
	ck_assert(!s6_token_lt(5, 5));
	/* Across the wrap: 0xffffffff comes before 0. */
	ck_assert(s6_token_lt(0xffffffffu, 0));
	ck_assert(!s6_token_lt(0, 0xffffffffu));
	/* Exactly half the space apart: neither is less (d = 2^31 is excluded). */
	ck_assert(!s6_token_lt(0, 0x80000000u));
	ck_assert(!s6_token_lt(0x80000000u, 0));
	ck_assert(s6_token_lt(0, 0x7fffffffu));
}
END_TEST

START_TEST(test_window_membership)
{
	ck_assert(s6_token_in_window(10, 10, 1));
	ck_assert(!s6_token_in_window(11, 10, 1));
	ck_assert(!s6_token_in_window(9, 10, 5));
	ck_assert(s6_token_in_window(2, 0xfffffffeu, 5)); /* wraps */
	ck_assert(!s6_token_in_window(3, 0xfffffffeu, 5));
	ck_assert(!s6_token_size_valid(0));
	ck_assert(!s6_token_size_valid(0x80000000u));
	ck_assert(s6_token_size_valid(0x7fffffffu));
}
END_TEST

START_TEST(test_client_takes_smallest_first)
{
	s6_token_window w;
	uint32_t t;

	s6_token_window_init(&w);
	ck_assert(!s6_token_window_take(&w, &t)); /* no window yet */
	ck_assert(s6_token_window_advertise(&w, 100, 3));
	ck_assert_uint_eq(s6_token_window_left(&w), 3);
	for (uint32_t want = 100; want < 103; want++) {
		ck_assert(s6_token_window_take(&w, &t));
		ck_assert_uint_eq(t, want);
	}
	ck_assert(!s6_token_window_take(&w, &t)); /* exhausted */
	ck_assert_uint_eq(s6_token_window_left(&w), 0);
}
END_TEST

START_TEST(test_client_window_shift_and_order)
{
	s6_token_window w;
	uint32_t t;

	s6_token_window_init(&w);
	ck_assert(s6_token_window_advertise(&w, 100, 4));
	ck_assert(s6_token_window_take(&w, &t) && t == 100);
	/* The proxy shifted past 101 and 102: they are gone. */
	ck_assert(s6_token_window_advertise(&w, 103, 4));
	ck_assert(s6_token_window_take(&w, &t));
	ck_assert_uint_eq(t, 103);
	/* An older advertisement arriving late is disregarded. */
	ck_assert(!s6_token_window_advertise(&w, 101, 10));
	ck_assert_uint_eq(w.base, 103);
	ck_assert_uint_eq(s6_token_window_left(&w), 3);
	/* A shift that does not pass our cursor keeps it. */
	ck_assert(s6_token_window_advertise(&w, 104, 4));
	ck_assert(s6_token_window_take(&w, &t) && t == 104);
	/* Invalid sizes are refused without changing anything. */
	ck_assert(!s6_token_window_advertise(&w, 200, 0));
	ck_assert(!s6_token_window_advertise(&w, 200, 0x80000000u));
	ck_assert_uint_eq(w.base, 104);
}
END_TEST

START_TEST(test_client_wraps)
{
	s6_token_window w;
	uint32_t t;

	s6_token_window_init(&w);
	ck_assert(s6_token_window_advertise(&w, 0xfffffffeu, 4));
	ck_assert(s6_token_window_take(&w, &t) && t == 0xfffffffeu);
	ck_assert(s6_token_window_take(&w, &t) && t == 0xffffffffu);
	ck_assert(s6_token_window_take(&w, &t) && t == 0);
	ck_assert(s6_token_window_take(&w, &t) && t == 1);
	ck_assert(!s6_token_window_take(&w, &t));
	/* A base past the wrap is newer, not older. */
	ck_assert(s6_token_window_advertise(&w, 2, 4));
	ck_assert(s6_token_window_take(&w, &t) && t == 2);
}
END_TEST

START_TEST(test_ledger_spend_once)
{
	s6_token_ledger *l = calloc(1, sizeof *l);

	ck_assert(!s6_token_ledger_spend(l, 5)); /* no window issued */
	ck_assert(s6_token_ledger_issue(l, 1000, 8));
	ck_assert(!s6_token_ledger_issue(l, 2000, 8)); /* one window per session */
	ck_assert(s6_token_ledger_spend(l, 1001));
	ck_assert(!s6_token_ledger_spend(l, 1001)); /* replay rejected */
	ck_assert(!s6_token_ledger_spend(l, 999));  /* below the window */
	ck_assert(!s6_token_ledger_spend(l, 1008)); /* above the window */
	ck_assert_uint_eq(l->base, 1000);           /* 1000 still unspent */
	ck_assert(s6_token_ledger_spend(l, 1000));
	ck_assert_uint_eq(l->base, 1002);           /* shifted past the spent prefix */
	ck_assert_uint_eq(l->size, 8);
	ck_assert(s6_token_ledger_spend(l, 1009));  /* newly inside after the shift */
	free(l);
}
END_TEST

START_TEST(test_ledger_high_token_shift)
{
	s6_token_ledger *l = calloc(1, sizeof *l);

	ck_assert(s6_token_ledger_issue(l, 0, 16));
	/* Spending the top token slides the window so it sits mid-window. */
	ck_assert(s6_token_ledger_spend(l, 15));
	ck_assert_uint_eq(l->base, 7);
	ck_assert(!s6_token_ledger_spend(l, 3));  /* forfeited by the shift */
	ck_assert(!s6_token_ledger_spend(l, 15)); /* still spent */
	ck_assert(s6_token_ledger_spend(l, 22));
	free(l);
}
END_TEST

START_TEST(test_ledger_never_past_highest_unspent)
{
	s6_token_ledger *l = calloc(1, sizeof *l);

	ck_assert(s6_token_ledger_issue(l, 0, 8));
	for (uint32_t t = 2; t <= 5; t++) /* low tokens: no shift, 0 unspent */
		ck_assert(s6_token_ledger_spend(l, t));
	ck_assert_uint_eq(l->base, 0);
	/* The top token slides the window (0 and 1 are forfeited) but it stops
	 * at 6, the highest token still unspent. */
	ck_assert(s6_token_ledger_spend(l, 7));
	ck_assert_uint_eq(l->base, 6);
	ck_assert(s6_token_ledger_spend(l, 6));
	ck_assert_uint_eq(l->base, 8);
	free(l);
}
END_TEST

/* Property: whatever is spent, the highest unspent token of the window
 * before a spend is still inside the window after it. */
START_TEST(test_ledger_shift_property)
{
	s6_token_ledger *l = calloc(1, sizeof *l);
	unsigned seed = 12345;

	ck_assert(s6_token_ledger_issue(l, 0xfffffff8u, 64));
	for (int i = 0; i < 5000; i++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t t = l->base + (seed >> 8) % l->size;
		uint32_t highest = l->base;
		bool any = false;
		for (uint32_t off = 0; off < l->size; off++) {
			size_t b = (l->base + off) % S6_TOKEN_LEDGER_MAX;
			if (!(l->spent[b / 8] & (1u << (b % 8))) && l->base + off != t)
				highest = l->base + off, any = true;
		}
		bool fresh = !(l->spent[(t % S6_TOKEN_LEDGER_MAX) / 8] & (1u << (t % S6_TOKEN_LEDGER_MAX % 8)));
		ck_assert(s6_token_ledger_spend(l, t) == fresh);
		if (any)
			ck_assert(s6_token_in_window(highest, l->base, l->size));
	}
	free(l);
}
END_TEST

START_TEST(test_ledger_clamp_and_wrap)
{
	s6_token_ledger *l = calloc(1, sizeof *l);

	ck_assert(s6_token_ledger_issue(l, 0xfffffff0u, 0x7fffffffu));
	ck_assert_uint_eq(l->size, S6_TOKEN_LEDGER_MAX);
	/* Spend through the wrap in order; the bitmap reuses bits correctly. */
	for (uint32_t i = 0; i < 3 * S6_TOKEN_LEDGER_MAX; i++)
		ck_assert(s6_token_ledger_spend(l, 0xfffffff0u + i));
	ck_assert_uint_eq(l->base, 0xfffffff0u + 3 * S6_TOKEN_LEDGER_MAX);
	ck_assert(!s6_token_ledger_spend(l, 5)); /* long gone */
	free(l);
}
END_TEST

START_TEST(test_client_and_ledger_agree)
{
	/* A client spending through a proxy ledger: every token it takes is
	 * accepted, and replaying any of them is rejected. */
	s6_token_ledger *l = calloc(1, sizeof *l);
	s6_token_window w;
	uint32_t t;

	s6_token_window_init(&w);
	ck_assert(s6_token_ledger_issue(l, 7, 32));
	ck_assert(s6_token_window_advertise(&w, l->base, l->size));
	for (int i = 0; i < 200; i++) {
		if (!s6_token_window_take(&w, &t))
			ck_assert(s6_token_window_advertise(&w, l->base, l->size) &&
				  s6_token_window_take(&w, &t));
		ck_assert(s6_token_ledger_spend(l, t));
		ck_assert(!s6_token_ledger_spend(l, t));
		s6_token_window_advertise(&w, l->base, l->size);
	}
	free(l);
}
END_TEST

static Suite *token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("token");

	tcase_add_test(tc, test_modular_order);
	tcase_add_test(tc, test_window_membership);
	tcase_add_test(tc, test_client_takes_smallest_first);
	tcase_add_test(tc, test_client_window_shift_and_order);
	tcase_add_test(tc, test_client_wraps);
	tcase_add_test(tc, test_ledger_spend_once);
	tcase_add_test(tc, test_ledger_high_token_shift);
	tcase_add_test(tc, test_ledger_never_past_highest_unspent);
	tcase_add_test(tc, test_ledger_shift_property);
	tcase_add_test(tc, test_ledger_clamp_and_wrap);
	tcase_add_test(tc, test_client_and_ledger_agree);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(token_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
