/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_addr.h"
#include "s6_cidr.h"
#include "s6_token.h"
#include "s6_socks4.h"
#include "srv_cip.h"
#include "srv_misbehave.h"
#include "srv_options.h"
#include "srv_resolve.h"
#include "srv_socks4.h"
#include "srv_socks6.h"
#include "srv_tls.h"

#define PROG "socks6ify-server"
#define TIMEOUT_MAX_S 2000000.0   /* keeps milliseconds within unsigned */
#define MAX_CLIENTS_MAX 1000000
#define PATH_MAX_MSG 512

enum {
	OPT_SOCKS4A = 256,
	OPT_ALLOW_USER,
	OPT_HANDSHAKE_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_BIND_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_CLIENTS,
	OPT_BIND_ADDRESS,
	OPT_LOG_FILE,
	OPT_PID_FILE,
	OPT_VERSION,
	OPT_SOCKS6,
	OPT_USER,
	OPT_USERS,
	OPT_SESSION_TIMEOUT,
	OPT_MAX_SESSIONS,
	OPT_TOKEN_WINDOW,
	OPT_DENY,
	OPT_SOCKS6_TLS,
	OPT_CERT,
	OPT_KEY,
	OPT_MISBEHAVE,
	OPT_CONNECT_IP,
	OPT_CONNECT_IP_TLS,
	OPT_CIP_DRAFT00,
	OPT_CIP_POOL,
	OPT_CIP_MTU,
	OPT_CNAME,
};

