/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP sockets through SOCKS6 UDP ASSOCIATE (s6p_udp.h): the table of
 * associations and the policy that sends a datagram through one, directly,
 * or nowhere. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "s6_addr.h"
#include "s6_log.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp.h"
#include "s6p_udp_int.h"

struct s6p_udp_ent {
	struct s6p_udp_ent *next;
	int fd;
	struct s6p_udp_assoc a;
	bool dead;                    /* the control connection closed */
	bool has_peer;                /* connect(): the default destination */
	struct s6p_target peer;
};

static pthread_mutex_t s6p_udp_mu = PTHREAD_MUTEX_INITIALIZER;
static struct s6p_udp_ent *s6p_udp_list;
/* Entries in the list: lets every read and write of a program without UDP
 * through a proxy pass without taking the lock. */
static atomic_int s6p_udp_n;

/* fork() while another thread holds the lock: held across the fork (it is
 * never held across a blocking call), so the child's list is consistent. */
static void s6p_udp_atfork_prepare(void)
{
	pthread_mutex_lock(&s6p_udp_mu);
}

static void s6p_udp_atfork_release(void)
{
	pthread_mutex_unlock(&s6p_udp_mu);
}

__attribute__((constructor)) static void s6p_udp_ctor(void)
{
	pthread_atfork(s6p_udp_atfork_prepare, s6p_udp_atfork_release, s6p_udp_atfork_release);
}

static struct s6p_udp_ent *s6p_udp_find_locked(int fd)
{
	for (struct s6p_udp_ent *e = s6p_udp_list; e; e = e->next)
		if (e->fd == fd)
			return e;
	return NULL;
}

/* A copy of fd's entry (its fields may change under the lock meanwhile). */
bool s6p_udp_snapshot(int fd, struct s6p_udp_snap *s)
{
	if (atomic_load_explicit(&s6p_udp_n, memory_order_acquire) == 0)
		return false;
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	if (e) {
		s->a = e->a;
		s->dead = e->dead;
		s->has_peer = e->has_peer;
		if (e->has_peer)
			s->peer = e->peer;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
	return e != NULL;
}

static void s6p_udp_free(struct s6p_udp_ent *e)
{
	if (e->a.ctl >= 0)
		S6P_REAL(close)(e->a.ctl);
	free(e);
}

void s6p_udp_forget(int fd)
{
	struct s6p_udp_ent *e = NULL;

	if (atomic_load_explicit(&s6p_udp_n, memory_order_acquire) == 0)
		return;
	pthread_mutex_lock(&s6p_udp_mu);
	for (struct s6p_udp_ent **p = &s6p_udp_list; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			e = *p;
			*p = e->next;
			atomic_fetch_sub(&s6p_udp_n, 1);
			break;
		}
	}
	pthread_mutex_unlock(&s6p_udp_mu);
	if (!e)
		return;
	s6_log(S6_LOG_INFO, "UDP association %016llx of fd %d released",
	       (unsigned long long)e->a.id, fd);
	s6p_udp_free(e);
}

/* fd's association, made now if it has none. Returns 0 or an errno. */
int s6p_udp_get(int fd, struct s6p_udp_snap *s)
{
	if (s6p_udp_snapshot(fd, s))
		return 0;
	struct s6p_udp_ent *e = calloc(1, sizeof *e), *old;
	if (!e)
		return ENOMEM;
	int rc = s6p_udp_assoc_open(fd, &e->a);
	if (rc) {
		free(e);
		return rc;
	}
	e->fd = fd;
	pthread_mutex_lock(&s6p_udp_mu);
	old = s6p_udp_find_locked(fd);
	if (!old) {
		e->next = s6p_udp_list;
		s6p_udp_list = e;
		atomic_fetch_add(&s6p_udp_n, 1);
	}
	pthread_mutex_unlock(&s6p_udp_mu);
	if (old) {
		s6p_udp_free(e); /* another thread was quicker */
	} else {
		char buf[S6_ADDR_STR_MAX];
		s6_log(S6_LOG_INFO, "proxy %s: UDP association %016llx for fd %d, relay %s",
		       s6p_state()->proxy_str, (unsigned long long)e->a.id, fd,
		       s6_addr_format((struct sockaddr *)&e->a.relay, buf, sizeof buf));
	}
	return s6p_udp_snapshot(fd, s) ? 0 : EBADF;
}

/* Set or clear the default destination of fd's entry. */
void s6p_udp_set_peer(int fd, const struct s6p_target *t)
{
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	if (e) {
		e->has_peer = t != NULL;
		if (t)
			e->peer = *t;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
}

/* The control connection is gone: one log line, and from now on every
 * send fails. Returns the errno to report. */
int s6p_udp_mark_dead(int fd, uint64_t id)
{
	bool first = false;

	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	if (e && !e->dead)
		first = e->dead = true;
	pthread_mutex_unlock(&s6p_udp_mu);
	if (first)
		s6_log(S6_LOG_ERROR, "proxy %s: UDP association %016llx of fd %d ended by the proxy",
		       s6p_state()->proxy_str, (unsigned long long)id, fd);
	return S6P_UDP_DEAD_ERRNO;
}

/* How a datagram from a SOCK_DGRAM socket to sa may leave. */
enum s6p_udp_way s6p_udp_way(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage plain;
	char buf[S6_ADDR_STR_MAX];

	s6_addr_unmap(sa, &plain);
	if (s6_config_excluded(&st->cfg, (struct sockaddr *)&plain))
		return s6p_dgram_allowed(fd, sa, len, "UDP") ? S6P_UDP_WAY_DIRECT : S6P_UDP_WAY_NONE;
	if (st->cfg.udp == S6_UDP_DIRECT) {
		if (s6_log_enabled(S6_LOG_INFO))
			s6_log(S6_LOG_INFO, "target %s: UDP goes directly (udp direct)",
			       s6_addr_format(sa, buf, sizeof buf));
		return S6P_UDP_WAY_DIRECT;
	}
	if (st->cfg.udp == S6_UDP_BLOCK || st->broken || !st->cfg.has_proxy ||
	    st->cfg.proxy.scheme != S6_SCHEME_SOCKS6)
		return s6p_dgram_allowed(fd, sa, len, "UDP") ? S6P_UDP_WAY_DIRECT : S6P_UDP_WAY_NONE;
	return S6P_UDP_WAY_PROXY;
}

bool s6p_udp_peername(int fd, struct sockaddr *sa, socklen_t *len, int *rc)
{
	struct s6p_udp_snap s;

	if (!s6p_udp_snapshot(fd, &s) || !s.has_peer)
		return false;
	if (!sa || !len) {
		errno = EFAULT;
		*rc = -1;
		return true;
	}
	memcpy(sa, &s.peer.dest, *len < s.peer.dest_len ? *len : s.peer.dest_len);
	*len = s.peer.dest_len;
	*rc = 0;
	return true;
}
