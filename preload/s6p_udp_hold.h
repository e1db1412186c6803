/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output held back on UDP sockets. While a non-blocking socket's
 * association is being made (s6p_udp_int.h, "Non-blocking first
 * datagrams") and its queue is full, a send says EAGAIN, yet the real
 * socket is writable: a program waiting only for POLLOUT would spin. Such
 * a socket is "held": poll and select see it without output readiness and
 * wake when the association settles (through an eventfd, as the TCP
 * pending state does), and its epoll registrations lose their output
 * interest until then (restored as the program made them). */
#ifndef S6P_UDP_HOLD_H
#define S6P_UDP_HOLD_H

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/epoll.h>

/* Pending associations with a full queue (s6p_udp_async.c). */
extern atomic_int s6p_udp_nheld;

/* Associations being made in the background (s6p_udp_async.c), and
 * sockets whose background attempt failed unreported (s6p_udp.c): poll
 * reports POLLERR for those, and wakes when one of the former settles. */
extern atomic_int s6p_udp_npend;
extern atomic_int s6p_udp_nerr;

/* Lock-free: false when no socket is held anywhere. */
static inline bool s6p_udp_out_held_any(void)
{
	return atomic_load(&s6p_udp_nheld) > 0;
}

/* Lock-free: false when poll and select need not look at UDP sockets. */
static inline bool s6p_udp_wait_any(void)
{
	return atomic_load(&s6p_udp_nheld) > 0 || atomic_load(&s6p_udp_npend) > 0 ||
	       atomic_load(&s6p_udp_nerr) > 0;
}

/* poll/ppoll semantics over s6p_wait_poll (which it calls), with the
 * output of held sockets hidden until they are released, POLLERR for a
 * socket whose association failed (until reported), and a wake when a
 * pending association settles. */
int s6p_udp_wait_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask);

/* Bring fd's epoll registrations in line with its held state: masked while
 * held; restore: given back as registered when not. */
void s6p_udp_epoll_sync(int fd, bool restore);

/* EPOLLERR for a socket whose association failed (s6p_udp_eperr.c): arm
 * gives each epoll registration of fd a companion reporting it, disarm
 * (the error reported, or fd closed) takes them away; translate, in
 * epoll_wait, turns a companion's event (a mask tag) into the socket's
 * EPOLLERR: false when it is none or stale (drop it). No UDP lock held. */
extern atomic_int s6p_udp_neperr;
void s6p_udp_eperr_arm(int fd);
void s6p_udp_eperr_disarm(int fd);
bool s6p_udp_eperr_translate(int epfd, struct epoll_event *ev);
int s6p_udp_take_err(int fd, bool peek);

/* After epoll_ctl ADD or MOD of fd succeeded (the table lock released). */
static inline void s6p_udp_epoll_after_ctl(int fd)
{
	if (s6p_udp_out_held_any())
		s6p_udp_epoll_sync(fd, false);
	if (atomic_load(&s6p_udp_nerr) > 0 && s6p_udp_take_err(fd, true))
		s6p_udp_eperr_arm(fd); /* registered after the failure */
}

#endif
