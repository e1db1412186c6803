/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT-IP capsules: the NOTES.md DATAGRAM vector, exact layouts of every
 * capsule in both modes, the stream reader (prefixes, skipping unknown
 * capsules without buffering them, the size cap), malformed values. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_cip_capsule.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 28 bytes: IPv4 header (UDP, 192.0.2.1 -> 198.51.100.7) + UDP header. */
static const uint8_t pkt28[28] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	192, 0, 2, 1, 198, 51, 100, 7,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Read one event from an exactly sized heap copy; r is restored unless OK. */
static s6_err rd(s6_cip_reader *r, const uint8_t *wire, size_t len, s6_cip_event *ev,
		 size_t *used, size_t *need, uint8_t **keep)
{
	uint8_t *copy = malloc(len ? len : 1);
	const char *why = NULL;
	s6_err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wire, len);
	e = s6_cip_read(r, len ? copy : NULL, len, ev, used, need, &why);
	if (e != S6_OK && e != S6_ERR_NEED_MORE)
		ck_assert_ptr_nonnull(why);
	if (keep)
		*keep = copy;   /* ev->body points into it */
	else
		free(copy);
	return e;
}

/* Every prefix of a whole known capsule wants exactly the rest. */
static void walk_prefixes(s6_cip_mode mode, const uint8_t *wire, size_t total)
{
	for (size_t k = 0; k < total; k++) {
		s6_cip_reader r;
		s6_cip_event ev;
		size_t used = 0, need = 0;

		s6_cip_reader_init(&r, mode, 65536);
		ck_assert_msg(rd(&r, wire, k, &ev, &used, &need, NULL) == S6_ERR_NEED_MORE,
			      "prefix %zu of %zu", k, total);
		ck_assert_uint_ge(need, 1);
		ck_assert_uint_le(k + need, total);
		ck_assert_uint_eq(r.skip_left, 0);
	}
}

