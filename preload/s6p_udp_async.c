/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Non-blocking first datagrams (s6p_udp_int.h): a non-blocking socket's
 * first send or connect() does not wait for the association. A thread makes
 * it on a private copy of the socket while the program's datagrams wait in
 * a small queue; once it is up they leave, in order, before any later one
 * (the queue is sent under the table lock, with non-blocking sends). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include "s6_addr.h"
#include "s6_iov.h"
#include "s6_log.h"
#include "s6p_real.h"
#include "s6p_state.h"
#include "s6p_udp_hold.h"
#include "s6p_udp_int.h"

/* The private copy sits high, like control connections. */
#define S6P_UDP_BG_FD_MIN 512
/* Sockets (dups) whose epoll registrations a change of held state syncs. */
#define S6P_UDP_HOLD_FDS 8

struct s6p_udp_qd {
	struct s6p_udp_qd *next;
	struct s6p_target t;
	int flags;
	size_t len;
	uint8_t data[];
};

struct s6p_udp_pend {
	struct s6p_udp_pend *next;    /* all pending, for fork */
	int fd;                       /* private copy of the program's socket */
	int orig_fd;                  /* for the log */
	struct s6p_target t;          /* on whose behalf: for the log */
	bool connect;                 /* the program connect()ed meanwhile */
	struct s6p_udp_qd *head, **tail;
	unsigned n;
	size_t bytes;
	bool held;                    /* full: output held (s6p_udp_hold.h) */
	bool failing;                 /* failed, being logged: the queue takes no more */
	struct s6p_udp_wake *wake;    /* made for the first poller of a held socket */
};

/* Under the table lock; the count is read without it (s6p_udp_hold.h). */
static struct s6p_udp_pend *s6p_udp_pends;
atomic_int s6p_udp_npend;

static void s6p_udp_pend_free(struct s6p_udp_pend *p)
{
	while (p->head) {
		struct s6p_udp_qd *q = p->head;
		p->head = q->next;
		free(q);
	}
	if (p->fd >= 0)
		S6P_REAL(close)(p->fd);
	free(p);
}

static void s6p_udp_pend_unlink_locked(struct s6p_udp_pend *p)
{
	for (struct s6p_udp_pend **pp = &s6p_udp_pends; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			atomic_fetch_sub(&s6p_udp_npend, 1);
			return;
		}
	}
}

/* Send the queue through a (the lock held): datagrams that do not fit the
 * socket buffer now are lost, as UDP may lose them. */
static void s6p_udp_pend_flush_locked(struct s6p_udp_pend *p, const struct s6p_udp_assoc *a)
{
	for (struct s6p_udp_qd *q = p->head; q; q = q->next) {
		struct iovec v = { q->data, q->len };
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
		if (s6p_udp_send_raw(p->fd, a, &q->t, &m, q->flags | MSG_DONTWAIT) < 0)
			s6_log(S6_LOG_ERROR, "UDP fd %d: a queued datagram was lost: %s",
			       p->orig_fd, strerror(errno));
	}
}

/* p is full: hold its sockets' output. Returns how many fds (in fds) to
 * sync once the lock is released. */
static int s6p_udp_hold_locked(struct s6p_udp_pend *p, int *fds)
{
	if (p->held)
		return 0;
	p->held = true;
	atomic_fetch_add(&s6p_udp_nheld, 1);
	atomic_fetch_add(&s6p_udp_held_gen, 1);
	return s6p_udp_pend_fds_locked(p, fds, S6P_UDP_HOLD_FDS);
}

/* p settles: its sockets' fds to sync (in fds, before the entries let go of
 * p), then the wake for its pollers. */
static int s6p_udp_unhold_locked(struct s6p_udp_pend *p, int *fds)
{
	int n = p->held ? s6p_udp_pend_fds_locked(p, fds, S6P_UDP_HOLD_FDS) : 0;

	if (p->held) {
		p->held = false;
		atomic_fetch_sub(&s6p_udp_nheld, 1);
		atomic_fetch_add(&s6p_udp_held_gen, 1);
	}
	if (p->wake) {
		s6p_udp_wake_fire_locked(p->wake);
		s6p_udp_wake_put_locked(p->wake);
		p->wake = NULL;
	}
	return n;
}

static void s6p_udp_hold_sync(const int *fds, int n, bool restore)
{
	for (int i = 0; i < n; i++)
		s6p_udp_epoll_sync(fds[i], restore);
}

static void s6p_udp_bg_log(const struct s6p_udp_pend *p, const struct s6p_udp_assoc *a)
{
	char buf[S6_ADDR_STR_MAX];

	s6_log(S6_LOG_INFO, "proxy %s: UDP association %016llx for fd %d, relay %s "
	       "(made in the background, %u datagram(s) queued)", s6p_state()->proxy_str,
	       (unsigned long long)a->id, p->orig_fd,
	       s6_addr_format((const struct sockaddr *)&a->relay, buf, sizeof buf), p->n);
}

