/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6ify [options] COMMAND [ARGS...]: check the configuration, then run
 * COMMAND with the preload library, passing the chosen file, proxy and
 * verbosity through the environment. The exit status is COMMAND's.
 * `socks6ify on|off` print shell code doing the same for the calling shell,
 * `socks6ify --shell` runs a proxied $SHELL. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "s6_config.h"
#include "s6_execcheck.h"
#include "s6_log.h"
#include "s6_preload_path.h"
#include "s6_s6store_file.h"
#include "s6_shellenv.h"

#define S6_EXIT_USAGE 2

struct s6_cli {
	const char *proxy;
	const char *config;
	int verbose;
	bool quiet;
	bool forget;            /* --forget-sessions */
	bool allow_unproxied;   /* run programs LD_PRELOAD cannot reach */
	bool shell;             /* --shell */
};

#define S6_OPT_FORGET 256
#define S6_OPT_ALLOW 257
#define S6_OPT_SHELL 258

static void s6_usage(FILE *out)
{
	fprintf(out,
		"Usage: socks6ify [options] COMMAND [ARGS...]\n"
		"       socks6ify [options] --shell\n"
		"       eval \"$(socks6ify [options] on)\"   eval \"$(socks6ify off)\"\n"
		"       socks6ify --forget-sessions [COMMAND [ARGS...]]\n"
		"Run COMMAND with every connection and name lookup going through a proxy.\n\n"
		"  -p, --proxy URL     proxy to use (socks4a://[USERID@]HOST[:PORT]);\n"
		"                      overrides the configuration file and SOCKS6IFY_PROXY\n"
		"  -f, --config FILE   configuration file (default: SOCKS6IFY_CONF, then\n"
		"                      ~/.config/socks6ify/socks6ify.conf, then %s/socks6ify.conf)\n"
		"  -q, --quiet         log nothing\n"
		"  -v, --verbose       log decisions; twice: also handshakes\n"
		"      --forget-sessions  forget the SOCKS6 sessions shared by your\n"
		"                      programs (the next connection authenticates again)\n"
		"      --allow-unproxied  run a static, setuid, setgid or setcap program\n"
		"                      (which LD_PRELOAD cannot reach) with a warning\n"
		"      --shell         run $SHELL (else /bin/sh) proxied\n"
		"  on, off             as COMMAND: print shell code that turns proxying\n"
		"                      on or off in the calling shell (for eval)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n\n"
		"See socks6ify(1) and socks6ify.conf(5).\n", SYSCONFDIR);
}

