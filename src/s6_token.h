/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 idempotence tokens (draft-11, "Idempotence options"): modular
 * comparison, the client's token window, and the proxy's ledger of spent
 * tokens. Pure state, no I/O.
 *
 * Tokens live in a modular 32-bit space: x < y iff 0 < (y - x) < 2^31.
 * A window is [base, base + size) with 0 < size < 2^31. */
#ifndef S6_TOKEN_H
#define S6_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

bool s6_token_lt(uint32_t x, uint32_t y);

/* Whether token lies in [base, base + size). */
bool s6_token_in_window(uint32_t token, uint32_t base, uint32_t size);

/* A size the draft allows for a window: 0 < size < 2^31. */
bool s6_token_size_valid(uint32_t size);

/* ---- client side -----------------------------------------------------
 * The client spends the smallest unspent token first (the draft's SHOULD),
 * so what it has spent is always [base, next): one cursor is enough, for any
 * window size. A token whose reply never came is not reused. */
typedef struct s6_token_window {
	bool valid;
	uint32_t base, size;
	uint32_t next;        /* smallest token not yet spent by us */
} s6_token_window;

void s6_token_window_init(s6_token_window *w);

/* Apply an Idempotence Window advertisement. Returns false (and changes
 * nothing) for an invalid size or an out-of-order advertisement whose base
 * is below the one already known. */
bool s6_token_window_advertise(s6_token_window *w, uint32_t base, uint32_t size);

/* Take the smallest unspent token; false when the window is exhausted or
 * was never issued. */
bool s6_token_window_take(s6_token_window *w, uint32_t *token);

/* Tokens still available. */
uint32_t s6_token_window_left(const s6_token_window *w);

/* ---- proxy side ------------------------------------------------------
 * One ledger per session. The proxy chooses the window size, at most
 * S6_TOKEN_LEDGER_MAX, so spent tokens fit a bitmap indexed by token modulo
 * the maximum (tokens inside one window never share a bit). */
#define S6_TOKEN_LEDGER_MAX 4096u

typedef struct s6_token_ledger {
	bool valid;
	uint32_t base, size;
	uint8_t spent[S6_TOKEN_LEDGER_MAX / 8];
} s6_token_ledger;

/* Issue a window (size clamped to 1..S6_TOKEN_LEDGER_MAX); the draft forbids
 * a second window for the same session, so this fails when one exists. */
bool s6_token_ledger_issue(s6_token_ledger *l, uint32_t base, uint32_t size);

/* Spend a token: true (accepted) when it is inside the window and unspent.
 * The window then shifts past its spent prefix and, when a token in its top
 * quarter is spent, up to half a window below it, never beyond the highest
 * unspent token. */
bool s6_token_ledger_spend(s6_token_ledger *l, uint32_t token);

#endif
