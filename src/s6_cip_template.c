/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 6570 level-3 expansion for the CONNECT-IP template (see the header). */
#include <stdbool.h>
#include <string.h>

#include "s6_cip_template.h"

struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

/* One expression operator's rules (RFC 6570 appendix A table). */
struct op {
	char first, sep;
	bool named, ifemp_eq, allow_reserved;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 >= o->cap) {
		o->full = true;
		return;
	}
	o->buf[o->len++] = c;
}

static void put_pct(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	put(o, '%');
	put(o, hex[c >> 4]);
	put(o, hex[c & 15]);
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_unreserved(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static bool is_reserved(unsigned char c)
{
	return c && strchr(":/?#[]@!$&'()*+,;=", c) != NULL;
}

static void put_value(struct out *o, const char *v, bool allow_reserved)
{
	if (strcmp(v, "*") == 0) {
		put(o, '*');
		return;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (is_unreserved(*p) || (allow_reserved && is_reserved(*p)))
			put(o, (char)*p);
		else if (allow_reserved && *p == '%' && is_hex(p[1]) && is_hex(p[2]))
			put(o, '%');    /* an existing escape passes through */
		else
			put_pct(o, *p);
	}
}

static bool op_of(char c, struct op *op)
{
	static const struct {
		char c;
		struct op op;
	} table[] = {
		{ '+', { 0, ',', false, false, true } },
		{ '#', { '#', ',', false, false, true } },
		{ '.', { '.', '.', false, false, false } },
		{ '/', { '/', '/', false, false, false } },
		{ ';', { ';', ';', true, false, false } },
		{ '?', { '?', '&', true, true, false } },
		{ '&', { '&', '&', true, true, false } },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].c == c) {
			*op = table[i].op;
			return true;
		}
	return false;
}

static const char *lookup(const s6_cip_tvars *v, const char *name, size_t len)
{
	if (len == 6 && memcmp(name, "target", 6) == 0)
		return v->target;
	if ((len == 7 && memcmp(name, "ipproto", 7) == 0) ||
	    (len == 8 && memcmp(name, "ip_proto", 8) == 0))
		return v->ipproto;
	return NULL;
}

/* varname = varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct */
static bool varname_ok(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%' && i + 2 < len && is_hex(s[i + 1]) && is_hex(s[i + 2]))
			i += 2;
		else if (c == '.' && s[i + 1] == '.')
			return false;
		else if (!is_alnum(c) && c != '_' && c != '.')
			return false;
	}
	return true;
}

/* Expand the expression e[0..len) (without braces). */
static s6_err expand_expr(const char *e, size_t len, const s6_cip_tvars *v, struct out *o)
{
	struct op op = { 0, ',', false, false, false };
	bool first = true;
	size_t i = 0;

	if (len && op_of(e[0], &op))
		i = 1;
	else if (len && strchr("=,!@|", e[0]))
		return S6_ERR_MALFORMED;        /* reserved operators */
	while (i <= len) {
		size_t end = i;
		const char *val;

		while (end < len && e[end] != ',')
			end++;
		if (!varname_ok(e + i, end - i))
			return S6_ERR_MALFORMED;    /* also catches :N and * */
		val = lookup(v, e + i, end - i);
		if (val) {
			if (first && op.first)
				put(o, op.first);
			else if (!first)
				put(o, op.sep);
			first = false;
			if (op.named) {
				for (size_t k = i; k < end; k++)
					put(o, e[k]);
				if (*val || op.ifemp_eq)
					put(o, '=');
			}
			put_value(o, val, op.allow_reserved);
		}
		i = end + 1;
	}
	return S6_OK;
}

/* A literal byte of the template. */
static s6_err literal(const unsigned char *p, struct out *o, size_t *adv)
{
	*adv = 1;
	if (*p >= 0x80) {
		put_pct(o, *p);
		return S6_OK;
	}
	if (*p <= 0x20 || *p == 0x7f || strchr("\"'<>\\^`|}", *p))
		return S6_ERR_MALFORMED;
	if (*p == '%') {
		if (!is_hex(p[1]) || !is_hex(p[2]))
			return S6_ERR_MALFORMED;
		put(o, '%'), put(o, (char)p[1]), put(o, (char)p[2]);
		*adv = 3;
		return S6_OK;
	}
	put(o, (char)*p);
	return S6_OK;
}

s6_err s6_cip_template_expand(const char *tmpl, const s6_cip_tvars *vars, char *out,
			      size_t cap, size_t *outlen)
{
	struct out o = { out, cap, 0, false };
	const char *p = tmpl;
	s6_err e;

	if (!tmpl || !vars || !out || !outlen || cap == 0)
		return S6_ERR_INVALID_ARG;
	while (*p) {
		size_t adv = 0;

		if (*p == '{') {
			const char *close = strchr(p + 1, '}');
			const char *open = strchr(p + 1, '{');

			if (!close || (open && open < close) ||
			    (size_t)(close - p - 1) > S6_CIP_TEMPLATE_EXPR_MAX)
				return S6_ERR_MALFORMED;
			e = expand_expr(p + 1, (size_t)(close - p - 1), vars, &o);
			adv = (size_t)(close - p) + 1;
		} else {
			e = literal((const unsigned char *)p, &o, &adv);
		}
		if (e != S6_OK)
			return e;
		p += adv;
	}
	out[o.len] = '\0';
	if (o.full)
		return S6_ERR_TOO_LONG;
	*outlen = o.len;
	return S6_OK;
}
