/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding the user's engine, and starting it when none runs (see
 * s6p_engine.h, src/engine/eng.h). Its files are read on each pick: a
 * handful of system calls, small beside a TLS handshake, and an engine
 * that exited or was killed is noticed at once. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "s6_engine_msg.h"
#include "s6_log.h"
#include "s6_s6store_file.h"
#include "s6p_cip.h"
#include "s6p_engine.h"
#include "s6p_real.h"
#include "s6p_state.h"

#ifndef S6_ENGINE_PATH
#define S6_ENGINE_PATH "/usr/local/libexec/socks6ify/socks6ify-engine"
#endif
#define S6P_ENGINE_WAIT_MS 3000

struct s6p_eng_info {
	uint16_t p4, p6;
	uint8_t secret[S6_ENG_SECRET_LEN];
};

static pthread_mutex_t s6p_eng_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s6p_eng_info s6p_eng_last;
static bool s6p_eng_have;
static bool s6p_eng_warned;

bool s6p_engine_scheme(void)
{
	return s6p_state()->cfg.proxy.scheme == S6_SCHEME_SOCKS6_TLS;
}

static bool s6p_eng_dir(char *buf, size_t len)
{
	return s6_s6store_dir(buf, len, secure_getenv("XDG_RUNTIME_DIR"), geteuid());
}

/* A file of ours alone (another user could have planted one in /tmp). */
static ssize_t s6p_eng_read(const char *dir, const char *name, void *buf, size_t len)
{
	char path[4200];
	struct stat sb;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
	    (sb.st_mode & 077) == 0)
		n = S6P_REAL(read)(fd, buf, len);
	S6P_REAL(close)(fd);
	return n;
}

/* An engine holds the lock while it runs; a dead one (even a zombie, or
 * one killed before it could remove its port file) does not. */
