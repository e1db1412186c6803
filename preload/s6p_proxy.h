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

/* What the connect hook set on a socket before it knew its type
 * (s6p_probe.c): when connect() to sa goes through the proxy, the option
 * that connect sets anyway, TCP_FASTOPEN_CONNECT for an optimistic SOCKS6
 * connect with TCP Fast Open, else TCP_SYNCNT (s6p_connect_bounded). A
 * non-zero answer proves fd a TCP socket (only TCP takes the options), so
 * no getsockopt(SO_TYPE) is needed; 0: nothing changed. */
#define S6P_PROBE_TFO 1u
#define S6P_PROBE_SYNCNT 2u
unsigned s6p_tcp_probe(int fd, const struct sockaddr *sa);
/* connect() ends without using what the probe set. */
void s6p_tcp_probe_undo(int fd, unsigned probed);

/* connect(2) of a SOCK_STREAM AF_INET/AF_INET6 socket; probed: what
 * s6p_tcp_probe set (then sa is known not to be excluded). */
int s6p_connect_stream(int fd, const struct sockaddr *sa, socklen_t len, unsigned probed);

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
/* What a step of c's machine returned: DONE and FAILED end it (or retry). */
void s6p_conn_step_result_locked(struct s6p_conn *c, s6_hs_status st);
void s6p_conn_timeout_locked(struct s6p_conn *c);
void s6p_conn_orphan_locked(struct s6p_conn *c);
/* What the driver waits for on c (0: nothing but errors) and until when. */
short s6p_conn_driver_events_locked(const struct s6p_conn *c, int64_t *wake_ms);
/* The driver's poll said revents for c (or its time came). */
void s6p_conn_service_locked(struct s6p_conn *c, short revents, int64_t now);

/* Fail and end a connection: one log line, err kept for the program. */
void s6p_conn_fail_locked(struct s6p_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* OPTIMISTIC: UNSENT -> REPLIES. The Request leaves with len bytes of the
 * program's first write as initial data (len 0: the Request alone). */
void s6p_conn_send_request_locked(struct s6p_conn *c, const void *data, size_t len);
/* OPTIMISTIC: advance the replies without blocking (a hook's turn). */
void s6p_conn_poke_locked(struct s6p_conn *c);
/* The completion eventfd, made on first use; -1 without one. */
int s6p_conn_notify_locked(struct s6p_conn *c);

/* Pick the proxy address for fd (s6p_proxy.c): 0 or an errno. family: the
 * family of the program's address, which a TCP socket's own must match
 * (else its connect fails with EAFNOSUPPORT, as ours then does). */
int s6p_proxy_pick(int fd, int family, struct sockaddr_storage *out, socklen_t *outlen);

/* The proxy could not be reached: with `fail open` and an IP target, connect
 * fd directly and stop tracking it (true); otherwise false. */
bool s6p_fail_open_direct_locked(struct s6p_conn *c, int err);

/* Hold back / give back the program's epoll registrations of a connection. */
void s6p_epoll_hold_locked(struct s6p_conn *c);
void s6p_epoll_release_locked(struct s6p_conn *c);
struct epoll_event s6p_epoll_masked(const struct epoll_event *user, int fd);
/* OPTIMISTIC: the registration without input interest (output stays). */
struct epoll_event s6p_epoll_masked_input(const struct epoll_event *user, int fd);

#endif
