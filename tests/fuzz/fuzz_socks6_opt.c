/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 options: the TLV iterator, Stack option decoding and the typed
 * parser, on the input as one Options field. Properties:
 *   - the iterator yields options back to back from offset 0, each inside
 *     the range, with a valid length, and ends cleanly exactly at the end of
 *     the range or with a documented error and reason;
 *   - a supported Stack option encodes back to its 8 bytes; an unsupported
 *     one is refused by the encoder (both sides agree on the table);
 *   - parse succeeds only on valid framing, fails on broken framing, and
 *     fails with valid framing only because of a kind it knows; its errors
 *     and reasons are the documented ones;
 *   - a parsed result is within its documented limits, counts exactly the
 *     ignored options, and rebuilt with the builders parses to the same
 *     result from no more bytes;
 *   - a valid field stays valid cut after any of its first options. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_bytes.h"
#include "s6_socks6_opt.h"
#include "s6_token.h"

#define BOUNDARY_CHECKS 32

struct walk {
	s6_err err;          /* the iterator's verdict */
	size_t n_opts, n_ignorable, n_known;
	size_t ends[BOUNDARY_CHECKS];   /* ends of the first options */
};

/* A Stack option: round trip, or the encoder refuses it too. Returns -1
 * for a malformed one, 0 for one to ignore, 1 for a supported one. */
static int check_stack(const s6_s6opt *opt, const uint8_t *bytes)
{
	s6_s6stack st;
	bool supported = true;
	const char *why = NULL;
	uint8_t mem[8];
	s6_s6opt_buf b;
	s6_err e;

	memset(&st, 0, sizeof st);
	e = s6_s6stack_decode(opt, &st, &supported, &why);
	s6_s6opt_buf_init(&b, mem, sizeof mem);
	if (e != S6_OK) {
		FUZZ_CHECK(e == S6_ERR_MALFORMED && why && !supported);
		return -1;
	}
	if (!supported) {
		st.value = 0;
		st.reserve = 0;
		FUZZ_CHECK(s6_s6opt_put_stack(&b, &st) == S6_ERR_INVALID_ARG);
		return 0;
	}
	FUZZ_CHECK(opt->len == 8 && st.leg >= 1 && st.leg <= 3);
	FUZZ_CHECK(s6_s6opt_put_stack(&b, &st) == S6_OK);
	FUZZ_CHECK(b.len == 8 && memcmp(mem, bytes, 8) == 0);
	return 1;
}

static void walk_opts(const uint8_t *buf, size_t len, struct walk *w)
{
	s6_s6opt_iter it;
	s6_s6opt opt;
	size_t expect = 0;

	memset(w, 0, sizeof *w);
	s6_s6opt_iter_init(&it, buf, len);
	while (s6_s6opt_next(&it, &opt)) {
		FUZZ_CHECK(opt.offset == expect && it.off == expect + opt.len);
		FUZZ_CHECK(opt.len >= S6_S6OPT_HDR_LEN && opt.len % 4 == 0);
		FUZZ_CHECK(opt.offset + opt.len <= len && opt.data_len == opt.len - 4u);
		FUZZ_CHECK(opt.data == buf + opt.offset + 4);
		FUZZ_CHECK(opt.kind == (uint16_t)(buf[expect] << 8 | buf[expect + 1]));
		FUZZ_CHECK(s6_s6opt_kind_name(opt.kind) != NULL);
		if (w->n_opts < BOUNDARY_CHECKS)
			w->ends[w->n_opts] = it.off;
		w->n_opts++;
		expect = it.off;
		/* Unknown kinds and unsupported stack options are ignored;
		 * only the others can make a parse fail. */
		if (!s6_s6opt_kind_known(opt.kind) ||
		    (opt.kind == S6_S6OPT_STACK && check_stack(&opt, buf + opt.offset) == 0))
			w->n_ignorable++;
		else
			w->n_known++;
	}
	FUZZ_CHECK(w->n_opts <= len / 4);
	FUZZ_CHECK(!s6_s6opt_next(&it, &opt));   /* stays ended */
	w->err = it.err;
	if (it.err == S6_OK) {
		FUZZ_CHECK(it.off == len && expect == len && it.why == NULL);
		return;
	}
	FUZZ_CHECK(it.why != NULL && it.off == expect && it.off < len);
	FUZZ_CHECK(it.err == S6_ERR_MALFORMED ||
		   (it.err == S6_ERR_TOO_LONG && len > S6_S6OPT_TOTAL_MAX && w->n_opts == 0));
}

