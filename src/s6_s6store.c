/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared table of SOCKS6 client sessions (see s6_s6store.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "s6_pshared.h"
#include "s6_s6store.h"

/* A lock that gives up: the mutex lives in a file anyone of the user may
 * have scribbled on. A holder that died leaves it EOWNERDEAD; what it was
 * doing is repaired by the caller's checks, which run on every lock. */
static bool store_lock_timed(pthread_mutex_t *m, int timeout_ms)
{
	struct timespec ts;
	/* Uncontended (the common case, a lock is held for a few memory
	 * operations): no clock reading for a deadline. */
	int rc = pthread_mutex_trylock(m);

	if (rc == EBUSY) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		ts.tv_sec += timeout_ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		rc = pthread_mutex_timedlock(m, &ts);
	}
	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(m);
	return rc == 0;
}

s6_err s6_s6store_init(void *mem, size_t len)
{
	s6_s6store *st = mem;
	s6_err err;

	if (!mem || len < sizeof *st || ((uintptr_t)mem & (_Alignof(s6_s6store) - 1)) != 0)
		return S6_ERR_INVALID_ARG;
	memset(st, 0, sizeof *st);
	err = s6_pshared_mutex_init(&st->lock);
	for (int i = 0; i < S6_S6STORE_SLOTS && err == S6_OK; i++) {
		err = s6_pshared_mutex_init(&st->slot[i].lock);
		s6_s6sess_init(&st->slot[i].sess);
	}
	if (err != S6_OK)
		return err;
	st->version = S6_S6STORE_VERSION;
	st->size = sizeof *st;
	st->nslots = S6_S6STORE_SLOTS;
	st->magic = S6_S6STORE_MAGIC;
	return S6_OK;
}

bool s6_s6store_header_ok(const void *mem, size_t len)
{
	const s6_s6store *st = mem;

	return mem && len == sizeof *st && st->magic == S6_S6STORE_MAGIC &&
	       st->version == S6_S6STORE_VERSION && st->size == sizeof *st &&
	       st->nslots == S6_S6STORE_SLOTS;
}

uint32_t s6_s6store_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)key[i];
		h *= 16777619u;
	}
	return h;
}

size_t s6_s6store_make_key(char *buf, const char *scheme, const char *user, const char *pass,
			   const char *host, uint16_t port)
{
	uint32_t fp = pass ? s6_s6store_hash(pass, strlen(pass)) : 0;
	int n = snprintf(buf, S6_S6STORE_KEY_MAX, "%s%c%s%c%s%c%u%c%08x", scheme, 0,
			 user ? user : "", 0, host, 0, port, 0, fp);

	return n > 0 && n < S6_S6STORE_KEY_MAX ? (size_t)n : 0;
}

/* ------------------------------------------------------------------------ */
/* Checking what another process left */

/* A bool read as the byte it is: the file may hold any value there. */
static bool store_byte_bool(const void *p)
{
	unsigned char c;

	memcpy(&c, p, 1);
	return c <= 1;
}

static bool store_sess_sane(const s6_s6sess *s)
{
	if (!store_byte_bool(&s->valid) || !store_byte_bool(&s->requesting) ||
	    !store_byte_bool(&s->window.valid))
		return false;
	if (s->id_len > sizeof s->id)
		return false;
	return !s->valid || s->id_len > 0;
}

static bool store_key_sane(const s6_s6store_slot *sl)
{
	size_t n = sl->key_len;

	return n <= S6_S6STORE_KEY_MAX && sl->hash == s6_s6store_hash(sl->key, n);
}

/* A fresh session whose generation differs from the old one, so the late
 * answer of a request planned against the old content changes nothing. */
static void store_sess_reset(s6_s6store_slot *sl)
{
	uint32_t gen = sl->sess.generation;

	s6_s6sess_init(&sl->sess);
	sl->sess.generation = gen + 1;
	sl->requested_at = 0;
}

static bool store_slot_has(const s6_s6store_slot *sl, const char *key, size_t len, uint32_t h)
{
	return sl->key_len == len && sl->hash == h && store_key_sane(sl) &&
	       memcmp(sl->key, key, len) == 0;
}

/* ------------------------------------------------------------------------ */
/* Locking a slot */

static bool store_valid(const s6_s6store *st)
{
	return s6_s6store_header_ok(st, sizeof *st);
}

/* With the table lock: the slot holding key, else a free or broken one,
 * else the least recently used. */
