/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small I/O helpers of the preload library, all on the real libc calls. */
#ifndef S6P_IO_H
#define S6P_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "s6_handshake.h"

/* The handshake driver's I/O table: real send, recv and poll. */
extern const s6_io s6p_real_io;

/* SOCKS6 machines read their replies with few recv calls: one MSG_PEEK of
 * what has arrived, the machine's exact reads served from it, then one
 * discard (MSG_TRUNC) of exactly the bytes the machine took, never more:
 * what the target sends behind the replies stays in the socket for the
 * program. Otherwise as s6_hs_step() and s6_hs_run() on s6p_real_io. */
s6_hs_status s6p_hs_step_peek(s6_hs *hs, int fd);
s6_hs_status s6p_hs_run_peek(s6_hs *hs, int fd, int timeout_ms);

/* One step fed from len bytes already received from fd into buf (consumed
 * from the socket): *taken of them were replies, the rest belong to the
 * program. The machine does not read the socket itself (WANT_READ when buf
 * runs out); it may send. */
s6_hs_status s6p_hs_step_given(s6_hs *hs, int fd, const void *buf, size_t len, size_t *taken);

/* A machine that starts with a request, run until deadline_ms: the request
 * goes out, then a poll waits for the answer before the first recv (it is
 * a round trip away). peek: read as s6p_hs_run_peek(). */
s6_hs_status s6p_hs_run_request(s6_hs *hs, int fd, int64_t deadline_ms, bool peek);

/* Drop a TCP connection so the socket can connect again, as after a failed
 * connect (connect with AF_UNSPEC). */
void s6p_disconnect(int fd);

/* errno for a failed handshake. */
int s6p_hs_errno(const s6_hs *hs);

/* connect() with a deadline on any socket, blocking or not, without changing
 * what the program sees: `flags` are the socket's F_GETFL flags, restored
 * afterwards. Returns 0 or an errno; *at_once (may be NULL) tells whether
 * connect() itself returned 0 (with TCP_FASTOPEN_CONNECT and a cookie: the
 * SYN waits for the first send). */
int s6p_connect_timed(int fd, int flags, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline_ms, bool *at_once);

/* TCP_SYNCNT that keeps a blocking connect() within timeout_ms: with the
 * 1 s initial RTO, doubling, n retries give up after 2^(n+1) - 1 seconds.
 * 0 when even one retry (3 s) does not fit. */
int s6p_syncnt(int64_t timeout_ms);
/* Whether the shim may set TCP_SYNCNT on the program's socket: not with
 * `fail open`, where the socket may end up connected directly to the
 * target, whose SYN retries are the program's business (and TCP_SYNCNT
 * cannot be taken back). */
bool s6p_syncnt_allowed(void);

/* connect() of the program's socket to the proxy with the fewest system
 * calls: a blocking socket connects directly, its SYN retries bounded by
 * TCP_SYNCNT (set here unless syncnt_set) within deadline_ms; without a
 * TCP_SYNCNT that fits or allowed (s6p_syncnt_allowed), and for a
 * non-blocking socket, s6p_connect_timed.
 * *at_once (may be NULL): connect() returned 0 within S6P_DEFER_SLOW_MS,
 * as it does when the SYN waits for the first send (TCP_FASTOPEN_CONNECT
 * with a cookie), but also after a quick local handshake. Returns 0 or an
 * errno. */
#define S6P_DEFER_SLOW_MS 2
int s6p_connect_bounded(int fd, int flags, const struct sockaddr *sa, socklen_t len,
			int64_t deadline_ms, bool syncnt_set, bool *at_once);

/* Replace fd by a new TCP socket of another family, keeping the fd number,
 * O_NONBLOCK, FD_CLOEXEC and the shim's own TCP options (TCP_SYNCNT,
 * TCP_FASTOPEN_CONNECT, which s6p_tcp_probe may have set). Returns 0 or an
 * errno. */
int s6p_socket_refamily(int fd, int family);

#endif
