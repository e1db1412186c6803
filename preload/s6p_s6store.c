/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shim's SOCKS6 session store: shared table or per-process fallback
 * (see s6p_s6store.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6_s6store.h"
#include "s6_s6store_file.h"
#include "s6p_real.h"
#include "s6p_s6.h"
#include "s6p_s6store.h"
#include "s6p_state.h"

/* A slot lock is held for a few memory operations; failing to get it for
 * this long means the lock word in the file is garbled. */
#define S6P_STORE_LOCK_MS 1000

static struct {
	pthread_mutex_t lock;
	s6_s6sess sess;
} s6p_local = {PTHREAD_MUTEX_INITIALIZER, {0}};

static struct {
	pthread_once_t once;
	bool ready;                   /* once ran */
	s6_s6store *map;              /* NULL: per-process store */
	bool off;                     /* the shared table failed later on */
	char key[S6_S6STORE_KEY_MAX];
	size_t key_len;
	uint32_t hint;                /* slot used last */
	/* A shared session found expired, torn down at exit. */
	pthread_mutex_t bye_lock;
	bool bye;
	uint16_t bye_len;
	uint8_t bye_id[S6_S6_SESSION_ID_MAX];
} s6p_store = {.once = PTHREAD_ONCE_INIT, .hint = UINT32_MAX,
	      .bye_lock = PTHREAD_MUTEX_INITIALIZER};

/* The slot this thread holds (NULL: the per-process lock, or none), and
 * the time it was locked at: a slot is held for microseconds, and times
 * in the table are whole seconds, so the unlock records that one. */
static __thread s6_s6store_slot *s6p_held;
static __thread int64_t s6p_held_now;

static int64_t s6p_store_now(void)
{
	struct timespec ts;

	/* The wall clock: unrelated processes agree on it, and unlike
	 * CLOCK_MONOTONIC it does not restart at a reboot, which a store in
	 * /tmp may survive. */
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static bool s6p_store_wanted(const struct s6p_state *st)
{
	if (st->broken || !s6_scheme_is_socks6(st->cfg.proxy.scheme) || !st->cfg.s6.session)
		return false;
	/* A setuid program must not share state with the user's others. */
	return st->cfg.s6.shared_store && !getauxval(AT_SECURE);
}

static void s6p_store_init(void)
{
	const struct s6p_state *st = s6p_state();
	const char *user, *pass;
	char dir[4096], why[512];
	bool rebuilt;

	s6_s6sess_init(&s6p_local.sess);
	if (!s6p_store_wanted(st))
		goto out;
	if (!s6p_s6_credentials(&user, &pass))
		user = pass = NULL;
	/* The scheme is part of the key: a socks6 and a socks6+tls proxy on
	 * the same host and port never share a session. */
	s6p_store.key_len = s6_s6store_make_key(s6p_store.key,
						s6_scheme_name(st->cfg.proxy.scheme), user, pass,
						st->cfg.proxy.host, st->cfg.proxy.port);
	if (s6p_store.key_len == 0 ||
	    !s6_s6store_dir(dir, sizeof dir, getenv("XDG_RUNTIME_DIR"), geteuid()))
		goto out;
	s6p_store.map = s6_s6store_open(dir, S6P_REAL(close), &rebuilt, why, sizeof why);
	if (!s6p_store.map)
		s6_log(S6_LOG_ERROR, "session store: %s; sessions stay in this process", why);
	else if (rebuilt)
		s6_log(S6_LOG_INFO, "session store %s/sessions was unusable: rebuilt", dir);
out:
	__atomic_store_n(&s6p_store.ready, true, __ATOMIC_RELEASE);
}

static bool s6p_store_shared(void)
{
	return s6p_store.map && !__atomic_load_n(&s6p_store.off, __ATOMIC_RELAXED);
}

/* Stash an expired session's ID for the teardown at exit. */
static void s6p_store_expired(const uint8_t *id, uint16_t id_len)
{
	s6_log(S6_LOG_INFO, "proxy %s: socks6: session unused for more than %us, dropped",
	       s6p_state()->proxy_str, s6p_state()->cfg.s6.session_idle_s);
	pthread_mutex_lock(&s6p_store.bye_lock);
	memcpy(s6p_store.bye_id, id, id_len);
	s6p_store.bye_len = id_len;
	s6p_store.bye = true;
	pthread_mutex_unlock(&s6p_store.bye_lock);
}

static s6_s6sess *s6p_store_lock_shared(int timeout_ms)
{
	const s6_config *cfg = &s6p_state()->cfg;
	uint32_t hint = __atomic_load_n(&s6p_store.hint, __ATOMIC_RELAXED);
	/* A Session Request older than any connect of ours is not in flight. */
	uint32_t stale_s = cfg->connect_timeout_ms / 1000 + 5;
	int64_t now = s6p_store_now();
	uint8_t id[S6_S6_SESSION_ID_MAX];
	uint16_t id_len;
	s6_s6store_slot *sl;

	sl = s6_s6store_lock(s6p_store.map, s6p_store.key, s6p_store.key_len, now,
			     timeout_ms, &hint);
	if (!sl)
		return NULL;
	__atomic_store_n(&s6p_store.hint, hint, __ATOMIC_RELAXED);
	if (s6_s6store_refresh(sl, now, cfg->s6.session_idle_s, stale_s, id, &id_len))
		s6p_store_expired(id, id_len);
	explicit_bzero(id, sizeof id);
	s6p_held = sl;
	s6p_held_now = now;
	return &sl->sess;
}

/* The per-process store; timeout_ms < 0: wait as long as it takes. */
static s6_s6sess *s6p_local_lock(int timeout_ms)
{
	struct timespec ts;

	if (timeout_ms < 0) {
		pthread_mutex_lock(&s6p_local.lock);
		return &s6p_local.sess;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	ts.tv_sec += timeout_ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	if (pthread_mutex_timedlock(&s6p_local.lock, &ts) != 0)
		return NULL;
	return &s6p_local.sess;
}

static s6_s6sess *s6p_store_lock(int timeout_ms)
{
	s6_s6sess *s;

	pthread_once(&s6p_store.once, s6p_store_init);
	if (!s6p_store_shared())
		return s6p_local_lock(timeout_ms);
	s = s6p_store_lock_shared(timeout_ms < 0 ? S6P_STORE_LOCK_MS : timeout_ms);
	if (s || timeout_ms >= 0)
		return s;
	if (!__atomic_exchange_n(&s6p_store.off, true, __ATOMIC_RELAXED))
		s6_log(S6_LOG_ERROR, "session store: cannot lock the shared table; "
		       "sessions stay in this process");
	return s6p_local_lock(-1);
}

s6_s6sess *s6p_sess_lock(void)
{
	return s6p_store_lock(-1);
}

s6_s6sess *s6p_sess_lock_timed(int timeout_ms)
{
	return s6p_store_lock(timeout_ms < 0 ? 0 : timeout_ms);
}

void s6p_sess_unlock(void)
{
	s6_s6store_slot *sl = s6p_held;

	if (sl) {
		s6p_held = NULL;
		s6_s6store_unlock(sl, s6p_held_now);
		return;
	}
	pthread_mutex_unlock(&s6p_local.lock);
}

void s6p_s6store_atfork_child(void)
{
	pthread_mutex_init(&s6p_local.lock, NULL);
	s6_s6sess_after_fork(&s6p_local.sess);
	/* The shared table is left alone: a Session Request in flight there
	 * is the parent's, and it still answers it. The parent tears down
	 * what it found expired. */
	pthread_mutex_init(&s6p_store.bye_lock, NULL);
	s6p_store.bye = false;
	s6p_held = NULL;
}

bool s6p_sess_take_for_bye(int timeout_ms, uint8_t *id, uint16_t *id_len)
{
	s6_s6sess *s;
	bool mine;

	if (!__atomic_load_n(&s6p_store.ready, __ATOMIC_ACQUIRE))
		return false; /* never planned a request */
	if (s6p_store_shared()) {
		pthread_mutex_lock(&s6p_store.bye_lock);
		mine = s6p_store.bye;
		memcpy(id, s6p_store.bye_id, s6p_store.bye_len);
		*id_len = s6p_store.bye_len;
		s6p_store.bye = false;
		explicit_bzero(s6p_store.bye_id, sizeof s6p_store.bye_id);
		pthread_mutex_unlock(&s6p_store.bye_lock);
		return mine;
	}
	s = s6p_local_lock(timeout_ms);
	if (!s)
		return false;
	mine = s6_s6sess_take_for_teardown(s, (int32_t)s6p_pid(), id, id_len);
	pthread_mutex_unlock(&s6p_local.lock);
	return mine;
}