START_TEST(test_notes_datagram_vector)
{
	uint8_t buf[64], *copy = NULL;
	size_t n = 0, used = 0, need = 0, plen = 0;
	s6_cip_reader r;
	s6_cip_event ev;
	const uint8_t *payload = NULL;
	uint64_t ctx = 99;

	ck_assert_int_eq(s6_cip_datagram_encode(S6_CIP_MODE_RFC9484, 0, pkt28, 28, buf,
						sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, 31);
	ck_assert_uint_eq(buf[0], 0x00);
	ck_assert_uint_eq(buf[1], 0x1d);
	ck_assert_uint_eq(buf[2], 0x00);
	ck_assert_mem_eq(buf + 3, pkt28, 28);
	walk_prefixes(S6_CIP_MODE_RFC9484, buf, n);
	s6_cip_reader_init(&r, S6_CIP_MODE_RFC9484, 1500);
	ck_assert_int_eq(rd(&r, buf, n, &ev, &used, &need, &copy), S6_OK);
	ck_assert_int_eq(ev.ev, S6_CIP_EV_CAPSULE);
	ck_assert_int_eq(ev.kind, S6_CIP_K_DATAGRAM);
	ck_assert_uint_eq(used, 31);
	ck_assert_uint_eq(ev.body_len, 29);
	ck_assert_int_eq(s6_cip_datagram_decode(ev.body, ev.body_len, &ctx, &payload, &plen,
						NULL), S6_OK);
	ck_assert_uint_eq(ctx, 0);
	ck_assert_uint_eq(plen, 28);
	ck_assert_mem_eq(payload, pkt28, 28);
	free(copy);
	/* The header alone, for writev of header + packet. */
	ck_assert_int_eq(s6_cip_datagram_head_encode(S6_CIP_MODE_RFC9484, 0, 28, buf,
						     sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(test_draft00_datagram_and_register)
{
	static const uint8_t reg[] = { 0x80, 0xff, 0x37, 0xa1, 0x05, 0x00,
				       0x80, 0xff, 0x8b, 0x00 };
	uint8_t buf[64];
	size_t n = 0, extra = 9;
	uint64_t ctx = 9, fmt = 0;

	ck_assert_int_eq(s6_cip_datagram_encode(S6_CIP_MODE_DRAFT00, 0, pkt28, 28, buf,
						sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, 34);
	ck_assert_uint_eq(buf[0], 0x80);
	ck_assert_uint_eq(buf[1], 0xff);
	ck_assert_uint_eq(buf[2], 0x37);
	ck_assert_uint_eq(buf[3], 0xa0);
	ck_assert_uint_eq(buf[4], 0x1d);
	ck_assert_uint_eq(buf[5], 0x00);
	walk_prefixes(S6_CIP_MODE_DRAFT00, buf, n);
	ck_assert_int_eq(s6_cip_register_encode(0, buf, sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, sizeof(reg));
	ck_assert_mem_eq(buf, reg, sizeof(reg));
	walk_prefixes(S6_CIP_MODE_DRAFT00, reg, sizeof(reg));
	ck_assert_int_eq(s6_cip_register_decode(reg + 5, 5, &ctx, &fmt, &extra, NULL), S6_OK);
	ck_assert_uint_eq(ctx, 0);
	ck_assert_uint_eq(fmt, S6_CIP_D00_FORMAT_IP_PACKET);
	ck_assert_uint_eq(extra, 0);
	ck_assert_int_eq(s6_cip_register_decode(reg + 5, 4, &ctx, &fmt, &extra, NULL),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_cip_kind_of(S6_CIP_MODE_DRAFT00, 0xff37a1), S6_CIP_K_REGISTER_CONTEXT);
	ck_assert_int_eq(s6_cip_kind_of(S6_CIP_MODE_RFC9484, 0xff37a1), S6_CIP_K_UNKNOWN);
}
END_TEST

static void same_prefix(const s6_cip_prefix *a, const s6_cip_prefix *b)
{
	ck_assert_uint_eq(a->request_id, b->request_id);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_mem_eq(a->addr, b->addr, sizeof(a->addr));
	ck_assert_uint_eq(a->prefix_len, b->prefix_len);
}

static s6_cip_prefix pfx(uint64_t id, uint8_t ver, uint8_t last, uint8_t plen)
{
	s6_cip_prefix p;

	memset(&p, 0, sizeof(p));
	p.request_id = id;
	p.version = ver;
	if (ver == 4) {
		p.addr[0] = 192, p.addr[2] = 2, p.addr[3] = last;
	} else {
		p.addr[0] = 0x20, p.addr[1] = 0x01, p.addr[2] = 0x0d, p.addr[3] = 0xb8;
		p.addr[15] = last;
	}
	p.prefix_len = plen;
	return p;
}

START_TEST(test_address_assign_rfc9484)
{
	s6_cip_prefix in[2] = { pfx(0, 4, 11, 32), pfx(1, 6, 0x34, 128) }, out[4];
	uint8_t buf[64];
	size_t n = 0, count = 0;

	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, in, 2,
					     buf, sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, 2 + 7 + 19);
	ck_assert_uint_eq(buf[0], 0x01);
	ck_assert_uint_eq(buf[1], 26);
	{
		static const uint8_t first[] = { 0x00, 4, 192, 0, 2, 11, 32, 0x01, 6, 0x20 };

		ck_assert_mem_eq(buf + 2, first, sizeof(first));
		ck_assert_uint_eq(buf[n - 1], 128);
	}
	walk_prefixes(S6_CIP_MODE_RFC9484, buf, n);
	ck_assert_int_eq(s6_cip_addrs_decode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN,
					     buf + 2, n - 2, out, N(out), &count, NULL), S6_OK);
	ck_assert_uint_eq(count, 2);
	same_prefix(&out[0], &in[0]);
	same_prefix(&out[1], &in[1]);
	/* Too many for the caller's array. */
	ck_assert_int_eq(s6_cip_addrs_decode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN,
					     buf + 2, n - 2, out, 1, &count, NULL),
			 S6_ERR_TOO_LONG);
	/* An empty ASSIGN withdraws everything: valid. */
	ck_assert_int_eq(s6_cip_addrs_decode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN,
					     buf, 0, out, N(out), &count, NULL), S6_OK);
	ck_assert_uint_eq(count, 0);
}
END_TEST

struct bad_body {
	s6_cip_mode mode;
	s6_cip_kind kind;
	uint8_t b[24];
	size_t len;
	s6_err want;
};

START_TEST(test_address_malformed)
{
	static const struct bad_body t[] = {
		/* empty request list */
		{ S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_REQUEST, { 0 }, 0, S6_ERR_MALFORMED },
		/* request ID 0 in a request */
		{ S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_REQUEST, { 0, 4, 0, 0, 0, 0, 0 }, 7,
		  S6_ERR_MALFORMED },
		/* IP version 5 */
		{ S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, { 1, 5, 1, 2, 3, 4, 32 }, 7,
		  S6_ERR_MALFORMED },
		/* prefix 33 on IPv4 */
		{ S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, { 1, 4, 1, 2, 3, 4, 33 }, 7,
		  S6_ERR_MALFORMED },
		/* truncated address */
		{ S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, { 1, 4, 1, 2, 3 }, 5,
		  S6_ERR_MALFORMED },
		/* truncated Request ID varint */
		{ S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, { 0x40 }, 1, S6_ERR_MALFORMED },
		/* draft-00: trailing byte after the one address */
		{ S6_CIP_MODE_DRAFT00, S6_CIP_K_ADDRESS_ASSIGN, { 4, 1, 2, 3, 4, 32, 0 }, 7,
		  S6_ERR_MALFORMED },
		/* draft-00: empty */
		{ S6_CIP_MODE_DRAFT00, S6_CIP_K_ADDRESS_ASSIGN, { 0 }, 0, S6_ERR_MALFORMED },
		/* draft-00: IPv6 prefix 129 */
		{ S6_CIP_MODE_DRAFT00, S6_CIP_K_ADDRESS_REQUEST,
		  { 6, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 129 }, 18,
		  S6_ERR_MALFORMED },
	};

	for (size_t i = 0; i < N(t); i++) {
		s6_cip_prefix out[4];
		size_t count = 7;
		const char *why = NULL;

		s6_err e = s6_cip_addrs_decode(t[i].mode, t[i].kind, t[i].b, t[i].len, out,
					       N(out), &count, &why);

		ck_assert_msg(e == t[i].want, "case %zu", i);
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(count, 0);
	}
}
END_TEST

START_TEST(test_address_draft00)
{
	s6_cip_prefix p = pfx(0, 6, 0x34, 64), out[2], twice[2];
	uint8_t buf[64];
	size_t n = 0, count = 0;

	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_DRAFT00, S6_CIP_K_ADDRESS_REQUEST, &p, 1,
					     buf, sizeof(buf), &n), S6_OK);
	ck_assert_uint_eq(n, 4 + 1 + 18);
	ck_assert_uint_eq(buf[0], 0x80);
	ck_assert_uint_eq(buf[3], 0x01);   /* 0xfff101 */
	ck_assert_uint_eq(buf[4], 18);
	ck_assert_uint_eq(buf[5], 6);
	walk_prefixes(S6_CIP_MODE_DRAFT00, buf, n);
	ck_assert_int_eq(s6_cip_addrs_decode(S6_CIP_MODE_DRAFT00, S6_CIP_K_ADDRESS_REQUEST,
					     buf + 5, 18, out, N(out), &count, NULL), S6_OK);
	ck_assert_uint_eq(count, 1);
	same_prefix(&out[0], &p);
	twice[0] = twice[1] = p;
	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_DRAFT00, S6_CIP_K_ADDRESS_ASSIGN, twice, 2,
					     buf, sizeof(buf), &n), S6_ERR_INVALID_ARG);
	/* RFC 9484 request with ID 0, bad prefix, wrong kind, short buffer. */
	p.request_id = 0;
	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_REQUEST, &p, 1,
					     buf, sizeof(buf), &n), S6_ERR_INVALID_ARG);
	p.prefix_len = 129;
	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, &p, 1,
					     buf, sizeof(buf), &n), S6_ERR_INVALID_ARG);
	p.prefix_len = 128;
	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_RFC9484, S6_CIP_K_DATAGRAM, &p, 1,
					     buf, sizeof(buf), &n), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, &p, 1,
					     buf, 10, &n), S6_ERR_TOO_LONG);
}
END_TEST

