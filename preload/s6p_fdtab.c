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
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_s6.h"

struct s6p_slot {
	struct s6p_conn *conn;
	struct s6p_epreg *regs;
	bool is_epfd;            /* fd was used as an epoll instance */
};

static pthread_mutex_t s6p_fdtab_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct s6p_slot *s6p_slots;
static size_t s6p_nslots;
static uint64_t s6p_tag_secret;

atomic_int s6p_pending_count;
atomic_int s6p_opt_count;

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
 * there, and the lock must not stay held by a thread that no longer exists. */
static void s6p_atfork_prepare(void) { s6p_fdtab_lock(); }
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

struct s6p_conn *s6p_conn_get_checked_locked(int fd)
{
	struct s6p_conn *c = s6p_conn_get_locked(fd);
	struct stat st;

	if (!c)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		return c;
	s6p_fd_forget_locked(fd);
	return NULL;
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
	c->notify_fd = -1;
	struct stat st;
	if (fstat(fd, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	s->conn = c;
	return c;
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
	if (s->conn) {
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
