/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder map: serials, addresses, recycling, validation, sharing the map
 * across fork() and threads. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s6_placeholder.h"

static s6_ph_map *new_map(uint32_t slots, void **mem, size_t *len)
{
	s6_ph_map *map = NULL;

	*len = s6_ph_map_size(slots);
	ck_assert_uint_gt(*len, 0);
	*mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(*mem != MAP_FAILED);
	memset(*mem, 0xee, *len);   /* init must not rely on zeroed memory */
	ck_assert_int_eq(s6_ph_map_init(*mem, *len, slots, &map), S6_OK);
	ck_assert_ptr_nonnull(map);
	return map;
}

/* A fresh anonymous mapping is all zero: the header is enough. */
static s6_ph_map *new_map_zeroed(uint32_t slots, void **mem, size_t *len)
{
	s6_ph_map *map = NULL;

	*len = s6_ph_map_size(slots);
	*mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(*mem != MAP_FAILED);
	ck_assert_int_eq(s6_ph_map_init_zeroed(*mem, *len, slots, &map), S6_OK);
	ck_assert_ptr_nonnull(map);
	return map;
}

static uint32_t lookup_ok(s6_ph_map *map, const char *name)
{
	uint32_t serial = 0;

	ck_assert_int_eq(s6_ph_lookup(map, name, &serial), S6_OK);
	ck_assert_uint_ge(serial, 1);
	ck_assert_uint_le(serial, S6_PH_SERIAL_MAX);
	return serial;
}

static void name_is(s6_ph_map *map, uint32_t serial, const char *want)
{
	char buf[S6_PH_NAME_MAX + 1];

	ck_assert_int_eq(s6_ph_name(map, serial, buf, sizeof(buf)), S6_OK);
	ck_assert_str_eq(buf, want);
}

START_TEST(same_name_same_serial)
{
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(16, &mem, &len);
	uint32_t a = lookup_ok(map, "example.com");

	ck_assert_uint_eq(a, 1);   /* serials start at 1 */
	ck_assert_uint_eq(lookup_ok(map, "example.com"), a);
	ck_assert_uint_eq(lookup_ok(map, "EXAMPLE.Com"), a);
	ck_assert_uint_eq(lookup_ok(map, "example.com."), a);
	ck_assert_uint_eq(lookup_ok(map, "Example.COM."), a);
	ck_assert_uint_eq(lookup_ok(map, "example.org"), 2);
	ck_assert_uint_eq(lookup_ok(map, "www.example.com"), 3);
	ck_assert_uint_eq(lookup_ok(map, "example.co"), 4);
	ck_assert_uint_eq(lookup_ok(map, "example.org."), 2);
	name_is(map, a, "example.com");
	name_is(map, 2, "example.org");
	name_is(map, 3, "www.example.com");
	munmap(mem, len);
}
END_TEST

START_TEST(addresses)
{
	static const uint8_t v4_1[4] = { 240, 0, 0, 1 };
	static const uint8_t v4_big[4] = { 0xff, 0x23, 0x45, 0x67 };
	uint8_t v4[4], v6[16], want6[16];

	s6_ph_addr4(1, v4);
	ck_assert_mem_eq(v4, v4_1, 4);
	s6_ph_addr4(0x0f234567, v4);
	ck_assert_mem_eq(v4, v4_big, 4);
	s6_ph_addr4(S6_PH_SERIAL_MAX, v4);
	ck_assert_uint_eq(v4[3], 0xfe);   /* never 255.255.255.255 */

	ck_assert_int_eq(inet_pton(AF_INET6, "100::1", want6), 1);
	s6_ph_addr6(1, v6);
	ck_assert_mem_eq(v6, want6, 16);
	ck_assert_int_eq(inet_pton(AF_INET6, "100::f23:4567", want6), 1);
	s6_ph_addr6(0x0f234567, v6);
	ck_assert_mem_eq(v6, want6, 16);
}
END_TEST

static bool check_v4(const char *text, uint32_t *serial)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	ck_assert_int_eq(inet_pton(AF_INET, text, &sin.sin_addr), 1);
	return s6_ph_is_placeholder((struct sockaddr *)&sin, serial);
}

static bool check_v6(const char *text, uint32_t *serial)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1);
	return s6_ph_is_placeholder((struct sockaddr *)&sin6, serial);
}