static bool s6p_eng_alive(const char *dir)
{
	char path[4200];
	bool alive;
	int fd;

	snprintf(path, sizeof path, "%s/engine.lock", dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	alive = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	S6P_REAL(close)(fd); /* drops a shared lock we may have taken */
	return alive;
}

/* The running engine's ports and secret; false when none runs. */
static bool s6p_eng_load(const char *dir, struct s6p_eng_info *info, int *pid)
{
	char text[64];
	unsigned p4, p6;
	ssize_t n = s6p_eng_read(dir, "engine.port", text, sizeof text - 1);

	*pid = 0;
	if (n <= 0)
		return false;
	text[n] = '\0';
	if (sscanf(text, "S6ENG 1 %u %u %d", &p4, &p6, pid) != 3 || p4 > 65535 || p6 > 65535 ||
	    (p4 == 0 && p6 == 0) || *pid <= 0)
		return false;
	/* A stale file of an engine that died: the new one replaces it. */
	if (!s6p_eng_alive(dir))
		return false;
	info->p4 = (uint16_t)p4;
	info->p6 = (uint16_t)p6;
	return s6p_eng_read(dir, "engine.secret", info->secret, sizeof info->secret) ==
	       S6_ENG_SECRET_LEN;
}

/* What a failed first process printed (its first line, without the
 * program name), or its exit status. */
static void s6p_eng_spawn_why(int rfd, const char *path, int status, char *why, size_t whylen)
{
	static const char prefix[] = "socks6ify-engine: ";
	char text[300], *p = text;
	ssize_t n = S6P_REAL(read)(rfd, text, sizeof text - 1);

	text[n > 0 ? n : 0] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (strncmp(p, prefix, sizeof prefix - 1) == 0)
		p += sizeof prefix - 1;
	if (*p)
		snprintf(why, whylen, "cannot start: %.230s", p);
	else if (WIFEXITED(status))
		snprintf(why, whylen, "%.200s exited with status %d", path, WEXITSTATUS(status));
	else
		snprintf(why, whylen, "%.200s ended by signal %d", path, WTERMSIG(status));
}

/* posix_spawn: no LD_PRELOAD, a clean environment, its own session, its
 * stderr a pipe of ours. The first process exits once the engine is ready
 * (0) or failed (1, the reason on that pipe); a second engine that finds
 * the first one running exits 0 too. False with why when it failed. */
static bool s6p_eng_spawn(const char *dir, char *why, size_t whylen)
{
	const char *path = secure_getenv("SOCKS6IFY_ENGINE");
	char idle[16], *argv[7], *envp[] = {"PATH=/usr/bin:/bin", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t a;
	sigset_t none;
	pid_t pid;
	int rc, status = 0, pfd[2];

	if (!path || !path[0])
		path = S6_ENGINE_PATH;
	snprintf(idle, sizeof idle, "%u", s6p_state()->cfg.tls.engine_idle_s);
	argv[0] = (char *)path;
	argv[1] = "--dir";
	argv[2] = (char *)dir;
	argv[3] = "--idle";
	argv[4] = idle;
	argv[5] = NULL;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(why, whylen, "cannot start %s: %s", path, strerror(errno));
		return false;
	}
	sigemptyset(&none);
	posix_spawnattr_init(&a);
	posix_spawnattr_setflags(&a, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigmask(&a, &none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
	rc = posix_spawn(&pid, path, &fa, &a, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&a);
	S6P_REAL(close)(pfd[1]);
	if (rc != 0)
		snprintf(why, whylen, "cannot start %s: %s", path, strerror(rc));
	while (rc == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		s6p_eng_spawn_why(pfd[0], path, status, why, whylen);
		rc = -1;
	}
	S6P_REAL(close)(pfd[0]);
	return rc == 0;
}

/* Load, or (start) start and wait (bounded) for the port file. */
static bool s6p_eng_find(struct s6p_eng_info *info, bool start, char *why, size_t whylen)
{
	char dir[4096];
	struct timespec ms5 = {.tv_nsec = 5 * 1000 * 1000};
	unsigned waited = 0, limit = s6p_state()->cfg.connect_timeout_ms;
	int stale, pid;

	if (!s6p_eng_dir(dir, sizeof dir)) {
		snprintf(why, whylen, "runtime directory path too long");
		return false;
	}
	if (s6p_eng_load(dir, info, &stale))
		return true;
	if (!start) {
		snprintf(why, whylen, "no engine runs");
		return false;
	}
	if (!s6p_eng_spawn(dir, why, whylen))
		return false;
	if (limit > S6P_ENGINE_WAIT_MS)
		limit = S6P_ENGINE_WAIT_MS;
	for (; waited < limit; waited += 5) {
		/* Not the dead engine's file, which the new one replaces. */
		if (s6p_eng_load(dir, info, &pid) && pid != stale)
			return true;
		nanosleep(&ms5, NULL);
	}
	snprintf(why, whylen, "the engine did not start within %u ms (see %.150s/engine.log)",
		 limit, dir);
	return false;
}

static void s6p_eng_addr(const struct s6p_eng_info *info, int family,
			 struct sockaddr_storage *out, socklen_t *outlen)
{
	memset(out, 0, sizeof *out);
	if (family == AF_INET6 && info->p6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(info->p6);
		*outlen = sizeof *a;
	} else if (family == AF_INET6) { /* no ::1: the v4-mapped loopback */
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
		a->sin6_family = AF_INET6;
		a->sin6_addr.s6_addr[10] = a->sin6_addr.s6_addr[11] = 0xff;
		a->sin6_addr.s6_addr[12] = 127;
		a->sin6_addr.s6_addr[15] = 1;
		a->sin6_port = htons(info->p4);
		*outlen = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)out;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(info->p4);
		*outlen = sizeof *a;
	}
}

/* tls-verify off: once per process, at the error level (shown by default). */
static void s6p_eng_warn_unverified(void)
{
	const s6_config *cfg = &s6p_state()->cfg;
	bool first;

	if (cfg->tls.verify || cfg->tls.n_pins)
		return;
	pthread_mutex_lock(&s6p_eng_lock);
	first = !s6p_eng_warned;
	s6p_eng_warned = true;
	pthread_mutex_unlock(&s6p_eng_lock);
	if (first)
		s6_log(S6_LOG_ERROR, "proxy %s: WARNING: tls-verify off and no pin-sha256: the "
		       "proxy's certificate is not checked (for tests only)", s6p_state()->proxy_str);
}

/* Why this thread's last pick failed ("" after a success): the caller's
 * one line names the target too (s6p_engine_why). */
static __thread char s6p_eng_why_tl[256];

const char *s6p_engine_why(int rc)
{
	static __thread char line[280];

	if (!(s6p_engine_scheme() || s6p_cip_scheme()) || !s6p_eng_why_tl[0])
		return strerror(rc);
	snprintf(line, sizeof line, "engine: %s", s6p_eng_why_tl);
	return line;
}

static int s6p_eng_pick(int family, bool start, struct sockaddr_storage *out,
			socklen_t *outlen)
{
	struct s6p_eng_info info;
	char *why = s6p_eng_why_tl;
	bool ok;

	why[0] = '\0';

	pthread_mutex_lock(&s6p_eng_lock);
	ok = s6p_eng_find(&info, start, why, sizeof s6p_eng_why_tl);
	if (ok) {
		s6p_eng_last = info;
		s6p_eng_have = true;
	}
	pthread_mutex_unlock(&s6p_eng_lock);
	if (!ok || (family == AF_INET && !info.p4)) {
		if (!why[0])
			snprintf(why, sizeof s6p_eng_why_tl, "no IPv4 loopback listener");
		/* The caller's one line says it, with the target: s6p_engine_why. */
		s6_log(S6_LOG_DEBUG, "proxy %s: engine: %s", s6p_state()->proxy_str, why);
		explicit_bzero(&info, sizeof info);
		return ECONNREFUSED;
	}
	s6p_eng_addr(&info, family, out, outlen);
	explicit_bzero(&info, sizeof info);
	s6p_eng_warn_unverified();
	return 0;
}

int s6p_engine_pick(int family, struct sockaddr_storage *out, socklen_t *outlen)
{
	return s6p_eng_pick(family, true, out, outlen);
}

int s6p_engine_pick_running(int family, struct sockaddr_storage *out, socklen_t *outlen)
{
	return s6p_eng_pick(family, false, out, outlen);
}

bool s6p_engine_secret(uint8_t *out)
{
	bool ok;

	pthread_mutex_lock(&s6p_eng_lock);
	ok = s6p_eng_have;
	if (ok)
		memcpy(out, s6p_eng_last.secret, S6_ENG_SECRET_LEN);
	pthread_mutex_unlock(&s6p_eng_lock);
	return ok;
}
