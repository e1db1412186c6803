/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "s6_shellenv.h"

#define S6_SHELL_MAX 8192
#define S6_REC_PRELOAD "SOCKS6IFY_SHELL_PRELOAD"
#define S6_REC_VARS "SOCKS6IFY_SHELL_VARS"

/* A single-quoted shell word: nothing inside is expanded. */
static void s6_shell_quote(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

static void s6_shell_export(FILE *out, const char *name, const char *value)
{
	fprintf(out, "export %s=", name);
	s6_shell_quote(out, value);
	fputs(";\n", out);
}

/* Is word one of the space-separated words of list? */
static bool s6_shell_in(const char *list, const char *word, size_t wl)
{
	while (list && *list) {
		size_t l = strcspn(list, " :");
		if (l == wl && strncmp(list, word, wl) == 0)
			return true;
		list += l + strspn(list + l, " :");
	}
	return false;
}

bool s6_shell_strip_ours(const char *lib)
{
	const char *rec = getenv(S6_REC_PRELOAD);
	const char *p = getenv("LD_PRELOAD");
	char out[S6_SHELL_MAX];
	size_t n = 0;

	if (!rec || !*rec)
		rec = lib;
	/* ld.so separates entries with spaces or colons; each turn takes one. */
	while (p && *p) {
		p += strspn(p, " :");
		size_t l = strcspn(p, " :");
		if (l && !s6_shell_in(rec, p, l)) {
			if (n + l + 2 > sizeof out)
				return false;
			if (n)
				out[n++] = ' ';
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
	}
	out[n] = '\0';
	return n ? setenv("LD_PRELOAD", out, 1) == 0 : unsetenv("LD_PRELOAD") == 0;
}

/* The names of vars and of an earlier record, each once. */
static bool s6_shell_varlist(const char *const *vars, char *buf, size_t len)
{
	const char *old = getenv(S6_REC_VARS);
	int n = snprintf(buf, len, "%s", old ? old : "");

	for (; *vars && n >= 0 && (size_t)n < len; vars++)
		if (!s6_shell_in(buf, *vars, strlen(*vars)))
			n += snprintf(buf + n, len - (size_t)n, "%s%s", n ? " " : "", *vars);
	return n >= 0 && (size_t)n < len;
}

bool s6_shell_on(FILE *out, const char *old, const char *const *vars)
{
	const char *now = getenv("LD_PRELOAD");
	size_t ol = old && *old ? strlen(old) + 1 : 0;
	char added[S6_SHELL_MAX], names[1024];

	if (!now || strlen(now) <= ol || strlen(now) - ol >= sizeof added ||
	    !s6_shell_varlist(vars, names, sizeof names))
		return false;
	memcpy(added, now, strlen(now) - ol);
	added[strlen(now) - ol] = '\0';
	s6_shell_export(out, "LD_PRELOAD", now);
	for (; *vars; vars++)
		s6_shell_export(out, *vars, getenv(*vars) ? getenv(*vars) : "");
	s6_shell_export(out, S6_REC_PRELOAD, added);
	s6_shell_export(out, S6_REC_VARS, names);
	return fflush(out) == 0;
}

/* Only our own variable names are ever unset. */
static bool s6_shell_our_name(const char *s, size_t l)
{
	if (l <= 10 || strncmp(s, "SOCKS6IFY_", 10) != 0)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

bool s6_shell_off(FILE *out, const char *lib)
{
	const char *p = getenv(S6_REC_VARS);

	if (!s6_shell_strip_ours(lib))
		return false;
	if (getenv("LD_PRELOAD"))
		s6_shell_export(out, "LD_PRELOAD", getenv("LD_PRELOAD"));
	else
		fputs("unset LD_PRELOAD;\n", out);
	while (p && *p) {
		p += strspn(p, " ");
		size_t l = strcspn(p, " ");
		if (s6_shell_our_name(p, l))
			fprintf(out, "unset %.*s;\n", (int)l, p);
		p += l;
	}
	fputs("unset " S6_REC_PRELOAD " " S6_REC_VARS ";\n", out);
	return fflush(out) == 0;
}
