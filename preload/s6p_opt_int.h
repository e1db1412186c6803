/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the optimistic connect (s6p_opt.h): what its read, write and
 * settle halves share. All of it runs with the fd table locked. */
#ifndef S6P_OPT_INT_H
#define S6P_OPT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "s6p_fdtab.h"

/* The gates: the fd's connection when a hook must act on it (a handshake
 * in progress, or a failure the program has not been told) with the table
 * locked, or NULL (nothing locked); the end unlocks, keeping errno. */
struct s6p_conn *s6p_opt_gate_begin(int fd);
bool s6p_opt_gate_end(bool answered);

/* Whether a call with these MSG_* flags on c does not block. */
bool s6p_opt_nonblocking(struct s6p_conn *c, int flags);

/* After the gate's work: EAGAIN while the handshake runs, a failure once
 * (true, *ret and errno set), else false: the real call. */
bool s6p_opt_answer_locked(struct s6p_conn *c, ssize_t *ret);

/* One poll of c's socket with the lock dropped (the caller holds a
 * reference); poke: let the machine look at what changed. 0, or EINTR (a
 * signal), EBADF (closed meanwhile: c is gone once unreferenced). */
int s6p_opt_poll_locked(struct s6p_conn *c, short events, int64_t left_ms, bool poke);

/* A blocking call waits within connect-timeout until the replies are in
 * (until_flushed: until the queued Request has left). Takes the caller's
 * reference (notify_users) and drops it; 0, EINTR or EBADF as above. */
int s6p_opt_wait_locked(struct s6p_conn *c, bool until_flushed);

/* Until the Request with the program's first bytes is out and the proxy
 * has answered the SYN, within until_ms; reference as above. */
int s6p_opt_settle_locked(struct s6p_conn *c, int64_t until_ms);

#endif
