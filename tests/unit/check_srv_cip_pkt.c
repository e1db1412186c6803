/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The server's CONNECT-IP packet checks (source, routes, protocol, MTU,
 * the proxy's own virtual network, hop limits that arrive as 0), the ICMP
 * error each refusal owes and its rate limit, the hop-limit update with
 * its IPv4 checksum, and the address pool. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_cip_icmp.h"
#include "srv_cip_int.h"

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += s6_get_u16be(p + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t ip4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		  uint8_t ttl, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x45;
	s6_put_u16be(p + 2, (uint16_t)len);
	p[8] = ttl;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	s6_put_u16be(p + 10, csum(p, 20));
	return len;
}

/* srv_cip_pkt_check, with the ICMP error owed checked against the reason. */
static const char *chk(const srv_cip_st *st, const srv_cip_config *cfg, const uint8_t *p,
		       size_t n)
{
	static const struct { const char *why; int icmp; } owed[] = {
		{ "destination outside the advertised routes", S6_ICMP_R_PROHIBITED },
		{ "destination is the proxy's virtual network", S6_ICMP_R_PROHIBITED },
		{ "IPv4 source is not the assigned address", S6_ICMP_R_SOURCE },
		{ "IPv6 source is not the assigned address", S6_ICMP_R_SOURCE },
		{ "larger than the tunnel MTU", S6_ICMP_R_TOO_BIG },
		{ "TTL exhausted", S6_ICMP_R_TTL },
		{ "hop limit exhausted", S6_ICMP_R_TTL },
	};
	int icmp = -2, want = -1;
	const char *why = srv_cip_pkt_check(st, cfg, p, n, &icmp);

	for (size_t i = 0; why && i < sizeof owed / sizeof owed[0]; i++)
		if (strcmp(why, owed[i].why) == 0)
			want = owed[i].icmp;
	ck_assert_int_eq(icmp, why ? want : -1);
	return why;
}

static void setup(srv_cip_st *st, srv_cip_config *cfg)
{
	memset(st, 0, sizeof *st);
	srv_cip_config_defaults(cfg);
	srv_cip_pool_addr(&cfg->pool4, 16, st->a4);
	srv_cip_pool_addr(&cfg->pool6, 16, st->a6);
	st->nroutes = 1;
	st->routes[0].version = 4;
	memcpy(st->routes[0].start, (uint8_t[]){ 192, 0, 2, 0 }, 4);
	memcpy(st->routes[0].end, (uint8_t[]){ 192, 0, 2, 255 }, 4);
	st->routes[0].proto = 17;
}

START_TEST(test_check_v4)
{
	static const uint8_t in[4] = { 192, 0, 2, 9 }, out[4] = { 192, 0, 3, 1 },
			     own[4] = { 10, 99, 0, 1 }, spoof[4] = { 10, 99, 0, 17 };
	srv_cip_st st;
	srv_cip_config cfg;
	uint8_t p[1600];

	setup(&st, &cfg);
	ck_assert_uint_eq(st.a4[0], 10);
	ck_assert_uint_eq(st.a4[3], 16);
	ck_assert_ptr_null(chk(&st, &cfg, p, ip4(p, st.a4, in, 17, 64, 28)));
	ck_assert_str_eq(chk(&st, &cfg, p, ip4(p, st.a4, out, 17, 64, 28)),
			 "destination outside the advertised routes");
	ck_assert_str_eq(chk(&st, &cfg, p, ip4(p, st.a4, in, 6, 64, 40)),
			 "destination outside the advertised routes");
	ck_assert_str_eq(chk(&st, &cfg, p, ip4(p, spoof, in, 17, 64, 28)),
			 "IPv4 source is not the assigned address");
	ck_assert_str_eq(chk(&st, &cfg, p, ip4(p, st.a4, own, 17, 64, 28)),
			 "destination is the proxy's virtual network");
	ck_assert_str_eq(chk(&st, &cfg, p, ip4(p, st.a4, in, 17, 64, 1501)),
			 "larger than the tunnel MTU");
	ck_assert_ptr_null(chk(&st, &cfg, p, ip4(p, st.a4, in, 17, 64, 1500)));
	ip4(p, st.a4, in, 17, 64, 28);
	ck_assert_str_eq(chk(&st, &cfg, p, 27), "bad IPv4 header or length");
	ck_assert_str_eq(chk(&st, &cfg, p, 10), "not an IP packet");
	ck_assert_str_eq(chk(&st, &cfg, p, ip4(p, st.a4, in, 17, 0, 28)), "TTL exhausted");
	ck_assert_ptr_null(chk(&st, &cfg, p, ip4(p, st.a4, in, 17, 1, 28)));
}
END_TEST

