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

/* A placeholder sent to, and where its replies come from (family 0 until
 * the first). */
struct s6p_udp_name {
	struct sockaddr_storage ph;
	socklen_t ph_len;             /* 0: free */
	struct sockaddr_storage from;
};

struct s6p_udp_ent {
	struct s6p_udp_ent *next;
	int fd;
	struct s6p_udp_assoc a;
	bool dead;                    /* the control connection closed */
	bool has_peer;                /* connect(): the default destination */
	struct s6p_target peer;
	struct s6p_udp_name names[S6P_UDP_NAMES]; /* most recent first */
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

bool s6p_udp_same_sa(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return a->ss_family == AF_INET6 && x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

void s6p_udp_note_name(int fd, const struct sockaddr_storage *ph, socklen_t len)
{
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	if (e) {
		struct s6p_udp_name n = { .ph = *ph, .ph_len = len };
		int i;
		/* Already there: moved to the front with what it learned;
		 * else the oldest makes room. */
		for (i = 0; i < S6P_UDP_NAMES - 1; i++)
			if (e->names[i].ph_len && s6p_udp_same_sa(&e->names[i].ph, ph))
				break;
		if (e->names[i].ph_len && s6p_udp_same_sa(&e->names[i].ph, ph))
			n = e->names[i];
		memmove(&e->names[1], &e->names[0], (size_t)i * sizeof n);
		e->names[0] = n;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
}

/* The entry answering for *ss: one that learned it, else the most recent
 * one without a source yet on the same port (which learns it). */
static struct s6p_udp_name *s6p_udp_name_match(struct s6p_udp_ent *e,
						const struct sockaddr_storage *ss)
{
	struct s6p_udp_name *fresh = NULL;

	for (int i = 0; i < S6P_UDP_NAMES; i++) {
		struct s6p_udp_name *n = &e->names[i];
		if (!n->ph_len)
			continue;
		if (s6p_udp_same_sa(&n->from, ss))
			return n;
		if (!fresh && !n->from.ss_family && n->ph.ss_family == ss->ss_family &&
		    s6_addr_port((const struct sockaddr *)&n->ph) ==
		    s6_addr_port((const struct sockaddr *)ss))
			fresh = n;
	}
	if (fresh)
		fresh->from = *ss;
	return fresh;
}

void s6p_udp_name_source(int fd, struct sockaddr_storage *ss, socklen_t *len)
{
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	struct s6p_udp_name *n = e ? s6p_udp_name_match(e, ss) : NULL;
	if (n) {
		*ss = n->ph;
		*len = n->ph_len;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
}
