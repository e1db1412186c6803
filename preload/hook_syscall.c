/* SPDX-License-Identifier: GPL-2.0-or-later */
/* syscall(2): a program that calls syscall(SYS_connect, ...) (or sends
 * datagrams with SYS_sendto/SYS_sendmsg/SYS_sendmmsg) would step around the
 * libc hooks and reach the target directly. Those numbers are routed through
 * the same hooks; every other number goes to the real syscall() untouched.
 * Both sides follow libc's convention: -1 and errno on failure. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "s6p_real.h"

/* The hooks of this library are the libc names, declared by the libc headers. */
static long s6p_syscall_routed(long nr, const long a[6], bool *routed)
{
	*routed = true;
	switch (nr) {
	case SYS_connect:
		return connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case SYS_sendto:
		return sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
			      (const struct sockaddr *)a[4], (socklen_t)a[5]);
	case SYS_sendmsg:
		return sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_close:
		return close((int)a[0]);
#ifdef SYS_close_range
	case SYS_close_range:
		return close_range((unsigned int)a[0], (unsigned int)a[1], (int)a[2]);
#endif
	case SYS_dup:
		return dup((int)a[0]);
	case SYS_fcntl:
		/* Only the commands the fcntl hook keeps track of. */
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC || a[1] == F_SETFL)
			return fcntl((int)a[0], (int)a[1], a[2]);
		*routed = false;
		return 0;
#ifdef SYS_dup2
	case SYS_dup2:
		return dup2((int)a[0], (int)a[1]);
#endif
	case SYS_dup3:
		return dup3((int)a[0], (int)a[1], (int)a[2]);
#ifdef SYS_sendmmsg
	case SYS_sendmmsg:
		return sendmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned int)a[2], (int)a[3]);
#endif
	default:
		*routed = false;
		return 0;
	}
}

S6P_HOOK long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	bool routed;

	/* The kernel takes at most six arguments; reading six is what libc's
	 * own syscall() does, whatever the caller passed. */
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	long rc = s6p_syscall_routed(nr, a, &routed);
	if (routed)
		return rc;
	return S6P_REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