START_TEST(test_check_v6)
{
	srv_cip_st st;
	srv_cip_config cfg;
	uint8_t p[48];

	setup(&st, &cfg);
	st.routes[1].version = 6;
	memset(st.routes[1].end, 0xff, 16);   /* everything, any protocol */
	st.nroutes = 2;
	memset(p, 0, sizeof p);
	p[0] = 0x60;
	s6_put_u16be(p + 4, 8);
	p[6] = 17;
	p[7] = 64;
	memcpy(p + 8, st.a6, 16);
	p[24] = 0x20;
	p[25] = 0x01;
	ck_assert_ptr_null(chk(&st, &cfg, p, sizeof p));
	ck_assert_str_eq(chk(&st, &cfg, p, sizeof p - 1),
			 "bad IPv6 header or length");
	p[8 + 15] ^= 1;
	ck_assert_str_eq(chk(&st, &cfg, p, sizeof p),
			 "IPv6 source is not the assigned address");
	p[8 + 15] ^= 1;
	memcpy(p + 24, cfg.pool6.addr, 16);
	ck_assert_str_eq(chk(&st, &cfg, p, sizeof p),
			 "destination is the proxy's virtual network");
	p[24] = 0x20;
	p[7] = 0;
	ck_assert_str_eq(chk(&st, &cfg, p, sizeof p), "hop limit exhausted");
}
END_TEST

/* The error built for a refusal: from the proxy's router address (the
 * pool's first) to the sender, the reason's type and code, classifiable. */
START_TEST(test_icmp_errors)
{
	static const uint8_t out[4] = { 192, 0, 3, 1 }, spoof6[16] = { 0xfd, 0x99, [15] = 77 };
	srv_cip_st st;
	srv_cip_config cfg;
	uint8_t p[1600], e[S6_ICMP_ERROR_MAX];
	s6_icmp_info in;
	size_t n;
	int icmp;

	setup(&st, &cfg);
	ip4(p, st.a4, out, 17, 64, 28);
	ck_assert_ptr_nonnull(srv_cip_pkt_check(&st, &cfg, p, 28, &icmp));
	n = srv_cip_pkt_icmp(&st, &cfg, p, 28, icmp, 1000, e, sizeof e);
	ck_assert_uint_eq(n, 20 + 8 + 28);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, NULL), S6_OK);
	ck_assert_uint_eq(in.type, 3);
	ck_assert_uint_eq(in.code, 13);
	ck_assert_mem_eq(e + 12, ((uint8_t[]){ 10, 99, 0, 1 }), 4);
	ck_assert_mem_eq(e + 16, st.a4, 4);
	ck_assert_mem_eq(in.dst, out, 4);
	ck_assert_uint_eq(st.icmp_sent, 1);

	/* Too big: fragmentation needed with the tunnel MTU. */
	ip4(p, st.a4, out, 17, 64, 1501);
	ck_assert_ptr_nonnull(srv_cip_pkt_check(&st, &cfg, p, 1501, &icmp));
	n = srv_cip_pkt_icmp(&st, &cfg, p, 1501, icmp, 1000, e, sizeof e);
	ck_assert_uint_eq(n, S6_ICMP_ERROR_MAX4);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, NULL), S6_OK);
	ck_assert_uint_eq(in.mtu, 1500);

	/* IPv6 with a foreign source: "source address failed policy", to it. */
	memset(p, 0, 48);
	p[0] = 0x60;
	s6_put_u16be(p + 4, 8);
	p[6] = 17;
	p[7] = 64;
	memcpy(p + 8, spoof6, 16);
	p[24] = 0x20;
	ck_assert_ptr_nonnull(srv_cip_pkt_check(&st, &cfg, p, 48, &icmp));
	n = srv_cip_pkt_icmp(&st, &cfg, p, 48, icmp, 1000, e, sizeof e);
	ck_assert_uint_eq(n, 40 + 8 + 48);
	ck_assert_int_eq(s6_icmp_classify(e, n, &in, NULL), S6_OK);
	ck_assert_uint_eq(in.type, 1);
	ck_assert_uint_eq(in.code, 5);
	ck_assert_mem_eq(e + 24, spoof6, 16);

	/* Never about an ICMP error, nor without a reason. */
	memcpy(p, e, n);
	ck_assert_uint_eq(srv_cip_pkt_icmp(&st, &cfg, p, n, S6_ICMP_R_PROHIBITED, 1000, e,
					   sizeof e), 0);
	ck_assert_uint_eq(srv_cip_pkt_icmp(&st, &cfg, p, 10, -1, 1000, e, sizeof e), 0);
	ck_assert_uint_eq(st.icmp_sent, 3);
}
END_TEST