START_TEST(is_placeholder)
{
	struct sockaddr_un_like { sa_family_t fam; char path[32]; } un = { AF_UNIX, "x" };
	uint32_t s = 0;

	ck_assert(check_v4("240.0.0.1", &s));
	ck_assert_uint_eq(s, 1);
	ck_assert(check_v4("255.35.69.103", &s));
	ck_assert_uint_eq(s, 0x0f234567);
	ck_assert(check_v6("100::7", &s));
	ck_assert_uint_eq(s, 7);
	ck_assert(check_v6("100::f23:4567", &s));
	ck_assert_uint_eq(s, 0x0f234567);
	ck_assert(check_v6("::ffff:240.0.1.2", &s));
	ck_assert_uint_eq(s, 0x102);
	ck_assert(check_v4("240.0.0.1", NULL));

	s = 12345;
	ck_assert(!check_v4("239.255.255.255", &s));
	ck_assert(!check_v4("127.0.0.1", &s));
	ck_assert(!check_v4("240.0.0.0", &s));          /* serial 0 */
	ck_assert(!check_v4("255.255.255.255", &s));    /* broadcast */
	ck_assert(!check_v6("::1", &s));
	ck_assert(!check_v6("100::", &s));
	ck_assert(!check_v6("100:0:0:1::5", &s));       /* outside 100::/64 */
	ck_assert(!check_v6("100::1:0:0:5", &s));       /* not one we make */
	ck_assert(!check_v6("2001:db8::240.0.0.1", &s));
	ck_assert(!check_v6("::ffff:10.0.0.1", &s));
	ck_assert(!check_v6("::240.0.0.1", &s));        /* v4-compatible, not mapped */
	ck_assert(!s6_ph_is_placeholder((struct sockaddr *)&un, &s));
	ck_assert(!s6_ph_is_placeholder(NULL, &s));
	ck_assert_uint_eq(s, 12345);                    /* untouched on false */
}
END_TEST

START_TEST(round_trip_addresses)
{
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(64, &mem, &len);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	uint32_t serial = lookup_ok(map, "db.internal"), got = 0;

	s6_ph_addr4(serial, (uint8_t *)&sin.sin_addr);
	ck_assert(s6_ph_is_placeholder((struct sockaddr *)&sin, &got));
	ck_assert_uint_eq(got, serial);
	name_is(map, got, "db.internal");
	got = 0;
	s6_ph_addr6(serial, sin6.sin6_addr.s6_addr);
	ck_assert(s6_ph_is_placeholder((struct sockaddr *)&sin6, &got));
	ck_assert_uint_eq(got, serial);
	munmap(mem, len);
}
END_TEST

START_TEST(name_errors)
{
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(4, &mem, &len);
	char small[4];
	uint32_t serial = lookup_ok(map, "abcd.example");

	ck_assert_int_eq(s6_ph_name(map, serial, small, sizeof(small)), S6_ERR_TOO_LONG);
	ck_assert_int_eq(s6_ph_name(map, 0, small, sizeof(small)), S6_ERR_STALE_PLACEHOLDER);
	ck_assert_int_eq(s6_ph_name(map, serial + 1, small, sizeof(small)),
			 S6_ERR_STALE_PLACEHOLDER);     /* never used */
	ck_assert_int_eq(s6_ph_name(map, S6_PH_SERIAL_MAX + 1, small, sizeof(small)),
			 S6_ERR_STALE_PLACEHOLDER);
	munmap(mem, len);
}
END_TEST

/* Run twice: _i 0 lays the map out in dirty memory, _i 1 in a fresh
 * mapping with s6_ph_map_init_zeroed; both must behave the same. */
START_TEST(recycling)
{
	enum { SLOTS = 8 };
	void *mem;
	size_t len;
	s6_ph_map *map = _i ? new_map_zeroed(SLOTS, &mem, &len) : new_map(SLOTS, &mem, &len);
	char name[32], buf[64];
	uint32_t i, serial;

	for (i = 0; i < SLOTS; i++) {
		snprintf(name, sizeof(name), "host%u.example", i);
		ck_assert_uint_eq(lookup_ok(map, name), i + 1);
	}
	/* Full: every name still there. */
	for (i = 0; i < SLOTS; i++) {
		snprintf(name, sizeof(name), "host%u.example", i);
		ck_assert_uint_eq(lookup_ok(map, name), i + 1);
	}
	/* One more evicts the oldest, whose address is now stale. */
	ck_assert_uint_eq(lookup_ok(map, "new.example"), SLOTS + 1);
	ck_assert_int_eq(s6_ph_name(map, 1, buf, sizeof(buf)), S6_ERR_STALE_PLACEHOLDER);
	name_is(map, 2, "host1.example");
	name_is(map, SLOTS + 1, "new.example");
	/* The evicted name comes back with a fresh serial, never the old one. */
	serial = lookup_ok(map, "host0.example");
	ck_assert_uint_eq(serial, SLOTS + 2);
	ck_assert_int_eq(s6_ph_name(map, 2, buf, sizeof(buf)), S6_ERR_STALE_PLACEHOLDER);
	/* Many rounds: only the last SLOTS serials resolve. */
	for (i = 0; i < 10 * SLOTS; i++) {
		snprintf(name, sizeof(name), "round%u.example", i);
		serial = lookup_ok(map, name);
	}
	for (i = 1; i <= serial; i++) {
		s6_err want = i + SLOTS > serial ? S6_OK : S6_ERR_STALE_PLACEHOLDER;
		ck_assert_int_eq(s6_ph_name(map, i, buf, sizeof(buf)), want);
	}
	/* Recycled slots left the lookup chains consistent. */
	for (i = 10 * SLOTS - SLOTS; i < 10 * SLOTS; i++) {
		snprintf(name, sizeof(name), "round%u.example", i);
		ck_assert_uint_eq(lookup_ok(map, name), serial - (10 * SLOTS - 1 - i));
	}
	munmap(mem, len);
}
END_TEST

