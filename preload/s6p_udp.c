/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP sockets through SOCKS6 UDP ASSOCIATE (s6p_udp.h): the table of
 * associations (the policy that picks the way of a datagram is in
 * s6p_udp_way.c). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "s6_addr.h"
#include "s6_log.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp.h"
#include "s6p_udp_hold.h"
#include "s6p_udp_int.h"

/* A placeholder sent to, and where its replies come from (family 0 until
 * the first). */
struct s6p_udp_name {
	struct sockaddr_storage ph;
	socklen_t ph_len;             /* 0: free */
	struct sockaddr_storage from;
};

/* A query to the proxy's DNS service and the nameserver it was for. */
struct s6p_udp_dnsq {
	uint16_t qid;
	socklen_t ns_len;             /* 0: free */
	struct sockaddr_storage ns;
};

struct s6p_udp_ent {
	struct s6p_udp_ent *next;
	int fd;
	struct s6p_udp_assoc a;
	bool dead;                    /* the control connection closed */
	bool has_peer;                /* connect(): the default destination */
	struct s6p_udp_pend *pend;    /* being made in the background (copies share it) */
	int err;                      /* that failed: the next call reports it */
	struct s6p_target peer;
	struct s6p_udp_name names[S6P_UDP_NAMES]; /* most recent first */
	struct s6p_udp_dnsq dnsq[S6P_UDP_DNSQ];   /* a ring */
	unsigned dnsq_next;
};

static pthread_mutex_t s6p_udp_mu = PTHREAD_MUTEX_INITIALIZER;
/* Signalled when a background attempt ends (blocking callers wait). */
static pthread_cond_t s6p_udp_cv;
static struct s6p_udp_ent *s6p_udp_list;
/* Entries in the list: lets every read and write of a program without UDP
 * through a proxy pass without taking the lock. */
static atomic_int s6p_udp_n;
/* Entries with err set (s6p_udp_hold.h). */
atomic_int s6p_udp_nerr;

/* Every change of an entry's err goes through here: poll's counter. */
static void s6p_udp_set_err_locked(struct s6p_udp_ent *e, int err)
{
	if (!e->err && err)
		atomic_fetch_add(&s6p_udp_nerr, 1);
	else if (e->err && !err)
		atomic_fetch_sub(&s6p_udp_nerr, 1);
	e->err = err;
}

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

static void s6p_udp_cv_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s6p_udp_cv, &ca);
	pthread_condattr_destroy(&ca);
}

/* The background threads did not come along: their associations fail here
 * (the parent finishes them), like a pending TCP handshake. */
static void s6p_udp_atfork_child(void)
{
	for (struct s6p_udp_ent *e = s6p_udp_list; e; e = e->next) {
		if (e->pend) {
			e->pend = NULL;
			s6p_udp_set_err_locked(e, ECONNABORTED);
		}
	}
	s6p_udp_pend_after_fork_locked();
	s6p_udp_cv_init();
	pthread_mutex_unlock(&s6p_udp_mu);
}

__attribute__((constructor)) static void s6p_udp_ctor(void)
{
	s6p_udp_cv_init();
	pthread_atfork(s6p_udp_atfork_prepare, s6p_udp_atfork_release, s6p_udp_atfork_child);
}

void s6p_udp_lock(void)
{
	pthread_mutex_lock(&s6p_udp_mu);
}

void s6p_udp_unlock(void)
{
	pthread_mutex_unlock(&s6p_udp_mu);
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
		s->pending = e->pend != NULL;
		s->err = e->err;
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
	bool shared = false;

	if (atomic_load_explicit(&s6p_udp_n, memory_order_acquire) == 0)
		return;
	pthread_mutex_lock(&s6p_udp_mu);
	for (struct s6p_udp_ent **p = &s6p_udp_list; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			e = *p;
			*p = e->next;
			atomic_fetch_sub(&s6p_udp_n, 1);
			s6p_udp_set_err_locked(e, 0);
			break;
		}
	}
	/* A dup()ed copy still uses the association: it stays. */
	for (struct s6p_udp_ent *o = s6p_udp_list; e && o && !shared; o = o->next)
		shared = e->a.ctl >= 0 ? o->a.ctl == e->a.ctl : e->pend && o->pend == e->pend;
	if (shared)
		e->a.ctl = -1;
	pthread_mutex_unlock(&s6p_udp_mu);
	s6p_udp_eperr_disarm(fd);
	if (!e)
		return;
	s6_log(S6_LOG_INFO, "UDP association %016llx of fd %d %s",
	       (unsigned long long)e->a.id, fd, shared ? "kept for a copy of the socket" : "released");
	s6p_udp_free(e);
}