static void *s6p_udp_bg_main(void *arg)
{
	struct s6p_udp_pend *p = arg;
	struct s6p_udp_assoc a;
	int fds[S6P_UDP_HOLD_FDS], errfds[S6P_UDP_HOLD_FDS];
	char why[S6P_UDP_WHY_MAX];
	int rc = s6p_udp_assoc_open(p->fd, &p->t, &a, why, sizeof why);

	if (rc) {
		/* Logged before any call of the program can see the failure. */
		s6p_udp_lock();
		p->failing = true;
		unsigned dropped = p->n;
		s6p_udp_unlock();
		s6p_udp_assoc_log_fail(&p->t, why, dropped);
	}
	s6p_udp_lock();
	int nerr = rc ? s6p_udp_pend_fds_locked(p, errfds, S6P_UDP_HOLD_FDS) : 0;
	int nfds = s6p_udp_unhold_locked(p, fds);
	int users = s6p_udp_settle_locked(p, rc ? NULL : &a, rc);
	if (users && !rc) {
		if (p->connect &&
		    S6P_REAL(connect)(p->fd, (struct sockaddr *)&a.relay, a.relay_len) < 0)
			s6_log(S6_LOG_ERROR, "UDP fd %d: cannot connect to the relay: %s",
			       p->orig_fd, strerror(errno));
		s6p_udp_pend_flush_locked(p, &a);
	}
	s6p_udp_pend_unlink_locked(p);
	s6p_udp_unlock();
	s6p_udp_hold_sync(fds, nfds, true);
	for (int i = 0; i < nerr; i++)
		s6p_udp_eperr_arm(errfds[i]); /* epoll reports the error */
	if (!rc && users)
		s6p_udp_bg_log(p, &a);
	else if (!rc)
		S6P_REAL(close)(a.ctl); /* the socket was closed meanwhile */
	s6p_udp_pend_free(p);
	return NULL;
}

/* A detached thread with every signal blocked: the program's handlers
 * never run on it. */
static int s6p_udp_bg_spawn(struct s6p_udp_pend *p)
{
	sigset_t all, old;
	pthread_attr_t at;
	pthread_t th;

	sigfillset(&all);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&th, &at, s6p_udp_bg_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	return rc;
}

static struct s6p_udp_qd *s6p_udp_qd_new(int fd, const struct s6p_target *t,
					 const struct msghdr *msg, int flags);

/* The pend for fd, f's datagram first in its queue (unless refused, as
 * too large: f->refused): NULL with *rc. */
static struct s6p_udp_pend *s6p_udp_pend_new(int fd, struct s6p_udp_first *f, int *rc)
{
	struct s6p_udp_pend *p = calloc(1, sizeof *p);
	struct s6p_udp_qd *q = NULL;

	*rc = EAGAIN;
	if (!p)
		return NULL;
	/* The association is made all the same, as for a blocking send the
	 * kernel refuses only after it. */
	if (f->msg && !(q = s6p_udp_qd_new(fd, f->t, f->msg, f->flags)))
		f->refused = errno;
	p->tail = &p->head;
	p->orig_fd = fd;
	p->t = *f->t;
	if (q) {
		p->head = q;
		p->tail = &q->next;
		p->n = 1;
		p->bytes = q->len;
	}
	p->fd = S6P_REAL(fcntl)(fd, F_DUPFD_CLOEXEC, S6P_UDP_BG_FD_MIN);
	if (p->fd < 0) {
		s6p_udp_pend_free(p);
		return NULL;
	}
	return p;
}

int s6p_udp_bg_start(int fd, struct s6p_udp_first *f)
{
	int rc;
	struct s6p_udp_pend *p = s6p_udp_pend_new(fd, f, &rc);

	if (!p)
		return rc;
	s6p_udp_lock();
	bool ok = atomic_load(&s6p_udp_npend) < S6P_UDP_BG_MAX &&
		  s6p_udp_install_pend_locked(fd, p);
	if (ok) {
		p->next = s6p_udp_pends;
		s6p_udp_pends = p;
		atomic_fetch_add(&s6p_udp_npend, 1);
	}
	s6p_udp_unlock();
	if (!ok) {
		s6p_udp_pend_free(p);
		return EAGAIN;
	}
	/* Queued before the thread runs: whatever its outcome, this send was
	 * accepted (and, should it fail, counted as dropped). */
	f->queued = p->n > 0;
	if (s6p_udp_bg_spawn(p) == 0)
		return 0;
	f->queued = false;
	int fds[S6P_UDP_HOLD_FDS];
	s6p_udp_lock(); /* no thread: the entry goes back to having none */
	int nfds = s6p_udp_unhold_locked(p, fds);
	s6p_udp_settle_locked(p, NULL, 0);
	s6p_udp_pend_unlink_locked(p);
	s6p_udp_unlock();
	s6p_udp_hold_sync(fds, nfds, true);
	s6p_udp_pend_free(p);
	return EAGAIN;
}

