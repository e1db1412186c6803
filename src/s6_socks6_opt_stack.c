/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 Stack options (kind 1): the table of level/code pairs draft-11
 * defines, with the legs each figure allows and the shape of its value. */
#include <string.h>

#include "s6_bytes.h"
#include "s6_socks6_opt.h"

#define STACK_OPT_LEN 8

enum val_shape {
	SHAPE_U8,       /* one byte, then Padding = 0 */
	SHAPE_AVAIL,    /* availability 1 or 2, then Padding = 0 */
	SHAPE_U16,      /* a 16-bit number */
	SHAPE_PARITY,   /* Parity 0..2, Reserve 0..1 */
};

/* Bit (1 << leg) set for every leg the figure allows: where a figure fixes
 * Leg = 2, another leg is an option the draft does not define, which we
 * ignore like any unsupported option rather than reject. */
#define LEGS_ANY ((1u << 1) | (1u << 2) | (1u << 3))
#define LEGS_REMOTE (1u << 2)

struct stack_def {
	uint8_t level;
	uint8_t code;
	unsigned legs;
	enum val_shape shape;
};

static const struct stack_def stack_defs[] = {
	{ S6_S6_LEVEL_IP, S6_S6_IP_TOS, LEGS_ANY, SHAPE_U8 },
	{ S6_S6_LEVEL_IP, S6_S6_IP_HAPPY_EYEBALLS, LEGS_REMOTE, SHAPE_AVAIL },
	{ S6_S6_LEVEL_IP, S6_S6_IP_TTL, LEGS_ANY, SHAPE_U8 },
	{ S6_S6_LEVEL_IP, S6_S6_IP_NOFRAG, LEGS_ANY, SHAPE_AVAIL },
	{ S6_S6_LEVEL_TCP, S6_S6_TCP_TFO, LEGS_REMOTE, SHAPE_U16 },
	{ S6_S6_LEVEL_TCP, S6_S6_TCP_MULTIPATH, LEGS_REMOTE, SHAPE_AVAIL },
	{ S6_S6_LEVEL_TCP, S6_S6_TCP_BACKLOG, LEGS_REMOTE, SHAPE_U16 },
	{ S6_S6_LEVEL_UDP, S6_S6_UDP_ERROR, LEGS_REMOTE, SHAPE_AVAIL },
	{ S6_S6_LEVEL_UDP, S6_S6_UDP_PORT_PARITY, LEGS_REMOTE, SHAPE_PARITY },
};

static const struct stack_def *stack_def_find(uint8_t leg, uint8_t level, uint8_t code)
{
	size_t i;

	for (i = 0; i < sizeof(stack_defs) / sizeof(stack_defs[0]); i++) {
		const struct stack_def *d = &stack_defs[i];

		if (d->level == level && d->code == code)
			return (d->legs & (1u << leg)) ? d : NULL;
	}
	return NULL;
}

bool s6_s6stack_legs_overlap(uint8_t a, uint8_t b)
{
	return (a & b & 3) != 0;
}

/* Check the value bytes (v[0], v[1]) against the shape; NULL when fine. */
static const char *check_value(enum val_shape shape, const uint8_t v[2])
{
	switch (shape) {
	case SHAPE_AVAIL:
		if (v[0] != S6_S6_AVAIL_NO && v[0] != S6_S6_AVAIL_YES)
			return "stack option availability not 1 or 2";
		return v[1] != 0 ? "stack option padding not zero" : NULL;
	case SHAPE_U8:
		return v[1] != 0 ? "stack option padding not zero" : NULL;
	case SHAPE_PARITY:
		if (v[0] > S6_S6_PARITY_ODD)
			return "port parity not 0, 1 or 2";
		return v[1] > 1 ? "port parity reserve not 0 or 1" : NULL;
	case SHAPE_U16:
		return NULL;
	}
	return "unknown stack value shape";
}

static void set_value(s6_s6stack *st, enum val_shape shape, const uint8_t v[2])
{
	st->reserve = 0;
	if (shape == SHAPE_U16)
		st->value = s6_get_u16be(v);
	else
		st->value = v[0];
	if (shape == SHAPE_PARITY)
		st->reserve = v[1];
}

s6_err s6_s6stack_decode(const s6_s6opt *opt, s6_s6stack *st, bool *supported,
			 const char **why)
{
	const struct stack_def *d;
	const char *bad;

	*supported = false;
	if (opt->kind != S6_S6OPT_STACK || opt->data_len < 2) {
		*why = "stack option shorter than its header";
		return S6_ERR_MALFORMED;
	}
	st->leg = opt->data[0] >> 6;
	st->level = opt->data[0] & 0x3f;
	st->code = opt->data[1];
	d = stack_def_find(st->leg, st->level, st->code);
	if (!d)
		return S6_OK;
	if (opt->len != STACK_OPT_LEN) {
		*why = "stack option length not 8";
		return S6_ERR_MALFORMED;
	}
	bad = check_value(d->shape, opt->data + 2);
	if (bad) {
		*why = bad;
		return S6_ERR_MALFORMED;
	}
	set_value(st, d->shape, opt->data + 2);
	*supported = true;
	return S6_OK;
}

s6_err s6_s6opt_put_stack(s6_s6opt_buf *b, const s6_s6stack *st)
{
	const struct stack_def *d;
	uint8_t v[4];

	if (!st || st->leg > 3 || st->level > 0x3f)
		return S6_ERR_INVALID_ARG;
	d = stack_def_find(st->leg, st->level, st->code);
	if (!d)
		return S6_ERR_INVALID_ARG;
	v[0] = (uint8_t)(st->leg << 6 | st->level);
	v[1] = st->code;
	if (d->shape == SHAPE_U16) {
		s6_put_u16be(v + 2, st->value);
	} else {
		if (st->value > 0xff)
			return S6_ERR_INVALID_ARG;
		v[2] = (uint8_t)st->value;
		v[3] = d->shape == SHAPE_PARITY ? st->reserve : 0;
	}
	if (d->shape != SHAPE_PARITY && st->reserve)
		return S6_ERR_INVALID_ARG;
	if (check_value(d->shape, v + 2))
		return S6_ERR_INVALID_ARG;
	return s6_s6opt_put(b, S6_S6OPT_STACK, v, 4, NULL, 0);
}
