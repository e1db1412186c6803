/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Handshake buffers: inline to start, on the heap up to S6_HS_MAX, and
 * expect_more() keeping a header while the rest of the message arrives. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "s6_bytes.h"
#include "s6_handshake.h"

/* The fake peer: serves `src` in chunks of at most `chunk`, records sends. */
static struct {
	const uint8_t *src;
	size_t len, off, chunk;
	uint8_t sent[S6_HS_MAX];
	size_t sent_len;
	size_t max_recv_ask;   /* the largest recv() length the driver asked for */
} peer;

static ssize_t fake_send(int fd, const void *buf, size_t len, int flags)
{
	size_t n = len > 3000 ? 3000 : len; /* partial sends */
	memcpy(peer.sent + peer.sent_len, buf, n);
	peer.sent_len += n;
	return (ssize_t)n;
}

static ssize_t fake_recv(int fd, void *buf, size_t len, int flags)
{
	if (len > peer.max_recv_ask)
		peer.max_recv_ask = len;
	if (peer.off == peer.len)
		return 0;
	size_t n = len < peer.chunk ? len : peer.chunk;
	if (n > peer.len - peer.off)
		n = peer.len - peer.off;
	memcpy(buf, peer.src + peer.off, n);
	peer.off += n;
	return (ssize_t)n;
}

static int fake_poll(struct pollfd *p, nfds_t n, int t)
{
	p[0].revents = p[0].events;
	return 1;
}

static const s6_io fake_io = {fake_send, fake_recv, fake_poll};

/* Test protocol: a 4-byte big-endian length, then that many bytes. */
static size_t body_seen;
static uint8_t body_first, body_last;

static s6_err lp_input(s6_hs *hs)
{
	const uint8_t *in = s6_hs_input(hs);

	if (hs->in_len == 4)
		return s6_hs_expect_more(hs, s6_get_u32be(in));
	/* The header is still in front of the body. */
	ck_assert_uint_eq(s6_get_u32be(in), hs->in_len - 4);
	body_seen = hs->in_len - 4;
	body_first = in[4];
	body_last = in[hs->in_len - 1];
	s6_hs_finish(hs);
	return S6_OK;
}

static const s6_hs_proto lp_proto = {"lp", lp_input};

static uint8_t *make_message(size_t body, size_t *len)
{
	uint8_t *m = malloc(4 + body + 16);
	s6_put_u32be(m, (uint32_t)body);
	for (size_t i = 0; i < body; i++)
		m[4 + i] = (uint8_t)(i * 7 + 1);
	memcpy(m + 4 + body, "APPLICATION DATA", 16);
	*len = 4 + body + 16;
	return m;
}

static void run_lp(size_t body, size_t chunk)
{
	size_t len;
	uint8_t *m = make_message(body, &len);
	uint8_t req[20000];
	s6_hs hs;

	memset(&peer, 0, sizeof peer);
	peer.src = m, peer.len = len, peer.chunk = chunk;
	memset(req, 0xab, sizeof req);
	s6_hs_init(&hs, &lp_proto);
	ck_assert_int_eq(s6_hs_queue(&hs, req, sizeof req), S6_OK);
	ck_assert_int_eq(s6_hs_expect(&hs, 4), S6_OK);
	ck_assert_int_eq(s6_hs_run(&hs, 3, &fake_io, 1000), S6_HS_DONE);
	ck_assert_uint_eq(peer.sent_len, sizeof req);
	ck_assert(memcmp(peer.sent, req, sizeof req) == 0);
	ck_assert_uint_eq(body_seen, body);
	ck_assert_uint_eq(body_first, 1);
	ck_assert_uint_eq(body_last, (uint8_t)((body - 1) * 7 + 1));
	/* Never read into what follows the message. */
	ck_assert_uint_eq(peer.off, 4 + body);
	ck_assert_uint_le(peer.max_recv_ask, body > 4 ? body : 4);
	s6_hs_release(&hs);
	free(m);
}

START_TEST(test_inline_small)
{
	run_lp(100, 7);
}
END_TEST

START_TEST(test_grows_to_heap)
{
	run_lp(20000, 1500); /* body and request both outgrow the inline buffers */
}
END_TEST

START_TEST(test_largest)
{
	run_lp(S6_HS_MAX - 4, 65536);
}
END_TEST

START_TEST(test_limits)
{
	s6_hs hs;
	static uint8_t big[S6_HS_MAX + 1];

	s6_hs_init(&hs, &lp_proto);
	ck_assert_int_eq(s6_hs_queue(&hs, big, sizeof big), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_hs_queue(&hs, big, S6_HS_MAX), S6_OK);
	ck_assert_int_eq(s6_hs_queue(&hs, big, 1), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_hs_expect(&hs, S6_HS_MAX + 1), S6_ERR_TOO_LONG);
	ck_assert_uint_eq(hs.in_want, 0);
	ck_assert_int_eq(s6_hs_expect(&hs, 4), S6_OK);
	s6_hs_release(&hs);
	s6_hs_release(&hs); /* twice is harmless */
}
END_TEST

START_TEST(test_oversized_length_fails_cleanly)
{
	/* A peer announcing more than the cap: the machine's expect_more fails
	 * and the driver reports it instead of reading on. */
	uint8_t msg[4];
	s6_hs hs;

	s6_put_u32be(msg, S6_HS_MAX);
	memset(&peer, 0, sizeof peer);
	peer.src = msg, peer.len = 4, peer.chunk = 4;
	s6_hs_init(&hs, &lp_proto);
	s6_hs_expect(&hs, 4);
	ck_assert_int_eq(s6_hs_run(&hs, 3, &fake_io, 1000), S6_HS_FAILED);
	ck_assert_int_eq(hs.err, S6_ERR_TOO_LONG);
	ck_assert(strstr(hs.why, "lp") != NULL);
	s6_hs_release(&hs);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("handshake_buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_inline_small);
	tcase_add_test(tc, test_grows_to_heap);
	tcase_add_test(tc, test_largest);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_oversized_length_fails_cleanly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
