/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The socks6ify launcher: the command users type. It handles the common
 * case `socks6ify [-q] [-v]... [-p URL] [-f FILE] [--] COMMAND [ARGS...]`
 * itself, without a C library or dynamic loader, so that starting a proxied
 * program costs little more than starting it; everything else (other
 * options, `on`/`off`, programs LD_PRELOAD cannot reach, any error) is handed
 * unchanged to the full command, socks6ify-cli (src/socks6ify.c). The
 * configuration is checked by the preload library in the program itself
 * (SOCKS6IFY_LAUNCH_CONF, preload/s6p_state.c). */
#ifndef S6L_LAUNCH_H
#define S6L_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>

#define S6L_PATH_MAX 4096       /* PATH_MAX, as the full command uses */
#define S6L_PRELOAD_MAX 8192    /* the full command's limit for LD_PRELOAD */
#define S6L_ENV_MAX 4096        /* environment entries the fast path takes */
#define S6L_LAUNCH_VAR "SOCKS6IFY_LAUNCH_CONF"

/* The fast path's options (the subset of the full command's). */
struct s6l_args {
	const char *proxy;      /* -p URL, or NULL */
	const char *config;     /* -f FILE, or NULL */
	int verbose;
	bool quiet;
	int first;              /* argv index of COMMAND */
};

/* A bounded string builder: a result that did not fit is flagged, never cut. */
struct s6l_buf {
	char *p;
	size_t len, cap;
	bool overflow;
};

/* launch_str.c */
size_t s6l_strlen(const char *s);
bool s6l_streq(const char *a, const char *b);
const char *s6l_getenv(char *const *envp, const char *name);
void s6l_buf_init(struct s6l_buf *b, char *mem, size_t cap);
void s6l_put(struct s6l_buf *b, const char *s);
void s6l_putn(struct s6l_buf *b, const char *s, size_t n);

/* launch_args.c: false for anything the fast path leaves to the full command. */
bool s6l_parse_args(int argc, char **argv, struct s6l_args *a);

/* launch_paths.c: the files the full command would use; false when it
 * would report an error (then the full command runs and reports it). */
bool s6l_find_library(char *const *envp, char *buf, size_t len);
bool s6l_find_config(char *const *envp, const struct s6l_args *a, char *named, char *real,
		     size_t len);
void s6l_find_cli(char *const *envp, char *buf, size_t len);

/* launch_env.c: the program's environment as the full command sets it. */
bool s6l_build_env(char *const *envp, const struct s6l_args *a, const char *lib,
		   const char *conf_named, const char *conf_real, char **out, size_t max,
		   struct s6l_buf *store);

/* launch_exec.c: the file execvp would run, when LD_PRELOAD can reach it. */
bool s6l_resolve(char *const *envp, const char *cmd, char *buf, size_t len);
bool s6l_preloadable(const char *path);

/* launch_main.c */
int s6l_main(int argc, char **argv, char **envp, bool secure);

#endif
