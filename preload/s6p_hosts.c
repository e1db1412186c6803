/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /etc/hosts text, read on first use and again when the file changes
 * (checked at most once a second), behind a lock; lookups run the pure
 * parser on it under that lock. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6p_hosts.h"
#include "s6p_real.h"
#include "s6p_state.h"

#define S6P_HOSTS_PATH "/etc/hosts"
#define S6P_HOSTS_RECHECK_S 1

static struct {
	pthread_mutex_t lock;
	char *text;           /* NULL: no file or unreadable */
	size_t len;
	bool loaded;
	time_t checked;       /* monotonic seconds of the last stat */
	struct stat st;       /* identity of the file text came from */
} s6p_hosts = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void s6p_hosts_atfork_child(void)
{
	pthread_mutex_init(&s6p_hosts.lock, NULL);
}

__attribute__((constructor)) static void s6p_hosts_ctor(void)
{
	pthread_atfork(NULL, NULL, s6p_hosts_atfork_child);
}

/* At most S6_HOSTS_FILE_MAX bytes; a cut last line is dropped whole. */
static char *s6p_hosts_read(int fd, size_t *len)
{
	char *buf = malloc(S6_HOSTS_FILE_MAX);
	size_t fill = 0;

	if (!buf)
		return NULL;
	while (fill < S6_HOSTS_FILE_MAX) {
		ssize_t n = S6P_REAL(read)(fd, buf + fill, S6_HOSTS_FILE_MAX - fill);
		if (n <= 0)
			break; /* EOF, or an error: use what was read */
		fill += (size_t)n;
	}
	if (fill == S6_HOSTS_FILE_MAX) {
		char *nl = memrchr(buf, '\n', fill);
		fill = nl ? (size_t)(nl - buf) : 0;
		s6_log(S6_LOG_INFO, "%s: only the first %u bytes are used", S6P_HOSTS_PATH,
		       S6_HOSTS_FILE_MAX);
	}
	*len = fill;
	return buf;
}

static bool s6p_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* With the lock held: make the text current. */
static void s6p_hosts_refresh(void)
{
	struct timespec now;
	struct stat st;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s6p_hosts.loaded && now.tv_sec - s6p_hosts.checked < S6P_HOSTS_RECHECK_S)
		return;
	s6p_hosts.checked = now.tv_sec;
	if (stat(S6P_HOSTS_PATH, &st) != 0)
		memset(&st, 0, sizeof st);
	if (s6p_hosts.loaded && s6p_same_file(&st, &s6p_hosts.st))
		return;
	free(s6p_hosts.text);
	s6p_hosts.text = NULL;
	s6p_hosts.len = 0;
	s6p_hosts.loaded = true;
	s6p_hosts.st = st;
	fd = open(S6P_HOSTS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	s6p_hosts.text = s6p_hosts_read(fd, &s6p_hosts.len);
	S6P_REAL(close)(fd);
}

bool s6p_hosts_resolve(const char *name, int family, s6_hosts_addr *out, size_t max,
		       size_t *count, char *canon, size_t canonlen)
{
	bool loopback;

	if (!name || s6p_state()->cfg.hosts != S6_HOSTS_LOCAL)
		return false;
	pthread_mutex_lock(&s6p_hosts.lock);
	s6p_hosts_refresh();
	*count = s6_hosts_lookup(s6p_hosts.text, s6p_hosts.len, name, family, out, max,
				 canon, canonlen);
	pthread_mutex_unlock(&s6p_hosts.lock);
	if (*count > 0) {
		s6_log(S6_LOG_DEBUG, "name %.255s: %zu address(es) from %s", name, *count,
		       S6P_HOSTS_PATH);
		return true;
	}
	/* The loopback names are this machine's even when the file lacks them. */
	loopback = s6_hosts_loopback(name, AF_UNSPEC, out, max) > 0;
	*count = loopback ? s6_hosts_loopback(name, family, out, max) : 0;
	if (loopback && canon && canonlen > 0)
		snprintf(canon, canonlen, "%s", name);
	return loopback;
}
