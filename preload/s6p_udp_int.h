/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the UDP association code (s6p_udp*.c): the table's interface. */
#ifndef S6P_UDP_INT_H
#define S6P_UDP_INT_H

#include <errno.h>
#include <stdatomic.h>
#include "s6_socks6_udp.h"
#include "s6p_udp.h"

/* What a send reports once the proxy closed the control connection. */
#define S6P_UDP_DEAD_ERRNO ECONNRESET

struct s6p_udp_snap {
	struct s6p_udp_assoc a;       /* a.ctl < 0: none (pending, or failed) */
	bool dead;
	bool has_peer;
	bool pending;                 /* being made in the background */
	int err;                      /* the background attempt failed: reported once */
	struct s6p_target peer;
};

enum s6p_udp_way {
	S6P_UDP_WAY_NONE = 0,         /* blocked, errno set, logged */
	S6P_UDP_WAY_DIRECT,
	S6P_UDP_WAY_PROXY,
	S6P_UDP_WAY_DNS,              /* to the proxy's DNS service (dns-udp proxy) */
};

/* On whose behalf an association is made: the destination (named in a
 * failure's log line) and, for a send, the datagram. */
struct s6p_udp_first {
	const struct s6p_target *t;
	const struct msghdr *msg;     /* NULL: a connect() */
	int flags;
	bool queued;                  /* out: msg waits in a new background attempt's queue */
	int refused;                  /* out: msg cannot be queued (EMSGSIZE), errno */
};

bool s6p_udp_snapshot(int fd, struct s6p_udp_snap *s);
/* fd's association, made now if it has none: 0 or an errno. nowait (a
 * non-blocking socket or MSG_DONTWAIT): it may come back s->pending, the
 * association being made in the background (s6p_udp_async.c), with
 * f->msg queued first in it when this call started it (f->queued); else
 * this waits for it, within connect-timeout. A failure of an earlier
 * background attempt not reported yet is returned (once) instead. */
int s6p_udp_get(int fd, struct s6p_udp_snap *s, bool nowait, struct s6p_udp_first *f);
/* The failure of a background attempt, once (0: none); the next send tries
 * again. peek: without clearing it (poll). */
int s6p_udp_take_err(int fd, bool peek);
/* A blocking caller and a pending association: wait for its end, at most
 * max_ms (< 0: connect-timeout and a margin, the attempt's own bound). */
