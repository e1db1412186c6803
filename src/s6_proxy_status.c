/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy-Status and next-hop-aliases decoding (see s6_proxy_status.h). */
#include <string.h>

#include "s6_proxy_status.h"
#include "s6_sf.h"
#include "s6_digits.h"

#define ALIASES_TEXT_MAX 4096

static s6_err bad(const char **why, const char *text)
{
	if (why)
		*why = text;
	return S6_ERR_MALFORMED;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* The decoded name's escapes and labels: "\." and "\\" only, no empty
 * label but for one trailing dot. */
static s6_err check_name(const char *n, size_t len, const char **why)
{
	size_t label = 0;

	for (size_t i = 0; i < len; i++) {
		if (n[i] == '\\') {
			if (i + 1 == len || (n[i + 1] != '.' && n[i + 1] != '\\'))
				return bad(why, "alias with a backslash that escapes nothing");
			i++;
			label++;
		} else if (n[i] == '.') {
			if (label == 0)
				return bad(why, "alias with an empty label");
			label = 0;
		} else {
			label++;
		}
	}
	return len ? S6_OK : bad(why, "empty alias name");
}

/* Percent-decode one name v[0..len) into out. */
static s6_err decode_name(const char *v, size_t len, char *out, const char **why)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '%') {
			int hi = i + 2 < len ? s6_hex_digit(v[i + 1]) : -1;
			int lo = hi >= 0 ? s6_hex_digit(v[i + 2]) : -1;

			if (lo < 0)
				return bad(why, "alias with a bad percent escape");
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0)
				return bad(why, "alias with an encoded NUL");
			i += 2;
		} else if (!unreserved(c)) {
			return bad(why, "alias with a character that must be percent-encoded");
		}
		if (n + 1 >= S6_PS_NAME_MAX)
			return bad(why, "alias name too long");
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return check_name(out, n, why);
}

s6_err s6_ps_aliases_decode(const char *v, size_t len, char (*names)[S6_PS_NAME_MAX],
			    size_t max, size_t *count, const char **why)
{
	size_t i = 0, n = 0;

	*count = 0;
	if (len == 0)
		return S6_OK;       /* "": no CNAMEs */
	while (i <= len) {
		size_t end = i;
		s6_err e;

		while (end < len && v[end] != ',')
			end++;
		if (n == max) {
			if (why)
				*why = "too many aliases";
			return S6_ERR_TOO_LONG;
		}
		e = decode_name(v + i, end - i, names[n], why);
		if (e != S6_OK)
			return e;
		n++;
		i = end + 1;
	}
	*count = n;
	return S6_OK;
}

/* A token or string item as text into out[S6_PS_NAME_MAX or cap]. */
static s6_err item_text(const s6_sf_item *it, char *out, size_t cap, const char **why)
{
	if (it->type == S6_SF_STRING) {
		if (s6_sf_string_copy(it, out, cap) == SIZE_MAX)
			return bad(why, "Proxy-Status value too long");
		return S6_OK;
	}
	if (it->type != S6_SF_TOKEN)
		return bad(why, "Proxy-Status value neither token nor string");
	if (it->len >= cap)
		return bad(why, "Proxy-Status value too long");
	memcpy(out, it->text, it->len);
	out[it->len] = '\0';
	return S6_OK;
}

static s6_err decode_member(const s6_sf_list *l, const s6_sf_member *sm, s6_ps_member *m,
			    const char **why)
{
	const s6_sf_item *it;
	char text[ALIASES_TEXT_MAX];
	s6_err e;

	memset(m, 0, sizeof(*m));
	e = item_text(&sm->item, m->proxy, sizeof(m->proxy), why);
	if (e == S6_OK && (it = s6_sf_param_get(l, sm, "error")))
		e = it->type == S6_SF_TOKEN ? item_text(it, m->error, sizeof(m->error), why) :
		    bad(why, "Proxy-Status error parameter not a token");
	if (e == S6_OK && (it = s6_sf_param_get(l, sm, "next-hop"))) {
		e = item_text(it, m->next_hop, sizeof(m->next_hop), why);
		m->has_next_hop = e == S6_OK;
	}
	if (e != S6_OK || !(it = s6_sf_param_get(l, sm, "next-hop-aliases")))
		return e;
	if (it->type != S6_SF_STRING)
		return bad(why, "next-hop-aliases not a string");
	if (s6_sf_string_copy(it, text, sizeof(text)) == SIZE_MAX)
		return bad(why, "next-hop-aliases too long");
	m->has_aliases = true;
	return s6_ps_aliases_decode(text, strlen(text), m->alias, S6_PS_ALIASES_MAX,
				    &m->naliases, why);
}

s6_err s6_ps_parse(const char *field, size_t len, s6_ps *out, const char **why)
{
	s6_sf_member members[S6_PS_LIST_MAX];
	s6_sf_param params[S6_PS_PARAMS_MAX];
	s6_sf_list l = { members, S6_PS_LIST_MAX, 0, params, S6_PS_PARAMS_MAX, 0 };
	s6_ps_member scratch;
	s6_err e;

	memset(out, 0, sizeof(*out));
	e = s6_sf_parse_list(field, len, &l, why);
	if (e != S6_OK)
		return e;
	/* Members past the ones kept are still checked: any bad one voids
	 * the field. */
	for (size_t i = 0; i < l.nmembers; i++) {
		s6_ps_member *m = i < S6_PS_MEMBERS_MAX ? &out->m[i] : &scratch;

		e = decode_member(&l, &l.members[i], m, why);
		if (e != S6_OK) {
			memset(out, 0, sizeof(*out));
			return e;
		}
	}
	out->nmembers = l.nmembers;
	out->ndecoded = l.nmembers < S6_PS_MEMBERS_MAX ? l.nmembers : S6_PS_MEMBERS_MAX;
	return S6_OK;
}

s6_err s6_ps_alias_encode(const char *name, char *out, size_t cap, size_t *outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		size_t need = unreserved(*p) ? 1 : 3;

		if (n + need >= cap)
			return S6_ERR_TOO_LONG;
		if (need == 1) {
			out[n++] = (char)*p;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	if (cap == 0)
		return S6_ERR_TOO_LONG;
	out[n] = '\0';
	*outlen = n;
	return S6_OK;
}

bool s6_ps_name_label(const char *name, size_t idx, char *out, size_t cap)
{
	size_t label = 0, n = 0;

	for (const char *p = name; *p; p++) {
		char c = *p;

		if (c == '.') {
			if (label++ == idx)
				break;
			continue;
		}
		if (c == '\\' && p[1])
			c = *++p;
		if (label != idx)
			continue;
		if (n + 1 >= cap)
			return false;
		out[n++] = c;
	}
	if (label < idx || cap == 0)
		return false;
	out[n] = '\0';
	return label > idx || n > 0;
}
