/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The --misbehave script parser (srv_misb_script.h) on the input as a file
 * body and as an inline script. A refusal says "NAME:..." in a terminated
 * message and leaves the script empty; an accepted script keeps its limits
 * (steps, bytes, arguments), its byte ranges lie inside its byte buffer, a
 * final step (silence, rst, close, flood, relay) is the last one, and step
 * lines grow. Without ';' in the text the two forms are the same script.
 * Helper replies (auth-ok, op-ok, reply) are packed by the codecs, so their
 * SOCKS6 bytes parse as the reply they claim to be; the CONNECT-IP helpers
 * (http-101, capsule) have bytes for CONNECT-IP only: the 101 head, or one
 * capsule framed with minimal varints whose length is its payload's. */
#include <string.h>

#include "fuzz.h"
#include "s6_cip_varint.h"
#include "s6_socks4.h"
#include "s6_socks6_msg.h"
#include "srv_misb_script.h"

static bool is_final(enum srv_misb_kind k)
{
	return k == SRV_MISB_SILENCE || k == SRV_MISB_RST || k == SRV_MISB_CLOSE ||
	       k == SRV_MISB_FLOOD || k == SRV_MISB_RELAY;
}

static void check_range(const srv_misb_script *s, const srv_misb_range *r)
{
	if (r->valid)
		FUZZ_CHECK(r->off <= s->n_bytes && r->len <= s->n_bytes - r->off);
	else
		FUZZ_CHECK(r->off == 0 && r->len == 0);
}

static void check_args(const srv_misb_step *st)
{
	switch (st->kind) {
	case SRV_MISB_EXPECT:
		FUZZ_CHECK(st->arg <= SRV_MISB_BYTES_MAX);
		break;
	case SRV_MISB_SPLIT:
		FUZZ_CHECK(st->arg <= 65536 && st->arg2 <= SRV_MISB_MS_MAX);
		break;
	case SRV_MISB_SLEEP:
		FUZZ_CHECK(st->arg <= SRV_MISB_MS_MAX);
		break;
	case SRV_MISB_FLOOD:
		FUZZ_CHECK(st->arg <= 1);
		break;
	case SRV_MISB_SEND:
		/* Some bytes in at least one flavour (text sends "\n"). */
		FUZZ_CHECK(st->bytes[SRV_MISB_S6].valid || st->bytes[SRV_MISB_S4].valid ||
			   st->bytes[SRV_MISB_CIP].valid);
		FUZZ_CHECK(st->bytes[SRV_MISB_S6].len > 0 || st->bytes[SRV_MISB_S4].len > 0 ||
			   st->bytes[SRV_MISB_CIP].len > 0);
		break;
	default:
		FUZZ_CHECK(st->kind <= SRV_MISB_RELAY);
		FUZZ_CHECK(strcmp(srv_misb_kind_name(st->kind), "?") != 0);
	}
}

/* CONNECT-IP-only bytes: the 101 head or one minimally framed capsule. */
static void check_cip_bytes(const srv_misb_script *s, const srv_misb_range *r)
{
	static const char head[] = "HTTP/1.1 101 ";
	const uint8_t *b = s->bytes + r->off;
	uint64_t type, len;
	size_t tu, lu, need;

	FUZZ_CHECK(s->cip_only && r->len >= 2);
	if (r->len > sizeof head && memcmp(b, head, sizeof head - 1) == 0) {
		FUZZ_CHECK(memcmp(b + r->len - 4, "\r\n\r\n", 4) == 0);
		return;
	}
	FUZZ_CHECK(s6_cip_varint_decode(b, r->len, &type, &tu, &need) == S6_OK);
	FUZZ_CHECK(s6_cip_varint_decode(b + tu, r->len - tu, &len, &lu, &need) == S6_OK);
	FUZZ_CHECK(tu == s6_cip_varint_len(type) && lu == s6_cip_varint_len(len));
	FUZZ_CHECK(len == r->len - tu - lu);
}

/* A send step's SOCKS6 bytes when they differ from its SOCKS4 bytes come
 * from a helper: an Authentication Reply, or an Operation Reply whose code
 * byte was overwritten (so it parses once the code is put back to 0). */
