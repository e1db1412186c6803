/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "srv_s6_session.h"

srv_s6_sessions *srv_s6_sessions_new(unsigned max, uint64_t timeout_ms)
{
	srv_s6_sessions *t = calloc(1, sizeof *t);

	if (!t || max == 0) {
		free(t);
		return NULL;
	}
	t->v = calloc(max, sizeof *t->v);
	if (!t->v) {
		free(t);
		return NULL;
	}
	t->max = max;
	t->timeout_ms = timeout_ms;
	return t;
}

void srv_s6_sessions_free(srv_s6_sessions *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	free(t);
}

static bool expired(const srv_s6_sessions *t, const srv_s6_session *s, uint64_t now_ms)
{
	return t->timeout_ms && now_ms >= s->last_ms && now_ms - s->last_ms > t->timeout_ms;
}

/* Order is irrelevant: the last entry fills the hole. */
static void remove_at(srv_s6_sessions *t, size_t i)
{
	free(t->v[i]);
	t->v[i] = t->v[--t->n];
	t->v[t->n] = NULL;
}

void srv_s6_sessions_expire(srv_s6_sessions *t, uint64_t now_ms)
{
	size_t i = 0;

	while (i < t->n) {
		if (expired(t, t->v[i], now_ms))
			remove_at(t, i);
		else
			i++;
	}
}

static size_t index_of(const srv_s6_sessions *t, const uint8_t *id, size_t len)
{
	size_t i;

	if (len != SRV_S6_SESSION_ID_LEN)
		return t->n;
	for (i = 0; i < t->n; i++)
		if (memcmp(t->v[i]->id, id, SRV_S6_SESSION_ID_LEN) == 0)
			break;
	return i;
}

srv_s6_session *srv_s6_session_create(srv_s6_sessions *t, const uint8_t *id,
				      const char *user, uint64_t now_ms)
{
	srv_s6_session *s;

	if (index_of(t, id, SRV_S6_SESSION_ID_LEN) < t->n)
		return NULL;
	if (t->n >= t->max)
		srv_s6_sessions_expire(t, now_ms);
	if (t->n >= t->max)
		return NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	memcpy(s->id, id, SRV_S6_SESSION_ID_LEN);
	if (user)
		snprintf(s->user, sizeof s->user, "%s", user);
	s->last_ms = now_ms;
	t->v[t->n++] = s;
	return s;
}

srv_s6_session *srv_s6_session_find(srv_s6_sessions *t, const uint8_t *id,
				    size_t len, uint64_t now_ms)
{
	size_t i = index_of(t, id, len);

	if (i == t->n)
		return NULL;
	if (expired(t, t->v[i], now_ms)) {
		remove_at(t, i);
		return NULL;
	}
	t->v[i]->last_ms = now_ms;
	return t->v[i];
}

void srv_s6_session_delete(srv_s6_sessions *t, srv_s6_session *s)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i] == s) {
			remove_at(t, i);
			return;
		}
	}
}

bool srv_s6_session_issue_window(srv_s6_session *s, uint32_t requested,
				 uint32_t limit, uint32_t base)
{
	uint32_t size = requested < limit ? requested : limit;

	if (s->ledger.valid || size == 0)
		return false;
	if (size > S6_TOKEN_LEDGER_MAX)
		size = S6_TOKEN_LEDGER_MAX;
	return s6_token_ledger_issue(&s->ledger, base, size);
}
