/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The environment the program gets: the caller's, with the variables the
 * full command sets (s6_set_env, s6_preload_set_env) set the way setenv()
 * sets them there -- replaced in place, or appended in the same order --
 * so both paths hand the program the same environment. */
#include "launch.h"

struct s6l_env {
	char **v;
	size_t n, max;
	struct s6l_buf *store;
};

static bool s6l_has_name(const char *entry, const char *name)
{
	while (*name && *entry == *name) {
		entry++;
		name++;
	}
	return *name == '\0' && *entry == '=';
}

/* setenv(name, value, 1); the text lives in the store. */
static bool s6l_env_set(struct s6l_env *e, const char *name, const char *value)
{
	struct s6l_buf *s = e->store;
	char *entry = s->p + s->len;
	size_t i;

	s6l_put(s, name);
	s6l_put(s, "=");
	s6l_put(s, value);
	if (s->overflow)
		return false;
	s->len++; /* past the terminating NUL */
	for (i = 0; i < e->n && !s6l_has_name(e->v[i], name); i++)
		;
	if (i == e->n) {
		if (e->n + 1 >= e->max)
			return false;
		e->n++;
	}
	e->v[i] = entry;
	e->v[e->n] = NULL;
	return true;
}

/* The ASan runtime first in sanitizer builds (configure found its path),
 * then ours, then what was there. */
static bool s6l_preload_value(char *const *envp, const char *lib, char *buf, size_t len)
{
	const char *old = s6l_getenv(envp, "LD_PRELOAD");
	struct s6l_buf b;

	s6l_buf_init(&b, buf, len);
#ifdef S6L_ASAN_RUNTIME
	s6l_put(&b, S6L_ASAN_RUNTIME " ");
#endif
	s6l_put(&b, lib);
	if (old && old[0]) {
		s6l_put(&b, " ");
		s6l_put(&b, old);
	}
	return !b.overflow;
}

bool s6l_build_env(char *const *envp, const struct s6l_args *a, const char *lib,
		   const char *conf_named, const char *conf_real, char **out, size_t max,
		   struct s6l_buf *store)
{
	struct s6l_env e = {out, 0, max, store};
	char preload[S6L_PRELOAD_MAX];

	for (; envp[e.n]; e.n++) {
		if (e.n + 1 >= max)
			return false;
		out[e.n] = envp[e.n];
	}
	out[e.n] = NULL;
	if (!s6l_preload_value(envp, lib, preload, sizeof preload) ||
	    !s6l_env_set(&e, "SOCKS6IFY_CONF", conf_real) ||
	    (a->proxy && !s6l_env_set(&e, "SOCKS6IFY_PROXY", a->proxy)))
		return false;
	if (a->quiet || a->verbose) {
		const char *lvl = a->quiet ? "quiet" : a->verbose > 1 ? "debug" : "info";
		if (!s6l_env_set(&e, "SOCKS6IFY_LOG_LEVEL", lvl))
			return false;
	}
	/* Last: the library reads and removes it (preload/s6p_state.c). */
	return s6l_env_set(&e, "LD_PRELOAD", preload) &&
	       s6l_env_set(&e, S6L_LAUNCH_VAR, conf_named);
}
