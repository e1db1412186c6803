/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dup, dup2, dup3, fcntl(F_DUPFD, F_DUPFD_CLOEXEC): a copy of a proxied
 * socket is the same connection, so it answers getpeername/getsockname with
 * the destination as the original does. Each number gets its own entry:
 * closing one copy forgets only that number, the other keeps answering.
 *
 * Only an established connection is copied. A copy made while the handshake
 * is still in flight (PENDING, OPTIMISTIC) is left plain: two entries
 * driving one handshake would race, and the socket is the proxy's until the
 * handshake ends anyway. */
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_udp.h"

static void s6p_dup_entry(int oldfd, int newfd)
{
	if (newfd < 0 || newfd == oldfd)
		return;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_checked_locked(oldfd);
	if (c && c->state == S6P_CONN_CONNECTED) {
		struct s6p_conn *n = s6p_conn_new_locked(newfd);
		if (n) {
			n->state = S6P_CONN_CONNECTED;
			n->dest = c->dest;
			n->dest_len = c->dest_len;
			memcpy(n->target, c->target, sizeof n->target);
			n->is_name = c->is_name;
			n->tcp_up = c->tcp_up;
			n->proxy = c->proxy;
			n->proxy_len = c->proxy_len;
		}
	}
	s6p_fdtab_unlock();
}

/* newfd is replaced: its old bookkeeping goes before the number is reused. */
static void s6p_dup_forget(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return;
	s6p_fdtab_lock();
	s6p_fd_forget_locked(newfd);
	s6p_fdtab_unlock();
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