static s6_cip_range rng(uint8_t ver, uint8_t s, uint8_t e, uint8_t proto)
{
	s6_cip_range r;

	memset(&r, 0, sizeof(r));
	r.version = ver;
	r.start[0] = r.end[0] = ver == 4 ? 198 : 0x20;
	r.start[ver == 4 ? 3 : 15] = s;
	r.end[ver == 4 ? 3 : 15] = e;
	r.proto = proto;
	return r;
}

START_TEST(test_routes)
{
	s6_cip_range ok[] = { rng(4, 2, 2, 6), rng(4, 5, 9, 6), rng(4, 0, 255, 17),
			      rng(6, 0x56, 0x56, 17) };
	s6_cip_range out[8];
	uint8_t buf[128];
	size_t n = 0, count = 0;

	ck_assert(s6_cip_routes_valid(ok, N(ok), NULL));
	ck_assert_int_eq(s6_cip_routes_encode(S6_CIP_MODE_RFC9484, ok, N(ok), buf, sizeof(buf),
					      &n), S6_OK);
	/* Value 3 * 10 + 34 = 64 bytes: the length takes two bytes. */
	ck_assert_uint_eq(n, 3 + 64);
	ck_assert_uint_eq(buf[0], 0x03);
	ck_assert_uint_eq(buf[1], 0x40);
	ck_assert_uint_eq(buf[2], 64);
	ck_assert_uint_eq(buf[3], 4);
	ck_assert_uint_eq(buf[12], 6);
	walk_prefixes(S6_CIP_MODE_RFC9484, buf, n);
	ck_assert_int_eq(s6_cip_routes_decode(buf + 3, n - 3, out, N(out), &count, NULL), S6_OK);
	ck_assert_uint_eq(count, N(ok));
	ck_assert_mem_eq(out, ok, sizeof(ok));
	ck_assert_int_eq(s6_cip_routes_decode(buf + 3, n - 3, out, 3, &count, NULL),
			 S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_cip_routes_decode(buf + 3, n - 4, out, N(out), &count, NULL),
			 S6_ERR_MALFORMED);
	ck_assert_int_eq(s6_cip_routes_encode(S6_CIP_MODE_DRAFT00, ok, N(ok), buf, sizeof(buf),
					      &n), S6_OK);
	ck_assert_uint_eq(buf[3], 0x02);   /* 0xfff102 */
	ck_assert_int_eq(s6_cip_routes_decode(buf, 0, out, N(out), &count, NULL), S6_OK);
	ck_assert_uint_eq(count, 0);
}
END_TEST

