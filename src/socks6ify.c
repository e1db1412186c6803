/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6ify [options] COMMAND [ARGS...]: check the configuration, then run
 * COMMAND with the preload library, passing the chosen file, proxy and
 * verbosity through the environment. The exit status is COMMAND's. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "s6_config.h"
#include "s6_log.h"
#include "s6_preload_path.h"
#include "s6_s6store_file.h"

#define S6_EXIT_USAGE 2

struct s6_cli {
	const char *proxy;
	const char *config;
	int verbose;
	bool quiet;
	bool forget;            /* --forget-sessions */
};

#define S6_OPT_FORGET 256

static void s6_usage(FILE *out)
{
	fprintf(out,
		"Usage: socks6ify [options] COMMAND [ARGS...]\n"
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
		default:
			fprintf(stderr, "socks6ify: try 'socks6ify --help'\n");
			exit(S6_EXIT_USAGE);
		}
	}
	if (optind >= argc && cli->forget)
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

int main(int argc, char **argv)
{
	struct s6_cli cli = {0};
	char path[PATH_MAX], lib[PATH_MAX];
	s6_config cfg;

	int first = s6_parse_args(argc, argv, &cli);
	if (cli.forget) {
		s6_forget_sessions();
		if (first >= argc)
			return 0;
	}
	s6_check_config(&cli, &cfg, path, sizeof path);
	s6_config_wipe(&cfg);
	if (!s6_preload_find(lib, sizeof lib)) {
		fprintf(stderr, "socks6ify: cannot find libsocks6ify.so (looked in %s)\n", PKGLIBDIR);
		return 1;
	}
	s6_set_env(&cli, path);
	if (!s6_preload_set_env(lib)) {
		fprintf(stderr, "socks6ify: LD_PRELOAD would be too long\n");
		return 1;
	}
	execvp(argv[first], argv + first);
	int err = errno;
	fprintf(stderr, "socks6ify: %s: %s\n", argv[first],
		err == ENOENT ? "command not found" : strerror(err));
	return err == ENOENT ? 127 : 126;
}