START_TEST(test_icmp_rate)
{
	static const uint8_t out[4] = { 192, 0, 3, 1 };
	srv_cip_st st;
	srv_cip_config cfg;
	uint8_t p[28], e[S6_ICMP_ERROR_MAX];
	unsigned sent = 0;

	setup(&st, &cfg);
	ip4(p, st.a4, out, 17, 64, 28);
	for (int i = 0; i < 50; i++)
		sent += srv_cip_pkt_icmp(&st, &cfg, p, 28, S6_ICMP_R_PROHIBITED, 5000, e,
					 sizeof e) > 0;
	ck_assert_uint_eq(sent, SRV_CIP_ICMP_BURST);
	ck_assert_uint_eq(srv_cip_pkt_icmp(&st, &cfg, p, 28, S6_ICMP_R_PROHIBITED,
					   5000 + SRV_CIP_ICMP_MS - 1, e, sizeof e), 0);
	ck_assert_uint_gt(srv_cip_pkt_icmp(&st, &cfg, p, 28, S6_ICMP_R_PROHIBITED,
					   5000 + SRV_CIP_ICMP_MS, e, sizeof e), 0);
	ck_assert_uint_eq(srv_cip_pkt_icmp(&st, &cfg, p, 28, S6_ICMP_R_PROHIBITED,
					   5000 + SRV_CIP_ICMP_MS, e, sizeof e), 0);
	/* A long pause refills the bucket, never beyond the burst. */
	sent = 0;
	for (int i = 0; i < 50; i++)
		sent += srv_cip_pkt_icmp(&st, &cfg, p, 28, S6_ICMP_R_PROHIBITED, 600000, e,
					 sizeof e) > 0;
	ck_assert_uint_eq(sent, SRV_CIP_ICMP_BURST);
	ck_assert_uint_eq(st.icmp_sent, 2 * SRV_CIP_ICMP_BURST + 1);
}
END_TEST

START_TEST(test_hop)
{
	static const uint8_t a[4] = { 10, 99, 0, 16 }, b[4] = { 192, 0, 2, 1 };
	uint8_t p[40];

	for (unsigned ttl = 2; ttl < 256; ttl += 37) {
		ip4(p, a, b, 17, (uint8_t)ttl, 28);
		ck_assert(srv_cip_pkt_hop(p, 28));
		ck_assert_uint_eq(p[8], ttl - 1);
		ck_assert_uint_eq(csum(p, 20), 0);    /* header still valid */
	}
	ip4(p, a, b, 17, 1, 28);
	ck_assert(!srv_cip_pkt_hop(p, 28));
	memset(p, 0, sizeof p);
	p[0] = 0x60;
	p[7] = 1;
	ck_assert(!srv_cip_pkt_hop(p, 40));
	p[7] = 9;
	ck_assert(srv_cip_pkt_hop(p, 40));
	ck_assert_uint_eq(p[7], 8);
	ck_assert(!srv_cip_pkt_hop(p, 8));
}
END_TEST

START_TEST(test_pool)
{
	srv_cip_config cfg;
	srv_cip_pool *pool;
	char why[128];
	long got[8];

	srv_cip_config_defaults(&cfg);
	ck_assert(srv_cip_opt_pool(&cfg, "192.0.2.0/27", why, sizeof why));
	ck_assert(!srv_cip_opt_pool(&cfg, "192.0.2.0/30", why, sizeof why));
	ck_assert(!srv_cip_opt_pool(&cfg, "nonsense", why, sizeof why));
	pool = srv_cip_pool_new(&cfg);
	ck_assert_ptr_nonnull(pool);
	/* /27: indices 16..30 (31 is the broadcast address). */
	for (int i = 0; i < 15; i++) {
		long k = srv_cip_pool_take(pool);

		ck_assert_int_ge(k, SRV_CIP_POOL_FIRST);
		ck_assert_int_le(k, 30);
		if (i < 8)
			got[i] = k;
	}
	ck_assert_int_eq(srv_cip_pool_take(pool), -1);
	srv_cip_pool_put(pool, got[3]);
	ck_assert_int_eq(srv_cip_pool_take(pool), got[3]);
	srv_cip_pool_free(pool);
	ck_assert(srv_cip_opt_cname(&cfg, "a.test=b.test", why, sizeof why));
	ck_assert(!srv_cip_opt_cname(&cfg, "=b.test", why, sizeof why));
	ck_assert(!srv_cip_opt_mtu(&cfg, "1279", why, sizeof why));
	ck_assert(srv_cip_opt_mtu(&cfg, "1280", why, sizeof why));
	srv_cip_config_free(&cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_cip_pkt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_check_v4);
	tcase_add_test(tc, test_check_v6);
	tcase_add_test(tc, test_icmp_errors);
	tcase_add_test(tc, test_icmp_rate);
	tcase_add_test(tc, test_hop);
	tcase_add_test(tc, test_pool);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