static int s6_parse_args(int argc, char **argv, struct s6_cli *cli)
{
	static const struct option opts[] = {
		{"proxy", required_argument, NULL, 'p'},
		{"config", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"forget-sessions", no_argument, NULL, S6_OPT_FORGET},
		{"allow-unproxied", no_argument, NULL, S6_OPT_ALLOW},
		{"shell", no_argument, NULL, S6_OPT_SHELL},
		{NULL, 0, NULL, 0},
	};
	int c;

	/* '+': options stop at COMMAND, whose own options are its business. */
	while ((c = getopt_long(argc, argv, "+p:f:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': cli->proxy = optarg; break;
		case 'f': cli->config = optarg; break;
		case 'q': cli->quiet = true; break;
		case 'v': cli->verbose++; break;
		case 'h': s6_usage(stdout); exit(0);
		case 'V': printf("socks6ify %s\n", PACKAGE_VERSION); exit(0);
		case S6_OPT_FORGET: cli->forget = true; break;
		case S6_OPT_ALLOW: cli->allow_unproxied = true; break;
		case S6_OPT_SHELL: cli->shell = true; break;
		default:
			fprintf(stderr, "socks6ify: try 'socks6ify --help'\n");
			exit(S6_EXIT_USAGE);
		}
	}
	if (cli->shell && optind < argc) {
		fprintf(stderr, "socks6ify: --shell takes no COMMAND\n");
		exit(S6_EXIT_USAGE);
	}
	if (optind >= argc && (cli->forget || cli->shell))
		return optind;
	if (optind >= argc) {
		fprintf(stderr, "socks6ify: missing COMMAND (try 'socks6ify --help')\n");
		exit(S6_EXIT_USAGE);
	}
	return optind;
}

static const char *s6_env(const char *name)
{
	return getauxval(AT_SECURE) ? NULL : getenv(name);
}

/* Load and check the configuration the program will see; exit 2 on error. */
static void s6_check_config(const struct s6_cli *cli, s6_config *cfg, char *path, size_t plen)
{
	char buf[PATH_MAX], err[512];
	const char *explicit = cli->config ? cli->config : s6_env("SOCKS6IFY_CONF");
	const char *file = NULL;

	s6_config_defaults(cfg);
	if (!(explicit && explicit[0] == '\0'))
		file = s6_config_find(explicit, s6_env("XDG_CONFIG_HOME"), s6_env("HOME"),
				      SYSCONFDIR "/socks6ify.conf", buf, sizeof buf);
	path[0] = '\0';
	if (file) {
		if (s6_config_load(cfg, file, err, sizeof err) != S6_OK) {
			fprintf(stderr, "socks6ify: %s\n", err);
			exit(S6_EXIT_USAGE);
		}
		/* Absolute, so the program finds it whatever directory it moves to. */
		if (!realpath(file, path))
			snprintf(path, plen, "%s", file);
	}
	const char *url = cli->proxy ? cli->proxy : s6_env("SOCKS6IFY_PROXY");
	if (url && url[0] && s6_config_set_proxy(cfg, url, err, sizeof err) != S6_OK) {
		fprintf(stderr, "socks6ify: %s\n", err);
		exit(S6_EXIT_USAGE);
	}
	if (!cfg->has_proxy) {
		fprintf(stderr, "socks6ify: no proxy configured: use -p URL, SOCKS6IFY_PROXY, or 'proxy URL' in %s\n",
			file ? file : "a configuration file");
		exit(S6_EXIT_USAGE);
	}
}

static void s6_set_env(const struct s6_cli *cli, const char *path)
{
	setenv("SOCKS6IFY_CONF", path, 1); /* "" means: no file */
	if (cli->proxy)
		setenv("SOCKS6IFY_PROXY", cli->proxy, 1);
	if (cli->quiet)
		setenv("SOCKS6IFY_LOG_LEVEL", "quiet", 1);
	else if (cli->verbose)
		setenv("SOCKS6IFY_LOG_LEVEL", cli->verbose > 1 ? "debug" : "info", 1);
}

/* Clear the shared session table (s6_s6store_file.h); exit 1 on failure. */
static void s6_forget_sessions(void)
{
	char dir[PATH_MAX], why[512] = "path too long";

	if (!s6_s6store_dir(dir, sizeof dir, s6_env("XDG_RUNTIME_DIR"), geteuid()) ||
	    s6_s6store_forget(dir, close, why, sizeof why) != S6_OK) {
		fprintf(stderr, "socks6ify: cannot forget the sessions: %s\n", why);
		exit(1);
	}
}

/* LD_PRELOAD cannot reach a static, setuid/setgid or setcap program: its
 * connections would leave directly. Fail closed refuses to run it (one
 * line, 126) unless --allow-unproxied; otherwise a warning. A "#!" script
 * is judged by its interpreter, one level (setuid bits on scripts are
 * ignored by the kernel). */
static void s6_check_program(const char *cmd, bool fail_closed, bool allow)
{
	char path[PATH_MAX], interp[PATH_MAX], what[PATH_MAX + 64];
	unsigned int flags;

	if (!s6_exec_resolve(cmd, path, sizeof path))
		return; /* execvp reports it */
	if (s6_exec_interp(path, interp, sizeof interp)) {
		flags = s6_exec_inspect(interp);
		snprintf(what, sizeof what, "%s: its interpreter %s", cmd, interp);
	} else {
		flags = s6_exec_inspect(path);
		snprintf(what, sizeof what, "%s", cmd);
	}
	if (!flags)
		return;
	if (fail_closed && !allow) {
		fprintf(stderr, "socks6ify: %s is %s: LD_PRELOAD cannot take effect, refusing to run it unproxied (fail closed; --allow-unproxied overrides)\n",
			what, s6_exec_why(flags));
		exit(126);
	}
	fprintf(stderr, "socks6ify: warning: %s is %s: LD_PRELOAD cannot take effect, its connections will not go through the proxy\n",
		what, s6_exec_why(flags));
}

/* The variables s6_set_env sets, for `socks6ify on`. */
static void s6_cmd_on(const struct s6_cli *cli, const char *old)
{
	const char *vars[4] = {"SOCKS6IFY_CONF"};
	int n = 1;

	if (cli->proxy)
		vars[n++] = "SOCKS6IFY_PROXY";
	if (cli->quiet || cli->verbose)
		vars[n++] = "SOCKS6IFY_LOG_LEVEL";
	vars[n] = NULL;
	if (!s6_shell_on(stdout, old, vars)) {
		fprintf(stderr, "socks6ify: LD_PRELOAD would be too long\n");
		exit(1);
	}
	exit(0);
}

static void s6_cmd_off(void)
{
	char lib[PATH_MAX];

	if (!s6_preload_find(lib, sizeof lib))
		lib[0] = '\0';
	if (!s6_shell_off(stdout, lib)) {
		fprintf(stderr, "socks6ify: LD_PRELOAD is too long\n");
		exit(1);
	}
	exit(0);
}

static bool s6_is_word(int argc, char **argv, int first, const char *word)
{
	return argc - first == 1 && strcmp(argv[first], word) == 0;
}

int main(int argc, char **argv)
{
	struct s6_cli cli = {0};
	char path[PATH_MAX], lib[PATH_MAX], old[8192] = "";
	char *shell[2] = {NULL, NULL};
	s6_config cfg;

	int first = s6_parse_args(argc, argv, &cli);
	if (cli.forget) {
		s6_forget_sessions();
		if (first >= argc && !cli.shell)
			return 0;
	}
	if (!cli.shell && s6_is_word(argc, argv, first, "off"))
		s6_cmd_off();
	bool on = !cli.shell && s6_is_word(argc, argv, first, "on");
	s6_check_config(&cli, &cfg, path, sizeof path);
	bool fail_closed = cfg.fail == S6_FAIL_CLOSED;
	s6_config_wipe(&cfg);
	if (!s6_preload_find(lib, sizeof lib)) {
		fprintf(stderr, "socks6ify: cannot find libsocks6ify.so (looked in %s)\n", PKGLIBDIR);
		return 1;
	}
	/* `on` twice must not stack our entries in LD_PRELOAD. */
	if (on && s6_shell_strip_ours(lib) && getenv("LD_PRELOAD"))
		snprintf(old, sizeof old, "%s", getenv("LD_PRELOAD"));
	s6_set_env(&cli, path);
	if (!s6_preload_set_env(lib)) {
		fprintf(stderr, "socks6ify: LD_PRELOAD would be too long\n");
		return 1;
	}
	if (on)
		s6_cmd_on(&cli, old);
	if (cli.shell) {
		const char *sh = getenv("SHELL");
		shell[0] = (char *)(sh && sh[0] ? sh : "/bin/sh");
		argv = shell;
		first = 0;
	}
	s6_check_program(argv[first], fail_closed, cli.allow_unproxied);
	execvp(argv[first], argv + first);
	int err = errno;
	fprintf(stderr, "socks6ify: %s: %s\n", argv[first],
		err == ENOENT ? "command not found" : strerror(err));
	return err == ENOENT ? 127 : 126;
}
