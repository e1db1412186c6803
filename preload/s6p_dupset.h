/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copies (dup, dup2, dup3, F_DUPFD) of a socket made before its connect():
 * the kernel has one socket, so when connect() on any of the numbers makes
 * it proxied, the other numbers must join that entry (s6p_conn_alias_locked)
 * or their I/O would go to the proxy raw. The dup hooks put both numbers in
 * one group, without a system call; close, close_range, closefrom, socket()
 * and a dup2/dup3 target leave their group. Lock-free and bounded: numbers
 * past S6P_DUPSET_MAX are never grouped (such a copy stays the bare socket).
 * A group is only a hint: a copy joins after an fstat says it still names
 * the connected socket (a number closed where no hook sees it may name
 * another file now). A close leaves the group before it takes the table's
 * lock to drop the number's entry, and attach looks at the group again under
 * that lock, so a copy closed meanwhile is never attached. */
#ifndef S6P_DUPSET_H
#define S6P_DUPSET_H

/* newfd was made a copy of oldfd. */
void s6p_dupset_copied(int oldfd, int newfd);
/* fd (or every fd in first..last) is closed, replaced or fresh. */
void s6p_dupset_forget(int fd);
void s6p_dupset_forget_range(unsigned first, unsigned last);
/* connect() on fd returned: if it made an entry, the other live copies of
 * the socket join it. */
void s6p_dupset_attach(int fd);

#endif
