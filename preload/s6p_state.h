/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Process-wide settings of the preload library: the configuration read at
 * load time, the placeholder map, and the proxy's resolved addresses. They
 * are set once (pthread_once) and read-only afterwards, except the proxy
 * address cache and the SOCKS6 session, which have their own locks. */
#ifndef S6P_STATE_H
#define S6P_STATE_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "s6_config.h"
#include "s6_placeholder.h"
#include "s6_s6sess.h"

#define S6P_PROXY_ADDRS_MAX 4

struct s6p_state {
	s6_config cfg;
	bool broken;                 /* configuration unusable: fail closed */
	char broken_why[512];
	char proxy_str[S6_URL_TEXT_MAX]; /* printable proxy URL for log lines */
	s6_ph_map *ph;               /* NULL when the shared mapping failed */
	/* SOCKS6: the configured Stack options, encoded once. */
	uint8_t s6_stack[S6_CONFIG_STACK_OPTS_MAX];
	size_t s6_stack_len;
};

/* The state, initialised on first call (also run as a constructor). */
const struct s6p_state *s6p_state(void);

/* getpid() without a system call: cached, refreshed in a child made by
 * fork() (the atfork handler; a child of a raw clone() or _Fork() keeps
 * its parent's number, so it only loses the teardown of sessions it
 * creates, which then expire). */
pid_t s6p_pid(void);

/* Resolve the proxy host (numeric or through the real local resolver, never
 * through our own hooks), cached after the first success. Returns the number
 * of addresses (0 on failure, with *err set). */
int s6p_proxy_addrs(struct sockaddr_storage *out, socklen_t *lens, int max, s6_err *err);

/* The SOCKS6 session with the proxy (s6_s6sess.h), the one mutable part of
 * the state, behind its own lock: a slot of the table shared by the user's
 * processes, or this process's own (s6p_s6store.h). Never take the fd
 * table lock while holding it (the driver takes them in the other order),
 * and never hold it across a system call that may block. */
s6_s6sess *s6p_sess_lock(void);
/* The same, giving up after timeout_ms (NULL): for the exit path, which must
 * not hang on a lock some other thread left held. */
s6_s6sess *s6p_sess_lock_timed(int timeout_ms);
void s6p_sess_unlock(void);

#endif