START_TEST(test_routes_invalid)
{
	const s6_cip_range cases[][2] = {
		{ rng(4, 9, 5, 0), rng(4, 20, 30, 0) },    /* start > end */
		{ rng(4, 1, 9, 0), rng(4, 9, 12, 0) },     /* end == next start */
		{ rng(4, 1, 9, 0), rng(4, 5, 12, 0) },     /* overlap */
		{ rng(4, 20, 30, 0), rng(4, 1, 9, 0) },    /* descending */
		{ rng(6, 1, 1, 0), rng(4, 1, 1, 0) },      /* v6 before v4 */
		{ rng(4, 1, 1, 17), rng(4, 2, 2, 6) },     /* protocol order */
		{ rng(5, 1, 1, 0), rng(6, 1, 1, 0) },      /* version 5 */
	};

	for (size_t i = 0; i < N(cases); i++) {
		s6_cip_range out[2];
		uint8_t buf[128], body[80];
		size_t n = 0, count = 0, off = 0;
		const char *why = NULL;

		ck_assert_msg(!s6_cip_routes_valid(cases[i], 2, &why), "case %zu", i);
		ck_assert_ptr_nonnull(why);
		ck_assert_int_eq(s6_cip_routes_encode(S6_CIP_MODE_RFC9484, cases[i], 2, buf,
						      sizeof(buf), &n), S6_ERR_INVALID_ARG);
		/* The same bytes on the wire are refused by the decoder. */
		for (size_t j = 0; j < 2; j++) {
			size_t ab = cases[i][j].version == 6 ? 16 : 4;

			body[off++] = cases[i][j].version;
			memcpy(body + off, cases[i][j].start, ab);
			memcpy(body + off + ab, cases[i][j].end, ab);
			off += 2 * ab;
			body[off++] = cases[i][j].proto;
		}
		why = NULL;
		ck_assert_int_eq(s6_cip_routes_decode(body, off, out, 2, &count, &why),
				 S6_ERR_MALFORMED);
		ck_assert_ptr_nonnull(why);
	}
	/* Same range under two protocols is fine. */
	{
		s6_cip_range two[] = { rng(4, 1, 9, 6), rng(4, 1, 9, 17) };

		ck_assert(s6_cip_routes_valid(two, 2, NULL));
	}
}
END_TEST

