/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 options: the typed parser that fills an s6_s6opts from one
 * message's Options field (see s6_socks6_opt.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_socks6_opt.h"
#include "s6_token.h"

/* Each handler returns S6_OK or an error with a static reason in *why. */
typedef s6_err (*opt_handler)(s6_s6opts *o, const s6_s6opt *opt, const char **why);

static s6_err fail(const char **why, const char *reason)
{
	*why = reason;
	return S6_ERR_MALFORMED;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static s6_err on_stack(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	s6_s6stack st;
	bool supported;
	size_t i;
	s6_err err = s6_s6stack_decode(opt, &st, &supported, why);

	if (err != S6_OK)
		return err;
	if (!supported) {
		o->n_ignored++;
		return S6_OK;
	}
	/* "MUST NOT contradict one another or contain duplicate information" */
	for (i = 0; i < o->n_stack; i++) {
		const s6_s6stack *s = &o->stack[i];

		if (s->level == st.level && s->code == st.code &&
		    s6_s6stack_legs_overlap(s->leg, st.leg))
			return fail(why, "duplicate stack option for the same leg");
	}
	/* Cannot trigger: without duplicates at most 12 entries exist. */
	if (o->n_stack >= S6_S6_STACK_MAX)
		return fail(why, "too many stack options");
	o->stack[o->n_stack++] = st;
	return S6_OK;
}

static void add_method(s6_s6opts *o, uint8_t m)
{
	if (m == S6_S6_METHOD_NONE || memchr(o->methods, m, o->n_methods))
		return;
	o->methods[o->n_methods++] = m;
}

/* Padding is zeros, and 0 is also "No Authentication Required", which every
 * client supports anyway: zero bytes are therefore not recorded as methods,
 * which makes the padding ambiguity harmless. */
static s6_err on_auth_adv(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	size_t i;

	if (o->has_auth_adv)
		return fail(why, "duplicate authentication method advertisement");
	if (opt->data_len < 2)
		return fail(why, "advertisement without initial data length");
	o->initial_data_len = s6_get_u16be(opt->data);
	if (o->initial_data_len > S6_S6_INITIAL_DATA_MAX)
		return fail(why, "initial data length over 16384");
	for (i = 2; i < opt->data_len; i++)
		add_method(o, opt->data[i]);
	o->has_auth_adv = true;
	return S6_OK;
}

static s6_err on_auth_sel(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	if (opt->len != 8)
		return fail(why, "method selection length not 8");
	if (!all_zero(opt->data + 1, 3))
		return fail(why, "method selection padding not zero");
	if (o->has_auth_select && o->auth_select != opt->data[0])
		return fail(why, "two different methods selected");
	o->has_auth_select = true;
	o->auth_select = opt->data[0];
	return S6_OK;
}

static s6_err on_auth_data(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	s6_s6authdata *ad;

	if (opt->data_len < 1)
		return fail(why, "authentication data without method");
	if (s6_s6opts_find_auth_data(o, opt->data[0]))
		return fail(why, "two authentication data options for one method");
	if (o->n_auth_data >= S6_S6_AUTHDATA_MAX) {
		*why = "too many authentication data options";
		return S6_ERR_TOO_LONG;
	}
	ad = &o->auth_data[o->n_auth_data++];
	ad->method = opt->data[0];
	ad->data = opt->data + 1;
	ad->len = opt->data_len - 1;
	return S6_OK;
}

static s6_err on_session_id(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	if (opt->data_len == 0)
		return fail(why, "empty session ID");
	if (opt->data_len > S6_S6_SESSION_ID_MAX) {
		*why = "session ID longer than 256 bytes";
		return S6_ERR_TOO_LONG;
	}
	if (o->has_session_id && (o->session_id_len != opt->data_len ||
				  memcmp(o->session_id, opt->data, opt->data_len)))
		return fail(why, "two different session IDs");
	memcpy(o->session_id, opt->data, opt->data_len);
	o->session_id_len = opt->data_len;
	o->has_session_id = true;
	return S6_OK;
}

/* Options with no data: only the fixed Length 4 is accepted. */
static s6_err on_flag(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	if (opt->len != 4)
		return fail(why, "option length not 4");
	switch (opt->kind) {
	case S6_S6OPT_SESSION_REQUEST: o->session_request = true; break;
	case S6_S6OPT_SESSION_OK: o->session_ok = true; break;
	case S6_S6OPT_SESSION_INVALID: o->session_invalid = true; break;
	case S6_S6OPT_SESSION_TEARDOWN: o->session_teardown = true; break;
	case S6_S6OPT_IDEM_ACCEPTED: o->idem_accepted = true; break;
	case S6_S6OPT_IDEM_REJECTED: o->idem_rejected = true; break;
	default: return fail(why, "not a flag option");
	}
	return S6_OK;
}

static s6_err on_idem_request(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	uint32_t size;

	if (opt->len != 8)
		return fail(why, "idempotence request length not 8");
	size = s6_get_u32be(opt->data);
	if (o->has_idem_request && o->idem_request_size != size)
		return fail(why, "two different idempotence requests");
	o->has_idem_request = true;
	o->idem_request_size = size;
	return S6_OK;
}

static s6_err on_idem_window(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	uint32_t base, size;

	if (opt->len != 12)
		return fail(why, "idempotence window length not 12");
	base = s6_get_u32be(opt->data);
	size = s6_get_u32be(opt->data + 4);
	if (!s6_token_size_valid(size))
		return fail(why, "idempotence window size 0 or not below 2^31");
	if (o->has_idem_window &&
	    (o->idem_window_base != base || o->idem_window_size != size))
		return fail(why, "two different idempotence windows");
	o->has_idem_window = true;
	o->idem_window_base = base;
	o->idem_window_size = size;
	return S6_OK;
}

/* Length 8 only: the figure's "Length = 4" leaves no room for the token, and
 * a 4-byte option followed by a token would be read as another option. */
static s6_err on_idem_expend(s6_s6opts *o, const s6_s6opt *opt, const char **why)
{
	uint32_t token;

	if (opt->len != 8)
		return fail(why, "idempotence expenditure length not 8");
	token = s6_get_u32be(opt->data);
	if (o->has_idem_expend && o->idem_token != token)
		return fail(why, "two different tokens spent");
	o->has_idem_expend = true;
	o->idem_token = token;
	return S6_OK;
}

static const opt_handler handlers[] = {
	[S6_S6OPT_STACK] = on_stack,
	[S6_S6OPT_AUTH_METHOD_ADV] = on_auth_adv,
	[S6_S6OPT_AUTH_METHOD_SEL] = on_auth_sel,
	[S6_S6OPT_AUTH_DATA] = on_auth_data,
	[S6_S6OPT_SESSION_REQUEST] = on_flag,
	[S6_S6OPT_SESSION_ID] = on_session_id,
	[S6_S6OPT_SESSION_OK] = on_flag,
	[S6_S6OPT_SESSION_INVALID] = on_flag,
	[S6_S6OPT_SESSION_TEARDOWN] = on_flag,
	[S6_S6OPT_IDEM_REQUEST] = on_idem_request,
	[S6_S6OPT_IDEM_WINDOW] = on_idem_window,
	[S6_S6OPT_IDEM_EXPEND] = on_idem_expend,
	[S6_S6OPT_IDEM_ACCEPTED] = on_flag,
	[S6_S6OPT_IDEM_REJECTED] = on_flag,
};

static opt_handler handler_for(uint16_t kind)
{
	if (kind >= sizeof(handlers) / sizeof(handlers[0]))
		return NULL;
	return handlers[kind];
}

/* Whole-message rules: the draft offers these as alternatives ("either"). */
static const char *check_contradictions(const s6_s6opts *o)
{
	if (o->session_ok && o->session_invalid)
		return "both session OK and session invalid";
	if (o->idem_accepted && o->idem_rejected)
		return "both idempotence accepted and rejected";
	return NULL;
}

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

s6_err s6_s6opts_parse(const uint8_t *buf, size_t len, s6_s6opts *out,
		       char *why, size_t whylen)
{
	s6_s6opt_iter it;
	s6_s6opt opt;
	const char *reason = NULL;

	if (!out || (len && !buf))
		return S6_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	s6_s6opt_iter_init(&it, buf, len);
	while (s6_s6opt_next(&it, &opt)) {
		opt_handler h = handler_for(opt.kind);
		s6_err err;

		if (!h) {
			out->n_ignored++;
			continue;
		}
		err = h(out, &opt, &reason);
		if (err != S6_OK) {
			say(why, whylen, "%s option at offset %zu: %s",
			    s6_s6opt_kind_name(opt.kind), opt.offset, reason);
			return err;
		}
	}
	if (it.err != S6_OK) {
		say(why, whylen, "option at offset %zu: %s", it.off, it.why);
		return it.err;
	}
	reason = check_contradictions(out);
	if (reason) {
		say(why, whylen, "%s", reason);
		return S6_ERR_MALFORMED;
	}
	return S6_OK;
}

const s6_s6stack *s6_s6opts_find_stack(const s6_s6opts *o, uint8_t level,
				       uint8_t code, uint8_t leg)
{
	size_t i;

	for (i = 0; i < o->n_stack; i++) {
		const s6_s6stack *s = &o->stack[i];

		if (s->level == level && s->code == code &&
		    s6_s6stack_legs_overlap(s->leg, leg))
			return s;
	}
	return NULL;
}

const s6_s6authdata *s6_s6opts_find_auth_data(const s6_s6opts *o, uint8_t method)
{
	size_t i;

	for (i = 0; i < o->n_auth_data; i++)
		if (o->auth_data[i].method == method)
			return &o->auth_data[i];
	return NULL;
}

bool s6_s6opts_advertises(const s6_s6opts *o, uint8_t method)
{
	if (!o->has_auth_adv)
		return false;
	/* Every client supports "no authentication" (draft: MUST). */
	return method == S6_S6_METHOD_NONE || memchr(o->methods, method, o->n_methods);
}
