/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s6_cip_varint.h"
#include "s6_socks4.h"
#include "s6_socks6_msg.h"
#include "srv_misb_script.h"
#include "s6_digits.h"

#define INLINE_PREFIX "inline:"

typedef struct parser {
	srv_misb_script *s;
	size_t cap_steps, cap_bytes;
	const char *name;
	unsigned line;
	bool ended;              /* a final step was seen */
	char *why;
	size_t whylen;
} parser;

static const char *const kind_names[] = {
	[SRV_MISB_EXPECT] = "expect", [SRV_MISB_EXPECT_REQUEST] = "expect request",
	[SRV_MISB_SEND] = "send", [SRV_MISB_SPLIT] = "split",
	[SRV_MISB_SLEEP] = "sleep", [SRV_MISB_SILENCE] = "silence",
	[SRV_MISB_RST] = "rst", [SRV_MISB_CLOSE] = "close",
	[SRV_MISB_FLOOD] = "flood", [SRV_MISB_RELAY] = "relay",
};

const char *srv_misb_kind_name(enum srv_misb_kind kind)
{
	return (size_t)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

__attribute__((format(printf, 2, 3)))
static bool perr(parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->why, p->whylen, "%s:%u: %s", p->name, p->line, msg);
	return false;
}

/* ---- words */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static const char *skip_space(const char *cur, const char *end)
{
	while (cur < end && is_space(*cur))
		cur++;
	return cur;
}

