/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic SOCKS6 connect: connect() returns as soon as the connection to
 * the proxy is on its way (0, or EINPROGRESS with the socket writable), the
 * Request leaves with the program's first write as initial data (in a TCP
 * Fast Open SYN when the replay rule allows, s6_tfo.h), and the replies are
 * consumed before the program's first read sees any byte.
 *
 * The connection is OPTIMISTIC (s6p_fdtab.h) until the replies are in:
 *   UNSENT   the Request waits for the first write; the first read, a wait
 *            for input only, or the driver after S6P_OPT_FLUSH_MS sends it
 *            alone (programs that read first: SSH, SMTP);
 *   REPLIES  reads run the machine first (a blocking read waits for it
 *            within connect-timeout), poll/select/epoll see no input until
 *            the driver has consumed the replies, writes go straight on.
 * A failure reply ends it FAILED: the program's next read, write or
 * SO_ERROR returns the errno once, poll reports POLLERR|POLLHUP. The
 * transitions themselves live in s6p_conn.c. */
#ifndef S6P_OPT_H
#define S6P_OPT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "s6p_target.h"

#define S6P_OPT_FLUSH_MS 20

/* Does connect() of fd go the optimistic way (socks6:// or socks6+tls://,
 * socks6-optimistic yes, not fail open, no slow-path authentication)? */
bool s6p_opt_applies(void);

/* connect(2) the optimistic way; flags: the socket's F_GETFL; probed:
 * what the hook set on fd already (S6P_PROBE_*, s6p_tcp_probe). */
int s6p_opt_connect(int fd, int flags, const struct s6p_target *t, unsigned probed);

/* Does an optimistic connect use TCP Fast Open toward the proxy
 * (tfo-proxy, not through the engine)? */
bool s6p_opt_tfo_wanted(void);
/* Set TCP_FASTOPEN_CONNECT on fd (true: set, so fd is a TCP socket), or
 * clear it. */
bool s6p_opt_tfo_on(int fd);
void s6p_opt_tfo_off(int fd);

/* Before a read-family call on fd (flags: its MSG_* flags, 0 for read):
 * true when the call is answered here (*ret, errno), false to go on to the
 * real call. Also answers EAGAIN for a non-blocking handshake (PENDING). */
bool s6p_opt_read_gate(int fd, int flags, ssize_t *ret);
/* The same for a read into one buffer (read, recv, recvfrom): the replies
 * and the first bytes behind them come in one recv into buf. */
bool s6p_opt_read_gate_buf(int fd, void *buf, size_t len, int flags, ssize_t *ret);

/* Before a write-family call with these bytes: the first write of an
 * OPTIMISTIC connection becomes the Request's initial data (may_take: the
 * bytes may be taken, false for ancillary data or several messages). */
bool s6p_opt_write_gate(int fd, const struct iovec *iov, int cnt, int flags, bool may_take,
			ssize_t *ret);

/* epoll_wait on epfd: a connection still UNSENT that the program waits on
 * for input only is one that reads first: its Request goes now. */
void s6p_opt_epoll_wait_hint(int epfd);

/* close(fd): a Request still on its way with the program's first bytes is
 * given up to S6P_OPT_CLOSE_WAIT_MS to leave (closing in SYN-SENT would
 * drop them). */
#define S6P_OPT_CLOSE_WAIT_MS 2000
void s6p_opt_before_close(int fd);
/* At exit: the same for every such connection, all within until_ms (the
 * kernel would close them in SYN-SENT, dropping the bytes). */
void s6p_opt_settle_all(int64_t until_ms);

/* A poll entry that asks for input and not for output reads first. */
static inline bool s6p_opt_reads_first(bool in, bool out)
{
	return in && !out;
}

#endif
