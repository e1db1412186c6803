/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The few system calls the launcher makes. Each returns the kernel's
 * answer: >= 0, or -errno. On x86_64 and aarch64 the launcher is built
 * without a C library (S6L_NOLIBC: raw system calls, its own _start); on
 * other machines the same code runs on the C library's wrappers. */
#ifndef S6L_SYS_H
#define S6L_SYS_H

#include <stddef.h>

struct s6l_stat {
	unsigned int mode;
};

#if defined(S6L_NOLIBC) && defined(__x86_64__)
#include "launch_sys_x86_64.h"
#include "launch_sys_raw.h"
#elif defined(S6L_NOLIBC) && defined(__aarch64__)
#include "launch_sys_aarch64.h"
#include "launch_sys_raw.h"
#elif defined(S6L_NOLIBC)
#error "S6L_NOLIBC: no system call layer for this machine (configure builds it with libc)"
#else
#include "launch_sys_libc.h"
#endif

#define S6L_R_OK 4
#define S6L_X_OK 1
#define S6L_S_IFMT 0170000
#define S6L_S_IFREG 0100000
#define S6L_S_ISUID 04000
#define S6L_S_ISGID 02000

#endif
