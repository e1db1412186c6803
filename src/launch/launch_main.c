/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fast path, and the hand-over to the full command for everything it
 * does not cover. Nothing here prints or exits on its own judgement: a
 * case the fast path cannot take runs the full command with the original
 * arguments and environment, which then behaves exactly as it always did. */
#include "launch.h"
#include "launch_sys.h"

static void s6l_say(const char *a, const char *b, const char *c)
{
	char line[S6L_PATH_MAX + 128];
	struct s6l_buf o;

	s6l_buf_init(&o, line, sizeof line);
	s6l_put(&o, a);
	s6l_put(&o, b);
	s6l_put(&o, c);
	if (!o.overflow)
		(void)s6l_write(2, line, o.len);
}

__attribute__((noreturn)) static void s6l_full_command(char **argv, char **envp)
{
	char cli[S6L_PATH_MAX];

	s6l_find_cli(envp, cli, sizeof cli);
	s6l_execve(cli, argv, envp);
	s6l_say("socks6ify: cannot run ", cli, "\n");
	s6l_exit(127);
}

/* False when the full command must take over; on success execve does not
 * return. */
static bool s6l_fast(char **argv, char **envp, const struct s6l_args *a)
{
	char lib[S6L_PATH_MAX], named[S6L_PATH_MAX], real[S6L_PATH_MAX], path[S6L_PATH_MAX];
	char text[S6L_PRELOAD_MAX + 3 * S6L_PATH_MAX + 256];
	char *env[S6L_ENV_MAX];
	struct s6l_buf store;

	if (!s6l_find_library(envp, lib, sizeof lib) ||
	    !s6l_find_config(envp, a, named, real, sizeof named))
		return false;
	s6l_buf_init(&store, text, sizeof text);
	if (!s6l_build_env(envp, a, lib, named, real, env, S6L_ENV_MAX, &store))
		return false;
	/* PATH as the caller has it: the variables set above are not PATH. */
	if (!s6l_resolve(envp, argv[a->first], path, sizeof path) || !s6l_preloadable(path))
		return false;
	s6l_execve(path, argv + a->first, env);
	return false;
}

int s6l_main(int argc, char **argv, char **envp, bool secure)
{
	struct s6l_args a;

#ifndef S6L_FULL_ONLY /* a sanitizer build without a known ASan runtime */
	/* A secure exec ignores the environment: the full command knows how. */
	if (!secure && argc > 0 && s6l_parse_args(argc, argv, &a))
		s6l_fast(argv, envp, &a);
#endif
	s6l_full_command(argv, envp);
}
