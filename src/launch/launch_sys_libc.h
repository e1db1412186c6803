/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launcher's system calls through the C library, for machines without
 * a raw layer (and as the reference for it): same names, same -errno. */
#ifndef S6L_SYS_LIBC_H
#define S6L_SYS_LIBC_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define S6L_O_RDONLY O_RDONLY
#define S6L_O_NONBLOCK O_NONBLOCK
#define S6L_O_CLOEXEC O_CLOEXEC
#define S6L_O_PATH O_PATH

static inline long s6l_ret(long rc)
{
	return rc < 0 ? -errno : rc;
}

static inline long s6l_open(const char *path, int flags)
{
	return s6l_ret(open(path, flags));
}

static inline long s6l_close(int fd)
{
	return s6l_ret(close(fd));
}

static inline long s6l_pread(int fd, void *buf, size_t n, long off)
{
	return s6l_ret(pread(fd, buf, n, off));
}

static inline long s6l_write(int fd, const void *buf, size_t n)
{
	return s6l_ret(write(fd, buf, n));
}

static inline long s6l_access(const char *path, int mode)
{
	return s6l_ret(access(path, mode));
}

static inline long s6l_readlink(const char *path, char *buf, size_t len)
{
	return s6l_ret(readlink(path, buf, len));
}

static inline long s6l_fgetxattr_size(int fd, const char *name)
{
	return s6l_ret(fgetxattr(fd, name, NULL, 0));
}

static inline void s6l_stat_copy(const struct stat *sb, struct s6l_stat *st)
{
	st->mode = sb->st_mode;
}

static inline long s6l_stat(const char *path, struct s6l_stat *st)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -errno;
	s6l_stat_copy(&sb, st);
	return 0;
}

static inline long s6l_fstat(int fd, struct s6l_stat *st)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return -errno;
	s6l_stat_copy(&sb, st);
	return 0;
}

static inline long s6l_execve(const char *path, char *const argv[], char *const envp[])
{
	return s6l_ret(execve(path, argv, envp));
}

__attribute__((noreturn)) static inline void s6l_exit(int status)
{
	_exit(status);
}

#endif
