/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6ify-engine: options, one engine per user, daemon, idle exit.
 *   socks6ify-engine [--dir DIR] [--idle SECS] [--foreground] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "eng.h"
#include "s6_s6store_file.h"

static int eng_log_fd = -1;
static atomic_int eng_active;
static atomic_llong eng_last_end;
static uint8_t eng_secret_bytes[S6_ENG_SECRET_LEN];
static volatile sig_atomic_t eng_stop;

static void eng_on_term(int sig)
{
	eng_stop = sig;
}

static long long eng_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void eng_log(const char *fmt, ...)
{
	char line[768];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	int n;

	gmtime_r(&now, &tm);
	n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n += snprintf(line + n, sizeof line - (size_t)n, "[%d] ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strnlen(line, sizeof line - 2);
	line[n++] = '\n';
	/* One write per line: O_APPEND keeps lines whole; a full disk loses
	 * the line, never the connection. */
	if (eng_log_fd >= 0)
		(void)!write(eng_log_fd, line, (size_t)n);
	else
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

void eng_active_add(int delta)
{
	if (atomic_fetch_add(&eng_active, delta) + delta == 0)
		atomic_store(&eng_last_end, eng_now_s());
}

const uint8_t *eng_secret(void)
{
	return eng_secret_bytes;
}

struct eng_opts {
	char dir[4096];
	long idle_s;
	bool foreground;
};

static int eng_usage(void)
{
	fputs("usage: socks6ify-engine [--dir DIR] [--idle SECS] [--foreground]\n", stderr);
	return 2;
}

static int eng_parse(int argc, char **argv, struct eng_opts *o)
{
	o->idle_s = 300;
	o->dir[0] = '\0';
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--foreground") == 0) {
			o->foreground = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			snprintf(o->dir, sizeof o->dir, "%s", argv[++i]);
		} else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc) {
			o->idle_s = strtol(argv[++i], &end, 10);
			if (*end || o->idle_s < 1 || o->idle_s > 86400)
				return eng_usage();
		} else {
			return eng_usage();
		}
	}
	if (!o->dir[0] && !s6_s6store_dir(o->dir, sizeof o->dir, getenv("XDG_RUNTIME_DIR"), geteuid()))
		return eng_usage();
	return 0;
}

/* Why the engine cannot start: in its log, and to whoever waits for it
 * (the first process, through the readiness pipe, or stderr, which the
 * shim reads when the first process fails). Returns the exit status. */
static int eng_fail(int ready, const char *why)
{
	if (eng_log_fd >= 0)
		eng_log("cannot start: %s", why);
	if (ready >= 0)
		(void)!write(ready, why, strnlen(why, 255));
	else
		fprintf(stderr, "socks6ify-engine: %s\n", why);
	return 1;
}

/* The first process: exit 0 once the engine announced itself ("+" on the
 * readiness pipe, after the port file is in place), else 1 with the reason
 * the engine sent (or its early end) on stderr. */
static int eng_wait_ready(int fd)
{
	char buf[260];
	size_t len = 0;

	while (len < sizeof buf - 1) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len > 0 && buf[0] == '+')
		return 0;
	fprintf(stderr, "socks6ify-engine: %s\n", len ? buf : "exited before it was ready");
	return 1;
}

/* Detach. The first process stays until the engine is ready or failed, so
 * the shim learns a failure (a full disk, a read-only directory) from its
 * exit status at once instead of waiting for a port file that never comes.
 * The lock (an flock on an open file description) passes to the child.
 * Returns the readiness pipe's write end, in the child. */
static int eng_daemonize(void)
{
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		exit(eng_fail(-1, "cannot make a pipe"));
	pid = fork();
	if (pid < 0)
		exit(eng_fail(-1, "cannot fork"));
	if (pid > 0) {
		close(p[1]);
		_exit(eng_wait_ready(p[0]));
	}
	close(p[0]);
	setsid();
	if (chdir("/") != 0)
		exit(eng_fail(p[1], "cannot chdir to /"));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return p[1];
}

static void eng_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd >= 0)
		eng_conn_start(fd);
}

/* Accept until idle for idle_s with no connection open. */
static void eng_loop(struct pollfd *p, int n, long idle_s)
{
	atomic_store(&eng_last_end, eng_now_s());
	for (;;) {
		int rc = poll(p, (nfds_t)n, 1000);
		for (int i = 0; rc > 0 && i < n; i++)
			if (p[i].revents & POLLIN)
				eng_accept(p[i].fd);
		if (eng_stop)
			return;
		if (atomic_load(&eng_active) == 0 &&
		    eng_now_s() - atomic_load(&eng_last_end) >= idle_s)
			return;
	}
}

static int eng_serve(const struct eng_opts *o, int ready)
{
	struct pollfd p[2];
	char why[256];
	uint16_t p4 = 0, p6 = 0;
	int n = 0, fd;

	if ((fd = eng_listen(AF_INET, &p4)) >= 0)
		p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	if ((fd = eng_listen(AF_INET6, &p6)) >= 0)
		p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	if (n == 0) {
		snprintf(why, sizeof why, "cannot listen on loopback: %s", strerror(errno));
		return eng_fail(ready, why);
	}
	if (!eng_portfile_write(o->dir, p4, p6, why, sizeof why))
		return eng_fail(ready, why);
	if (ready >= 0) {
		(void)!write(ready, "+", 1);
		close(ready);
	}
	eng_log("started: 127.0.0.1:%u [::1]:%u, idle exit after %ld s", p4, p6, o->idle_s);
	eng_loop(p, n, o->idle_s);
	/* The port file goes first: a shim reading it now starts a new engine. */
	eng_portfile_remove(o->dir);
	if (eng_stop)
		eng_log("signal %d: exiting", (int)eng_stop);
	else
		eng_log("idle for %ld s: exiting", o->idle_s);
	return 0;
}

int main(int argc, char **argv)
{
	struct eng_opts o = {0};
	char why[256], path[4200];
	bool held = false;
	int rc = eng_parse(argc, argv, &o);

	if (rc != 0)
		return rc;
	/* Started by a shim inside some program: keep none of its files. */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	/* TERM/INT: remove the port file on the way out (no SA_RESTART: the
	 * accept loop's poll returns). */
	struct sigaction sa = {.sa_handler = eng_on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	umask(077);
	if (!eng_dir_prepare(o.dir, why, sizeof why))
		return eng_fail(-1, why);
	if (eng_lock(o.dir, &held, why, sizeof why) < 0)
		return held ? 0 : eng_fail(-1, why); /* another engine serves this user: quietly */
	eng_portfile_remove(o.dir); /* a dead engine's, if any */
	snprintf(path, sizeof path, "%s/engine.log", o.dir);
	eng_log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	snprintf(why, sizeof why, "cannot initialise OpenSSL");
	if (!eng_secret_make(o.dir, eng_secret_bytes, why, sizeof why) || !eng_tls_init())
		return eng_fail(-1, why);
	return eng_serve(&o, o.foreground ? -1 : eng_daemonize());
}
