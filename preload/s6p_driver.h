/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The handshake driver: one background thread per process that advances the
 * proxy handshakes of non-blocking connects, so connect() can return
 * EINPROGRESS at once and the program keeps full control of its time. The
 * thread starts on the first non-blocking proxied connect, blocks every
 * signal, and does all its work under the fd table lock with non-blocking
 * calls only.
 *
 * Every entry on the list has timers (deadline, the optimistic safety
 * net); only a *driven* one (c->driven) has its socket polled. An
 * optimistic connect of a blocking socket starts undriven: the program's own
 * hooked calls (write, read) advance it, and the driver is not woken for it
 * unless its timer comes before the driver's current sleep ends. It becomes
 * driven (s6p_driver_arm_locked) when the program waits in poll, select or
 * epoll, gets EAGAIN, or leaves output queued, and when its safety net
 * fires. */
#ifndef S6P_DRIVER_H
#define S6P_DRIVER_H

#include "s6p_fdtab.h"

/* Hand a PENDING connection to the driver (wakes it, starts it if needed). */
int s6p_driver_add_locked(struct s6p_conn *c);

/* c must now be polled by the driver (idempotent; wakes it). */
void s6p_driver_arm_locked(struct s6p_conn *c);

/* Take a connection off the driver's list (finished or forgotten). */
void s6p_driver_remove_locked(struct s6p_conn *c);

/* What connection c waits for changed: the driver builds its poll set again
 * (only if c is driven). */
void s6p_driver_kick_locked(const struct s6p_conn *c);

/* The connections the driver holds (linked by next_pending). */
struct s6p_conn *s6p_driver_list_locked(void);

/* In a forked child: the thread is gone; handshakes that belong to the parent
 * are marked failed in the child (the parent finishes them). */
void s6p_driver_after_fork_locked(void);

#endif
