/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launcher's system calls on the raw kernel interface (both machines
 * have the *at calls and statx; neither has plain open or stat). */
#ifndef S6L_SYS_RAW_H
#define S6L_SYS_RAW_H

#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define S6L_O_RDONLY 0
#define S6L_O_NONBLOCK O_NONBLOCK
#define S6L_O_CLOEXEC O_CLOEXEC
#define S6L_O_PATH O_PATH
#define S6L_AT_FDCWD AT_FDCWD

#define S6L_SYS(n, a, b, c, d, e) s6l_sys(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

static inline long s6l_open(const char *path, int flags)
{
	return S6L_SYS(__NR_openat, AT_FDCWD, path, flags, 0, 0);
}

static inline long s6l_close(int fd)
{
	return S6L_SYS(__NR_close, fd, 0, 0, 0, 0);
}

static inline long s6l_pread(int fd, void *buf, size_t n, long off)
{
	return S6L_SYS(__NR_pread64, fd, buf, n, off, 0);
}

static inline long s6l_write(int fd, const void *buf, size_t n)
{
	return S6L_SYS(__NR_write, fd, buf, n, 0, 0);
}

/* faccessat without flags checks with the real ids, as access() does. */
static inline long s6l_access(const char *path, int mode)
{
	return S6L_SYS(__NR_faccessat, AT_FDCWD, path, mode, 0, 0);
}

static inline long s6l_readlink(const char *path, char *buf, size_t len)
{
	return S6L_SYS(__NR_readlinkat, AT_FDCWD, path, buf, len, 0);
}

static inline long s6l_fgetxattr_size(int fd, const char *name)
{
	return S6L_SYS(__NR_fgetxattr, fd, name, 0, 0, 0);
}

static inline long s6l_statx(int dirfd, const char *path, int flags, struct s6l_stat *st)
{
	struct statx sx;
	long rc = S6L_SYS(__NR_statx, dirfd, path, flags, STATX_TYPE | STATX_MODE, &sx);

	if (rc < 0)
		return rc;
	st->mode = sx.stx_mode;
	return 0;
}

static inline long s6l_stat(const char *path, struct s6l_stat *st)
{
	return s6l_statx(AT_FDCWD, path, 0, st);
}

static inline long s6l_fstat(int fd, struct s6l_stat *st)
{
	return s6l_statx(fd, "", AT_EMPTY_PATH, st);
}

static inline long s6l_execve(const char *path, char *const argv[], char *const envp[])
{
	return S6L_SYS(__NR_execve, path, argv, envp, 0, 0);
}

__attribute__((noreturn)) static inline void s6l_exit(int status)
{
	for (;;)
		S6L_SYS(__NR_exit_group, status, 0, 0, 0, 0);
}

#endif
