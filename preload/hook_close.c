/* SPDX-License-Identifier: GPL-2.0-or-later */
/* close, dup2, dup3: a descriptor that goes away takes its bookkeeping with
 * it, before the number can be reused by another open in another thread. */
#include <errno.h>
#include <unistd.h>
#include "s6p_fdtab.h"
#include "s6p_opt.h"
#include "s6p_real.h"

static void s6p_forget(int fd)
{
	s6p_fdtab_lock();
	s6p_fd_forget_locked(fd);
	s6p_fdtab_unlock();
}

S6P_HOOK int close(int fd)
{
	s6p_opt_before_close(fd);
	s6p_forget(fd);
	return S6P_REAL(close)(fd);
}

S6P_HOOK int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		s6p_forget(newfd);
	return S6P_REAL(dup2)(oldfd, newfd);
}

S6P_HOOK int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		s6p_forget(newfd);
	return S6P_REAL(dup3)(oldfd, newfd, flags);
}
