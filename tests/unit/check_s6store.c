/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "s6_s6store.h"
#include "check_s6store.h"
#include "s6_config.h"

static s6_s6store *new_store(void)
{
	void *mem = mmap(NULL, sizeof(s6_s6store), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(mem, MAP_FAILED);
	ck_assert_int_eq(s6_s6store_init(mem, sizeof(s6_s6store)), S6_OK);
	return mem;
}

static size_t key_of(char *buf, int n)
{
	char host[32];

	snprintf(host, sizeof host, "proxy%d.example", n);
	return s6_s6store_make_key(buf, "socks6", "alice", "pw", host, 1080);
}

/* Lock the slot of key n at time now and release it at once. */
static s6_s6store_slot *touch(s6_s6store *st, int n, int64_t now)
{
	char key[S6_S6STORE_KEY_MAX];
	size_t len = key_of(key, n);
	uint32_t hint = UINT32_MAX;
	s6_s6store_slot *sl = s6_s6store_lock(st, key, len, now, 1000, &hint);

	ck_assert_ptr_nonnull(sl);
	s6_s6store_unlock(sl, now);
	return sl;
}

/* Give the slot a session with ID {n, n, n, n} and window [100, 116). */
static void open_session(s6_s6store_slot *sl, uint8_t n)
{
	s6_s6sess_ticket t;
	s6_s6sess_outcome o;
	s6_s6_client_result r;

	memset(&r, 0, sizeof r);
	r.has_session_id = true;
	memset(r.session_id, n, 4);
	r.session_id_len = 4;
	r.has_idem_window = true;
	r.idem_base = 100;
	r.idem_size = 16;
	s6_s6sess_plan(&sl->sess, true, 16, false, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
	s6_s6sess_apply(&sl->sess, &t, &r, 1, &o);
	ck_assert(o.created);
}

START_TEST(test_header)
{
	s6_s6store *st = new_store();
	char key[S6_S6STORE_KEY_MAX];
	size_t len = key_of(key, 1);
	uint32_t hint = 0;

	ck_assert(s6_s6store_header_ok(st, sizeof *st));
	ck_assert(!s6_s6store_header_ok(st, sizeof *st - 1));
	st->version++;
	ck_assert(!s6_s6store_header_ok(st, sizeof *st));
	ck_assert_ptr_null(s6_s6store_lock(st, key, len, 1, 100, &hint));
	st->version--;
	st->nslots = 1000;
	ck_assert(!s6_s6store_header_ok(st, sizeof *st));
	st->nslots = S6_S6STORE_SLOTS;
	st->magic ^= 1;
	ck_assert(!s6_s6store_header_ok(st, sizeof *st));
	ck_assert(!s6_s6store_forget_all(st, 100));
	ck_assert_int_eq(s6_s6store_init(st, 16), S6_ERR_INVALID_ARG);
	munmap(st, sizeof *st);
}
END_TEST

START_TEST(test_key)
{
	char a[S6_S6STORE_KEY_MAX], b[S6_S6STORE_KEY_MAX], host[600];
	size_t la = s6_s6store_make_key(a, "socks6", "a@b", "p", "c", 1);
	size_t lb = s6_s6store_make_key(b, "socks6", "a", "p", "b@c", 1);

	/* Separators cannot be faked by the strings. */
	ck_assert(la > 0 && lb > 0);
	ck_assert(la != lb || memcmp(a, b, la) != 0);
	la = s6_s6store_make_key(a, "socks6", NULL, NULL, "h", 1080);
	ck_assert_uint_eq(la, s6_s6store_make_key(b, "socks6", "", NULL, "h", 1080));
	ck_assert_mem_eq(a, b, la);
	/* Another password, another session. */
	la = s6_s6store_make_key(a, "socks6", "u", "one", "h", 1080);
	lb = s6_s6store_make_key(b, "socks6", "u", "two", "h", 1080);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) != 0);
	ck_assert_ptr_null(memmem(a, la, "one", 3));  /* not in clear */
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	ck_assert_uint_eq(s6_s6store_make_key(a, "socks6", "u", NULL, host, 1), 0);
	ck_assert_uint_ne(s6_s6store_hash("ab", 2), s6_s6store_hash("ba", 2));
}
END_TEST

START_TEST(test_lookup_and_hint)
{
	s6_s6store *st = new_store();
	char key[S6_S6STORE_KEY_MAX];
	size_t len = key_of(key, 7);
	uint32_t hint = 12345; /* any value is safe */
	s6_s6store_slot *a, *b, *c;

	a = s6_s6store_lock(st, key, len, 10, 1000, &hint);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_lt(hint, S6_S6STORE_SLOTS);
	ck_assert_ptr_eq(a, &st->slot[hint]);
	open_session(a, 7);
	s6_s6store_unlock(a, 10);
	b = touch(st, 8, 11);
	ck_assert_ptr_ne(a, b);
	c = s6_s6store_lock(st, key, len, 12, 1000, &hint);
	ck_assert_ptr_eq(a, c);
	ck_assert(c->sess.valid);
	ck_assert_uint_eq(c->sess.id[0], 7);
	s6_s6store_unlock(c, 12);
	/* A hint pointing at another key's slot is not trusted. */
	hint = (uint32_t)(b - st->slot);
	c = s6_s6store_lock(st, key, len, 13, 1000, &hint);
	ck_assert_ptr_eq(a, c);
	s6_s6store_unlock(c, 13);
	ck_assert_ptr_null(s6_s6store_lock(st, key, 0, 13, 1000, &hint));
	munmap(st, sizeof *st);
}
END_TEST