/* Documented limits of a parsed result. */
static void check_result(const s6_s6opts *o)
{
	FUZZ_CHECK(o->n_stack <= 12 && o->n_auth_data <= S6_S6_AUTHDATA_MAX);
	FUZZ_CHECK(o->n_methods <= S6_S6_METHODS_MAX);
	FUZZ_CHECK(o->initial_data_len <= S6_S6_INITIAL_DATA_MAX);
	for (size_t i = 0; i < o->n_methods; i++) {
		FUZZ_CHECK(o->methods[i] != S6_S6_METHOD_NONE);
		FUZZ_CHECK(!memchr(o->methods + i + 1, o->methods[i], o->n_methods - i - 1));
	}
	for (size_t i = 0; i < o->n_auth_data; i++)
		for (size_t j = i + 1; j < o->n_auth_data; j++)
			FUZZ_CHECK(o->auth_data[i].method != o->auth_data[j].method);
	for (size_t i = 0; i < o->n_stack; i++)
		for (size_t j = i + 1; j < o->n_stack; j++)
			FUZZ_CHECK(o->stack[i].level != o->stack[j].level ||
				   o->stack[i].code != o->stack[j].code ||
				   !s6_s6stack_legs_overlap(o->stack[i].leg, o->stack[j].leg));
	if (o->has_session_id)
		FUZZ_CHECK(o->session_id_len >= 4 && o->session_id_len % 4 == 0 &&
			   o->session_id_len <= S6_S6_SESSION_ID_MAX);
	if (o->has_idem_window)
		FUZZ_CHECK(s6_token_size_valid(o->idem_window_size));
	FUZZ_CHECK(!(o->session_ok && o->session_invalid));
	FUZZ_CHECK(!(o->idem_accepted && o->idem_rejected));
}

#define PUT(call) FUZZ_CHECK((call) == S6_OK)

/* The result rebuilt with the public builders. */
static void rebuild(const s6_s6opts *o, s6_s6opt_buf *b)
{
	for (size_t i = 0; i < o->n_stack; i++)
		PUT(s6_s6opt_put_stack(b, &o->stack[i]));
	if (o->has_auth_adv)
		PUT(s6_s6opt_put_auth_adv(b, o->initial_data_len, o->methods, o->n_methods));
	if (o->has_auth_select)
		PUT(s6_s6opt_put_auth_select(b, o->auth_select));
	for (size_t i = 0; i < o->n_auth_data; i++)
		PUT(s6_s6opt_put_auth_data(b, o->auth_data[i].method, o->auth_data[i].data,
					   o->auth_data[i].len));
	if (o->session_request)
		PUT(s6_s6opt_put_session_request(b));
	if (o->has_session_id)
		PUT(s6_s6opt_put_session_id(b, o->session_id, o->session_id_len));
	if (o->session_ok)
		PUT(s6_s6opt_put_session_ok(b));
	if (o->session_invalid)
		PUT(s6_s6opt_put_session_invalid(b));
	if (o->session_teardown)
		PUT(s6_s6opt_put_session_teardown(b));
	if (o->has_idem_request) {
		/* Any requested size parses (the proxy picks the window); the
		 * builder only makes valid ones, so write others raw. */
		uint8_t v[4];

		s6_put_u32be(v, o->idem_request_size);
		if (s6_token_size_valid(o->idem_request_size))
			PUT(s6_s6opt_put_idem_request(b, o->idem_request_size));
		else
			PUT(s6_s6opt_put(b, S6_S6OPT_IDEM_REQUEST, v, 4, NULL, 0));
	}
	if (o->has_idem_window)
		PUT(s6_s6opt_put_idem_window(b, o->idem_window_base, o->idem_window_size));
	if (o->has_idem_expend)
		PUT(s6_s6opt_put_idem_expend(b, o->idem_token));
	if (o->idem_accepted)
		PUT(s6_s6opt_put_idem_accepted(b));
	if (o->idem_rejected)
		PUT(s6_s6opt_put_idem_rejected(b));
}

