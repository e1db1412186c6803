/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 client session store (see s6_s6sess.h). */
#include <string.h>
#include "s6_s6sess.h"

void s6_s6sess_init(s6_s6sess *s)
{
	memset(s, 0, sizeof *s);
	s6_token_window_init(&s->window);
}

/* Forget the session: its ID and its tokens die with it. */
static void s6_s6sess_end(s6_s6sess *s)
{
	explicit_bzero(s->id, sizeof s->id);
	s->valid = false;
	s->id_len = 0;
	s->generation++;
	s6_token_window_init(&s->window);
}

void s6_s6sess_plan(s6_s6sess *s, bool use_sessions, uint32_t window, bool spend,
		    s6_s6sess_ticket *t)
{
	memset(t, 0, sizeof *t);
	t->generation = s->generation;
	if (!use_sessions)
		return;
	if (s->valid) {
		t->role = S6_S6SESS_USE;
		t->id_len = s->id_len;
		memcpy(t->id, s->id, s->id_len);
		/* Tokens are spent smallest first and never twice, even when
		 * the answer is lost (s6_token.h). */
		if (spend)
			t->spend = s6_token_window_take(&s->window, &t->token);
		return;
	}
	/* One Session Request at a time: the others go without a session
	 * rather than wait for it. */
	if (s->requesting)
		return;
	s->requesting = true;
	t->role = S6_S6SESS_REQUEST;
	t->window_request = s6_token_size_valid(window) ? window : 0;
}

static void s6_s6sess_take_window(s6_s6sess *s, const s6_s6_client_result *r,
				  s6_s6sess_outcome *o)
{
	s6_token_window before = s->window;

	if (!r->has_idem_window || !s->valid ||
	    !s6_token_window_advertise(&s->window, r->idem_base, r->idem_size))
		return;
	/* The proxy repeats the window in every reply: only news counts. */
	o->window_applied = !before.valid || before.base != s->window.base ||
			    before.size != s->window.size;
}

/* The answer to a Session Request: a Session ID starts the session. */
static void s6_s6sess_apply_request(s6_s6sess *s, const s6_s6sess_ticket *t,
				    const s6_s6_client_result *r, int32_t owner,
				    s6_s6sess_outcome *o)
{
	s->requesting = false;
	if (t->generation != s->generation || s->valid || !r->has_session_id ||
	    r->session_id_len == 0 || r->session_id_len > sizeof s->id)
		return;
	s->valid = true;
	s->id_len = (uint16_t)r->session_id_len;
	memcpy(s->id, r->session_id, r->session_id_len);
	s->owner = owner;
	s->generation++;
	s6_token_window_init(&s->window);
	o->created = true;
	s6_s6sess_take_window(s, r, o);
}

void s6_s6sess_apply(s6_s6sess *s, const s6_s6sess_ticket *t,
		     const s6_s6_client_result *r, int32_t owner, s6_s6sess_outcome *o)
{
	memset(o, 0, sizeof *o);
	if (t->role == S6_S6SESS_REQUEST) {
		s6_s6sess_apply_request(s, t, r, owner, o);
		return;
	}
	if (t->role != S6_S6SESS_USE)
		return;
	o->token_accepted = t->spend && r->idem_accepted;
	o->token_rejected = t->spend && r->idem_rejected;
	o->reused = r->session_ok && !r->session_invalid;
	if (t->generation != s->generation || !s->valid)
		return; /* answers about a session that is already gone */
	if (r->session_invalid) {
		s6_s6sess_end(s);
		o->invalid = true;
		return;
	}
	s6_s6sess_take_window(s, r, o);
}

void s6_s6sess_abandon(s6_s6sess *s, const s6_s6sess_ticket *t)
{
	if (t->role == S6_S6SESS_REQUEST)
		s->requesting = false;
}

void s6_s6sess_after_fork(s6_s6sess *s)
{
	s->requesting = false;
}

bool s6_s6sess_take_for_teardown(s6_s6sess *s, int32_t owner, uint8_t *id, uint16_t *id_len)
{
	if (!s->valid || s->owner != owner)
		return false;
	memcpy(id, s->id, s->id_len);
	*id_len = s->id_len;
	s6_s6sess_end(s);
	return true;
}