START_TEST(test_unknown_capsule_is_skipped_in_pieces)
{
	/* Type 0x2843 (not CONNECT-IP), length 1000, then a DATAGRAM. */
	uint8_t *s = calloc(1, 4 + 1000 + 31);
	uint8_t *copy = NULL;
	s6_cip_reader r;
	s6_cip_event ev;
	size_t used = 0, need = 0, n = 0, off;

	ck_assert_ptr_nonnull(s);
	s[0] = 0x68, s[1] = 0x43, s[2] = 0x43, s[3] = 0xe8;  /* 0x2843, 1000 */
	ck_assert_int_eq(s6_cip_datagram_encode(S6_CIP_MODE_RFC9484, 0, pkt28, 28, s + 1004,
						31, &n), S6_OK);
	s6_cip_reader_init(&r, S6_CIP_MODE_RFC9484, 100);   /* far below 1000 */
	for (size_t k = 0; k < 4; k++)
		ck_assert_int_eq(rd(&r, s, k, &ev, &used, &need, NULL), S6_ERR_NEED_MORE);
	/* Reported on the header, whatever follows it. */
	ck_assert_int_eq(rd(&r, s, 14, &ev, &used, &need, NULL), S6_OK);
	ck_assert_int_eq(ev.ev, S6_CIP_EV_SKIP);
	ck_assert_uint_eq(ev.type, 0x2843);
	ck_assert_uint_eq(ev.body_len, 1000);
	ck_assert_uint_eq(used, 4);
	ck_assert_uint_eq(r.skip_left, 1000);
	off = used;
	ck_assert_int_eq(rd(&r, s + off, 10, &ev, &used, &need, NULL), S6_OK);
	ck_assert_int_eq(ev.ev, S6_CIP_EV_SKIP);
	ck_assert_uint_eq(ev.body_len, 0);
	ck_assert_uint_eq(used, 10);
	ck_assert_uint_eq(r.skip_left, 990);
	off += used;
	ck_assert_int_eq(rd(&r, s + off, 0, &ev, &used, &need, NULL), S6_ERR_NEED_MORE);
	ck_assert_uint_eq(need, 1);
	ck_assert_int_eq(rd(&r, s + off, 500, &ev, &used, &need, NULL), S6_OK);
	ck_assert_int_eq(ev.ev, S6_CIP_EV_SKIP);
	ck_assert_uint_eq(used, 500);
	off += used;
	ck_assert_int_eq(rd(&r, s + off, 4 + 1000 + 31 - off, &ev, &used, &need, NULL), S6_OK);
	ck_assert_uint_eq(used, 490);
	ck_assert_uint_eq(r.skip_left, 0);
	off += used;
	ck_assert_int_eq(rd(&r, s + off, 31, &ev, &used, &need, &copy), S6_OK);
	ck_assert_int_eq(ev.kind, S6_CIP_K_DATAGRAM);
	ck_assert_uint_eq(used, 31);
	free(copy);
	free(s);
}
END_TEST

START_TEST(test_cap_and_modes)
{
	/* DATAGRAM announcing 101 bytes with max_body 100: refused from the
	 * header alone, before the body arrives. */
	static const uint8_t big[] = { 0x00, 0x40, 0x65 };
	/* RFC 9484 ADDRESS_ASSIGN read in draft-00 mode: unknown, skipped. */
	static const uint8_t aa[] = { 0x01, 0x07, 0x00, 4, 192, 0, 2, 1, 32 };
	/* Non-minimal type and length varints are accepted. */
	static const uint8_t nonmin[] = { 0x40, 0x00, 0x40, 0x02, 0x00, 0x45 };
	s6_cip_reader r;
	s6_cip_event ev;
	size_t used = 0, need = 0;

	s6_cip_reader_init(&r, S6_CIP_MODE_RFC9484, 100);
	ck_assert_int_eq(rd(&r, big, sizeof(big), &ev, &used, &need, NULL), S6_ERR_TOO_LONG);
	s6_cip_reader_init(&r, S6_CIP_MODE_DRAFT00, 100);
	ck_assert_int_eq(rd(&r, aa, sizeof(aa), &ev, &used, &need, NULL), S6_OK);
	ck_assert_int_eq(ev.ev, S6_CIP_EV_SKIP);
	ck_assert_uint_eq(used, 2);
	ck_assert_uint_eq(r.skip_left, 7);
	ck_assert_int_eq(rd(&r, aa + 2, sizeof(aa) - 2, &ev, &used, &need, NULL), S6_OK);
	ck_assert_uint_eq(used, 7);
	ck_assert_uint_eq(r.skip_left, 0);
	s6_cip_reader_init(&r, S6_CIP_MODE_RFC9484, 100);
	ck_assert_int_eq(rd(&r, aa, sizeof(aa), &ev, &used, &need, NULL), S6_OK);
	ck_assert_int_eq(ev.kind, S6_CIP_K_ADDRESS_ASSIGN);
	ck_assert_int_eq(rd(&r, nonmin, sizeof(nonmin), &ev, &used, &need, NULL), S6_OK);
	ck_assert_int_eq(ev.kind, S6_CIP_K_DATAGRAM);
	ck_assert_uint_eq(used, sizeof(nonmin));
	ck_assert_uint_eq(ev.body_len, 2);
}
END_TEST

