/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "s6_token.h"

bool s6_token_lt(uint32_t x, uint32_t y)
{
	uint32_t d = y - x; /* unsigned: wraps modulo 2^32 */
	return d != 0 && d < 0x80000000u;
}

bool s6_token_in_window(uint32_t token, uint32_t base, uint32_t size)
{
	return (uint32_t)(token - base) < size;
}

bool s6_token_size_valid(uint32_t size)
{
	return size != 0 && size < 0x80000000u;
}

void s6_token_window_init(s6_token_window *w)
{
	memset(w, 0, sizeof *w);
}

bool s6_token_window_advertise(s6_token_window *w, uint32_t base, uint32_t size)
{
	if (!s6_token_size_valid(size))
		return false;
	if (w->valid && s6_token_lt(base, w->base))
		return false; /* older than what we know: arrived out of order */
	if (!w->valid || s6_token_lt(w->next, base))
		w->next = base; /* tokens below the base are gone */
	w->valid = true;
	w->base = base;
	w->size = size;
	return true;
}

uint32_t s6_token_window_left(const s6_token_window *w)
{
	if (!w->valid)
		return 0;
	uint32_t used = w->next - w->base;
	return used < w->size ? w->size - used : 0;
}

bool s6_token_window_take(s6_token_window *w, uint32_t *token)
{
	if (s6_token_window_left(w) == 0)
		return false;
	*token = w->next++;
	return true;
}

/* ---- proxy side ----------------------------------------------------- */

static size_t s6_ledger_bit(uint32_t token)
{
	return token % S6_TOKEN_LEDGER_MAX;
}

static bool s6_ledger_is_spent(const s6_token_ledger *l, uint32_t token)
{
	size_t b = s6_ledger_bit(token);
	return l->spent[b / 8] & (1u << (b % 8));
}

static void s6_ledger_set(s6_token_ledger *l, uint32_t token, bool on)
{
	size_t b = s6_ledger_bit(token);
	if (on)
		l->spent[b / 8] |= (uint8_t)(1u << (b % 8));
	else
		l->spent[b / 8] &= (uint8_t)~(1u << (b % 8));
}

/* Move the base forward by one token; the bit of the token leaving the
 * window is cleared so it can stand for base + size later. */
static void s6_ledger_advance(s6_token_ledger *l)
{
	s6_ledger_set(l, l->base, false);
	l->base++;
}

bool s6_token_ledger_issue(s6_token_ledger *l, uint32_t base, uint32_t size)
{
	if (l->valid)
		return false;
	memset(l, 0, sizeof *l);
	l->valid = true;
	l->base = base;
	l->size = size == 0 ? 1 : size > S6_TOKEN_LEDGER_MAX ? S6_TOKEN_LEDGER_MAX : size;
	return true;
}

/* Highest unspent token in the window, as an offset from the base. */
static uint32_t s6_ledger_highest_unspent(const s6_token_ledger *l)
{
	for (uint32_t off = l->size; off-- > 0;) {
		if (!s6_ledger_is_spent(l, l->base + off))
			return off;
	}
	return l->size; /* everything spent */
}

bool s6_token_ledger_spend(s6_token_ledger *l, uint32_t token)
{
	if (!l->valid || !s6_token_in_window(token, l->base, l->size) ||
	    s6_ledger_is_spent(l, token))
		return false;
	s6_ledger_set(l, token, true);
	uint32_t off = token - l->base;
	if (off >= l->size - l->size / 4 && off >= l->size / 2) {
		/* A high token: slide so it sits mid-window, keeping the highest
		 * unspent token inside. */
		uint32_t want = off - l->size / 2, limit = s6_ledger_highest_unspent(l);
		for (uint32_t i = 0; i < want && i < limit; i++)
			s6_ledger_advance(l);
	}
	while (s6_ledger_is_spent(l, l->base))
		s6_ledger_advance(l);
	return true;
}
