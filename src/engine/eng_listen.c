/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine's files and listeners: the private directory, the lock that
 * makes it one per user, the secret, the loopback ports and the port file. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "eng.h"

static bool eng_private(const struct stat *sb)
{
	return sb->st_uid == geteuid() && (sb->st_mode & 077) == 0;
}

bool eng_dir_prepare(const char *dir, char *why, size_t whylen)
{
	struct stat sb;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot make %s: %s", dir, strerror(errno));
		return false;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !eng_private(&sb)) {
		snprintf(why, whylen, "%s is not a private directory of this user (0700)", dir);
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

int eng_lock(const char *dir, bool *held, char *why, size_t whylen)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof path, "%s/engine.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* A shim probing whether an engine runs holds a shared lock for a
	 * moment: try a little longer before concluding another engine runs. */
	for (int i = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; i++) {
		if (errno != EWOULDBLOCK || i == 20) {
			*held = errno == EWOULDBLOCK;
			snprintf(why, whylen, "cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		usleep(5000);
	}
	return fd; /* held for the life of the process */
}

static bool eng_secret_read(const char *path, uint8_t out[S6_ENG_SECRET_LEN])
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && eng_private(&sb) &&
	     sb.st_size == S6_ENG_SECRET_LEN &&
	     read(fd, out, S6_ENG_SECRET_LEN) == S6_ENG_SECRET_LEN;
	close(fd);
	return ok;
}

bool eng_secret_make(const char *dir, uint8_t out[S6_ENG_SECRET_LEN], char *why, size_t whylen)
{
	char path[4200], tmp[4220];
	int fd;

	snprintf(path, sizeof path, "%s/engine.secret", dir);
	if (eng_secret_read(path, out))
		return true;
	/* Missing, or not ours alone: a new one, renamed over it. */
	if (getrandom(out, S6_ENG_SECRET_LEN, 0) != S6_ENG_SECRET_LEN) {
		snprintf(why, whylen, "no random bytes: %s", strerror(errno));
		return false;
	}
	snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, out, S6_ENG_SECRET_LEN) != S6_ENG_SECRET_LEN ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

int eng_listen(int family, uint16_t *port)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		int on = 1;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof *a;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				        : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

bool eng_portfile_write(const char *dir, uint16_t p4, uint16_t p6, char *why, size_t whylen)
{
	char path[4200], tmp[4220], text[64];
	int fd, n = snprintf(text, sizeof text, "S6ENG 1 %u %u %d\n", p4, p6, (int)getpid());

	snprintf(path, sizeof path, "%s/engine.port", dir);
	snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
	unlink(tmp);
	errno = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* Renamed into place whole: a reader sees the old file or the new one
	 * (a stale one of a dead engine is simply replaced). A full disk
	 * fails the write or the close (ENOSPC), never half a file. */
	if (fd < 0 || write(fd, text, (size_t)n) != n || close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		snprintf(why, whylen, "cannot write %s: %s", path, strerror(e ? e : ENOSPC));
		unlink(tmp);
		return false;
	}
	return true;
}

void eng_portfile_remove(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/engine.port", dir);
	unlink(path);
}