static const struct option long_options[] = {
	{"socks4a", required_argument, NULL, OPT_SOCKS4A},
	{"allow-user", required_argument, NULL, OPT_ALLOW_USER},
	{"handshake-timeout", required_argument, NULL, OPT_HANDSHAKE_TIMEOUT},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"bind-timeout", required_argument, NULL, OPT_BIND_TIMEOUT},
	{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
	{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
	{"bind-address", required_argument, NULL, OPT_BIND_ADDRESS},
	{"log-file", required_argument, NULL, OPT_LOG_FILE},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"socks6", required_argument, NULL, OPT_SOCKS6},
	{"user", required_argument, NULL, OPT_USER},
	{"users", required_argument, NULL, OPT_USERS},
	{"session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT},
	{"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
	{"token-window", required_argument, NULL, OPT_TOKEN_WINDOW},
	{"deny", required_argument, NULL, OPT_DENY},
	{"socks6-tls", required_argument, NULL, OPT_SOCKS6_TLS},
	{"cert", required_argument, NULL, OPT_CERT},
	{"key", required_argument, NULL, OPT_KEY},
	{"misbehave", required_argument, NULL, OPT_MISBEHAVE},
	{"connect-ip", required_argument, NULL, OPT_CONNECT_IP},
	{"connect-ip-tls", required_argument, NULL, OPT_CONNECT_IP_TLS},
	{"connect-ip-draft00", no_argument, NULL, OPT_CIP_DRAFT00},
	{"connect-ip-pool", required_argument, NULL, OPT_CIP_POOL},
	{"connect-ip-mtu", required_argument, NULL, OPT_CIP_MTU},
	{"cname", required_argument, NULL, OPT_CNAME},
	{NULL, 0, NULL, 0},
};

/* Listener options: option value -> protocol. */
static const struct {
	int opt;
	const srv_proto *proto;
} listener_kinds[] = {
	{OPT_SOCKS4A, &srv_socks4_proto},
	{OPT_SOCKS6, &srv_socks6_proto},
	{OPT_SOCKS6_TLS, &srv_socks6_tls_proto},
	{OPT_CONNECT_IP, &srv_cip_proto},
	{OPT_CONNECT_IP_TLS, &srv_cip_tls_proto},
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --socks4a|--socks6 ADDR:PORT [OPTION]...\n"
"Proxy server for socks6ify: SOCKS4 and SOCKS4a (CONNECT and BIND), SOCKS6\n"
"(draft-11: CONNECT, BIND, UDP ASSOCIATE, NOOP).\n"
"\n"
"  --socks4a ADDR:PORT        listen for SOCKS4/4a (repeatable; [IPv6]:PORT;\n"
"                             port 0 lets the kernel choose, see the log)\n"
"  --socks6 ADDR:PORT         listen for SOCKS6 (repeatable, as --socks4a)\n"
"  --socks6-tls ADDR:PORT     listen for SOCKS6 over TLS 1.3 (repeatable)\n"
"  --cert FILE                TLS: certificate chain (PEM), leaf first\n"
"  --key FILE                 TLS: private key (PEM); the file must not be\n"
"                             accessible by group or others\n"
"  --connect-ip ADDR:PORT     listen for CONNECT-IP (RFC 9484, HTTP/1.1 Upgrade;\n"
"                             plain HTTP: for tests; repeatable)\n"
"  --connect-ip-tls ADDR:PORT CONNECT-IP over TLS (--cert, --key)\n"
"  --connect-ip-draft00       CONNECT-IP: draft-00 codepoints for every request\n"
"                             (else chosen per request: no Capsule-Protocol)\n"
"  --connect-ip-pool CIDR     CONNECT-IP: client addresses (default\n"
"                             10.99.0.0/16 and fd99::/64; one per family)\n"
"  --connect-ip-mtu N         CONNECT-IP: tunnel MTU (default 1500)\n"
"  --cname NAME=TARGET        CONNECT-IP: a CNAME for next-hop-aliases (tests;\n"
"                             repeatable)\n"
"  --allow-user ID            SOCKS4: accept only these user ids (repeatable)\n"
"  --user NAME:PASS           SOCKS6: a username/password (repeatable); with\n"
"                             none (and no --users) no authentication\n"
"  --users FILE               SOCKS6: NAME:PASS lines ('#' comments); the file\n"
"                             must not be accessible by group or others\n"
"  --session-timeout SECS     SOCKS6: drop idle sessions (default 600)\n"
"  --max-sessions N           SOCKS6: sessions at a time (default 1024)\n"
"  --token-window N           SOCKS6: largest idempotence token window\n"
"                             (default 64, at most 4096)\n"
"  --deny CIDR                SOCKS6: refuse CONNECT to these targets\n"
"                             (repeatable; reply 2)\n"
"  --handshake-timeout SECS   time to send a complete request (default 10)\n"
"  --connect-timeout SECS     outbound resolve + connect limit (default 30)\n"
"  --bind-timeout SECS        wait for BIND's inbound connection (default 120)\n"
"  --idle-timeout SECS        close relays idle this long (default 0: never)\n"
"  --max-clients N            concurrent clients (default 1024)\n"
"  --bind-address ADDR        address BIND listens on (default: the address\n"
"                             the client connected to)\n"
"  -q, --quiet                errors only; twice: nothing\n"
"  -v, --verbose              debug output\n"
"  --log-file FILE            append the log to FILE (default stderr)\n"
"  --pid-file FILE            write the process id to FILE\n"
"  --misbehave SCRIPT         tests only: every listener plays a hostile\n"
"                             proxy (a script FILE, or inline:STEP;STEP...)\n"
"  -h, --help                 this help\n"
"      --version              version\n"
"Timeouts accept fractions (0.5); 0 disables a limit.\n");
}

static enum srv_opts_result bad(const char *opt, const char *arg, const char *what)
{
	fprintf(stderr, PROG ": invalid value for --%s: '%s' (%s)\n", opt, arg, what);
	return SRV_OPTS_USAGE;
}

static bool parse_seconds(const char *arg, unsigned *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !isfinite(v) || v < 0 ||
	    v > TIMEOUT_MAX_S || arg[0] == '-' || arg[0] == '+')
		return false;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	if (*ms == 0 && v > 0)
		*ms = 1; /* a tiny positive limit is still a limit */
	return true;
}

