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

/* Drop a TCP connection so the socket can connect again, as after a failed
 * connect (connect with AF_UNSPEC). */
void s6p_disconnect(int fd);

/* errno for a failed handshake. */
int s6p_hs_errno(const s6_hs *hs);

/* connect() with a deadline on any socket, blocking or not, without changing
 * what the program sees: `flags` are the socket's F_GETFL flags, restored
 * afterwards. Returns 0 or an errno. */
int s6p_connect_timed(int fd, int flags, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline_ms);

/* Replace fd by a new TCP socket of another family, keeping the fd number,
 * O_NONBLOCK and FD_CLOEXEC. Returns 0 or an errno. */
int s6p_socket_refamily(int fd, int family);

#endif
