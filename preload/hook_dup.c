/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dup, dup2, dup3, fcntl(F_DUPFD, F_DUPFD_CLOEXEC): a copy of a proxied
 * socket is the same connection, so every number shares one entry
 * (s6p_conn_alias_locked): getpeername/getsockname answer the destination,
 * and a handshake still in flight (PENDING, OPTIMISTIC) is one handshake
 * whose outcome every copy sees: SO_ERROR and an optimistic failure are
 * reported once, as the kernel reports a shared socket's error once, and
 * the replies are consumed once, by whichever copy reads first. Closing
 * one copy forgets only that number; the last close releases the entry.
 * A copy made while another thread is inside a blocking connect() of the
 * socket joins the entry when that connect() returns (s6p_forkset.h), and
 * so does a copy made before connect() (s6p_dupset.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "s6p_dupset.h"
#include "s6p_fdtab.h"
#include "s6p_forkset.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"
#include "s6p_udp.h"

static void s6p_dup_entry(int oldfd, int newfd)
{
	if (newfd < 0 || newfd == oldfd)
		return;
	s6p_sockfl_forget(newfd); /* not made by socket(): ask the kernel */
	s6p_udp_dup(oldfd, newfd);
	s6p_dupset_copied(oldfd, newfd); /* for a connect() still to come */
	s6p_fdtab_lock();
	if (s6p_conn_get_checked_locked(oldfd))
		s6p_conn_alias_locked(oldfd, newfd);
	s6p_fdtab_unlock();
	s6p_inflight_dup(oldfd, newfd);
}

/* newfd is replaced: its old bookkeeping goes before the number is reused. */
static void s6p_dup_forget(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return;
	s6p_dupset_forget(newfd); /* first: s6p_dupset.h */
	s6p_fdtab_lock();
	s6p_fd_closed_locked(newfd);
	s6p_fdtab_unlock();
	s6p_sockfl_forget(newfd);
	s6p_udp_forget(newfd);
}

S6P_HOOK int dup(int oldfd)
{
	int fd = S6P_REAL(dup)(oldfd);

	s6p_dup_entry(oldfd, fd);
	return fd;
}

S6P_HOOK int dup2(int oldfd, int newfd)
{
	s6p_dup_forget(oldfd, newfd);
	int fd = S6P_REAL(dup2)(oldfd, newfd);
	s6p_dup_entry(oldfd, fd);
	return fd;
}

S6P_HOOK int dup3(int oldfd, int newfd, int flags)
{
	s6p_dup_forget(oldfd, newfd);
	int fd = S6P_REAL(dup3)(oldfd, newfd, flags);
	s6p_dup_entry(oldfd, fd);
	return fd;
}

/* fcntl's third argument is an int or a pointer by command; like libc, it
 * is passed on as a pointer-sized value whatever the command. */
static int s6p_fcntl_common(int fd, int cmd, void *arg, bool is64)
{
	int rc = is64 ? S6P_REAL(fcntl64)(fd, cmd, arg) : S6P_REAL(fcntl)(fd, cmd, arg);

	if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		s6p_dup_entry(fd, rc);
	if (rc >= 0 && cmd == F_SETFL)
		atomic_fetch_add(&s6p_flags_epoch, 1); /* cached O_NONBLOCK is stale */
	return rc;
}

S6P_HOOK int fcntl(int fd, int cmd, ...)
{
	va_list ap;

	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return s6p_fcntl_common(fd, cmd, arg, false);
}

S6P_HOOK int fcntl64(int fd, int cmd, ...)
{
	va_list ap;

	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return s6p_fcntl_common(fd, cmd, arg, true);
}

/* ioctl(FIONBIO) sets O_NONBLOCK too (fcntl above). Raw syscalls that change
 * the flags are not seen: such a program's optimistic first read or write
 * may block or not as the flags were at connect(). */
S6P_HOOK int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;

	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	int rc = S6P_REAL(ioctl)(fd, req, arg);
	if (rc >= 0 && req == FIONBIO)
		atomic_fetch_add(&s6p_flags_epoch, 1);
	return rc;
}
