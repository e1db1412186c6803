/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening the shared SOCKS6 session table (see s6_s6store_file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "s6_s6store_file.h"

#define STORE_NAME "sessions"
#define STORE_TMP "sessions.new"
#define STORE_FLOCK_TRIES 200   /* 1 ms apart: the holder only lays out a file */

__attribute__((format(printf, 3, 4)))
static void store_why(char *why, size_t len, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!why || len == 0)
		return;
	errno = saved;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

bool s6_s6store_dir(char *buf, size_t len, const char *runtime_dir, uid_t uid)
{
	struct stat sb;
	int n;

	/* An XDG_RUNTIME_DIR inherited from another user (su, sudo -E) is
	 * not ours to write in. */
	if (runtime_dir && runtime_dir[0] == '/' && stat(runtime_dir, &sb) == 0 &&
	    S_ISDIR(sb.st_mode) && sb.st_uid == uid)
		n = snprintf(buf, len, "%s/socks6ify", runtime_dir);
	else
		n = snprintf(buf, len, "/tmp/socks6ify-%u", (unsigned)uid);
	return n > 0 && (size_t)n < len;
}

/* Ours, and nobody else's to read or write. */
static bool store_stat_ok(const struct stat *sb, bool dir)
{
	if (dir ? !S_ISDIR(sb->st_mode) : !S_ISREG(sb->st_mode))
		return false;
	return sb->st_uid == geteuid() && (sb->st_mode & 077) == 0;
}

/* The directory, checked and flock'ed; -1 (why set) when unusable.
 * create: make it when missing. */
static int store_dir_open(const char *dir, bool create, s6_s6store_close_fn close_fn,
			  char *why, size_t whylen)
{
	struct stat sb;
	int dfd;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		store_why(why, whylen, "cannot create %s: %m", dir);
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		store_why(why, whylen, "cannot open %s: %m", dir);
		return -1;
	}
	if (fstat(dfd, &sb) != 0 || !store_stat_ok(&sb, true)) {
		store_why(why, whylen, "%s is not a directory of this user with mode 0700", dir);
		close_fn(dfd);
		return -1;
	}
	for (int i = 0; i < STORE_FLOCK_TRIES; i++) {
		if (flock(dfd, LOCK_EX | LOCK_NB) == 0)
			return dfd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&(struct timespec){0, 1000000L}, NULL);
	}
	store_why(why, whylen, "cannot lock %s: %m", dir);
	close_fn(dfd);
	return -1;
}

static s6_s6store *store_map(int fd)
{
	void *mem = mmap(NULL, sizeof(s6_s6store), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

/* The existing file: 1 mapped and valid, 0 missing or to be rebuilt, -1
 * refused (why set). */
static int store_open_existing(int dfd, const char *dir, s6_s6store_close_fn close_fn,
			       s6_s6store **out, char *why, size_t whylen)
{
	struct stat sb;
	int fd = openat(dfd, STORE_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		store_why(why, whylen, "cannot open %s/" STORE_NAME ": %m", dir);
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !store_stat_ok(&sb, false) || sb.st_nlink != 1) {
		store_why(why, whylen, "%s/" STORE_NAME " is not a file of this user with mode 0600",
			  dir);
		close_fn(fd);
		return -1;
	}
	*out = NULL;
	if (sb.st_size == (off_t)sizeof(s6_s6store))
		*out = store_map(fd);
	close_fn(fd);
	if (*out && s6_s6store_header_ok(*out, sizeof(s6_s6store)))
		return 1;
	if (*out)
		munmap(*out, sizeof(s6_s6store));
	*out = NULL;
	return 0;
}

/* Lay out a new table beside the old file and rename it over. */
static s6_s6store *store_rebuild(int dfd, const char *dir, s6_s6store_close_fn close_fn,
				 char *why, size_t whylen)
{
	s6_s6store *st = NULL;
	int fd;

	(void)unlinkat(dfd, STORE_TMP, 0);
	fd = openat(dfd, STORE_TMP, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		store_why(why, whylen, "cannot create %s/" STORE_TMP ": %m", dir);
		return NULL;
	}
	/* Allocated, not only sized: on a full file system (a tmpfs runtime
	 * directory) the first store into a sparse mapping would be SIGBUS in
	 * the program; posix_fallocate says ENOSPC instead. */
	if (fchmod(fd, 0600) == 0 &&
	    (errno = posix_fallocate(fd, 0, (off_t)sizeof(s6_s6store))) == 0)
		st = store_map(fd);
	close_fn(fd);
	if (st && s6_s6store_init(st, sizeof *st) == S6_OK &&
	    renameat(dfd, STORE_TMP, dfd, STORE_NAME) == 0)
		return st;
	store_why(why, whylen, "cannot lay out %s/" STORE_NAME ": %m", dir);
	if (st)
		munmap(st, sizeof *st);
	(void)unlinkat(dfd, STORE_TMP, 0);
	return NULL;
}

s6_s6store *s6_s6store_open(const char *dir, s6_s6store_close_fn close_fn, bool *rebuilt,
			    char *why, size_t whylen)
{
	s6_s6store *st = NULL;
	int dfd = store_dir_open(dir, true, close_fn, why, whylen);
	int rc;

	*rebuilt = false;
	if (dfd < 0)
		return NULL;
	rc = store_open_existing(dfd, dir, close_fn, &st, why, whylen);
	if (rc == 0) {
		*rebuilt = faccessat(dfd, STORE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		st = store_rebuild(dfd, dir, close_fn, why, whylen);
	}
	close_fn(dfd); /* and with it the flock */
	return st;
}

s6_err s6_s6store_forget(const char *dir, s6_s6store_close_fn close_fn, char *why, size_t whylen)
{
	s6_s6store *st = NULL;
	s6_err err = S6_OK;
	int dfd, rc;

	if (access(dir, F_OK) != 0 && errno == ENOENT)
		return S6_OK;
	dfd = store_dir_open(dir, false, close_fn, why, whylen);
	if (dfd < 0)
		return S6_ERR_IO;
	rc = store_open_existing(dfd, dir, close_fn, &st, why, whylen);
	if (rc < 0) {
		err = S6_ERR_IO;
	} else if (rc == 0) {
		/* Missing, or broken: a broken one is rebuilt by its next user. */
		if (unlinkat(dfd, STORE_NAME, 0) != 0 && errno != ENOENT) {
			store_why(why, whylen, "cannot remove %s/" STORE_NAME ": %m", dir);
			err = S6_ERR_IO;
		}
	} else {
		if (!s6_s6store_forget_all(st, 1000)) {
			store_why(why, whylen, "%s/" STORE_NAME ": some sessions are locked", dir);
			err = S6_ERR_IO;
		}
		munmap(st, sizeof *st);
	}
	close_fn(dfd);
	return err;
}
