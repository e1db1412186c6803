/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6p_real.h"
#include "s6p_s6store.h"
#include "s6p_state.h"

#define S6P_PH_SLOTS 4096

static struct s6p_state s6p_st;
static _Atomic pid_t s6p_cached_pid;
static pthread_once_t s6p_state_once = PTHREAD_ONCE_INIT;

static struct {
	pthread_mutex_t lock;
	int n;
	struct sockaddr_storage addr[S6P_PROXY_ADDRS_MAX];
	socklen_t len[S6P_PROXY_ADDRS_MAX];
} s6p_proxy_cache = {PTHREAD_MUTEX_INITIALIZER, 0, {{0}}, {0}};

/* The log goes through the real write(2) so it never meets our own hooks. */
static void s6p_log_sink(const char *line, size_t len)
{
	int saved = errno;
	(void)!S6P_REAL(write)(STDERR_FILENO, line, len);
	errno = saved;
}

/* Environment overrides are ignored for setuid/setgid programs: a user must
 * not be able to point a privileged program at a file or proxy of theirs. */
static const char *s6p_env(const char *name)
{
	if (getauxval(AT_SECURE))
		return NULL;
	return getenv(name);
}

static void s6p_state_break(const char *why)
{
	s6p_st.broken = true;
	snprintf(s6p_st.broken_why, sizeof s6p_st.broken_why, "%s", why);
	s6_log(S6_LOG_ERROR, "configuration error, every connection will be refused: %s", why);
}

/* Started by the socks6ify launcher (src/launch/), which leaves checking
 * the configuration to us: a bad one is refused as the command refuses it,
 * one line and status 2, before the program's main() runs. */
__attribute__((noreturn)) static void s6p_state_refuse(const char *why)
{
	char line[640];
	int n = snprintf(line, sizeof line, "socks6ify: %s\n", why);

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	(void)!S6P_REAL(write)(STDERR_FILENO, line, (size_t)n);
	_exit(2);
}

static void s6p_state_fail(const char *launched, const char *why)
{
	if (launched)
		s6p_state_refuse(why);
	s6p_state_break(why);
}

/* launched: the file as the launcher's user named it ("" for none), or
 * NULL when not started by the launcher. */
static void s6p_state_load_config(const char *launched)
{
	char path[4096], err[512];
	const char *conf = s6p_env("SOCKS6IFY_CONF");
	const char *file = NULL;

	if (launched)
		file = launched[0] ? launched : NULL; /* named as in the messages */
	else if (conf && conf[0] == '\0')
		file = NULL; /* the command says: no file */
	else
		file = s6_config_find(conf, s6p_env("XDG_CONFIG_HOME"), s6p_env("HOME"),
				      SYSCONFDIR "/socks6ify.conf", path, sizeof path);
	if (file && s6_config_load(&s6p_st.cfg, file, err, sizeof err) != S6_OK) {
		s6p_state_fail(launched, err);
		return;
	}
	const char *url = s6p_env("SOCKS6IFY_PROXY");
	if (url && url[0] && s6_config_set_proxy(&s6p_st.cfg, url, err, sizeof err) != S6_OK) {
		s6p_state_fail(launched, err);
		return;
	}
	if (s6p_st.cfg.has_proxy)
		return;
	if (!launched) {
		s6p_state_break("no proxy configured (socks6ify -p URL, SOCKS6IFY_PROXY or 'proxy' in the configuration file)");
		return;
	}
	snprintf(err, sizeof err, "no proxy configured: use -p URL, SOCKS6IFY_PROXY, or 'proxy URL' in %s",
		 file ? file : "a configuration file");
	s6p_state_refuse(err);
}