static size_t word_len(const char *cur, const char *end)
{
	size_t n = 0;

	while (cur + n < end && !is_space(cur[n]))
		n++;
	return n;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

/* A decimal number of at most 9 digits, no sign. */
static bool parse_uint(const char *w, size_t n, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (unsigned)(w[i] - '0');
	}
	if (v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Hex pairs with spaces between pairs, into a new buffer (*out NULL when
 * there are none). */
static bool decode_hex(parser *p, const char *cur, const char *end,
		       uint8_t **out, size_t *n)
{
	uint8_t *buf = malloc((size_t)(end - cur) / 2 + 1);
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!buf)
		return perr(p, "out of memory");
	for (cur = skip_space(cur, end); cur < end; cur = skip_space(cur, end)) {
		int hi = s6_hex_digit(cur[0]), lo = cur + 1 < end ? s6_hex_digit(cur[1]) : -1;
		if (hi < 0 || lo < 0) {
			/* Quote from the step only: the text is not NUL-terminated. */
			int q = end - cur < 8 ? (int)(end - cur) : 8;
			free(buf);
			return perr(p, "bad hex byte at '%.*s' (pairs of 0-9a-f expected)", q, cur);
		}
		buf[k++] = (uint8_t)(hi << 4 | lo);
		cur += 2;
	}
	if (k == 0) {
		free(buf);
		return true;
	}
	*out = buf;
	*n = k;
	return true;
}

/* ---- building the script */

static bool put_bytes(parser *p, const void *b, size_t n, srv_misb_range *r)
{
	srv_misb_script *s = p->s;

	if (n > SRV_MISB_BYTES_MAX - s->n_bytes)
		return perr(p, "more than %d bytes to send in all", SRV_MISB_BYTES_MAX);
	if (s->n_bytes + n > p->cap_bytes) {
		size_t cap = p->cap_bytes ? p->cap_bytes : 256;
		uint8_t *grown;
		while (cap < s->n_bytes + n)
			cap *= 2;
		grown = realloc(s->bytes, cap);
		if (!grown)
			return perr(p, "out of memory");
		s->bytes = grown;
		p->cap_bytes = cap;
	}
	if (n)
		memcpy(s->bytes + s->n_bytes, b, n);
	r->off = s->n_bytes;
	r->len = n;
	r->valid = true;
	s->n_bytes += n;
	return true;
}

static srv_misb_step *new_step(parser *p, enum srv_misb_kind kind)
{
	srv_misb_script *s = p->s;
	srv_misb_step *st;

	if (p->ended) {
		perr(p, "nothing may follow silence, rst, close, flood or relay");
		return NULL;
	}
	if (s->n_steps == SRV_MISB_STEPS_MAX) {
		perr(p, "more than %d steps", SRV_MISB_STEPS_MAX);
		return NULL;
	}
	if (s->n_steps == p->cap_steps) {
		size_t cap = p->cap_steps ? p->cap_steps * 2 : 16;
		srv_misb_step *grown = realloc(s->steps, cap * sizeof *grown);
		if (!grown) {
			perr(p, "out of memory");
			return NULL;
		}
		s->steps = grown;
		p->cap_steps = cap;
	}
	st = &s->steps[s->n_steps++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->line = p->line;
	p->ended = kind == SRV_MISB_SILENCE || kind == SRV_MISB_RST ||
		   kind == SRV_MISB_CLOSE || kind == SRV_MISB_FLOOD ||
		   kind == SRV_MISB_RELAY;
	return st;
}

/* ---- send helpers, packed by the real codecs */

/* Plain bytes: the same for every protocol. */
static bool both(parser *p, srv_misb_step *st, const uint8_t *b, size_t n)
{
	if (!put_bytes(p, b, n, &st->bytes[SRV_MISB_S6]))
		return false;
	st->bytes[SRV_MISB_S4] = st->bytes[SRV_MISB_CIP] = st->bytes[SRV_MISB_S6];
	return true;
}

static bool auth_reply(parser *p, srv_misb_step *st, uint8_t type,
		       const uint8_t *opts, size_t n)
{
	s6_s6_auth_reply rep = {.type = type, .opts = opts, .opts_len = n};
	uint8_t buf[S6_SOCKS6_AUTH_REPLY_FIXED_LEN + S6_SOCKS6_OPTIONS_MAX];
	size_t len;

	if (s6_s6_auth_reply_pack(&rep, buf, sizeof buf, &len) != S6_OK)
		return perr(p, "options must be a multiple of 4 bytes, at most %d",
			    S6_SOCKS6_OPTIONS_MAX);
	p->s->s6_only = true;
	return put_bytes(p, buf, len, &st->bytes[SRV_MISB_S6]);
}

/* Any code: the codec packs a success reply, the code byte is then
 * overwritten (codes over 9 are what some cases are about). */
static bool op_reply(parser *p, srv_misb_step *st, unsigned code, unsigned code4,
		     const uint8_t *opts, size_t n)
{
	s6_s6_op_reply rep = {.opts = opts, .opts_len = n};
	uint8_t buf[S6_SOCKS6_MSG_MAX], r4[S6_SOCKS4_REPLY_LEN];
	s6_socks4_reply q = {.code = (uint8_t)code4};
	size_t len;

	rep.addr.type = S6_SOCKS6_ATYP_IPV4;
	if (s6_s6_op_reply_pack(&rep, buf, sizeof buf, &len) != S6_OK)
		return perr(p, "options must be a multiple of 4 bytes, at most %d",
			    S6_SOCKS6_OPTIONS_MAX);
	buf[1] = (uint8_t)code;
	if (!put_bytes(p, buf, len, &st->bytes[SRV_MISB_S6]))
		return false;
	if (n) {
		p->s->s6_only = true;
		return true;
	}
	s6_socks4_reply_pack(&q, r4);
	return put_bytes(p, r4, sizeof r4, &st->bytes[SRV_MISB_S4]);
}

/* CONNECT-IP helpers: the success head, and a capsule of any type framed
 * with minimal varints. */
static bool cip_helper(parser *p, srv_misb_step *st, const char *w, size_t n,
		       const char *cur, const char *end)
{
	static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
				   "Upgrade: connect-ip\r\nCapsule-Protocol: ?1\r\n\r\n";
	uint8_t *payload, *buf;
	size_t plen, tn, ln, tl;
	unsigned type;
	bool ok;

	p->s->cip_only = true;
	if (word_is(w, n, "http-101")) {
		if (skip_space(cur, end) != end)
			return perr(p, "send http-101 takes no argument");
		return put_bytes(p, head, sizeof head - 1, &st->bytes[SRV_MISB_CIP]);
	}
	cur = skip_space(cur, end);
	tl = word_len(cur, end);
	if (!parse_uint(cur, tl, 999999999, &type))
		return perr(p, "send capsule: a type (decimal) expected");
	if (!decode_hex(p, cur + tl, end, &payload, &plen))
		return false;
	buf = malloc(16 + plen);
	ok = buf && s6_cip_varint_encode(type, buf, 8, &tn) == S6_OK &&
	     s6_cip_varint_encode(plen, buf + tn, 8, &ln) == S6_OK;
	if (ok) {
		if (plen)
			memcpy(buf + tn + ln, payload, plen);
		ok = put_bytes(p, buf, tn + ln + plen, &st->bytes[SRV_MISB_CIP]);
	} else {
		perr(p, "out of memory");
	}
	free(buf);
	free(payload);
	return ok;
}

static bool send_helper(parser *p, srv_misb_step *st, const char *w, size_t n,
			const char *cur, const char *end)
{
	uint8_t *opts;
	size_t olen;
	unsigned code = 0;
	size_t cn;
	bool ok;

	if (word_is(w, n, "reply")) {
		cur = skip_space(cur, end);
		cn = word_len(cur, end);
		if (!parse_uint(cur, cn, 255, &code))
			return perr(p, "send reply: a code 0..255 expected");
		cur += cn;
	}
	if (!decode_hex(p, cur, end, &opts, &olen))
		return false;
	if (word_is(w, n, "auth-fail") && olen == 0)
		ok = auth_reply(p, st, S6_SOCKS6_AUTH_FAILED, NULL, 0);
	else if (word_is(w, n, "auth-fail"))
		ok = perr(p, "send auth-fail takes no options");
	else if (word_is(w, n, "auth-ok"))
		ok = auth_reply(p, st, S6_SOCKS6_AUTH_SUCCESS, opts, olen);
	else if (word_is(w, n, "op-ok"))
		ok = op_reply(p, st, S6_SOCKS6_REP_SUCCESS, 90, opts, olen);
	else
		ok = op_reply(p, st, code, code, opts, olen);
	free(opts);
	return ok;
}

static bool step_send(parser *p, const char *cur, const char *end)
{
	srv_misb_step *st = new_step(p, SRV_MISB_SEND);
	size_t n;
	uint8_t *b;
	bool ok;

	if (!st)
		return false;
	cur = skip_space(cur, end);
	n = word_len(cur, end);
	if (word_is(cur, n, "auth-ok") || word_is(cur, n, "auth-fail") ||
	    word_is(cur, n, "op-ok") || word_is(cur, n, "reply"))
		return send_helper(p, st, cur, n, cur + n, end);
	if (word_is(cur, n, "http-101") || word_is(cur, n, "capsule"))
		return cip_helper(p, st, cur, n, cur + n, end);
	if (!decode_hex(p, cur, end, &b, &n))
		return false;
	if (n == 0)
		return perr(p, "send: bytes (hex) or a helper expected");
	ok = both(p, st, b, n);
	free(b);
	return ok;
}

/* ---- the other steps */

static bool step_text(parser *p, const char *cur, const char *end)
{
	srv_misb_step *st = new_step(p, SRV_MISB_SEND);
	size_t n;
	char *b;
	bool ok;

	if (!st)
		return false;
	cur = skip_space(cur, end);
	while (end > cur && is_space(end[-1]))
		end--;
	n = (size_t)(end - cur);
	b = malloc(n + 1);
	if (!b)
		return perr(p, "out of memory");
	memcpy(b, cur, n);
	b[n] = '\n';
	ok = both(p, st, (const uint8_t *)b, n + 1);
	free(b);
	return ok;
}

/* "WORD [NUMBER [NUMBER]]" steps. */
static bool step_numbers(parser *p, enum srv_misb_kind kind, const char *cur,
			 const char *end, unsigned max1, unsigned nmin, unsigned nmax)
{
	unsigned v[2] = {0, SRV_MISB_SPLIT_MS}, k = 0;
	srv_misb_step *st;
	size_t n;

	for (cur = skip_space(cur, end); cur < end; cur = skip_space(cur + n, end)) {
		n = word_len(cur, end);
		if (k == nmax || !parse_uint(cur, n, k == 0 ? max1 : SRV_MISB_MS_MAX, &v[k]))
			return perr(p, "%s: bad argument '%.*s'", srv_misb_kind_name(kind),
				    (int)(n > 16 ? 16 : n), cur);
		k++;
	}
	if (k < nmin)
		return perr(p, "%s: a number expected", srv_misb_kind_name(kind));
	st = new_step(p, kind);
	if (!st)
		return false;
	st->arg = v[0];
	st->arg2 = v[1];
	return true;
}

static bool step_expect(parser *p, const char *cur, const char *end)
{
	size_t n;

	cur = skip_space(cur, end);
	n = word_len(cur, end);
	if (word_is(cur, n, "request") && skip_space(cur + n, end) == end)
		return new_step(p, SRV_MISB_EXPECT_REQUEST) != NULL;
	return step_numbers(p, SRV_MISB_EXPECT, cur, end, SRV_MISB_BYTES_MAX, 1, 1);
}

static bool step_flood(parser *p, const char *cur, const char *end)
{
	srv_misb_step *st;
	size_t n;
	bool random = false;

	cur = skip_space(cur, end);
	n = word_len(cur, end);
	if (word_is(cur, n, "random"))
		random = true;
	else if (n && !word_is(cur, n, "zero"))
		return perr(p, "flood: 'zero' or 'random' expected");
	if (skip_space(cur + n, end) != end)
		return perr(p, "flood: one argument at most");
	st = new_step(p, SRV_MISB_FLOOD);
	if (st)
		st->arg = random;
	return st != NULL;
}

/* Steps without arguments. */
static bool step_bare(parser *p, enum srv_misb_kind kind, const char *cur,
		      const char *end)
{
	if (skip_space(cur, end) != end)
		return perr(p, "%s takes no argument", srv_misb_kind_name(kind));
	if (kind == SRV_MISB_RELAY)
		p->s->has_relay = true;
	return new_step(p, kind) != NULL;
}

static bool parse_step(parser *p, const char *cur, const char *end)
{
	size_t n;

	cur = skip_space(cur, end);
	if (cur == end || *cur == '#')
		return true;
	n = word_len(cur, end);
	if (word_is(cur, n, "expect"))
		return step_expect(p, cur + n, end);
	if (word_is(cur, n, "send"))
		return step_send(p, cur + n, end);
	if (word_is(cur, n, "text"))
		return step_text(p, cur + n, end);
	if (word_is(cur, n, "split"))
		return step_numbers(p, SRV_MISB_SPLIT, cur + n, end, 65536, 1, 2);
	if (word_is(cur, n, "sleep"))
		return step_numbers(p, SRV_MISB_SLEEP, cur + n, end, SRV_MISB_MS_MAX, 1, 1);
	if (word_is(cur, n, "flood"))
		return step_flood(p, cur + n, end);
	if (word_is(cur, n, "silence"))
		return step_bare(p, SRV_MISB_SILENCE, cur + n, end);
	if (word_is(cur, n, "rst"))
		return step_bare(p, SRV_MISB_RST, cur + n, end);
	if (word_is(cur, n, "close"))
		return step_bare(p, SRV_MISB_CLOSE, cur + n, end);
	if (word_is(cur, n, "relay"))
		return step_bare(p, SRV_MISB_RELAY, cur + n, end);
	return perr(p, "unknown step '%.*s'", (int)(n > 24 ? 24 : n), cur);
}

bool srv_misb_parse(const char *text, size_t len, bool inline_form,
		    const char *name, srv_misb_script *out, char *why, size_t whylen)
{
	parser p = {.s = out, .name = name, .why = why, .whylen = whylen};
	const char *cur = text, *end = text + len;

	memset(out, 0, sizeof *out);
	if (memchr(text, '\0', len)) {
		snprintf(why, whylen, "%s: a NUL byte in the script", name);
		return false;
	}
	while (cur < end) {
		const char *stop = cur;
		while (stop < end && *stop != '\n' && !(inline_form && *stop == ';'))
			stop++;
		p.line++;
		if (!parse_step(&p, cur, stop)) {
			srv_misb_free(out);
			return false;
		}
		cur = stop < end ? stop + 1 : end;
	}
	if (out->n_steps == 0) {
		snprintf(why, whylen, "%s: no steps", name);
		srv_misb_free(out);
		return false;
	}
	return true;
}

static bool read_file(const char *path, char **text, size_t *len, char *why,
		      size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	ssize_t n;

	*text = NULL;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > SRV_MISB_FILE_MAX) {
		snprintf(why, whylen, "%s: not a regular file of at most 4 MiB", path);
		close(fd);
		return false;
	}
	*text = malloc((size_t)sb.st_size + 1);
	n = *text ? read(fd, *text, (size_t)sb.st_size) : -1;
	close(fd);
	if (n != (ssize_t)sb.st_size) {
		snprintf(why, whylen, "%s: cannot read it", path);
		free(*text);
		*text = NULL;
		return false;
	}
	*len = (size_t)n;
	return true;
}

bool srv_misb_load(const char *arg, srv_misb_script *out, char *why, size_t whylen)
{
	size_t plen = strlen(INLINE_PREFIX), len;
	char *text;
	bool ok;

	memset(out, 0, sizeof *out);
	if (strncmp(arg, INLINE_PREFIX, plen) == 0)
		return srv_misb_parse(arg + plen, strlen(arg + plen), true, "inline",
				      out, why, whylen);
	if (!read_file(arg, &text, &len, why, whylen))
		return false;
	ok = srv_misb_parse(text, len, false, arg, out, why, whylen);
	free(text);
	return ok;
}

void srv_misb_free(srv_misb_script *s)
{
	free(s->steps);
	free(s->bytes);
	memset(s, 0, sizeof *s);
}
