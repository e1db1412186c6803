/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNAME chains in DNS responses: order of records, case, escapes, loops
 * and long chains, every truncation, compression pointers that point
 * forwards or loop, oversized names, bad labels and RDATA. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_dns_cname.h"

typedef struct msg {
	uint8_t b[4096];
	size_t n;
} msg;

static void put(msg *m, const void *p, size_t n)
{
	ck_assert_uint_le(m->n + n, sizeof m->b);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(msg *m, uint16_t v)
{
	uint8_t b[2];

	s6_put_u16be(b, v);
	put(m, b, 2);
}

/* A dotted name, uncompressed; "\x01" in a label stays a byte. */
static void put_name(msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		uint8_t lb = (uint8_t)l;

		put(m, &lb, 1);
		put(m, name, l);
		name += l + (dot ? 1 : 0);
	}
	put(m, "", 1);
}

static void put_ptr(msg *m, uint16_t to)
{
	put16(m, (uint16_t)(0xc000 | to));
}

static void start(msg *m, const char *qname, uint16_t an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, 1);
	put16(m, 1);
}

/* Record header after the owner: type, class IN, TTL 60, RDLENGTH. */
static void rr_head(msg *m, uint16_t type, uint16_t rdlen)
{
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, rdlen);
}

static void cname(msg *m, const char *owner, const char *target)
{
	msg t = { .n = 0 };

	put_name(m, owner);
	put_name(&t, target);
	rr_head(m, 5, (uint16_t)t.n);
	put(m, t.b, t.n);
}

static void a_rr(msg *m, const char *owner)
{
	put_name(m, owner);
	rr_head(m, 1, 4);
	put(m, "\xc6\x12\x00\x01", 4);
}

static char out[S6_DNS_CNAME_MAX][S6_DNS_NAME_MAX];

static s6_err chain(const msg *m, size_t max, size_t *n)
{
	const char *why = NULL;
	s6_err e = s6_dns_cname_chain(m->b, m->n, out, max, n, &why);

	if (e != S6_OK)
		ck_assert_ptr_nonnull(why);
	return e;
}

START_TEST(test_chain)
{
	msg m;
	size_t n = 99;

	/* The usual shape: the owner compressed to the question. */
	start(&m, "www.site.test", 3);
	put_ptr(&m, 12);
	{
		msg t = { .n = 0 };

		put_name(&t, "trk.tracker.test");
		rr_head(&m, 5, (uint16_t)t.n);
		put(&m, t.b, t.n);
	}
	cname(&m, "trk.tracker.test", "web.cip.test");
	a_rr(&m, "web.cip.test");
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0], "trk.tracker.test");
	ck_assert_str_eq(out[1], "web.cip.test");

	/* Any order, any case. */
	start(&m, "WWW.Site.test", 3);
	a_rr(&m, "web.cip.test");
	cname(&m, "TRK.tracker.TEST", "web.cip.test");
	cname(&m, "www.SITE.test", "Trk.Tracker.Test");
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0], "Trk.Tracker.Test");
	ck_assert_str_eq(out[1], "web.cip.test");

	/* No CNAME; a CNAME of another class or owner is not a link. */
	start(&m, "web.cip.test", 2);
	a_rr(&m, "web.cip.test");
	cname(&m, "other.test", "x.test");
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
	ck_assert_uint_eq(n, 0);
	start(&m, "a.test", 1);
	put_name(&m, "a.test");
	put16(&m, 5);
	put16(&m, 3);      /* class CH */
	put16(&m, 0);
	put16(&m, 60);
	put16(&m, 8);
	put_name(&m, "b.test");
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_escapes)
{
	msg m;
	size_t n;

	start(&m, "a.test", 2);
	{
		/* Labels "dot.label" and "back\slash" are single labels. */
		msg t = { .n = 0 };

		put(&t, "\x09" "dot.label" "\x07" "example" "\x00", 19);
		put_name(&m, "a.test");
		rr_head(&m, 5, (uint16_t)t.n);
		put(&m, t.b, t.n);
		t.n = 0;
		put(&t, "\x0a" "back\\slash" "\x07" "example" "\x00", 20);
		put(&m, "\x09" "dot.label" "\x07" "example" "\x00", 19);
		rr_head(&m, 5, (uint16_t)t.n);
		put(&m, t.b, t.n);
	}
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0], "dot\\.label.example");
	ck_assert_str_eq(out[1], "back\\\\slash.example");
}
END_TEST