/* Heavy recycling in a tiny map (many names per hash bucket): after each
 * new name every live name must still be found, not given a new serial. */
START_TEST(recycling_chains)
{
	enum { SLOTS = 3, NAMES = 300 };
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(SLOTS, &mem, &len);
	char name[32];
	uint32_t i, j, serial;

	for (i = 0; i < NAMES; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		serial = lookup_ok(map, name);
		ck_assert_uint_eq(serial, i + 1);
		for (j = i + 1 >= SLOTS ? i + 1 - SLOTS : 0; j <= i; j++) {
			snprintf(name, sizeof(name), "H%u.", j);
			ck_assert_uint_eq(lookup_ok(map, name), j + 1);
		}
	}
	munmap(mem, len);
}
END_TEST

START_TEST(invalid_names)
{
	static const char *const bad[] = {
		"", ".", "..", "a..b", ".a", "a b", "a/b", "a:b", "häst.example",
		"a\tb", "[::1]", "a@b", "a.b..",
	};
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(8, &mem, &len);
	char name[300];
	uint32_t serial = 99;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(s6_ph_lookup(map, bad[i], &serial) == S6_ERR_MALFORMED,
			      "accepted \"%s\"", bad[i]);
	ck_assert_uint_eq(serial, 99);

	/* Labels: 63 ok, 64 too long. */
	memset(name, 'a', 63);
	snprintf(name + 63, sizeof(name) - 63, ".example");
	lookup_ok(map, name);
	memset(name, 'a', 64);
	snprintf(name + 64, sizeof(name) - 64, ".example");
	ck_assert_int_eq(s6_ph_lookup(map, name, &serial), S6_ERR_TOO_LONG);

	/* Whole name: 253 ok (254 with the trailing dot), 254 too long. */
	for (i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[253] = '\0';
	lookup_ok(map, name);
	name[253] = '.';
	name[254] = '\0';
	lookup_ok(map, name);
	name[253] = 'b';
	ck_assert_int_eq(s6_ph_lookup(map, name, &serial), S6_ERR_TOO_LONG);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(s6_ph_lookup(map, name, &serial), S6_ERR_TOO_LONG);

	/* Accepted shapes. */
	lookup_ok(map, "localhost");
	lookup_ok(map, "_srv._tcp.Example-1.ORG");
	lookup_ok(map, "0.example");
	munmap(mem, len);
}
END_TEST

START_TEST(init_errors)
{
	static uint64_t mem[64];
	s6_ph_map *map = NULL;

	ck_assert_uint_eq(s6_ph_map_size(0), 0);
	ck_assert_uint_gt(s6_ph_map_size(1), 0);
	ck_assert_uint_gt(s6_ph_map_size(1000), s6_ph_map_size(10));
	ck_assert_int_eq(s6_ph_map_init(mem, sizeof(mem), 0, &map), S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_ph_map_init(mem, s6_ph_map_size(1) - 1, 1, &map),
			 S6_ERR_INVALID_ARG);
	ck_assert_int_eq(s6_ph_map_init(mem, sizeof(mem), 1000, &map), S6_ERR_INVALID_ARG);
	ck_assert_ptr_null(map);
	ck_assert_uint_le(s6_ph_map_size(1), sizeof(mem));
	ck_assert_int_eq(s6_ph_map_init(mem, sizeof(mem), 1, &map), S6_OK);
	ck_assert_uint_eq(lookup_ok(map, "a"), 1);
	ck_assert_uint_eq(lookup_ok(map, "b"), 2);
	ck_assert_uint_eq(lookup_ok(map, "b"), 2);
	ck_assert_uint_eq(lookup_ok(map, "a"), 3);
}
END_TEST

START_TEST(shared_across_fork)
{
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(32, &mem, &len);
	uint32_t parent_serial = lookup_ok(map, "before.fork"), s;
	int status = -1;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Plain exit codes: the child must not report to check itself. */
		uint32_t cs = 0;
		char buf[64];

		if (s6_ph_lookup(map, "before.fork", &cs) != S6_OK || cs != parent_serial)
			_exit(2);
		if (s6_ph_lookup(map, "child.example", &cs) != S6_OK || cs != 2)
			_exit(3);
		if (s6_ph_name(map, 1, buf, sizeof(buf)) != S6_OK)
			_exit(4);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	name_is(map, 2, "child.example");
	s = lookup_ok(map, "Child.Example.");
	ck_assert_uint_eq(s, 2);
	ck_assert_uint_eq(lookup_ok(map, "after.fork"), 3);
	munmap(mem, len);
}
END_TEST

/* A process dies holding the lock: the next locker gets EOWNERDEAD, must
 * repair and mark the mutex consistent, and the map keeps working. White
 * box: the map's mutex follows its four uint32_t header fields. */
START_TEST(owner_died)
{
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(8, &mem, &len);
	pthread_mutex_t *lock = (pthread_mutex_t *)((uint8_t *)mem + 16);
	int status = -1, round;
	pid_t pid;

	lookup_ok(map, "one.example");
	for (round = 0; round < 2; round++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(pthread_mutex_lock(lock) == 0 ? 0 : 1);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
		ck_assert_uint_eq(lookup_ok(map, "one.example"), 1);
		ck_assert_uint_eq(lookup_ok(map, round ? "three.example" : "two.example"),
				  (uint32_t)round + 2);
		name_is(map, 1, "one.example");
	}
	munmap(mem, len);
}
END_TEST

enum { THREADS = 8, ROUNDS = 500, NAMES = 40 };

struct thread_arg {
	s6_ph_map *map;
	int id;
	uint32_t seen[NAMES];
	int bad;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	char name[32], buf[64];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		int k = (i * 7 + a->id * 3) % NAMES;
		uint32_t s = 0;

		snprintf(name, sizeof(name), i % 2 ? "N%d.Example" : "n%d.example.", k);
		if (s6_ph_lookup(a->map, name, &s) != S6_OK) {
			a->bad++;
			continue;
		}
		if (a->seen[k] && a->seen[k] != s)
			a->bad++;
		a->seen[k] = s;
		snprintf(name, sizeof(name), "n%d.example", k);
		if (s6_ph_name(a->map, s, buf, sizeof(buf)) != S6_OK || strcmp(buf, name) != 0)
			a->bad++;
	}
	return NULL;
}

