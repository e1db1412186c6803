/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Glob matching of DNS names for block-alias (see s6_cip_alias.h). */
#include <stdint.h>
#include <string.h>

#include "s6_cip_alias.h"

/* A label as a slice of its name, escapes still in. */
struct label {
	const char *p;
	size_t len;
};

/* Split s into labels on unescaped dots. Returns the count, or 0 when s is
 * empty, has an empty label (other than after one trailing dot), a
 * dangling backslash or too many labels. */
static size_t split(const char *s, struct label *out)
{
	size_t n = 0, len = strlen(s), start = 0;

	if (len && s[len - 1] == '.' && (len < 2 || s[len - 2] != '\\'))
		len--;          /* one trailing dot: the root */
	if (len == 0)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] == '\\') {
			if (i + 1 >= len)
				return 0;
			i++;
			continue;
		}
		if (i < len && s[i] != '.')
			continue;
		if (i == start || n == S6_CIP_ALIAS_LABELS_MAX)
			return 0;
		out[n].p = s + start;
		out[n++].len = i - start;
		start = i + 1;
	}
	return n;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* One character of a label at *i: its value, whether it was escaped. */
static char take(const struct label *l, size_t *i, bool *esc)
{
	char c = l->p[(*i)++];

	*esc = c == '\\';
	if (*esc)
		c = l->p[(*i)++];
	return lower(c);
}

/* Glob within one label: '*' any run, '?' one character. Iterative with
 * one backtrack point, which suffices for '*' (classic wildcard match). */
static bool label_match(const struct label *pat, const struct label *name)
{
	size_t pi = 0, ni = 0, star_p = SIZE_MAX, star_n = 0;

	while (ni < name->len) {
		size_t pi0 = pi, ni0 = ni;
		bool pesc = false, nesc = false;
		char pc = pi < pat->len ? take(pat, &pi, &pesc) : '\0';
		char nc = take(name, &ni, &nesc);

		if (pi0 < pat->len && !pesc && pc == '*') {
			star_p = pi;
			star_n = ni0;
			ni = ni0;
			continue;
		}
		if (pi0 < pat->len && ((!pesc && pc == '?') || pc == nc))
			continue;
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		ni = star_n;
		take(name, &ni, &nesc);
		star_n = ni;
	}
	while (pi < pat->len && pat->p[pi] == '*')
		pi++;
	return pi == pat->len;
}

static bool is_any(const struct label *l)
{
	return l->len == 1 && l->p[0] == '*';
}

/* Label sequence match: a `*` label eats one or more labels. */
static bool labels_match(const struct label *pat, size_t np, const struct label *name,
			 size_t nn)
{
	size_t pi = 0, ni = 0, star_p = SIZE_MAX, star_n = 0;

	while (ni < nn) {
		if (pi < np && is_any(&pat[pi])) {
			star_p = ++pi;
			star_n = ++ni;      /* at least one label */
			continue;
		}
		if (pi < np && label_match(&pat[pi], &name[ni])) {
			pi++, ni++;
			continue;
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		ni = ++star_n;
	}
	return pi == np;
}

s6_err s6_cip_alias_pattern_check(const char *pattern)
{
	struct label l[S6_CIP_ALIAS_LABELS_MAX];

	if (!pattern)
		return S6_ERR_INVALID_ARG;
	for (const char *p = pattern; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return S6_ERR_MALFORMED;
	return split(pattern, l) ? S6_OK : S6_ERR_MALFORMED;
}

bool s6_cip_alias_match(const char *pattern, const char *name)
{
	struct label pl[S6_CIP_ALIAS_LABELS_MAX], nl[S6_CIP_ALIAS_LABELS_MAX];
	size_t np, nn;

	if (!pattern || !name || s6_cip_alias_pattern_check(pattern) != S6_OK)
		return false;
	np = split(pattern, pl);
	nn = split(name, nl);
	return np && nn && labels_match(pl, np, nl, nn);
}
