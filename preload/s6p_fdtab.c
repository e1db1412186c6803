/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "s6p_driver.h"
#include "s6p_forkset.h"
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_s6.h"

struct s6p_slot {
	struct s6p_conn *conn;
	struct s6p_epreg *regs;
	bool is_epfd;            /* fd was used as an epoll instance */
	bool unseen_close;       /* libc may close fd where no hook sees it */
	int alias_next;          /* with conn: the next number sharing it */
};

static pthread_mutex_t s6p_fdtab_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct s6p_slot *s6p_slots;
static size_t s6p_nslots;
static uint64_t s6p_tag_secret;

atomic_int s6p_pending_count;
atomic_int s6p_opt_count;
atomic_uint s6p_flags_epoch;

void s6p_opt_count_locked(struct s6p_conn *c)
{
	if (!c->opt_counted)
		atomic_fetch_add(&s6p_opt_count, 1);
	c->opt_counted = true;
}

void s6p_opt_uncount_locked(struct s6p_conn *c)
{
	if (c->opt_counted)
		atomic_fetch_sub(&s6p_opt_count, 1);
	c->opt_counted = false;
}

void s6p_fdtab_lock(void) { pthread_mutex_lock(&s6p_fdtab_mutex); }
void s6p_fdtab_unlock(void) { pthread_mutex_unlock(&s6p_fdtab_mutex); }

/* A forked child has only the forking thread: the driver must be restarted
 * there, and the lock must not stay held by a thread that no longer exists.
 * Handshakes in flight are settled first (s6p_forkset.h), without the lock,
 * so that parent and child start from the same outcome. */
static void s6p_atfork_prepare(void)
{
	s6p_fork_settle();
	s6p_fdtab_lock();
}
static void s6p_atfork_parent(void) { s6p_fdtab_unlock(); }
static void s6p_atfork_child(void)
{
	s6p_driver_after_fork_locked();
	s6p_fdtab_unlock();
}

__attribute__((constructor)) static void s6p_fdtab_ctor(void)
{
	if (getrandom(&s6p_tag_secret, sizeof s6p_tag_secret, GRND_NONBLOCK) != sizeof s6p_tag_secret)
		s6p_tag_secret = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	s6p_tag_secret |= 1ull << 63; /* never equal to a small fd or pointer */
	pthread_atfork(s6p_atfork_prepare, s6p_atfork_parent, s6p_atfork_child);
}

uint64_t s6p_epoll_mask_tag(int fd) { return s6p_tag_secret ^ (uint32_t)fd; }
bool s6p_epoll_is_mask_tag(uint64_t data) { return (data ^ s6p_tag_secret) <= 0x7fffffffu; }

static struct s6p_slot *s6p_slot_locked(int fd, bool grow)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= s6p_nslots) {
		if (!grow)
			return NULL;
		size_t n = s6p_nslots ? s6p_nslots : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct s6p_slot *p = realloc(s6p_slots, n * sizeof *p);
		if (!p)
			return NULL;
		memset(p + s6p_nslots, 0, (n - s6p_nslots) * sizeof *p);
		s6p_slots = p;
		s6p_nslots = n;
	}
	return &s6p_slots[fd];
}

struct s6p_conn *s6p_conn_get_locked(int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);
	return s ? s->conn : NULL;
}

/* Only a number libc may close behind our back needs the identity check:
 * one given to fdopen (fclose closes it inside libc) and the standard three
 * (freopen and daemon replace them inside libc). Every other close path is
 * a hook (close, dup2/dup3, close_range, closefrom, syscall), and a number
 * that comes back through socket() is dropped there. */
static bool s6p_slot_unseen(const struct s6p_slot *s, int fd)
{
	return fd <= 2 || s->unseen_close;
}

static void s6p_conn_identify(struct s6p_conn *c)
{
	struct stat st;

	if (fstat(c->fd, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
}

struct s6p_conn *s6p_conn_get_checked_locked(int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);
	struct s6p_conn *c = s ? s->conn : NULL;
	struct stat st;

	if (!c || !s6p_slot_unseen(s, fd))
		return c;
	if (fstat(fd, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		return c;
	s6p_fd_forget_locked(fd);
	return NULL;
}

void s6p_fd_mark_unseen(int fd)
{
	s6p_fdtab_lock();
	struct s6p_slot *s = s6p_slot_locked(fd, true);
	if (s && !s->unseen_close) {
		s->unseen_close = true;
		if (s->conn && fd > 2)
			s6p_conn_identify(s->conn); /* not read at connect: unmarked then */
	}
	s6p_fdtab_unlock();
}

void s6p_fd_closed_locked(int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);

	if (!s)
		return;
	s6p_fd_forget_locked(fd);
	s->unseen_close = false;
}

void s6p_fd_closed_range_locked(unsigned first, unsigned last)
{
	for (size_t fd = first; fd < s6p_nslots && fd <= last; fd++)
		s6p_fd_closed_locked((int)fd);
}

struct s6p_conn *s6p_conn_new_locked(int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, true);
	struct s6p_conn *c;

	if (!s)
		return NULL;
	if (s->conn)
		s6p_fd_forget_locked(fd);
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = fd;
	c->fd_refs = 1;
	c->notify_fd = -1;
	if (s6p_slot_unseen(s, fd))
		s6p_conn_identify(c);
	s->conn = c;
	s->alias_next = fd;
	return c;
}

bool s6p_conn_alias_locked(int oldfd, int newfd)
{
	struct s6p_slot *o, *n = s6p_slot_locked(newfd, true);
	struct s6p_conn *c;

	if (!n || newfd == oldfd)
		return false;
	o = s6p_slot_locked(oldfd, false); /* after the growth above */
	c = o ? o->conn : NULL;
	if (!c)
		return false;
	if (n->conn)
		s6p_fd_forget_locked(newfd);
	if (s6p_slot_unseen(n, newfd))
		s6p_conn_identify(c); /* the same socket: the same identity */
	n->conn = c;
	n->alias_next = o->alias_next;
	o->alias_next = newfd;
	c->fd_refs++;
	return true;
}

int s6p_conn_next_fd_locked(const struct s6p_conn *c, int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);

	return s && s->conn == c ? s->alias_next : c->fd;
}

