/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A table of SOCKS6 client sessions (s6_s6sess.h) shared by the processes of
 * one user through a file mapping, one slot per proxy identity.
 *
 * The layout is the file format: a header (magic, version, size, slot count,
 * a process-shared robust mutex guarding which key owns which slot) and
 * S6_S6STORE_SLOTS slots, each with its own process-shared robust mutex
 * around its session. Lock order: table, then slot; a slot holder never
 * takes the table lock. A key is changed only with both locks held, so a
 * slot lock alone is enough to check that a slot still holds a key.
 *
 * The file is writable by every process of the user, so its content is
 * untrusted input: every length is bounds-checked before use, booleans are
 * read as bytes, and a slot that does not make sense is wiped. All locks are
 * timed, so a lock word left garbled cannot hang a program.
 *
 * Times are seconds of the caller's clock (the shim: CLOCK_REALTIME, which
 * unrelated processes share). */
#ifndef S6_S6STORE_H
#define S6_S6STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"
#include "s6_s6sess.h"

#define S6_S6STORE_MAGIC 0x73367373u   /* "s6ss" */
#define S6_S6STORE_VERSION 1u
#define S6_S6STORE_SLOTS 16
/* scheme, user (255), host (255), port, fingerprint, NUL-separated */
#define S6_S6STORE_KEY_MAX 544

typedef struct s6_s6store_slot {
	pthread_mutex_t lock;         /* process-shared, robust */
	uint32_t hash;                /* of key[0..key_len) */
	uint16_t key_len;             /* 0: free */
	char key[S6_S6STORE_KEY_MAX];
	int64_t last_use;             /* last time the slot was unlocked */
	int64_t requested_at;         /* when sess.requesting was set, else 0 */
	s6_s6sess sess;
} s6_s6store_slot;

typedef struct s6_s6store {
	uint32_t magic, version;
	uint64_t size;                /* sizeof(s6_s6store) of the writer */
	uint32_t nslots;
	pthread_mutex_t lock;         /* process-shared, robust: key assignment */
	s6_s6store_slot slot[S6_S6STORE_SLOTS];
} s6_s6store;

/* Lay out an empty table in mem (len >= sizeof(s6_s6store), aligned). */
s6_err s6_s6store_init(void *mem, size_t len);

/* Whether mem (len bytes) holds a table of this version and layout. */
bool s6_s6store_header_ok(const void *mem, size_t len);

/* The key of a proxy identity into buf: scheme, user, host, decimal port
 * and a fingerprint of the password, separated by NUL bytes (no ambiguity
 * whatever the strings hold). The fingerprint keeps a session opened with
 * one password from serving a configuration with another; it is no secret
 * protection (the file is the user's alone, like the configuration). Returns
 * the length, 0 when it does not fit S6_S6STORE_KEY_MAX. user and pass may
 * be NULL. */
size_t s6_s6store_make_key(char *buf, const char *scheme, const char *user, const char *pass,
			   const char *host, uint16_t port);

uint32_t s6_s6store_hash(const char *key, size_t len);

/* Find the slot of key, or give it the free or least recently used one (a
 * fresh session, generation moved past the old one), and lock it. *hint is
 * tried first and updated (a per-process cache; any value is safe). Returns
 * NULL when a lock cannot be had within timeout_ms or the table is not
 * valid any more. The slot is checked and repaired before it is returned. */
s6_s6store_slot *s6_s6store_lock(s6_s6store *st, const char *key, size_t key_len,
				 int64_t now, int timeout_ms, uint32_t *hint);

/* Under the slot lock: a Session Request left "in flight" for more than
 * stale_s seconds (its process died or hung) stops blocking others; a
 * session unused for more than idle_s seconds is taken out (true, with its
 * ID copied to id, S6_S6_SESSION_ID_MAX bytes) for a teardown. */
bool s6_s6store_refresh(s6_s6store_slot *sl, int64_t now, uint32_t idle_s, uint32_t stale_s,
			uint8_t *id, uint16_t *id_len);

/* Record the use and release the slot. */
void s6_s6store_unlock(s6_s6store_slot *sl, int64_t now);

/* Forget every session (socks6ify --forget-sessions). false when a lock
 * could not be had within timeout_ms (some slots may be left). */
bool s6_s6store_forget_all(s6_s6store *st, int timeout_ms);

#endif