START_TEST(test_lru_eviction)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *first, *sl;
	uint32_t gen;

	first = touch(st, 0, 100);
	open_session(first, 1);
	for (int i = 1; i < S6_S6STORE_SLOTS; i++)
		touch(st, i, 100 + i);
	touch(st, 0, 200);            /* key 0 used again: key 1 is now oldest */
	sl = touch(st, 1, 101);       /* still there: its slot is found, not evicted */
	touch(st, 1, 201);
	gen = st->slot[2].sess.generation;
	/* A 17th key takes the least recently used slot: key 2's. */
	sl = touch(st, 99, 300);
	ck_assert_ptr_eq(sl, &st->slot[2]);
	ck_assert(!sl->sess.valid);
	ck_assert_uint_ne(sl->sess.generation, gen);
	/* Key 0 kept its session through all this. */
	sl = touch(st, 0, 301);
	ck_assert_ptr_eq(sl, first);
	ck_assert(sl->sess.valid);
	munmap(st, sizeof *st);
}
END_TEST

/* What another process of the user could have written. */
START_TEST(test_corrupted_slots)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *sl = touch(st, 3, 10), *again;
	char key[S6_S6STORE_KEY_MAX];
	size_t len = key_of(key, 3);
	uint32_t hint = (uint32_t)(sl - st->slot);

	open_session(sl, 3);
	sl->sess.id_len = 5000;
	again = s6_s6store_lock(st, key, len, 11, 1000, &hint);
	ck_assert_ptr_eq(again, sl);
	ck_assert(!again->sess.valid);        /* wiped, not used */
	ck_assert_uint_eq(again->sess.id_len, 0);
	s6_s6store_unlock(again, 11);
	memset(&sl->sess.valid, 7, 1);        /* a bool that is neither */
	again = s6_s6store_lock(st, key, len, 12, 1000, &hint);
	ck_assert(!again->sess.valid && !again->sess.requesting);
	s6_s6store_unlock(again, 12);
	/* A key length past the buffer: the slot counts as free. */
	for (int i = 0; i < S6_S6STORE_SLOTS; i++)
		st->slot[i].key_len = 60000;
	again = s6_s6store_lock(st, key, len, 13, 1000, &hint);
	ck_assert_ptr_nonnull(again);
	ck_assert_uint_eq(again->key_len, len);
	s6_s6store_unlock(again, 13);
	/* A hash that does not match the key: not this key's slot. */
	again->hash ^= 1;
	hint = UINT32_MAX;
	sl = s6_s6store_lock(st, key, len, 14, 1000, &hint);
	ck_assert_ptr_nonnull(sl);
	ck_assert_uint_eq(sl->hash, s6_s6store_hash(key, len));
	s6_s6store_unlock(sl, 14);
	munmap(st, sizeof *st);
}
END_TEST

START_TEST(test_expiry_and_stale_request)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *sl = touch(st, 4, 1000);
	uint8_t id[S6_S6_SESSION_ID_MAX];
	uint16_t id_len = 0;
	s6_s6sess_ticket t;

	open_session(sl, 4);
	sl->last_use = 1000;
	ck_assert(!s6_s6store_refresh(sl, 1300, 300, 15, id, &id_len));
	ck_assert(s6_s6store_refresh(sl, 1301, 300, 15, id, &id_len));
	ck_assert_uint_eq(id_len, 4);
	ck_assert_uint_eq(id[0], 4);
	ck_assert(!sl->sess.valid);
	/* A clock set back far counts as expired too. */
	open_session(sl, 5);
	sl->last_use = 5000;
	ck_assert(s6_s6store_refresh(sl, 1000, 300, 15, id, &id_len));
	/* A Session Request left in flight by a dead process stops blocking. */
	s6_s6sess_plan(&sl->sess, true, 16, false, &t);
	ck_assert_int_eq(t.role, S6_S6SESS_REQUEST);
	ck_assert(pthread_mutex_lock(&sl->lock) == 0);
	s6_s6store_unlock(sl, 2000);
	ck_assert_int_eq(sl->requested_at, 2000);
	ck_assert(!s6_s6store_refresh(sl, 2015, 300, 15, id, &id_len));
	ck_assert(sl->sess.requesting);
	ck_assert(!s6_s6store_refresh(sl, 2016, 300, 15, id, &id_len));
	ck_assert(!sl->sess.requesting);
	munmap(st, sizeof *st);
}
END_TEST

START_TEST(test_forget_all)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *sl = touch(st, 5, 10);

	open_session(sl, 5);
	ck_assert(s6_s6store_forget_all(st, 1000));
	ck_assert(!sl->sess.valid);
	ck_assert_uint_eq(sl->key_len, 0);
	munmap(st, sizeof *st);
}
END_TEST

