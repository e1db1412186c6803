/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file status flags of sockets the program made with socket(), known
 * without asking the kernel: socket() says whether SOCK_NONBLOCK was given,
 * and any F_SETFL or FIONBIO (on any fd: a dup shares the flags) moves
 * s6p_flags_epoch on, which makes every remembered value stale. Also
 * whether it is a datagram socket (a hint only: a number reused unseen
 * costs the caller its usual SO_TYPE query). Lock-free; numbers past a
 * small bound, and 0-2, are never remembered. */
#ifndef S6P_SOCKFL_H
#define S6P_SOCKFL_H

#include <stdbool.h>

/* socket() returned fd, made with these type flags. */
void s6p_sockfl_created(int fd, int type);
/* fd is closed, replaced or handed to libc (fdopen): forget it. */
void s6p_sockfl_forget(int fd);
void s6p_sockfl_forget_range(unsigned first, unsigned last);
/* fd's F_GETFL: remembered when possible, else from the kernel. */
int s6p_sockfl_get(int fd);
/* socket() made fd with SOCK_DGRAM (false: another type, or not known). */
bool s6p_sockfl_dgram(int fd);

#endif