START_TEST(test_datagram_malformed_and_stream)
{
	static const uint8_t empty_dg[] = { 0x00, 0x00 };
	uint8_t stream[128];
	s6_cip_reader r;
	s6_cip_event ev;
	size_t used = 0, need = 0, n = 0, off = 0, plen = 0;
	uint64_t ctx = 0;
	const uint8_t *payload = NULL;
	const char *why = NULL;
	s6_cip_prefix p = pfx(0, 4, 3, 32);
	s6_cip_range rt = rng(4, 2, 2, 0);
	uint8_t out[8];

	ck_assert_int_eq(s6_cip_datagram_decode(empty_dg + 2, 0, &ctx, &payload, &plen, &why),
			 S6_ERR_MALFORMED);
	ck_assert_ptr_nonnull(why);
	/* Three capsules back to back, read one by one. */
	ck_assert_int_eq(s6_cip_addrs_encode(S6_CIP_MODE_RFC9484, S6_CIP_K_ADDRESS_ASSIGN, &p, 1,
					     stream, sizeof(stream), &n), S6_OK);
	off = n;
	ck_assert_int_eq(s6_cip_routes_encode(S6_CIP_MODE_RFC9484, &rt, 1, stream + off,
					      sizeof(stream) - off, &n), S6_OK);
	off += n;
	ck_assert_int_eq(s6_cip_datagram_encode(S6_CIP_MODE_RFC9484, 0, pkt28, 28, stream + off,
						sizeof(stream) - off, &n), S6_OK);
	off += n;
	s6_cip_reader_init(&r, S6_CIP_MODE_RFC9484, 1500);
	static const s6_cip_kind want[] = { S6_CIP_K_ADDRESS_ASSIGN,
					    S6_CIP_K_ROUTE_ADVERTISEMENT, S6_CIP_K_DATAGRAM };
	size_t at = 0;

	for (size_t i = 0; i < N(want); i++) {
		ck_assert_int_eq(rd(&r, stream + at, off - at, &ev, &used, &need, NULL), S6_OK);
		ck_assert_int_eq(ev.kind, want[i]);
		at += used;
	}
	ck_assert_uint_eq(at, off);
	ck_assert_int_eq(s6_cip_datagram_encode(S6_CIP_MODE_RFC9484, 0, pkt28, 28, out,
						sizeof(out), &n), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_cip_capsule_encode(0x2843, NULL, 0, out, sizeof(out), &n), S6_OK);
	ck_assert_uint_eq(n, 3);
}
END_TEST

static Suite *capsule_suite(void)
{
	Suite *s = suite_create("cip_capsule");
	TCase *tc = tcase_create("capsule");

	tcase_add_test(tc, test_notes_datagram_vector);
	tcase_add_test(tc, test_draft00_datagram_and_register);
	tcase_add_test(tc, test_address_assign_rfc9484);
	tcase_add_test(tc, test_address_malformed);
	tcase_add_test(tc, test_address_draft00);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_routes_invalid);
	tcase_add_test(tc, test_unknown_capsule_is_skipped_in_pieces);
	tcase_add_test(tc, test_cap_and_modes);
	tcase_add_test(tc, test_datagram_malformed_and_stream);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(capsule_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
