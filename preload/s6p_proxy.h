/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connecting a program's socket through the proxy: the policy decision
 * (exclude, placeholder, fail mode), the blocking path (connect and handshake
 * within connect-timeout) and the non-blocking path (EINPROGRESS now, the
 * driver finishes), and how a connection ends. */
#ifndef S6P_PROXY_H
#define S6P_PROXY_H

#include <stdbool.h>
#include <sys/socket.h>
#include "s6p_fdtab.h"

/* connect(2) of a SOCK_STREAM AF_INET/AF_INET6 socket. */
int s6p_connect_stream(int fd, const struct sockaddr *sa, socklen_t len);

/* Policy for datagram/raw traffic to sa (connect, sendto, sendmsg): true when
 * it may leave directly (excluded, or fail open); otherwise logs one line and
 * sets errno to EACCES. `what` names the call for the log. */
bool s6p_dgram_allowed(int fd, const struct sockaddr *sa, socklen_t len, const char *what);

/* Take a connection out of PENDING: off the driver, epoll registrations
 * given back, pollers woken (fd table lock held). */
void s6p_conn_end_locked(struct s6p_conn *c, enum s6p_conn_state st);

struct s6p_target;

/* Start the proxy handshake of a new PENDING connection (the machine of the
 * proxy's scheme). On failure the connection is failed and ended: false. */
bool s6p_conn_start_locked(struct s6p_conn *c, const struct s6p_target *t);

/* Driver callbacks (fd table lock held). */
void s6p_conn_advance_locked(struct s6p_conn *c);
void s6p_conn_timeout_locked(struct s6p_conn *c);
void s6p_conn_orphan_locked(struct s6p_conn *c);

/* The proxy could not be reached: with `fail open` and an IP target, connect
 * fd directly and stop tracking it (true); otherwise false. */
bool s6p_fail_open_direct_locked(struct s6p_conn *c, int err);

/* Hold back / give back the program's epoll registrations of a connection. */
void s6p_epoll_hold_locked(struct s6p_conn *c);
void s6p_epoll_release_locked(struct s6p_conn *c);
struct epoll_event s6p_epoll_masked(const struct epoll_event *user, int fd);

#endif
