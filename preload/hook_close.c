/* SPDX-License-Identifier: GPL-2.0-or-later */
/* close: a descriptor that goes away takes its bookkeeping with it, before
 * the number can be reused by another open in another thread. (dup2 and
 * dup3, which close their target, are in hook_dup.c.) */
#include <errno.h>
#include <unistd.h>
#include "s6p_dupset.h"
#include "s6p_fdtab.h"
#include "s6p_opt.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"
#include "s6p_udp.h"

static void s6p_forget(int fd)
{
	s6p_dupset_forget(fd); /* first: s6p_dupset.h */
	s6p_fdtab_lock();
	s6p_fd_closed_locked(fd);
	s6p_fdtab_unlock();
	s6p_sockfl_forget(fd);
	s6p_udp_forget(fd);
}

S6P_HOOK int close(int fd)
{
	s6p_opt_before_close(fd);
	s6p_forget(fd);
	return S6P_REAL(close)(fd);
}