static bool parse_count(const char *arg, unsigned *out)
{
	char *end;
	unsigned long v;

	if (arg[0] < '0' || arg[0] > '9')
		return false;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > MAX_CLIENTS_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

static enum srv_opts_result add_listener(srv_options *o, int opt, const char *arg)
{
	srv_listen_spec *grown;
	socklen_t len;
	size_t k;

	for (k = 0; listener_kinds[k].opt != opt; k++)
		;
	grown = realloc(o->listen, (o->n_listen + 1) * sizeof *grown);
	if (!grown) {
		fprintf(stderr, PROG ": out of memory\n");
		return SRV_OPTS_USAGE;
	}
	o->listen = grown;
	if (!s6_addr_parse(arg, &grown[o->n_listen].addr, &len))
		return bad(listener_kinds[k].proto->name, arg,
			   "ADDR:PORT or [IPv6]:PORT expected");
	grown[o->n_listen++].proto = listener_kinds[k].proto;
	return SRV_OPTS_RUN;
}

static enum srv_opts_result add_user(srv_options *o, const char *arg)
{
	const char **grown;

	if (strlen(arg) > S6_SOCKS4_USERID_MAX)
		return bad("allow-user", arg, "at most 255 bytes");
	grown = realloc(o->users, (o->cfg.n_allow_users + 1) * sizeof *grown);
	if (!grown) {
		fprintf(stderr, PROG ": out of memory\n");
		return SRV_OPTS_USAGE;
	}
	o->users = grown;
	grown[o->cfg.n_allow_users++] = arg;
	o->cfg.allow_users = grown;
	return SRV_OPTS_RUN;
}

static enum srv_opts_result s6_user(srv_options *o, const char *arg)
{
	char why[128];

	if (!srv_s6_users_add(&o->s6.users, arg, strlen(arg), why, sizeof why)) {
		fprintf(stderr, PROG ": invalid value for --user: %s\n", why);
		return SRV_OPTS_USAGE;
	}
	return SRV_OPTS_RUN;
}

static enum srv_opts_result s6_users_file(srv_options *o, const char *arg)
{
	char why[PATH_MAX_MSG];

	if (!srv_s6_users_load(&o->s6.users, arg, why, sizeof why)) {
		fprintf(stderr, PROG ": --users: %s\n", why);
		return SRV_OPTS_USAGE;
	}
	return SRV_OPTS_RUN;
}

static enum srv_opts_result s6_deny(srv_options *o, const char *arg)
{
	s6_cidr *grown;

	grown = realloc(o->s6.deny, (o->s6.n_deny + 1) * sizeof *grown);
	if (!grown) {
		fprintf(stderr, PROG ": out of memory\n");
		return SRV_OPTS_USAGE;
	}
	o->s6.deny = grown;
	if (s6_cidr_parse(arg, &grown[o->s6.n_deny]) != S6_OK)
		return bad("deny", arg, "CIDR expected, e.g. 10.0.0.0/8 or 2001:db8::/32");
	o->s6.n_deny++;
	return SRV_OPTS_RUN;
}

static enum srv_opts_result s6_count(const char *name, const char *arg, unsigned max,
				     unsigned *out)
{
	char what[48];

	if (!parse_count(arg, out) || *out > max) {
		snprintf(what, sizeof what, "1 to %u expected", max);
		return bad(name, arg, what);
	}
	return SRV_OPTS_RUN;
}

static enum srv_opts_result timeout_opt(const char *name, const char *arg, unsigned *ms)
{
	if (!parse_seconds(arg, ms))
		return bad(name, arg, "seconds expected");
	return SRV_OPTS_RUN;
}

/* --misbehave: the script now (one error line for a bad one); listeners are
 * wrapped once all are known (misbehave_wrap). */
static enum srv_opts_result misbehave(srv_options *o, const char *arg)
{
	char why[PATH_MAX_MSG];

	srv_misb_free(&o->misb);
	o->cfg.misbehave = NULL;
	if (!srv_misb_load(arg, &o->misb, why, sizeof why)) {
		fprintf(stderr, PROG ": --misbehave: %s\n", why);
		return SRV_OPTS_USAGE;
	}
	o->cfg.misbehave = &o->misb;
	return SRV_OPTS_RUN;
}

static enum srv_opts_result misbehave_wrap(srv_options *o)
{
	char why[PATH_MAX_MSG];

	for (size_t i = 0; o->cfg.misbehave && i < o->n_listen; i++) {
		const srv_proto *p = srv_misb_wrap(o->listen[i].proto, &o->misb,
						   why, sizeof why);
		if (!p) {
			fprintf(stderr, PROG ": --misbehave: %s\n", why);
			return SRV_OPTS_USAGE;
		}
		o->listen[i].proto = p;
	}
	return SRV_OPTS_RUN;
}

static enum srv_opts_result cip_opt(srv_options *o, int opt, const char *arg)
{
	char why[600];
	bool ok = opt == OPT_CIP_POOL ? srv_cip_opt_pool(&o->cip, arg, why, sizeof why) :
		  opt == OPT_CIP_MTU ? srv_cip_opt_mtu(&o->cip, arg, why, sizeof why) :
		  srv_cip_opt_cname(&o->cip, arg, why, sizeof why);

	if (!ok) {
		fprintf(stderr, PROG ": invalid value for --%s: %s\n", opt == OPT_CIP_POOL ?
			"connect-ip-pool" : opt == OPT_CIP_MTU ? "connect-ip-mtu" : "cname", why);
		return SRV_OPTS_USAGE;
	}
	return SRV_OPTS_RUN;
}

static enum srv_opts_result handle(srv_options *o, int opt, const char *arg)
{
	srv_config *cfg = &o->cfg;

	switch (opt) {
	case OPT_SOCKS4A:
	case OPT_SOCKS6:
	case OPT_SOCKS6_TLS:
	case OPT_CONNECT_IP:
	case OPT_CONNECT_IP_TLS: return add_listener(o, opt, arg);
	case OPT_CIP_DRAFT00: o->cip.draft00 = true; return SRV_OPTS_RUN;
	case OPT_CIP_POOL:
	case OPT_CIP_MTU:
	case OPT_CNAME: return cip_opt(o, opt, arg);
	case OPT_CERT: o->tls_cert = arg; return SRV_OPTS_RUN;
	case OPT_KEY: o->tls_key = arg; return SRV_OPTS_RUN;
	case OPT_USER: return s6_user(o, arg);
	case OPT_USERS: return s6_users_file(o, arg);
	case OPT_DENY: return s6_deny(o, arg);
	case OPT_MISBEHAVE: return misbehave(o, arg);
	case OPT_SESSION_TIMEOUT:
		return timeout_opt("session-timeout", arg, &o->s6.session_timeout_ms);
	case OPT_MAX_SESSIONS:
		return s6_count("max-sessions", arg, MAX_CLIENTS_MAX, &o->s6.max_sessions);
	case OPT_TOKEN_WINDOW:
		return s6_count("token-window", arg, S6_TOKEN_LEDGER_MAX, &o->s6.token_window);
	case OPT_ALLOW_USER: return add_user(o, arg);
	case OPT_HANDSHAKE_TIMEOUT: return timeout_opt("handshake-timeout", arg, &cfg->handshake_ms);
	case OPT_CONNECT_TIMEOUT: return timeout_opt("connect-timeout", arg, &cfg->connect_ms);
	case OPT_BIND_TIMEOUT: return timeout_opt("bind-timeout", arg, &cfg->bind_ms);
	case OPT_IDLE_TIMEOUT: return timeout_opt("idle-timeout", arg, &cfg->idle_ms);
	case OPT_MAX_CLIENTS:
		if (!parse_count(arg, &cfg->max_clients))
			return bad("max-clients", arg, "1 to 1000000 expected");
		return SRV_OPTS_RUN;
	case OPT_BIND_ADDRESS:
		if (!srv_resolve_literal(arg, 0, &cfg->bind_addr))
			return bad("bind-address", arg, "numeric IPv4 or IPv6 address expected");
		cfg->have_bind_addr = true;
		return SRV_OPTS_RUN;
	case OPT_LOG_FILE: o->log_file = arg; return SRV_OPTS_RUN;
	case OPT_PID_FILE: o->pid_file = arg; return SRV_OPTS_RUN;
	case 'q': o->verbosity--; return SRV_OPTS_RUN;
	case 'v': o->verbosity++; return SRV_OPTS_RUN;
	case 'h': usage(stdout); return SRV_OPTS_DONE;
	case OPT_VERSION: printf(PROG " " PACKAGE_VERSION "\n"); return SRV_OPTS_DONE;
	default: return SRV_OPTS_USAGE;
	}
}

static void defaults(srv_options *o)
{
	memset(o, 0, sizeof *o);
	o->cfg.handshake_ms = 10 * 1000;
	o->cfg.connect_ms = 30 * 1000;
	o->cfg.bind_ms = 120 * 1000;
	o->cfg.idle_ms = 0;
	o->cfg.max_clients = 1024;
	o->cfg.s6 = &o->s6;
	o->s6.session_timeout_ms = 600 * 1000;
	o->s6.max_sessions = 1024;
	o->s6.token_window = 64;
	srv_cip_config_defaults(&o->cip);
	o->cfg.cip = &o->cip;
}

/* --socks6-tls needs both files; the files need a TLS listener. */
static enum srv_opts_result check_tls(const srv_options *o)
{
	bool tls = false;

	for (size_t i = 0; i < o->n_listen; i++)
		tls |= o->listen[i].proto == &srv_socks6_tls_proto ||
		       o->listen[i].proto == &srv_cip_tls_proto;
	if (tls && (!o->tls_cert || !o->tls_key)) {
		fprintf(stderr, PROG ": --socks6-tls needs --cert FILE and --key FILE\n");
		return SRV_OPTS_USAGE;
	}
	if (!tls && (o->tls_cert || o->tls_key)) {
		fprintf(stderr, PROG ": --cert and --key are for --socks6-tls listeners\n");
		return SRV_OPTS_USAGE;
	}
	return SRV_OPTS_RUN;
}

/* getopt's own messages are off so that every mistake is one line. */
static enum srv_opts_result unknown(int opt, int argc, char **argv)
{
	const char *what = optind > 0 && optind - 1 < argc ? argv[optind - 1] : "?";

	if (opt == ':')
		fprintf(stderr, PROG ": option '%s' requires an argument\n", what);
	else if (strncmp(what, "--", 2) == 0)
		fprintf(stderr, PROG ": unknown option or unexpected argument in '%s' "
			"(see --help)\n", what);
	else
		fprintf(stderr, PROG ": unknown option '-%c' (see --help)\n",
			optopt > 0x20 && optopt < 0x7f ? optopt : '?');
	return SRV_OPTS_USAGE;
}

/* --user NAME:PASS: the password has been copied; blank it in argv, which
 * /proc/PID/cmdline shows to every local user (from now on only: --users
 * FILE keeps it off the command line altogether). */
static void hide_password(char *arg)
{
	char *colon = strchr(arg, ':');

	if (colon)
		memset(colon + 1, '*', strlen(colon + 1));
}

enum srv_opts_result srv_options_parse(srv_options *o, int argc, char **argv)
{
	enum srv_opts_result r = SRV_OPTS_RUN;
	int opt;

	defaults(o);
	opterr = 0;
	while (r == SRV_OPTS_RUN &&
	       (opt = getopt_long(argc, argv, ":qvh", long_options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return unknown(opt, argc, argv);
		r = handle(o, opt, optarg);
		if (opt == OPT_USER)
			hide_password(optarg);
	}
	if (r != SRV_OPTS_RUN)
		return r;
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		return SRV_OPTS_USAGE;
	}
	if (o->n_listen == 0) {
		fprintf(stderr, PROG ": no listener given (use --socks4a or --socks6 ADDR:PORT)\n");
		return SRV_OPTS_USAGE;
	}
	r = check_tls(o);  /* before the listeners are wrapped */
	return r == SRV_OPTS_RUN ? misbehave_wrap(o) : r;
}

void srv_options_free(srv_options *o)
{
	free(o->listen);
	free(o->users);
	free(o->s6.deny);
	srv_s6_users_free(&o->s6.users);
	srv_misb_free(&o->misb);
	srv_cip_config_free(&o->cip);
	o->cfg.misbehave = NULL;
	o->s6.deny = NULL;
	o->s6.n_deny = 0;
	o->listen = NULL;
	o->users = NULL;
}

s6_log_level srv_options_level(const srv_options *o)
{
	int level = (int)S6_LOG_INFO + o->verbosity;

	if (level < (int)S6_LOG_QUIET)
		level = S6_LOG_QUIET;
	if (level > (int)S6_LOG_DEBUG)
		level = S6_LOG_DEBUG;
	return (s6_log_level)level;
}