void s6p_udp_dup(int oldfd, int newfd)
{
	struct s6p_udp_ent *n;

	if (newfd < 0 || newfd == oldfd ||
	    atomic_load_explicit(&s6p_udp_n, memory_order_acquire) == 0)
		return;
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(oldfd);
	if (e && !s6p_udp_find_locked(newfd) && (n = malloc(sizeof *n))) {
		*n = *e;              /* the same control connection: shared */
		n->fd = newfd;
		n->err = 0;
		s6p_udp_set_err_locked(n, e->err);
		n->next = s6p_udp_list;
		s6p_udp_list = n;
		atomic_fetch_add(&s6p_udp_n, 1);
	}
	pthread_mutex_unlock(&s6p_udp_mu);
}

int s6p_udp_unconnect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage was, now;
	socklen_t wl = sizeof was, nl = sizeof now;
	struct s6p_udp_snap s;
	bool ours = s6p_udp_snapshot(fd, &s);

	if (ours && S6P_REAL(getsockname)(fd, (struct sockaddr *)&was, &wl) < 0)
		ours = false;
	int rc = S6P_REAL(connect)(fd, sa, len);
	if (rc < 0 || !ours)
		return rc;
	s6p_udp_set_peer(fd, NULL);
	/* The kernel releases an automatically bound port on disconnect; the
	 * proxy knows the association by that port: take it again. */
	if (S6P_REAL(getsockname)(fd, (struct sockaddr *)&now, &nl) == 0 &&
	    s6_addr_port((struct sockaddr *)&now) == 0 &&
	    bind(fd, (struct sockaddr *)&was, wl) < 0)
		s6_log(S6_LOG_ERROR, "UDP fd %d: cannot keep its port after connect(AF_UNSPEC): %s",
		       fd, strerror(errno));
	s6_log(S6_LOG_INFO, "UDP fd %d disconnected; association %016llx kept",
	       fd, (unsigned long long)s.a.id);
	return 0;
}

/* Put n (its association made synchronously) into the table, or its
 * association into fd's entry that has none; n is freed unless it went in
 * itself. False when another thread was quicker. */