void s6p_udp_wait_settled(int fd, int max_ms);
void s6p_udp_set_peer(int fd, const struct s6p_target *t);
int s6p_udp_mark_dead(int fd, uint64_t id);
enum s6p_udp_way s6p_udp_way(int fd, const struct sockaddr *sa, socklen_t len);
/* Same IPv4 or IPv6 address and port. */
bool s6p_udp_same_sa(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* A name destination (placeholder) an unconnected socket sent to. The proxy
 * reports replies as coming from the address it resolved the name to, which
 * the program never saw: the first reply from the placeholder's port, and
 * every later one from that same address, is shown as coming from the
 * placeholder, as programs compare the source with what they sent to.
 * (s6p_udp.c keeps the last S6P_UDP_NAMES per socket.) */
#define S6P_UDP_NAMES 4
void s6p_udp_note_name(int fd, const struct sockaddr_storage *ph, socklen_t len);
/* Rewrite *ss (an address in the socket's family) to the placeholder it
 * answers for, if any. */
void s6p_udp_name_source(int fd, struct sockaddr_storage *ss, socklen_t *len);

/* DNS over UDP answered by the proxy (s6p_udp_dns.c, dns-udp proxy). */
/* Port 53 of a resolv.conf nameserver or of a loopback address. */
bool s6p_udp_dns_server(const struct sockaddr *sa);
/* The target for such a datagram: to 0.0.0.0 port 53 in the association,
 * dest (getpeername) the nameserver sa. */
void s6p_udp_dns_target(const struct sockaddr *sa, socklen_t len, struct s6p_target *t);
bool s6p_udp_dns_is_target(const struct s6p_target *t);
/* A Datagram from the proxy's DNS service (0.0.0.0 or :: port 53). */
bool s6p_udp_dns_is_source(const s6_s6_udp_msg *u);
/* Queries sent to the DNS service: by query ID, the nameserver asked
 * (s6p_udp.c keeps the last S6P_UDP_DNSQ per socket), so that the answer
 * shows as coming from it. s6p_udp_dns_source: false when no query is
 * known at all. */
#define S6P_UDP_DNSQ 16
void s6p_udp_note_dns(int fd, uint16_t qid, const struct sockaddr_storage *ns, socklen_t len);
bool s6p_udp_dns_source(int fd, uint16_t qid, struct sockaddr_storage *ss, socklen_t *len);

/* Non-blocking first datagrams (s6p_udp_async.c). While an association is
 * being made, up to S6P_UDP_QUEUE_MAX datagrams (S6P_UDP_QUEUE_BYTES in
 * all) wait in a queue and leave once it is up; beyond that EAGAIN, as from
 * a full socket buffer. One thread per association being made (at most
 * S6P_UDP_BG_MAX, else the caller waits) opens it on a private copy of the
 * socket (so a close and a reuse of the number cannot misdirect anything),
 * connects that copy to the relay if the program connect()ed meanwhile,
 * sends the queue, and ends. */
#define S6P_UDP_QUEUE_MAX 8
#define S6P_UDP_QUEUE_BYTES (256 * 1024)
#define S6P_UDP_BG_MAX 64
struct s6p_udp_pend;
void s6p_udp_lock(void);
void s6p_udp_unlock(void);
/* Start making fd's association in the background; the entry (new or
 * without an association) gets pend, with f->msg first in its queue. 0, or
 * an errno (EAGAIN: too many threads, make it synchronously). */
int s6p_udp_bg_start(int fd, struct s6p_udp_first *f);
/* Queue a datagram of a socket whose association is pending: true with *r
 * (its length, or -1 and errno) when queued or refused; false when the
 * association is no longer pending (send it now). */
bool s6p_udp_enqueue(int fd, const struct s6p_target *t, const struct msghdr *msg, int flags,
		     ssize_t *r);
/* connect() of a socket whose association is pending: the real socket is
 * connected to the relay once it is known. False when no longer pending. */
bool s6p_udp_connect_later(int fd);
/* Pack the header and send, no checks, no lock. */
ssize_t s6p_udp_send_raw(int fd, const struct s6p_udp_assoc *a, const struct s6p_target *t,
			 const struct msghdr *msg, int flags);
/* Under the lock (s6p_udp.c): */
struct s6p_udp_pend *s6p_udp_pend_of_locked(int fd);
bool s6p_udp_install_pend_locked(int fd, struct s6p_udp_pend *p);
/* The background attempt ended: a (NULL when it failed with rc) for every
 * entry waiting on p; returns how many there were. */
int s6p_udp_settle_locked(const struct s6p_udp_pend *p, const struct s6p_udp_assoc *a, int rc);
/* fork child: the threads are gone; their entries fail (ECONNABORTED). */
void s6p_udp_pend_after_fork_locked(void);

/* Held output (s6p_udp_hold.h): a pending association whose queue is full
 * (or refused a datagram) holds its sockets' output until it settles. Every
 * change of a held state bumps s6p_udp_held_gen. */
struct s6p_udp_wake;
extern atomic_uint s6p_udp_held_gen;
bool s6p_udp_out_held(int fd);
/* fd's association is pending: a reference to its wake (s6p_udp_wake_put),
 * fired when it settles, and *held; else NULL. */
struct s6p_udp_wake *s6p_udp_wake_get(int fd, bool *held);
int s6p_udp_wake_fd(const struct s6p_udp_wake *w);
void s6p_udp_wake_put(struct s6p_udp_wake *w);
/* Under the lock (s6p_udp_hold.c): a new wake (one reference) or NULL. */
struct s6p_udp_wake *s6p_udp_wake_new(void);
void s6p_udp_wake_ref_locked(struct s6p_udp_wake *w);
void s6p_udp_wake_fire_locked(struct s6p_udp_wake *w);
void s6p_udp_wake_put_locked(struct s6p_udp_wake *w);
/* fork child: the other threads' references are gone with them. */
void s6p_udp_wake_free_locked(struct s6p_udp_wake *w);
/* The sockets waiting on p (s6p_udp.c): up to max fds, returns how many. */
int s6p_udp_pend_fds_locked(const struct s6p_udp_pend *p, int *fds, int max);

#endif