/* The largest UDP payload the socket's family can send (without jumbograms). */
static size_t s6p_udp_max_payload(int fd)
{
	int fam = AF_INET;
	socklen_t fl = sizeof fam;

	S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &fam, &fl);
	return fam == AF_INET6 ? 65535 - 8 : 65535 - 20 - 8;
}

/* A copy of the datagram, its size checked as a send would check it. */
static struct s6p_udp_qd *s6p_udp_qd_new(int fd, const struct s6p_target *t,
					 const struct msghdr *msg, int flags)
{
	uint8_t hdr[S6_SOCKS6_UDP_DGRAM_FIXED_LEN + S6_SOCKS6_ADDR_WIRE_MAX];
	size_t len = s6_iov_total(msg->msg_iov, msg->msg_iovlen), hl = 0;

	if (s6_s6_udp_datagram_header_pack(0, &t->s6dst, t->port, len, hdr, sizeof hdr,
					   &hl) != S6_OK || hl + len > s6p_udp_max_payload(fd)) {
		errno = EMSGSIZE;
		return NULL;
	}
	struct s6p_udp_qd *q = malloc(sizeof *q + len);
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	s6_iov_gather(msg->msg_iov, msg->msg_iovlen, q->data, len);
	q->next = NULL;
	q->t = *t;
	q->flags = flags & ~(MSG_DONTWAIT | MSG_CONFIRM);
	q->len = len;
	return q;
}

bool s6p_udp_enqueue(int fd, const struct s6p_target *t, const struct msghdr *msg, int flags,
		     ssize_t *r)
{
	struct s6p_udp_qd *q = s6p_udp_qd_new(fd, t, msg, flags);
	int fds[S6P_UDP_HOLD_FDS], nfds = 0;

	*r = -1;
	if (!q)
		return true;
	s6p_udp_lock();
	struct s6p_udp_pend *p = s6p_udp_pend_of_locked(fd);
	if (p && p->failing)
		p = NULL; /* as good as settled: the caller waits or says EAGAIN */
	bool full = p && (p->n >= S6P_UDP_QUEUE_MAX || p->bytes + q->len > S6P_UDP_QUEUE_BYTES);
	if (p && !full) {
		*p->tail = q;
		p->tail = &q->next;
		p->n++;
		p->bytes += q->len;
		*r = (ssize_t)q->len;
	}
	if (p && (full || p->n >= S6P_UDP_QUEUE_MAX))
		nfds = s6p_udp_hold_locked(p, fds);
	s6p_udp_unlock();
	s6p_udp_hold_sync(fds, nfds, true);
	if (!p || full)
		free(q);
	if (full)
		errno = EAGAIN; /* like a full socket buffer */
	return p != NULL;
}

bool s6p_udp_out_held(int fd)
{
	s6p_udp_lock();
	struct s6p_udp_pend *p = s6p_udp_pend_of_locked(fd);
	bool held = p && p->held;
	s6p_udp_unlock();
	return held;
}

struct s6p_udp_wake *s6p_udp_wake_get(int fd, bool *held)
{
	struct s6p_udp_wake *w = NULL;

	s6p_udp_lock();
	struct s6p_udp_pend *p = s6p_udp_pend_of_locked(fd);
	if (p && !p->wake)
		p->wake = s6p_udp_wake_new();
	if (p && p->wake) {
		w = p->wake;
		s6p_udp_wake_ref_locked(w);
	}
	*held = p && p->held;
	s6p_udp_unlock();
	return w;
}

void s6p_udp_wake_put(struct s6p_udp_wake *w)
{
	s6p_udp_lock();
	s6p_udp_wake_put_locked(w);
	s6p_udp_unlock();
}

bool s6p_udp_connect_later(int fd)
{
	s6p_udp_lock();
	struct s6p_udp_pend *p = s6p_udp_pend_of_locked(fd);
	if (p)
		p->connect = true;
	s6p_udp_unlock();
	return p != NULL;
}

void s6p_udp_pend_after_fork_locked(void)
{
	while (s6p_udp_pends) {
		struct s6p_udp_pend *p = s6p_udp_pends;
		s6p_udp_pends = p->next;
		if (p->wake) /* its pollers were other threads: gone */
			s6p_udp_wake_free_locked(p->wake);
		s6p_udp_pend_free(p);
	}
	atomic_store(&s6p_udp_npend, 0);
	atomic_store(&s6p_udp_nheld, 0);
}