static bool s6p_udp_install(int fd, struct s6p_udp_ent *n)
{
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	bool done = !e || (e->a.ctl < 0 && !e->pend);
	if (!e) {
		n->next = s6p_udp_list;
		s6p_udp_list = n;
		atomic_fetch_add(&s6p_udp_n, 1);
	} else if (done) {
		e->a = n->a;
		e->dead = false;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
	if (!done)
		s6p_udp_free(n);
	else if (e)
		free(n);
	return done;
}

/* Open fd's association now, blocking. Returns 0 or an errno. */
static int s6p_udp_open_sync(int fd, const struct s6p_target *t)
{
	struct s6p_udp_ent *e = calloc(1, sizeof *e);
	char why[S6P_UDP_WHY_MAX];

	if (!e)
		return ENOMEM;
	int rc = s6p_udp_assoc_open(fd, t, &e->a, why, sizeof why);
	if (rc) {
		s6p_udp_assoc_log_fail(t, why, 0);
		free(e);
		return rc;
	}
	e->fd = fd;
	uint64_t id = e->a.id;
	char buf[S6_ADDR_STR_MAX];
	s6_addr_format((struct sockaddr *)&e->a.relay, buf, sizeof buf);
	if (!s6p_udp_install(fd, e))
		return 0; /* another thread was quicker */
	s6_log(S6_LOG_INFO, "proxy %s: UDP association %016llx for fd %d, relay %s",
	       s6p_state()->proxy_str, (unsigned long long)id, fd, buf);
	return 0;
}

void s6p_udp_wait_settled(int fd, int max_ms)
{
	struct timespec dl;

	long long bound = (long long)s6p_state()->cfg.connect_timeout_ms + 2000;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	if (max_ms < 0 || max_ms > bound)
		max_ms = (int)bound;
	dl.tv_sec += max_ms / 1000;
	dl.tv_nsec += (max_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s6p_udp_mu);
	for (;;) {
		struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
		if (!e || !e->pend ||
		    pthread_cond_timedwait(&s6p_udp_cv, &s6p_udp_mu, &dl) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
}

int s6p_udp_take_err(int fd, bool peek)
{
	int err = 0;

	if (atomic_load(&s6p_udp_nerr) == 0)
		return 0;
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	if (e) {
		err = e->err;
		if (!peek)
			s6p_udp_set_err_locked(e, 0);
	}
	pthread_mutex_unlock(&s6p_udp_mu);
	if (err && !peek)
		s6p_udp_eperr_disarm(fd); /* reported: epoll stops saying EPOLLERR */
	return err;
}

bool s6p_udp_so_error(int fd, int *err)
{
	*err = s6p_udp_take_err(fd, false);
	return *err != 0;
}

int s6p_udp_get(int fd, struct s6p_udp_snap *s, bool nowait, struct s6p_udp_first *f)
{
	f->queued = false;
	f->refused = 0;
	/* Bounded: each round ends a wait or starts an attempt. */
	for (int round = 0; round < 4; round++) {
		bool have = s6p_udp_snapshot(fd, s);
		if (have && s->pending && !nowait) {
			s6p_udp_wait_settled(fd, -1);
			continue;
		}
		if (have && (s->a.ctl >= 0 || s->pending))
			return 0;
		if (have && s->err)
			return s6p_udp_take_err(fd, false) ?: EAGAIN;
		int rc = nowait ? s6p_udp_bg_start(fd, f) : EAGAIN;
		if (rc == EAGAIN)
			rc = s6p_udp_open_sync(fd, f->t);
		if (rc)
			return rc;
		if (f->queued)
			return s6p_udp_snapshot(fd, s) ? 0 : EBADF;
	}
	return s6p_udp_snapshot(fd, s) ? 0 : EBADF;
}

struct s6p_udp_pend *s6p_udp_pend_of_locked(int fd)
{
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);

	return e ? e->pend : NULL;
}

bool s6p_udp_install_pend_locked(int fd, struct s6p_udp_pend *p)
{
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);

	if (e && (e->a.ctl >= 0 || e->pend))
		return false;
	if (!e) {
		if (!(e = calloc(1, sizeof *e)))
			return false;
		e->fd = fd;
		e->a.ctl = -1;
		e->next = s6p_udp_list;
		s6p_udp_list = e;
		atomic_fetch_add(&s6p_udp_n, 1);
	}
	e->pend = p;
	s6p_udp_set_err_locked(e, 0);
	return true;
}

int s6p_udp_settle_locked(const struct s6p_udp_pend *p, const struct s6p_udp_assoc *a, int rc)
{
	int n = 0;

	for (struct s6p_udp_ent *e = s6p_udp_list; e; e = e->next) {
		if (e->pend != p)
			continue;
		e->pend = NULL;
		s6p_udp_set_err_locked(e, a ? 0 : rc);
		if (a) {
			e->a = *a;
			e->dead = false;
		}
		n++;
	}
	pthread_cond_broadcast(&s6p_udp_cv);
	return n;
}

int s6p_udp_pend_fds_locked(const struct s6p_udp_pend *p, int *fds, int max)
{
	int n = 0;

	for (struct s6p_udp_ent *e = s6p_udp_list; e && n < max; e = e->next)
		if (e->pend == p)
			fds[n++] = e->fd;
	return n;
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

void s6p_udp_note_dns(int fd, uint16_t qid, const struct sockaddr_storage *ns, socklen_t len)
{
	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	if (e) {
		struct s6p_udp_dnsq *q = &e->dnsq[e->dnsq_next++ % S6P_UDP_DNSQ];
		q->qid = qid;
		q->ns = *ns;
		q->ns_len = len;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
}

/* The nameserver asked with qid, else the one asked last. */
bool s6p_udp_dns_source(int fd, uint16_t qid, struct sockaddr_storage *ss, socklen_t *len)
{
	const struct s6p_udp_dnsq *hit = NULL;

	pthread_mutex_lock(&s6p_udp_mu);
	struct s6p_udp_ent *e = s6p_udp_find_locked(fd);
	for (unsigned i = 1; e && i <= S6P_UDP_DNSQ && !hit; i++) {
		const struct s6p_udp_dnsq *q = &e->dnsq[(e->dnsq_next - i) % S6P_UDP_DNSQ];
		if (q->ns_len && q->qid == qid)
			hit = q;
	}
	if (e && !hit && e->dnsq[(e->dnsq_next - 1) % S6P_UDP_DNSQ].ns_len)
		hit = &e->dnsq[(e->dnsq_next - 1) % S6P_UDP_DNSQ];
	if (hit) {
		*ss = hit->ns;
		*len = hit->ns_len;
	}
	pthread_mutex_unlock(&s6p_udp_mu);
	return hit != NULL;
}