/* fd leaves c's ring; the others keep the connection (and its handshake,
 * which the driver now follows through another number). */
static void s6p_conn_unalias_locked(struct s6p_conn *c, int fd)
{
	struct s6p_slot *s = &s6p_slots[fd];
	int prev = fd;

	for (int i = 0; i < c->fd_refs && s6p_slots[prev].alias_next != fd; i++)
		prev = s6p_slots[prev].alias_next;
	s6p_slots[prev].alias_next = s->alias_next;
	c->fd_refs--;
	if (c->fd == fd) {
		c->fd = s->alias_next;
		s6p_driver_kick_locked(c); /* it polls the old number */
	}
	s->conn = NULL;
}

static void s6p_conn_free_locked(struct s6p_conn *c)
{
	s6_hs_release(&c->hs);
	s6p_s6_free(c->s6);
	if (c->notify_fd >= 0)
		S6P_REAL(close)(c->notify_fd);
	free(c);
}

void s6p_conn_unref_locked(struct s6p_conn *c)
{
	if (--c->notify_users > 0)
		return;
	if (c->forgotten) {
		s6p_conn_free_locked(c);
	} else if (c->state != S6P_CONN_PENDING && c->state != S6P_CONN_OPTIMISTIC &&
		   c->notify_fd >= 0) {
		S6P_REAL(close)(c->notify_fd); /* the last poller is gone */
		c->notify_fd = -1;
	}
}

static void s6p_epreg_drop_epfd_locked(int epfd)
{
	for (size_t fd = 0; fd < s6p_nslots; fd++)
		s6p_epreg_del_locked((int)fd, epfd);
}

void s6p_fd_forget_locked(int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);

	if (!s)
		return;
	if (s->conn && s->conn->fd_refs > 1) {
		s6p_conn_unalias_locked(s->conn, fd);
	} else if (s->conn) {
		struct s6p_conn *c = s->conn;
		s->conn = NULL;
		if (c->state == S6P_CONN_PENDING || c->state == S6P_CONN_OPTIMISTIC)
			s6p_driver_remove_locked(c);
		s6p_opt_uncount_locked(c);
		c->forgotten = true;
		if (c->notify_users == 0)
			s6p_conn_free_locked(c);
	}
	while (s->regs)
		s6p_epreg_del_locked(fd, s->regs->epfd);
	if (s->is_epfd) {
		s->is_epfd = false;
		s6p_epreg_drop_epfd_locked(fd);
	}
}

int s6p_epreg_set_locked(int fd, int epfd, const struct epoll_event *ev)
{
	struct s6p_slot *s = s6p_slot_locked(fd, true);
	struct s6p_slot *e = s6p_slot_locked(epfd, true);
	struct s6p_epreg *r;

	if (!s || !e)
		return -1;
	s = &s6p_slots[fd]; /* the second lookup may have moved the array */
	e->is_epfd = true;
	for (r = s->regs; r; r = r->next) {
		if (r->epfd == epfd) {
			r->ev = *ev;
			return 0;
		}
	}
	r = malloc(sizeof *r);
	if (!r)
		return -1;
	r->epfd = epfd;
	r->ev = *ev;
	r->next = s->regs;
	s->regs = r;
	return 0;
}

void s6p_epreg_del_locked(int fd, int epfd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);

	if (!s)
		return;
	for (struct s6p_epreg **pp = &s->regs; *pp; pp = &(*pp)->next) {
		if ((*pp)->epfd == epfd) {
			struct s6p_epreg *r = *pp;
			*pp = r->next;
			free(r);
			return;
		}
	}
}

struct s6p_epreg *s6p_epreg_list_locked(int fd)
{
	struct s6p_slot *s = s6p_slot_locked(fd, false);
	return s ? s->regs : NULL;
}

bool s6p_fd_busy(int fd)
{
	bool busy;

	if (atomic_load_explicit(&s6p_pending_count, memory_order_relaxed) == 0)
		return false;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_locked(fd);
	busy = c && c->state == S6P_CONN_PENDING;
	s6p_fdtab_unlock();
	if (busy)
		errno = EAGAIN;
	return busy;
}
