/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The options of the fast path, read as getopt_long("+p:f:qvh") reads them
 * in the full command. Anything else -- another option, an abbreviated long
 * one, a missing argument, `on`/`off` -- answers false, and the full command
 * runs to handle (or reject) it with its own messages. */
#include "launch.h"

/* --name or --name=value for an option with an argument. */
static bool s6l_long_arg(const char *opt, const char *name, int argc, char **argv, int *i,
			 const char **val)
{
	size_t n = s6l_strlen(name);

	for (size_t k = 0; k < n; k++)
		if (opt[k] != name[k])
			return false;
	if (opt[n] == '=') {
		*val = opt + n + 1;
		return true;
	}
	if (opt[n] != '\0' || *i + 1 >= argc)
		return false;
	*val = argv[++*i];
	return true;
}

static bool s6l_long(const char *opt, int argc, char **argv, int *i, struct s6l_args *a)
{
	if (s6l_streq(opt, "quiet"))
		a->quiet = true;
	else if (s6l_streq(opt, "verbose"))
		a->verbose++;
	else if (s6l_streq(opt, "allow-unproxied"))
		; /* only matters for programs the full command handles */
	else if (!s6l_long_arg(opt, "proxy", argc, argv, i, &a->proxy) &&
		 !s6l_long_arg(opt, "config", argc, argv, i, &a->config))
		return false;
	return true;
}

/* A cluster such as -qv, -vpURL or -f FILE. */
static bool s6l_short(const char *opt, int argc, char **argv, int *i, struct s6l_args *a)
{
	for (const char *c = opt + 1; *c; c++) {
		if (*c == 'q') {
			a->quiet = true;
		} else if (*c == 'v') {
			a->verbose++;
		} else if (*c == 'p' || *c == 'f') {
			const char *val = c[1] ? c + 1 : NULL;
			if (!val && *i + 1 >= argc)
				return false;
			if (!val)
				val = argv[++*i];
			*(*c == 'p' ? &a->proxy : &a->config) = val;
			return true;
		} else {
			return false;
		}
	}
	return true;
}

bool s6l_parse_args(int argc, char **argv, struct s6l_args *a)
{
	int i;

	*a = (struct s6l_args){0};
	/* Each turn consumes at least one argument. */
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (s[0] != '-' || s[1] == '\0')
			break;
		if (s[1] == '-' && s[2] == '\0') {
			i++;
			break;
		}
		if (!(s[1] == '-' ? s6l_long(s + 2, argc, argv, &i, a) : s6l_short(s, argc, argv, &i, a)))
			return false;
	}
	if (i >= argc || s6l_streq(argv[i], "on") || s6l_streq(argv[i], "off"))
		return false;
	a->first = i;
	return true;
}
