/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the preload library knows about the program's file descriptors:
 * proxied connections (indexed by fd) and the epoll registrations of every fd,
 * so that a registration made before connect() can be held back while the
 * proxy handshake runs and restored when it ends.
 *
 * One mutex guards the table; every function named *_locked needs it held.
 * Two atomic counters let the hot hooks (read, write, poll, epoll_wait) skip
 * the table entirely when no handshake is in progress. */
#ifndef S6P_FDTAB_H
#define S6P_FDTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "s6_handshake.h"

enum s6p_conn_state {
	S6P_CONN_PENDING = 1,   /* non-blocking handshake in progress */
	S6P_CONN_CONNECTED,     /* proxied and established */
	S6P_CONN_FAILED,        /* failed; err is reported once through SO_ERROR */
	S6P_CONN_OPTIMISTIC,    /* socks6: connect() returned, the Request or its
				 * replies are still outstanding (s6p_opt.h) */
};

/* OPTIMISTIC has two phases: the Request waits for the program's first
 * write (it becomes initial data), then the replies are awaited. */
enum s6p_opt_phase {
	S6P_OPT_UNSENT = 0,
	S6P_OPT_REPLIES,
};

#define S6P_TARGET_MAX 300

struct s6p_conn {
	int fd;                        /* one of the numbers naming the socket */
	int fd_refs;                   /* how many numbers share this entry: a
					* dup of the socket is the same connection,
					* the last close releases it */
	dev_t dev;                     /* identity of the socket the entry is for, */
	ino_t ino;                     /* read only where libc may close fd unseen */
	enum s6p_conn_state state;
	struct sockaddr_storage dest;  /* what the program asked for */
	socklen_t dest_len;
	char target[S6P_TARGET_MAX];   /* "name:port" for log lines */
	int err;                       /* errno of a failure, 0 once read */
	int64_t deadline_ms;           /* PENDING: give up after this */
	int notify_fd;                 /* PENDING: eventfd, readable at the end */
	int notify_users;              /* pollers currently waiting on notify_fd */
	bool forgotten;                /* fd closed: free when users drop to 0 */
	bool tcp_up;                   /* TCP to the proxy established */
	bool is_name;                  /* target is a name (remote DNS) */
	int masked;                    /* epoll registrations held back */
	struct sockaddr_storage proxy; /* the proxy address this attempt uses */
	socklen_t proxy_len;
	struct s6p_conn *next_pending; /* driver's list */
	struct s6p_s6req *s6;          /* socks6:// only: the request (s6p_s6.h) */
	/* OPTIMISTIC (s6p_opt.h) */
	enum s6p_opt_phase opt_phase;
	bool opt_counted;              /* counted in s6p_opt_count: the hooks must look */
	bool opt_tfo;                  /* TCP_FASTOPEN_CONNECT is set on the socket */
	bool opt_passthru;             /* program bytes went to the socket directly */
	bool opt_syn_deferred;         /* TFO cookie: connect() sent nothing, the
					* Request will ride in the SYN */
	bool driven;                   /* the driver polls the socket; otherwise it
					* only keeps the entry's timers (s6p_driver.h) */
	bool nonblock;                 /* O_NONBLOCK as of flags_epoch (s6p_opt_wait.c) */
	unsigned flags_epoch;          /* s6p_flags_epoch when nonblock was read */
	int64_t opt_flush_ms;          /* UNSENT: the driver sends the Request alone then */
	s6_hs hs;
};

struct s6p_epreg {
	int epfd;
	struct epoll_event ev;         /* as the program registered it */
	struct s6p_epreg *next;
};

extern atomic_int s6p_pending_count; /* connections in S6P_CONN_PENDING */
/* Connections in S6P_CONN_OPTIMISTIC, or failed after it with an error the
 * program has not been told yet. */
extern atomic_int s6p_opt_count;
/* Bumped by every F_SETFL or FIONBIO: a cached O_NONBLOCK (a connection's,
 * or a new socket's in s6p_sockfl.h) is good while the epoch it was read in
 * lasts (a dup shares the flags, so any fd's change counts). */
extern atomic_uint s6p_flags_epoch;

/* True when some hook must look at the table (lock-free). */
static inline bool s6p_fdtab_watching(void)
{
	return atomic_load_explicit(&s6p_pending_count, memory_order_relaxed) > 0 ||
	       atomic_load_explicit(&s6p_opt_count, memory_order_relaxed) > 0;
}

/* Count c in / out of s6p_opt_count (idempotent). */
void s6p_opt_count_locked(struct s6p_conn *c);
void s6p_opt_uncount_locked(struct s6p_conn *c);

void s6p_fdtab_lock(void);
void s6p_fdtab_unlock(void);

struct s6p_conn *s6p_conn_get_locked(int fd);
/* The entry for fd if fd still names the same socket. A socket closed where
 * no hook sees it (fclose of an fdopen()ed socket, freopen of 0-2) leaves an
 * entry behind; when the number comes back for another file the stale entry
 * is dropped here instead of answering for the new one. Only such numbers
 * (marked by s6p_fd_mark_unseen, and 0-2) cost an fstat. */
struct s6p_conn *s6p_conn_get_checked_locked(int fd);
/* fd was handed to libc, which may close it without a hook seeing it. */
void s6p_fd_mark_unseen(int fd);
/* fd (or every fd in first..last) was closed where a hook saw it: forget it
 * and its mark. */
void s6p_fd_closed_locked(int fd);
void s6p_fd_closed_range_locked(unsigned first, unsigned last);
/* A fresh entry for fd (any old one is forgotten first); NULL on ENOMEM. */
struct s6p_conn *s6p_conn_new_locked(int fd);
/* fd is being closed or replaced: drop its connection and registrations. */
void s6p_fd_forget_locked(int fd);
/* newfd (a dup of oldfd) joins oldfd's entry, whatever its state: the
 * handshake, its outcome and its error are shared, as the kernel shares
 * the socket. False when oldfd has no entry. */
bool s6p_conn_alias_locked(int oldfd, int newfd);
/* The numbers of c form a ring: the one after fd (c->fd when alone). */
int s6p_conn_next_fd_locked(const struct s6p_conn *c, int fd);
/* Release a poller's reference taken with notify_users++. */
void s6p_conn_unref_locked(struct s6p_conn *c);

/* Epoll bookkeeping (the registration as the program sees it). */
int s6p_epreg_set_locked(int fd, int epfd, const struct epoll_event *ev);
void s6p_epreg_del_locked(int fd, int epfd);
struct s6p_epreg *s6p_epreg_list_locked(int fd);

/* True (errno EAGAIN) when fd's proxy handshake is still running: the
 * program must not read or write it yet. Lock-free when nothing is pending. */
bool s6p_fd_busy(int fd);

/* The data value that marks a held-back registration of fd. */
uint64_t s6p_epoll_mask_tag(int fd);
bool s6p_epoll_is_mask_tag(uint64_t data);

#endif
