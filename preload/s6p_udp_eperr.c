/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EPOLLERR for a UDP socket whose background association failed
 * (s6p_udp_hold.h). The kernel socket has no error to report, so each of
 * its epoll registrations gets a companion: a readable eventfd of ours in
 * the same epoll instance, its data a mask tag (s6p_fdtab.h). epoll_wait
 * turns the companion's event into EPOLLERR with the data the program
 * registered the socket with; the companion goes once the error is
 * reported (SO_ERROR, a receive or send) or the socket closes. Lock order:
 * the fd table's, then this list's; never the UDP table's with either. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_udp_hold.h"

#define S6P_UDP_EPERR_FD_MIN 512

struct s6p_udp_eperr {
	struct s6p_udp_eperr *next;
	int fd;                       /* the program's socket */
	int epfd;
	int evfd;                     /* the companion */
};

static pthread_mutex_t s6p_udp_eperr_mu = PTHREAD_MUTEX_INITIALIZER;
static struct s6p_udp_eperr *s6p_udp_eperrs;
atomic_int s6p_udp_neperr;

static struct s6p_udp_eperr *s6p_udp_eperr_find_locked(int fd, int epfd)
{
	for (struct s6p_udp_eperr *e = s6p_udp_eperrs; e; e = e->next)
		if (e->fd == fd && e->epfd == epfd)
			return e;
	return NULL;
}

/* A companion for fd in r's epoll instance (both locks held). */
static void s6p_udp_eperr_add_locked(int fd, const struct s6p_epreg *r)
{
	struct s6p_udp_eperr *e = malloc(sizeof *e);
	int evfd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);

	if (!e || evfd < 0)
		goto fail;
	int hi = S6P_REAL(fcntl)(evfd, F_DUPFD_CLOEXEC, S6P_UDP_EPERR_FD_MIN);
	if (hi >= 0) {
		S6P_REAL(close)(evfd);
		evfd = hi;
	}
	/* Edge-triggered and one-shot registrations see it as they would
	 * see the kernel's own error. */
	struct epoll_event ev = { .events = EPOLLIN | (r->ev.events & (EPOLLET | EPOLLONESHOT)),
				  .data.u64 = s6p_epoll_mask_tag(evfd) };
	if (S6P_REAL(epoll_ctl)(r->epfd, EPOLL_CTL_ADD, evfd, &ev) < 0)
		goto fail;
	*e = (struct s6p_udp_eperr){ .next = s6p_udp_eperrs, .fd = fd, .epfd = r->epfd,
				     .evfd = evfd };
	s6p_udp_eperrs = e;
	atomic_fetch_add(&s6p_udp_neperr, 1);
	return;
fail:
	free(e);
	if (evfd >= 0)
		S6P_REAL(close)(evfd);
}

void s6p_udp_eperr_arm(int fd)
{
	s6p_fdtab_lock();
	pthread_mutex_lock(&s6p_udp_eperr_mu);
	/* A proxied TCP connection's registrations are its own business. */
	for (struct s6p_epreg *r = s6p_conn_get_locked(fd) ? NULL : s6p_epreg_list_locked(fd);
	     r; r = r->next)
		if (!s6p_udp_eperr_find_locked(fd, r->epfd))
			s6p_udp_eperr_add_locked(fd, r);
	pthread_mutex_unlock(&s6p_udp_eperr_mu);
	s6p_fdtab_unlock();
}

void s6p_udp_eperr_disarm(int fd)
{
	struct s6p_udp_eperr *gone = NULL;

	if (atomic_load(&s6p_udp_neperr) == 0)
		return;
	pthread_mutex_lock(&s6p_udp_eperr_mu);
	for (struct s6p_udp_eperr **p = &s6p_udp_eperrs; *p;) {
		struct s6p_udp_eperr *e = *p;
		if (e->fd != fd) {
			p = &e->next;
			continue;
		}
		*p = e->next;
		e->next = gone;
		gone = e;
		atomic_fetch_sub(&s6p_udp_neperr, 1);
	}
	pthread_mutex_unlock(&s6p_udp_eperr_mu);
	while (gone) {
		struct s6p_udp_eperr *e = gone;
		gone = e->next;
		/* The instance may be gone or reused: ENOENT, EBADF are fine. */
		S6P_REAL(epoll_ctl)(e->epfd, EPOLL_CTL_DEL, e->evfd, NULL);
		S6P_REAL(close)(e->evfd);
		free(e);
	}
}

bool s6p_udp_eperr_translate(int epfd, struct epoll_event *ev)
{
	int evfd = (int)(ev->data.u64 ^ s6p_epoll_mask_tag(0));
	bool ok = false;

	if (atomic_load(&s6p_udp_neperr) == 0)
		return false;
	s6p_fdtab_lock();
	pthread_mutex_lock(&s6p_udp_eperr_mu);
	for (struct s6p_udp_eperr *e = s6p_udp_eperrs; e && !ok; e = e->next) {
		if (e->evfd != evfd || e->epfd != epfd)
			continue;
		/* Still registered (the program may have removed it): with the
		 * data it has now. */
		for (struct s6p_epreg *r = s6p_epreg_list_locked(e->fd); r && !ok; r = r->next) {
			if (r->epfd == epfd) {
				ev->events = EPOLLERR;
				ev->data = r->ev.data;
				ok = true;
			}
		}
	}
	pthread_mutex_unlock(&s6p_udp_eperr_mu);
	s6p_fdtab_unlock();
	return ok;
}