/* Two processes spending tokens of one window never spend the same one. */
static void spend_tokens(s6_s6store *st, int out_fd, int n)
{
	char key[S6_S6STORE_KEY_MAX];
	size_t len = key_of(key, 6);
	uint32_t hint = UINT32_MAX;

	for (int i = 0; i < n; i++) {
		s6_s6store_slot *sl = s6_s6store_lock(st, key, len, 10, 1000, &hint);
		s6_s6sess_ticket t;

		if (!sl)
			_exit(2);
		s6_s6sess_plan(&sl->sess, true, 0, true, &t);
		s6_s6store_unlock(sl, 10);
		if (t.spend && write(out_fd, &t.token, sizeof t.token) != sizeof t.token)
			_exit(3);
	}
	_exit(0);
}

START_TEST(test_tokens_across_processes)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *sl = touch(st, 6, 10);
	int fds[2], status;
	uint32_t tok, seen = 0;
	pid_t pid[2];
	static uint8_t spent[4096];

	open_session(sl, 6);
	s6_token_window_advertise(&sl->sess.window, 1000, 4000);
	ck_assert_int_eq(pipe(fds), 0);
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0)
			spend_tokens(st, fds[1], 1500);
	}
	close(fds[1]);
	memset(spent, 0, sizeof spent);
	while (read(fds[0], &tok, sizeof tok) == sizeof tok) {
		ck_assert(tok >= 1000 && tok < 5000);
		ck_assert_msg(!spent[tok - 1000], "token %u spent twice", tok);
		spent[tok - 1000] = 1;
		seen++;
	}
	close(fds[0]);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_uint_eq(seen, 3000);
	munmap(st, sizeof *st);
}
END_TEST

/* A process that dies holding a slot does not lock the others out. */
START_TEST(test_owner_died)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *sl = touch(st, 9, 10);
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_mutex_lock(&sl->lock);
		sl->sess.requesting = true;
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_ptr_eq(touch(st, 9, 11), sl);
	ck_assert_ptr_eq(touch(st, 9, 12), sl);
	munmap(st, sizeof *st);
}
END_TEST

/* A lock word left held by a live process: bounded, then NULL. */
START_TEST(test_lock_timeout)
{
	s6_s6store *st = new_store();
	s6_s6store_slot *sl = touch(st, 2, 10);
	char key[S6_S6STORE_KEY_MAX];
	size_t len = key_of(key, 2);
	uint32_t hint = (uint32_t)(sl - st->slot);
	int fds[2];
	char c;
	struct timespec a, b;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_mutex_lock(&sl->lock);
		(void)!write(fds[1], "x", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_ptr_null(s6_s6store_lock(st, key, len, 11, 200, &hint));
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 150);
	ck_assert_int_lt(ms, 2000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The kernel ended the holder: the lock is usable again. */
	ck_assert_ptr_eq(touch(st, 2, 12), sl);
	munmap(st, sizeof *st);
}
END_TEST


START_TEST(test_config_keys)
{
	static const char *bad[][2] = {
		{"session-store both", "c:1: bad session-store 'both': expected shared or process"},
		{"session-idle 0", "c:1: bad session-idle '0': expected seconds from 1 to 86400"},
		{"session-idle 86401", "c:1: bad session-idle '86401'"},
		{"session-idle 5s", "c:1: bad session-idle '5s'"},
	};
	static const char good[] = "session-store process\nsession-idle 60\n";
	char err[512];
	s6_config cfg;

	s6_config_defaults(&cfg);
	ck_assert(cfg.s6.shared_store);
	ck_assert_uint_eq(cfg.s6.session_idle_s, 300);
	ck_assert_int_eq(s6_config_parse(&cfg, good, strlen(good), "c", err, sizeof err), S6_OK);
	ck_assert(!cfg.s6.shared_store);
	ck_assert_uint_eq(cfg.s6.session_idle_s, 60);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s6_config_defaults(&cfg);
		ck_assert_int_eq(s6_config_parse(&cfg, bad[i][0], strlen(bad[i][0]), "c", err,
						 sizeof err), S6_ERR_CONFIG);
		ck_assert_msg(strncmp(err, bad[i][1], strlen(bad[i][1])) == 0, "%s", err);
		ck_assert(cfg.s6.shared_store);
	}
}
END_TEST

static Suite *s6store_suite(void)
{
	Suite *s = suite_create("s6store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_lookup_and_hint);
	tcase_add_test(tc, test_lru_eviction);
	tcase_add_test(tc, test_corrupted_slots);
	tcase_add_test(tc, test_expiry_and_stale_request);
	tcase_add_test(tc, test_forget_all);
	tcase_add_test(tc, test_tokens_across_processes);
	tcase_add_test(tc, test_owner_died);
	tcase_add_test(tc, test_lock_timeout);
	tcase_add_test(tc, test_config_keys);
	suite_add_tcase(s, tc);
	s6store_file_tests(s);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(s6store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