static void check_same_result(const s6_s6opts *a, const s6_s6opts *b)
{
	FUZZ_CHECK(a->n_stack == b->n_stack);
	for (size_t i = 0; i < a->n_stack; i++) {
		const s6_s6stack *x = &a->stack[i], *y = &b->stack[i];

		FUZZ_CHECK(x->leg == y->leg && x->level == y->level && x->code == y->code &&
			   x->value == y->value && x->reserve == y->reserve);
	}
	FUZZ_CHECK(a->has_auth_adv == b->has_auth_adv &&
		   a->initial_data_len == b->initial_data_len);
	FUZZ_CHECK(a->n_methods == b->n_methods &&
		   memcmp(a->methods, b->methods, a->n_methods) == 0);
	FUZZ_CHECK(a->has_auth_select == b->has_auth_select &&
		   a->auth_select == b->auth_select);
	FUZZ_CHECK(a->n_auth_data == b->n_auth_data);
	for (size_t i = 0; i < a->n_auth_data; i++)
		FUZZ_CHECK(a->auth_data[i].method == b->auth_data[i].method &&
			   a->auth_data[i].len == b->auth_data[i].len &&
			   memcmp(a->auth_data[i].data, b->auth_data[i].data,
				  a->auth_data[i].len) == 0);
	FUZZ_CHECK(a->session_request == b->session_request &&
		   a->has_session_id == b->has_session_id &&
		   a->session_id_len == b->session_id_len &&
		   memcmp(a->session_id, b->session_id, a->session_id_len) == 0);
	FUZZ_CHECK(a->session_ok == b->session_ok && a->session_invalid == b->session_invalid &&
		   a->session_teardown == b->session_teardown);
	FUZZ_CHECK(a->has_idem_request == b->has_idem_request &&
		   a->idem_request_size == b->idem_request_size);
	FUZZ_CHECK(a->has_idem_window == b->has_idem_window &&
		   a->idem_window_base == b->idem_window_base &&
		   a->idem_window_size == b->idem_window_size);
	FUZZ_CHECK(a->has_idem_expend == b->has_idem_expend && a->idem_token == b->idem_token);
	FUZZ_CHECK(a->idem_accepted == b->idem_accepted && a->idem_rejected == b->idem_rejected);
}

static void check_rebuild(const s6_s6opts *o, size_t len)
{
	uint8_t *mem = malloc(S6_S6OPT_TOTAL_MAX);
	s6_s6opts *again = malloc(sizeof *again);
	s6_s6opt_buf b;
	char why[96];

	if (!mem || !again)
		abort();
	s6_s6opt_buf_init(&b, mem, S6_S6OPT_TOTAL_MAX);
	rebuild(o, &b);
	FUZZ_CHECK(b.len <= len);
	FUZZ_CHECK(s6_s6opts_parse(b.len ? mem : NULL, b.len, again, why, sizeof why) == S6_OK);
	FUZZ_CHECK(again->n_ignored == 0);
	check_same_result(o, again);
	free(again);
	free(mem);
}

/* Cut after each of the first options of a valid field: still valid. */
static void check_boundaries(struct fuzz_view *v, size_t len, const struct walk *w,
			     s6_s6opts *tmp)
{
	size_t n = w->n_opts < BOUNDARY_CHECKS ? w->n_opts : BOUNDARY_CHECKS;

	for (size_t i = 0; i + 1 < n; i++) {
		const uint8_t *b = fuzz_view_limit(v, w->ends[i]);

		FUZZ_CHECK(s6_s6opts_parse(b, w->ends[i], tmp, NULL, 0) == S6_OK);
	}
	fuzz_view_limit(v, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	s6_s6opts *o = malloc(sizeof *o);
	struct fuzz_view v;
	struct walk w;
	char why[96];
	s6_err e;

	if (!o)
		abort();
	fuzz_view_open(&v, data, size);
	walk_opts(v.buf, size, &w);
	why[0] = '\0';
	e = s6_s6opts_parse(size ? v.buf : NULL, size, o, why, sizeof why);
	if (e != S6_OK) {
		FUZZ_CHECK(e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG);
		FUZZ_CHECK(why[0] != '\0' && memchr(why, '\0', sizeof why));
		FUZZ_CHECK(w.err != S6_OK || w.n_known > 0);
	} else {
		FUZZ_CHECK(w.err == S6_OK);
		FUZZ_CHECK(o->n_ignored == w.n_ignorable);
		check_result(o);
		check_rebuild(o, size);
		check_boundaries(&v, size, &w, o);
	}
	/* No reason buffer at all is fine too, and gives the same verdict. */
	FUZZ_CHECK(s6_s6opts_parse(size ? v.buf : NULL, size, o, NULL, 0) == e);
	fuzz_view_close(&v);
	free(o);
	return 0;
}
