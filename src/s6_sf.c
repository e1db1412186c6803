/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 8941 List parsing (see s6_sf.h), following the algorithms of RFC 8941
 * section 4.2 step by step; each parse_* consumes from a cursor. */
#include <string.h>

#include "s6_sf.h"

struct cur {
	const char *p, *end;
	const char **why;
};

static s6_err fail(struct cur *c, const char *text)
{
	if (c->why)
		*c->why = text;
	return S6_ERR_MALFORMED;
}

static bool at_end(const struct cur *c)
{
	return c->p >= c->end;
}

static int peek(const struct cur *c)
{
	return at_end(c) ? -1 : (unsigned char)*c->p;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_lcalpha(int ch)
{
	return ch >= 'a' && ch <= 'z';
}

static bool is_tchar(int ch)
{
	return is_alpha(ch) || is_digit(ch) || (ch > 0 && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_b64(int ch)
{
	return is_alpha(ch) || is_digit(ch) || ch == '+' || ch == '/' || ch == '=';
}

static void skip_sp(struct cur *c)
{
	while (peek(c) == ' ')
		c->p++;
}

static void skip_ows(struct cur *c)
{
	while (peek(c) == ' ' || peek(c) == '\t')
		c->p++;
}

/* RFC 8941 4.2.4 */
static s6_err parse_number(struct cur *c, s6_sf_item *it)
{
	int64_t sign = 1, ip = 0, frac = 0;
	size_t digits = 0, fdigits = 0;
	bool dec = false;

	if (peek(c) == '-')
		sign = -1, c->p++;
	if (!is_digit(peek(c)))
		return fail(c, "number without digits");
	for (;;) {
		int ch = peek(c);

		if (is_digit(ch) && !dec) {
			ip = ip * 10 + (ch - '0');
			digits++;
		} else if (is_digit(ch)) {
			frac = frac * 10 + (ch - '0');
			fdigits++;
		} else if (ch == '.' && !dec) {
			if (digits > 12)
				return fail(c, "decimal with more than 12 integer digits");
			dec = true;
		} else {
			break;
		}
		c->p++;
		if ((!dec && digits > 15) || (dec && digits + 1 + fdigits > 16))
			return fail(c, "number too long");
	}
	if (dec && fdigits == 0)
		return fail(c, "decimal ending in '.'");
	if (dec && fdigits > 3)
		return fail(c, "decimal with more than 3 fraction digits");
	while (dec && fdigits++ < 3)
		frac *= 10;
	it->type = dec ? S6_SF_DECIMAL : S6_SF_INTEGER;
	it->num = sign * (dec ? ip * 1000 + frac : ip);
	return S6_OK;
}

/* RFC 8941 4.2.5 */
static s6_err parse_string(struct cur *c, s6_sf_item *it)
{
	const char *start = ++c->p;

	while (!at_end(c)) {
		int ch = (unsigned char)*c->p++;

		if (ch == '\\') {
			if (at_end(c))
				return fail(c, "string ends in a backslash");
			ch = (unsigned char)*c->p++;
			if (ch != '"' && ch != '\\')
				return fail(c, "string with an escape other than \\\" or \\\\");
		} else if (ch == '"') {
			it->type = S6_SF_STRING;
			it->text = start;
			it->len = (size_t)(c->p - 1 - start);
			return S6_OK;
		} else if (ch < 0x20 || ch > 0x7e) {
			return fail(c, "string with a control or non-ASCII character");
		}
	}
	return fail(c, "unterminated string");
}

/* RFC 8941 4.2.6 */
static void parse_token(struct cur *c, s6_sf_item *it)
{
	const char *start = c->p++;

	while (is_tchar(peek(c)) || peek(c) == ':' || peek(c) == '/')
		c->p++;
	it->type = S6_SF_TOKEN;
	it->text = start;
	it->len = (size_t)(c->p - start);
}

/* RFC 8941 4.2.7 and 4.2.8 */
static s6_err parse_bytes(struct cur *c, s6_sf_item *it)
{
	const char *start = ++c->p;

	while (!at_end(c) && *c->p != ':') {
		if (!is_b64((unsigned char)*c->p))
			return fail(c, "byte sequence with a non-base64 character");
		c->p++;
	}
	if (at_end(c))
		return fail(c, "unterminated byte sequence");
	it->type = S6_SF_BYTES;
	it->text = start;
	it->len = (size_t)(c->p++ - start);
	return S6_OK;
}

static s6_err parse_bare_item(struct cur *c, s6_sf_item *it)
{
	int ch = peek(c);

	memset(it, 0, sizeof(*it));
	if (ch == '-' || is_digit(ch))
		return parse_number(c, it);
	if (ch == '"')
		return parse_string(c, it);
	if (is_alpha(ch) || ch == '*') {
		parse_token(c, it);
		return S6_OK;
	}
	if (ch == ':')
		return parse_bytes(c, it);
	if (ch == '?') {
		c->p++;
		ch = peek(c);
		if (ch != '0' && ch != '1')
			return fail(c, "boolean other than ?0 or ?1");
		c->p++;
		it->type = S6_SF_BOOLEAN;
		it->num = ch == '1';
		return S6_OK;
	}
	if (ch == '(')
		return fail(c, "inner list (not a Proxy-Status member)");
	return fail(c, "not a bare item");
}

/* RFC 8941 4.2.3.2 and 4.2.3.3 */
static s6_err parse_params(struct cur *c, s6_sf_list *l, s6_sf_member *m)
{
	m->param_first = l->nparams;
	while (peek(c) == ';') {
		s6_sf_param *pr;

		c->p++;
		skip_sp(c);
		if (!is_lcalpha(peek(c)) && peek(c) != '*')
			return fail(c, "parameter key not starting with a-z or *");
		if (l->nparams == l->max_params) {
			if (c->why)
				*c->why = "too many parameters";
			return S6_ERR_TOO_LONG;
		}
		pr = &l->params[l->nparams++];
		pr->key = c->p;
		while (is_lcalpha(peek(c)) || is_digit(peek(c)) || (peek(c) > 0 &&
		       strchr("_-.*", peek(c))))
			c->p++;
		pr->key_len = (size_t)(c->p - pr->key);
		memset(&pr->value, 0, sizeof(pr->value));
		pr->value.type = S6_SF_BOOLEAN;
		pr->value.num = 1;
		if (peek(c) == '=') {
			c->p++;
			s6_err e = parse_bare_item(c, &pr->value);

			if (e != S6_OK)
				return e;
		}
	}
	m->param_count = l->nparams - m->param_first;
	return S6_OK;
}

static s6_err parse_member(struct cur *c, s6_sf_list *l)
{
	s6_sf_member *m;
	s6_err e;

	if (l->nmembers == l->max_members) {
		if (c->why)
			*c->why = "too many list members";
		return S6_ERR_TOO_LONG;
	}
	m = &l->members[l->nmembers];
	e = parse_bare_item(c, &m->item);
	if (e == S6_OK)
		e = parse_params(c, l, m);
	if (e == S6_OK)
		l->nmembers++;
	return e;
}

s6_err s6_sf_parse_list(const char *field, size_t len, s6_sf_list *out, const char **why)
{
	struct cur c = { field, field + len, why };
	s6_err e;

	out->nmembers = out->nparams = 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)field[i] > 0x7f || field[i] == '\0')
			return fail(&c, "non-ASCII byte in a structured field");
	skip_sp(&c);
	while (!at_end(&c)) {
		e = parse_member(&c, out);
		if (e != S6_OK)
			return e;
		skip_ows(&c);
		if (at_end(&c))
			return S6_OK;
		if (*c.p != ',')
			return fail(&c, "list members not separated by a comma");
		c.p++;
		skip_ows(&c);
		if (at_end(&c))
			return fail(&c, "trailing comma in a list");
	}
	return S6_OK;
}

const s6_sf_item *s6_sf_param_get(const s6_sf_list *l, const s6_sf_member *m,
				  const char *key)
{
	size_t kl = strlen(key);
	const s6_sf_item *found = NULL;

	for (size_t i = 0; i < m->param_count; i++) {
		const s6_sf_param *p = &l->params[m->param_first + i];

		if (p->key_len == kl && memcmp(p->key, key, kl) == 0)
			found = &p->value;
	}
	return found;
}

size_t s6_sf_string_copy(const s6_sf_item *it, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < it->len; i++) {
		if (it->text[i] == '\\')
			i++;        /* the parser vetted the escape */
		if (n + 1 >= cap)
			return SIZE_MAX;
		out[n++] = it->text[i];
	}
	if (cap == 0)
		return SIZE_MAX;
	out[n] = '\0';
	return n;
}