START_TEST(test_loops_and_length)
{
	msg m;
	size_t n;
	char a[32], b[32];

	start(&m, "a.test", 2);
	cname(&m, "a.test", "b.test");
	cname(&m, "b.test", "a.test");
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(n, S6_DNS_CNAME_MAX);
	/* Exactly max links pass, one more does not. */
	start(&m, "n0.test", 4);
	for (int i = 0; i < 4; i++) {
		snprintf(a, sizeof a, "n%d.test", i);
		snprintf(b, sizeof b, "n%d.test", i + 1);
		cname(&m, a, b);
	}
	ck_assert_int_eq(chain(&m, 4, &n), S6_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(out[3], "n4.test");
	ck_assert_int_eq(chain(&m, 3, &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(chain(&m, 0, &n), S6_ERR_TOO_LONG);
}
END_TEST

START_TEST(test_truncated)
{
	msg m, cut;
	size_t n;

	start(&m, "www.site.test", 3);
	cname(&m, "www.site.test", "trk.tracker.test");
	cname(&m, "trk.tracker.test", "web.cip.test");
	a_rr(&m, "web.cip.test");
	/* The last step reads every record: each cut is noticed. */
	for (size_t k = 0; k < m.n; k++) {
		memcpy(cut.b, m.b, k);
		cut.n = k;
		ck_assert_int_eq(chain(&cut, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	}
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
}
END_TEST

START_TEST(test_bad_names)
{
	msg m;
	size_t n, mark;
	const char *why = NULL;

	/* A pointer to itself, and one pointing forwards. */
	start(&m, "a.test", 1);
	mark = m.n;
	put_ptr(&m, (uint16_t)mark);
	rr_head(&m, 5, 2);
	put_ptr(&m, 12);
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	start(&m, "a.test", 1);
	put_ptr(&m, (uint16_t)(m.n + 12));
	rr_head(&m, 5, 2);
	put_ptr(&m, 12);
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	/* A label, then a pointer back to that label: each pointer points
	 * backwards from where it stands, yet the name would never end. */
	start(&m, "a.test", 1);
	mark = m.n;
	put(&m, "\x01x", 2);
	put_ptr(&m, (uint16_t)mark);
	rr_head(&m, 5, 2);
	put_ptr(&m, 12);
	ck_assert_int_eq(s6_dns_cname_chain(m.b, m.n, out, 4, &n, &why), S6_ERR_MALFORMED);
	ck_assert_str_eq(why, "compression pointer does not point backwards");

	/* A target of five 63-byte labels: over 255 bytes. */
	start(&m, "a.test", 1);
	put_name(&m, "a.test");
	rr_head(&m, 5, 5 * 64 + 1);
	for (int i = 0; i < 5; i++) {
		put(&m, "\x3f", 1);
		for (int k = 0; k < 63; k++)
			put(&m, "x", 1);
	}
	put(&m, "", 1);
	ck_assert_int_eq(s6_dns_cname_chain(m.b, m.n, out, 4, &n, &why), S6_ERR_MALFORMED);
	ck_assert_str_eq(why, "name longer than 255 bytes");

	/* Label type 01, RDATA longer than its name, CNAME to the root, NUL. */
	start(&m, "a.test", 1);
	put_name(&m, "a.test");
	rr_head(&m, 5, 3);
	put(&m, "\x41xx", 3);
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	start(&m, "a.test", 1);
	put_name(&m, "a.test");
	rr_head(&m, 5, 10);
	put_name(&m, "b.test");
	put(&m, "zz", 2);
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	start(&m, "a.test", 1);
	cname(&m, "a.test", "");
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	start(&m, "a.test", 1);
	put_name(&m, "a.test");
	rr_head(&m, 5, 5);
	put(&m, "\x03" "a\0b" "\x00", 5);
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
}
END_TEST

START_TEST(test_header)
{
	msg m;
	size_t n;

	start(&m, "a.test", 1);
	cname(&m, "a.test", "b.test");
	m.b[2] &= 0x7f;           /* a query */
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	m.b[2] |= 0x80;
	m.b[5] = 2;               /* two questions */
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
	m.b[5] = 1;
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_OK);
	ck_assert_uint_eq(n, 1);
	/* ANCOUNT beyond the records present. */
	m.b[7] = 9;
	ck_assert_int_eq(chain(&m, S6_DNS_CNAME_MAX, &n), S6_ERR_MALFORMED);
}
END_TEST

static Suite *cname_suite(void)
{
	Suite *s = suite_create("dns_cname");
	TCase *tc = tcase_create("cname");

	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_loops_and_length);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_header);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cname_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
