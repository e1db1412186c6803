/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP through a SOCKS6 UDP ASSOCIATE (draft-11 "Handling UDP ASSOCIATE").
 *
 * Each UDP socket of the program that sends to a non-excluded destination
 * gets its own association, made on first use: a control TCP connection to
 * the proxy (its fd kept high, close-on-exec, never shown to the program)
 * carries the request, the Operation Reply names the proxy's UDP port and an
 * Association Init gives the ID. The program's socket keeps its fd, options
 * and bind: its datagrams leave from it to the proxy's UDP port with the
 * Datagram header in front, and the proxy's datagrams arriving on it are
 * unwrapped, reported as coming from the remote host the header names.
 * Datagrams from any other source are dropped. A connect() remembers the
 * default destination (getpeername) and connects the real socket to the
 * proxy's UDP port, so the kernel filters sources. Closing the socket ends
 * the association (the control connection closes).
 *
 * Policy: excluded destinations and `udp direct` go directly; `udp block`,
 * or a proxy that cannot carry UDP (SOCKS4a), fail closed with EACCES and a
 * log line (`fail open`: directly). Raw sockets keep s6p_dgram_allowed(). */
#ifndef S6P_UDP_H
#define S6P_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "s6p_target.h"

enum s6p_udp_verdict {
	S6P_UDP_OTHER = 0,            /* not ours: the caller goes on as before */
	S6P_UDP_DIRECT,               /* a datagram socket allowed to send directly */
	S6P_UDP_DONE,                 /* handled, result in *r */
};

/* One association; the table owns it (s6p_udp.c). */
struct s6p_udp_assoc {
	int ctl;                      /* control TCP connection to the proxy */
	int family;                   /* of the program's socket */
	uint64_t id;
	struct sockaddr_storage relay; /* the proxy's UDP address, in `family` */
	socklen_t relay_len;
};

/* connect() on a SOCK_DGRAM socket: returns connect's result. */
int s6p_udp_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* sendmsg() on any socket (msg_name may be NULL: connected). */
enum s6p_udp_verdict s6p_udp_sendmsg(int fd, const struct msghdr *msg, int flags, ssize_t *r);

/* recvmsg() on any socket: DONE when fd has an association. */
enum s6p_udp_verdict s6p_udp_recvmsg(int fd, struct msghdr *msg, int flags, ssize_t *r);

/* getpeername(): true with *rc when fd is a UDP socket connected through
 * an association. */
bool s6p_udp_peername(int fd, struct sockaddr *sa, socklen_t *len, int *rc);

/* The fd is closed or replaced: end its association, unless a copy of the
 * socket (dup) still uses it. */
void s6p_udp_forget(int fd);

/* newfd is a copy of oldfd (dup, dup2, dup3, F_DUPFD): it shares oldfd's
 * association; the last of them to close releases it. */
void s6p_udp_dup(int oldfd, int newfd);

/* connect(AF_UNSPEC): returns connect's result. On a socket with an
 * association the default destination goes (the association stays), and
 * the local port the kernel released is taken again, as the proxy knows
 * the association by it. */
int s6p_udp_unconnect(int fd, const struct sockaddr *sa, socklen_t len);

/* Make the association for fd (blocking, within connect-timeout), on
 * behalf of a datagram to (or a connect() to) t. Returns 0 or an errno;
 * on failure why (cap bytes) says what went wrong, for
 * s6p_udp_assoc_log_fail. (s6p_udp_assoc.c) */
int s6p_udp_assoc_open(int fd, const struct s6p_target *t, struct s6p_udp_assoc *a,
		       char *why, size_t cap);
#define S6P_UDP_WHY_MAX 256

/* The one line of a failed association: proxy, target, reason, and the
 * datagrams accepted for it that will never leave. */
void s6p_udp_assoc_log_fail(const struct s6p_target *t, const char *why, unsigned dropped);

/* getsockopt(SO_ERROR): true with *err when fd's association failed in the
 * background and nothing reported it yet; it is cleared (reported once). */
bool s6p_udp_so_error(int fd, int *err);

/* Is the control connection still up? Drains what the proxy sent on it
 * (Confirmation, Error messages): only its end matters here. */
bool s6p_udp_assoc_alive(int ctl);

#endif