START_TEST(threads)
{
	void *mem;
	size_t len;
	s6_ph_map *map = new_map(64, &mem, &len);
	struct thread_arg args[THREADS];
	pthread_t tid[THREADS];
	int t, k;

	memset(args, 0, sizeof(args));
	for (t = 0; t < THREADS; t++) {
		args[t].map = map;
		args[t].id = t;
		ck_assert_int_eq(pthread_create(&tid[t], NULL, thread_main, &args[t]), 0);
	}
	for (t = 0; t < THREADS; t++)
		ck_assert_int_eq(pthread_join(tid[t], NULL), 0);
	for (t = 0; t < THREADS; t++) {
		ck_assert_int_eq(args[t].bad, 0);
		for (k = 0; k < NAMES; k++)
			if (args[t].seen[k] && args[0].seen[k])
				ck_assert_uint_eq(args[t].seen[k], args[0].seen[k]);
	}
	/* Exactly NAMES distinct names were allocated, serials 1..NAMES. */
	ck_assert_uint_eq(lookup_ok(map, "fresh.example"), NAMES + 1);
	munmap(mem, len);
}
END_TEST

static Suite *placeholder_suite(void)
{
	Suite *s = suite_create("placeholder");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, same_name_same_serial);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, is_placeholder);
	tcase_add_test(tc, round_trip_addresses);
	tcase_add_test(tc, name_errors);
	tcase_add_loop_test(tc, recycling, 0, 2);
	tcase_add_test(tc, recycling_chains);
	tcase_add_test(tc, invalid_names);
	tcase_add_test(tc, init_errors);
	tcase_add_test(tc, shared_across_fork);
	tcase_add_test(tc, owner_died);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(placeholder_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