static uint32_t store_pick(s6_s6store *st, const char *key, size_t len, uint32_t h)
{
	uint32_t best = 0;
	int64_t oldest = INT64_MAX;

	for (uint32_t i = 0; i < S6_S6STORE_SLOTS; i++) {
		s6_s6store_slot *sl = &st->slot[i];
		int64_t used = __atomic_load_n(&sl->last_use, __ATOMIC_RELAXED);

		if (store_slot_has(sl, key, len, h))
			return i;
		if (sl->key_len == 0 || !store_key_sane(sl))
			used = INT64_MIN;
		if (used < oldest) {
			oldest = used;
			best = i;
		}
	}
	return best;
}

static s6_s6store_slot *store_lock_slow(s6_s6store *st, const char *key, size_t len,
					uint32_t h, int64_t now, int timeout_ms, uint32_t *hint)
{
	s6_s6store_slot *sl = NULL;
	uint32_t i;

	if (!store_lock_timed(&st->lock, timeout_ms))
		return NULL;
	if (!store_valid(st))
		goto out;
	i = store_pick(st, key, len, h);
	sl = &st->slot[i];
	if (!store_lock_timed(&sl->lock, timeout_ms)) {
		sl = NULL;
		goto out;
	}
	if (!store_slot_has(sl, key, len, h)) {
		/* Taken over (or repaired): both locks are held. */
		memset(sl->key, 0, sizeof sl->key);
		memcpy(sl->key, key, len);
		sl->key_len = (uint16_t)len;
		sl->hash = h;
		store_sess_reset(sl);
		__atomic_store_n(&sl->last_use, now, __ATOMIC_RELAXED);
	}
	*hint = i;
out:
	pthread_mutex_unlock(&st->lock);
	return sl;
}

s6_s6store_slot *s6_s6store_lock(s6_s6store *st, const char *key, size_t key_len,
				 int64_t now, int timeout_ms, uint32_t *hint)
{
	uint32_t h = s6_s6store_hash(key, key_len);
	s6_s6store_slot *sl = NULL;

	if (key_len == 0 || key_len > S6_S6STORE_KEY_MAX || !store_valid(st))
		return NULL;
	/* Fast path: the slot this process used last still holds the key. */
	if (*hint < S6_S6STORE_SLOTS) {
		sl = &st->slot[*hint];
		if (!store_lock_timed(&sl->lock, timeout_ms))
			return NULL;
		if (!store_slot_has(sl, key, key_len, h)) {
			pthread_mutex_unlock(&sl->lock);
			sl = NULL;
		}
	}
	if (!sl)
		sl = store_lock_slow(st, key, key_len, h, now, timeout_ms, hint);
	if (sl && !store_sess_sane(&sl->sess))
		store_sess_reset(sl);
	return sl;
}

/* Further than limit from now either way (a clock set back counts too). */
static bool store_too_old(int64_t t, int64_t now, uint32_t limit)
{
	return now - t > (int64_t)limit || t - now > (int64_t)limit;
}

bool s6_s6store_refresh(s6_s6store_slot *sl, int64_t now, uint32_t idle_s, uint32_t stale_s,
			uint8_t *id, uint16_t *id_len)
{
	s6_s6sess *s = &sl->sess;

	if (s->requesting && store_too_old(sl->requested_at, now, stale_s)) {
		s->requesting = false;
		sl->requested_at = 0;
	}
	if (!s->valid || !store_too_old(sl->last_use, now, idle_s))
		return false;
	return s6_s6sess_take_for_teardown(s, s->owner, id, id_len);
}

void s6_s6store_unlock(s6_s6store_slot *sl, int64_t now)
{
	if (!sl->sess.requesting)
		sl->requested_at = 0;
	else if (sl->requested_at == 0)
		sl->requested_at = now;
	__atomic_store_n(&sl->last_use, now, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sl->lock);
}

bool s6_s6store_forget_all(s6_s6store *st, int timeout_ms)
{
	bool all = true;

	if (!store_valid(st) || !store_lock_timed(&st->lock, timeout_ms))
		return false;
	for (int i = 0; i < S6_S6STORE_SLOTS; i++) {
		s6_s6store_slot *sl = &st->slot[i];

		if (!store_lock_timed(&sl->lock, timeout_ms)) {
			all = false;
			continue;
		}
		memset(sl->key, 0, sizeof sl->key);
		sl->key_len = 0;
		sl->hash = 0;
		store_sess_reset(sl);
		pthread_mutex_unlock(&sl->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return all;
}
