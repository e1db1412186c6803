/* SPDX-License-Identifier: GPL-2.0-or-later */
/* poll/select while handshakes are pending: a socket whose proxy handshake is
 * still running must not look writable (its TCP connection to the proxy is
 * up long before the target is), so each such entry is swapped for the
 * connection's completion eventfd, and the real socket is looked at again
 * once the handshake has ended. */
#ifndef S6P_WAIT_H
#define S6P_WAIT_H

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include "s6p_fdtab.h"
#include "s6p_udp_hold.h"

static inline bool s6p_wait_needed(void)
{
	return s6p_fdtab_watching() || s6p_udp_wait_any();
}

/* poll/ppoll semantics; timeout_ms < 0 waits forever. */
int s6p_wait_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask);

#endif