static void check_helper_bytes(const srv_misb_script *s, const srv_misb_step *st)
{
	const srv_misb_range *r6 = &st->bytes[SRV_MISB_S6], *r4 = &st->bytes[SRV_MISB_S4];
	static uint8_t b[S6_SOCKS6_MSG_MAX];
	s6_s6_auth_reply arep;
	s6_s6_op_reply orep;
	size_t used = 0, need = 0;
	const srv_misb_range *rc = &st->bytes[SRV_MISB_CIP];
	bool auth, op;

	if (rc->valid && !r6->valid && !r4->valid)
		return check_cip_bytes(s, rc);
	if (!r6->valid || (r4->valid && r4->off == r6->off && r4->len == r6->len)) {
		/* Plain bytes: the same range for every flavour. */
		FUZZ_CHECK(rc->valid && rc->off == r6->off && rc->len == r6->len);
		return;
	}
	FUZZ_CHECK(!rc->valid);
	FUZZ_CHECK(s->s6_only || (r4->valid && r4->len == S6_SOCKS4_REPLY_LEN));
	FUZZ_CHECK(r6->len >= S6_SOCKS6_AUTH_REPLY_FIXED_LEN && r6->len <= sizeof b);
	memcpy(b, s->bytes + r6->off, r6->len);
	auth = s6_s6_auth_reply_parse(b, r6->len, &arep, &used, &need) == S6_OK &&
	       used == r6->len;
	b[1] = S6_SOCKS6_REP_SUCCESS;
	op = s6_s6_op_reply_parse(b, r6->len, &orep, &used, &need) == S6_OK &&
	     used == r6->len;
	FUZZ_CHECK(auth || op);
	FUZZ_CHECK(op || !r4->valid);
}

static void check_script(const srv_misb_script *s)
{
	unsigned line = 0;
	bool relay = false;

	FUZZ_CHECK(s->n_steps >= 1 && s->n_steps <= SRV_MISB_STEPS_MAX);
	FUZZ_CHECK(s->n_bytes <= SRV_MISB_BYTES_MAX && (s->n_bytes == 0 || s->bytes));
	for (size_t i = 0; i < s->n_steps; i++) {
		const srv_misb_step *st = &s->steps[i];

		FUZZ_CHECK(st->line >= 1 && st->line >= line);
		line = st->line;
		FUZZ_CHECK(!is_final(st->kind) || i + 1 == s->n_steps);
		relay |= st->kind == SRV_MISB_RELAY;
		check_args(st);
		for (int f = 0; f < SRV_MISB_FLAVOURS; f++)
			check_range(s, &st->bytes[f]);
		if (st->kind == SRV_MISB_SEND)
			check_helper_bytes(s, st);
	}
	FUZZ_CHECK(s->has_relay == relay);
}

static bool same_script(const srv_misb_script *a, const srv_misb_script *b)
{
	if (a->n_steps != b->n_steps || a->n_bytes != b->n_bytes ||
	    a->has_relay != b->has_relay || a->s6_only != b->s6_only ||
	    a->cip_only != b->cip_only ||
	    (a->n_bytes && memcmp(a->bytes, b->bytes, a->n_bytes) != 0))
		return false;
	for (size_t i = 0; i < a->n_steps; i++) {
		const srv_misb_step *x = &a->steps[i], *y = &b->steps[i];

		if (x->kind != y->kind || x->arg != y->arg || x->arg2 != y->arg2 ||
		    x->line != y->line)
			return false;
		for (int f = 0; f < SRV_MISB_FLAVOURS; f++) {
			const srv_misb_range *rx = &x->bytes[f], *ry = &y->bytes[f];

			if (rx->valid != ry->valid || rx->off != ry->off || rx->len != ry->len)
				return false;
		}
	}
	return true;
}

/* One parse; returns its verdict, the script checked and kept in *s. */
static bool run(const char *text, size_t len, bool inl, const char *name,
		srv_misb_script *s)
{
	char why[256];
	size_t nl = strlen(name);
	bool ok;

	memset(why, 'x', sizeof why);
	ok = srv_misb_parse(text, len, inl, name, s, why, sizeof why);
	if (ok) {
		check_script(s);
		FUZZ_CHECK(!memchr(text, '\0', len));
		return true;
	}
	FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL);
	FUZZ_CHECK(strncmp(why, name, nl) == 0 && why[nl] == ':');
	FUZZ_CHECK(s->n_steps == 0 && !s->steps && s->n_bytes == 0 && !s->bytes);
	/* A one-byte message buffer gets just the terminator. */
	FUZZ_CHECK(!srv_misb_parse(text, len, inl, name, s, why, 1) && why[0] == '\0');
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exactly sized block: the parser is given a length, no NUL. */
	char *text = calloc(size ? size : 1, 1);
	srv_misb_script a, b;
	bool oka, okb;

	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	oka = run(text, size, false, "fuzz.misb", &a);
	okb = run(text, size, true, "inline", &b);
	if (!memchr(text, ';', size)) {
		FUZZ_CHECK(oka == okb);
		if (oka)
			FUZZ_CHECK(same_script(&a, &b));
	}
	srv_misb_free(&a);
	srv_misb_free(&b);
	FUZZ_CHECK(a.n_steps == 0 && !a.steps && !a.bytes);
	free(text);
	return 0;
}