static void s6p_state_init(void)
{
	const char *lvl = s6p_env("SOCKS6IFY_LOG_LEVEL");
	s6_log_level level;

	s6_log_set_prefix("socks6ify");
	s6_log_set_sink(s6p_log_sink);
	/* The launcher's mark is for this program only, not its children. */
	const char *launched = s6p_env("SOCKS6IFY_LAUNCH_CONF");
	if (launched)
		unsetenv("SOCKS6IFY_LAUNCH_CONF"); /* the string itself stays */
	s6_config_defaults(&s6p_st.cfg);
	s6p_state_load_config(launched);
	if (lvl && s6_log_level_parse(lvl, &level))
		s6_log_set_level(level);
	else if (s6p_st.cfg.has_log_level)
		s6_log_set_level(s6p_st.cfg.log_level);
	if (s6_config_stack_encode(&s6p_st.cfg.stack, s6p_st.s6_stack, sizeof s6p_st.s6_stack,
				   &s6p_st.s6_stack_len) != S6_OK)
		s6p_st.s6_stack_len = 0; /* cannot happen: the config checked the values */
	if (s6p_st.cfg.has_proxy)
		s6_url_format(&s6p_st.cfg.proxy, s6p_st.proxy_str, sizeof s6p_st.proxy_str);
	else
		snprintf(s6p_st.proxy_str, sizeof s6p_st.proxy_str, "(none)");

	/* A shared anonymous mapping made now is inherited by every fork, so a
	 * child and its parent agree on what each placeholder means. */
	size_t size = s6_ph_map_size(S6P_PH_SLOTS);
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || s6_ph_map_init_zeroed(mem, size, S6P_PH_SLOTS, &s6p_st.ph) != S6_OK) {
		s6p_st.ph = NULL;
		s6_log(S6_LOG_ERROR, "cannot create the placeholder map: remote name lookups will fail");
	}
}

const struct s6p_state *s6p_state(void)
{
	pthread_once(&s6p_state_once, s6p_state_init);
	return &s6p_st;
}

pid_t s6p_pid(void)
{
	pid_t pid = atomic_load_explicit(&s6p_cached_pid, memory_order_relaxed);

	if (pid == 0) {
		pid = getpid();
		atomic_store_explicit(&s6p_cached_pid, pid, memory_order_relaxed);
	}
	return pid;
}

/* A thread resolving the proxy may hold the cache lock when another thread
 * forks; the child has no such thread, so it starts with a fresh lock. */
static void s6p_state_atfork_child(void)
{
	atomic_store_explicit(&s6p_cached_pid, getpid(), memory_order_relaxed);
	pthread_mutex_init(&s6p_proxy_cache.lock, NULL);
	s6p_s6store_atfork_child();
}

__attribute__((constructor)) static void s6p_state_ctor(void)
{
	(void)s6p_real();
	(void)s6p_state();
	pthread_atfork(NULL, NULL, s6p_state_atfork_child);
}

static int s6p_proxy_resolve(const s6_proxy_url *url, s6_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int n = 0;

	snprintf(port, sizeof port, "%u", url->port);
	int rc = S6P_REAL(getaddrinfo)(url->host, port, &hints, &res);
	if (rc != 0) {
		*err = S6_ERR_PROXY_UNREACHABLE;
		s6_log(S6_LOG_ERROR, "proxy %s: cannot resolve %s: %s", s6p_st.proxy_str,
		       url->host, gai_strerror(rc));
		return 0;
	}
	for (ai = res; ai && n < S6P_PROXY_ADDRS_MAX; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		memcpy(&s6p_proxy_cache.addr[n], ai->ai_addr, ai->ai_addrlen);
		s6p_proxy_cache.len[n++] = ai->ai_addrlen;
	}
	S6P_REAL(freeaddrinfo)(res);
	return n;
}

int s6p_proxy_addrs(struct sockaddr_storage *out, socklen_t *lens, int max, s6_err *err)
{
	const struct s6p_state *st = s6p_state();
	int n;

	pthread_mutex_lock(&s6p_proxy_cache.lock);
	if (s6p_proxy_cache.n == 0)
		s6p_proxy_cache.n = s6p_proxy_resolve(&st->cfg.proxy, err);
	n = s6p_proxy_cache.n < max ? s6p_proxy_cache.n : max;
	memcpy(out, s6p_proxy_cache.addr, (size_t)n * sizeof *out);
	memcpy(lens, s6p_proxy_cache.len, (size_t)n * sizeof *lens);
	pthread_mutex_unlock(&s6p_proxy_cache.lock);
	return n;
}
