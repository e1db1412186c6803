/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure parts of the server's "DNS provided by SOCKS" service (RFC 7766
 * framing, query check, SERVFAIL answer, log description) and the generic
 * job entry of the resolver pool that runs its queries. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srv_loop.h"
#include "srv_resolve.h"
#include "srv_s6_dns_msg.h"

/* id 0x1234, RD, one question example.org A IN. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
	0x00, 0x01, 0x00, 0x01,
};

START_TEST(frame_incremental)
{
	uint8_t buf[2 + sizeof query + 3];
	size_t mlen = 0, used = 0, need = 0;

	buf[0] = 0;
	buf[1] = sizeof query;
	memcpy(buf + 2, query, sizeof query);
	memcpy(buf + 2 + sizeof query, "\x00\x05x", 3); /* start of the next */
	ck_assert_int_eq(srv_dns_frame(buf, 0, &mlen, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 2);
	ck_assert_int_eq(srv_dns_frame(buf, 1, &mlen, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 1);
	ck_assert_int_eq(srv_dns_frame(buf, 10, &mlen, &used, &need), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 2 + sizeof query - 10);
	ck_assert_int_eq(srv_dns_frame(buf, sizeof buf, &mlen, &used, &need), S6_OK);
	ck_assert_uint_eq(mlen, sizeof query);
	ck_assert_uint_eq(used, 2 + sizeof query);
	ck_assert_int_eq(srv_dns_frame(buf + used, 3, &mlen, &used, &need),
			 S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 4);
	ck_assert_int_eq(srv_dns_frame((const uint8_t *)"\0\0", 2, &mlen, &used, &need),
			 S6_ERR_MALFORMED);
}
END_TEST

START_TEST(frame_largest)
{
	uint8_t *buf = calloc(1, SRV_DNS_FRAME_MAX);
	size_t mlen = 0, used = 0, need = 0;

	ck_assert_ptr_nonnull(buf);
	buf[0] = buf[1] = 0xff;
	ck_assert_int_eq(srv_dns_frame(buf, SRV_DNS_FRAME_MAX, &mlen, &used, &need), S6_OK);
	ck_assert_uint_eq(mlen, 65535);
	ck_assert_uint_eq(used, 65537);
	free(buf);
}
END_TEST

START_TEST(query_check)
{
	uint8_t m[sizeof query];

	ck_assert(srv_dns_is_query(query, sizeof query));
	ck_assert(!srv_dns_is_query(query, 11));               /* no header */
	ck_assert(!srv_dns_is_query(query, sizeof query - 1)); /* cut question */
	memcpy(m, query, sizeof m);
	m[2] |= 0x80;                                           /* a response */
	ck_assert(!srv_dns_is_query(m, sizeof m));
	memcpy(m, query, sizeof m);
	m[2] |= 0x28;                                           /* opcode 5: UPDATE */
	ck_assert(!srv_dns_is_query(m, sizeof m));
	memcpy(m, query, sizeof m);
	m[5] = 0;                                               /* no question */
	ck_assert(!srv_dns_is_query(m, sizeof m));
	memcpy(m, query, sizeof m);
	m[5] = 2;                                               /* one missing */
	ck_assert(!srv_dns_is_query(m, sizeof m));
	memcpy(m, query, sizeof m);
	m[12] = 0x47;                                           /* label 71 runs out */
	ck_assert(!srv_dns_is_query(m, sizeof m));
	memcpy(m, query, sizeof m);
	m[12] = 0x80;                                           /* reserved label type */
	ck_assert(!srv_dns_is_query(m, sizeof m));
}
END_TEST

START_TEST(servfail_answer)
{
	uint8_t out[64], m[sizeof query];
	size_t n = 0;

	ck_assert_int_eq(srv_dns_servfail(query, sizeof query, out, sizeof out, &n), S6_OK);
	ck_assert_uint_eq(n, sizeof query);
	ck_assert_int_eq(out[0], 0x12);
	ck_assert_int_eq(out[1], 0x34);
	ck_assert_int_eq(out[2], 0x81);            /* QR, opcode 0, RD */
	ck_assert_int_eq(out[3], 0x82);            /* RA, SERVFAIL */
	ck_assert_uint_eq(srv_dns_rcode(out, n), SRV_DNS_RCODE_SERVFAIL);
	ck_assert_int_eq(out[5], 1);
	ck_assert_int_eq(out[6] | out[7] | out[8] | out[9] | out[10] | out[11], 0);
	ck_assert_int_eq(memcmp(out + 12, query + 12, sizeof query - 12), 0);
	ck_assert_int_eq(srv_dns_servfail(query, sizeof query, out, sizeof query - 1, &n),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(srv_dns_servfail(query, 11, out, sizeof out, &n), S6_ERR_MALFORMED);
	/* A question that does not parse is left out. */
	memcpy(m, query, sizeof m);
	m[12] = 0x47;
	ck_assert_int_eq(srv_dns_servfail(m, sizeof m, out, sizeof out, &n), S6_OK);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(out[4] | out[5], 0);
}
END_TEST

START_TEST(describe_for_logs)
{
	char buf[64];
	uint8_t m[sizeof query];

	srv_dns_describe(query, sizeof query, buf, sizeof buf);
	ck_assert_str_eq(buf, "example.org./1");
	memcpy(m, query, sizeof m);
	m[14] = '\n';
	m[sizeof m - 3] = 28;
	srv_dns_describe(m, sizeof m, buf, sizeof buf);
	ck_assert_str_eq(buf, "e?ample.org./28");
	srv_dns_describe(query, 11, buf, sizeof buf);
	ck_assert_str_eq(buf, "?");
	srv_dns_describe(query, sizeof query, buf, 6);
	ck_assert_uint_lt(strlen(buf), 6);
}
END_TEST

/* ---- srv_resolve_run: work on a worker, done on the loop, arg handed over */

typedef struct job_arg {
	int in, out;
} job_arg;

static srv_loop loop;
static srv_resolver *resolver;
static job_arg *got;
static int done_calls;

static void work_square(void *arg)
{
	job_arg *a = arg;

	a->out = a->in * a->in;
}

static void job_finished(void *owner, void *arg)
{
	ck_assert_ptr_eq(owner, &loop);
	got = arg;
	done_calls++;
	srv_loop_stop(&loop);
}

static void deadline(srv_timer *t)
{
	(void)t;
	srv_loop_stop(&loop);
}

static void job_setup(void)
{
	ck_assert(srv_loop_init(&loop));
	resolver = srv_resolver_new(&loop, 1);
	ck_assert_ptr_nonnull(resolver);
	got = NULL;
	done_calls = 0;
}

static void job_teardown(void)
{
	srv_resolver_free(resolver);
	srv_loop_fini(&loop);
}

START_TEST(run_job_hands_arg_over)
{
	job_arg *a = calloc(1, sizeof *a);
	srv_timer t;

	a->in = 7;
	ck_assert_ptr_nonnull(srv_resolve_run(resolver, work_square, a, job_finished, &loop));
	srv_timer_init(&t, deadline, NULL);
	srv_timer_arm(&loop, &t, 5000);
	ck_assert(srv_loop_run(&loop));
	srv_timer_stop(&loop, &t);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_ptr_eq(got, a);
	ck_assert_int_eq(got->out, 49);
	free(got);
}
END_TEST

/* A cancelled job never calls back; its arg is freed by the pool (the
 * sanitizer build reports a leak otherwise). */
START_TEST(cancelled_job_frees_arg)
{
	job_arg *a = calloc(1, sizeof *a);
	srv_resolve_job *j = srv_resolve_run(resolver, work_square, a, job_finished, &loop);
	srv_timer t;

	ck_assert_ptr_nonnull(j);
	srv_resolve_cancel(resolver, j);
	srv_timer_init(&t, deadline, NULL);
	srv_timer_arm(&loop, &t, 200);
	ck_assert(srv_loop_run(&loop));
	ck_assert_int_eq(done_calls, 0);
}
END_TEST

static Suite *dns_suite(void)
{
	Suite *s = suite_create("srv_s6_dns");
	TCase *tm = tcase_create("msg");
	TCase *tj = tcase_create("job");

	tcase_add_test(tm, frame_incremental);
	tcase_add_test(tm, frame_largest);
	tcase_add_test(tm, query_check);
	tcase_add_test(tm, servfail_answer);
	tcase_add_test(tm, describe_for_logs);
	suite_add_tcase(s, tm);
	tcase_add_checked_fixture(tj, job_setup, job_teardown);
	tcase_add_test(tj, run_job_hands_arg_over);
	tcase_add_test(tj, cancelled_job_frees_arg);
	suite_add_tcase(s, tj);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
