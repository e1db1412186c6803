/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fork() while proxy handshakes are in flight. A forked child has only the
 * forking thread: the driver and any thread inside a blocking connect() are
 * gone there, and a socket whose handshake the parent finishes would be a
 * connection to the proxy the child knows nothing about. So, before fork
 * copies the process, the prepare handler (s6p_fdtab.c) settles every
 * handshake of the process:
 *  - connect() calls of other threads still running are waited for (their
 *    own connect-timeout bounds them);
 *  - every PENDING or OPTIMISTIC entry is driven to its end: an unsent
 *    optimistic Request goes alone (as a first read would send it), the
 *    driver consumes exactly the reply bytes (peek and exact consume, never
 *    the program's data) and records success or the errno.
 * All of it within connect-timeout (plus a little), with no shim lock held
 * while waiting, so parent and child start from the same settled state. A
 * handshake that still did not end (timeout) is left to the parent and
 * fails ECONNABORTED in the child, as before.
 *
 * vfork and posix_spawn run no atfork handler: their child shares the
 * parent's memory until it execs, and a new program starts with a fresh
 * table (a proxied socket it inherits is a plain connected socket there). */
#ifndef S6P_FORKSET_H
#define S6P_FORKSET_H

/* A proxied connect() of fd starts / returns in the calling thread. */
void s6p_inflight_begin(int fd);
void s6p_inflight_end(int fd);
/* newfd is a copy of oldfd: when oldfd's connect() is running in another
 * thread (no entry yet), newfd joins the entry once it returns. */
void s6p_inflight_dup(int oldfd, int newfd);

/* The prepare handler's work (above); returns at once when nothing is in
 * flight. */
void s6p_fork_settle(void);

#endif
