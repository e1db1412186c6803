/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where descriptors begin and end outside close(): socket() remembers the
 * new socket's O_NONBLOCK (s6p_sockfl.h) so connect() need not ask, and
 * drops any entry left at the number; fdopen() marks its fd as one libc may
 * close unseen (fclose), so the table checks that entry's identity;
 * close_range() and closefrom() forget what they close. */
#include <errno.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <unistd.h>
#include "s6p_dupset.h"
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"
#include "s6p_udp.h"

/* UDP entries are a list, not a table: bound the walk over a wide range. */
#define S6P_UDP_RANGE_MAX 4096u

S6P_HOOK int socket(int domain, int type, int protocol)
{
	int fd = S6P_REAL(socket)(domain, type, protocol);

	if (fd < 0)
		return fd;
	/* A fresh number: whatever the table holds for it is stale. */
	s6p_dupset_forget(fd);
	s6p_fdtab_lock();
	s6p_fd_closed_locked(fd);
	s6p_fdtab_unlock();
	s6p_sockfl_created(fd, type);
	return fd;
}

S6P_HOOK FILE *fdopen(int fd, const char *mode)
{
	FILE *f = S6P_REAL(fdopen)(fd, mode);

	if (f) {
		s6p_sockfl_forget(fd);
		s6p_fd_mark_unseen(fd);
	}
	return f;
}

static void s6p_forget_range(unsigned first, unsigned last)
{
	s6p_dupset_forget_range(first, last); /* first: s6p_dupset.h */
	s6p_fdtab_lock();
	s6p_fd_closed_range_locked(first, last);
	s6p_fdtab_unlock();
	s6p_sockfl_forget_range(first, last);
	for (unsigned fd = first; fd <= last && fd < S6P_UDP_RANGE_MAX; fd++)
		s6p_udp_forget((int)fd);
}

/* Forgotten before the numbers can be reused by another thread (as close
 * does). CLOEXEC only marks; UNSHARE closes in a private copy of the
 * table, which is still this process's. */
static int s6p_close_range(unsigned first, unsigned last, int flags)
{
	if (first <= last && !(flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)) &&
	    !(flags & CLOSE_RANGE_CLOEXEC))
		s6p_forget_range(first, last);
	return S6P_REAL(close_range)(first, last, flags);
}

S6P_HOOK int close_range(unsigned first, unsigned last, int flags)
{
	return s6p_close_range(first, last, flags);
}

S6P_HOOK void closefrom(int lowfd)
{
	if (lowfd >= 0)
		s6p_forget_range((unsigned)lowfd, ~0u);
	S6P_REAL(closefrom)(lowfd);
}
