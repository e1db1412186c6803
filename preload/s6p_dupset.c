/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdatomic.h>
#include <sys/stat.h>
#include "s6p_dupset.h"
#include "s6p_fdtab.h"

#define S6P_DUPSET_MAX 1024

/* Per fd: its group (0: none). A group number is never reused before the
 * counter wraps, and even then the fstat in attach keeps strangers out. */
static atomic_uint s6p_dupset[S6P_DUPSET_MAX];
static atomic_uint s6p_dupset_next;
/* One past the highest number ever grouped: bounds the walk in attach. */
static atomic_int s6p_dupset_top;

static bool s6p_dupset_slot(int fd)
{
	return fd >= 0 && fd < S6P_DUPSET_MAX;
}

static unsigned s6p_dupset_new_group(void)
{
	unsigned g;

	do
		g = atomic_fetch_add_explicit(&s6p_dupset_next, 1, memory_order_relaxed) + 1;
	while (g == 0);
	return g;
}

void s6p_dupset_copied(int oldfd, int newfd)
{
	unsigned g;

	if (!s6p_dupset_slot(oldfd) || !s6p_dupset_slot(newfd) || oldfd == newfd)
		return;
	g = atomic_load_explicit(&s6p_dupset[oldfd], memory_order_relaxed);
	if (g == 0) {
		unsigned want = s6p_dupset_new_group();
		/* Another thread's dup of oldfd may have grouped it meanwhile. */
		if (atomic_compare_exchange_strong(&s6p_dupset[oldfd], &g, want))
			g = want;
	}
	atomic_store_explicit(&s6p_dupset[newfd], g, memory_order_relaxed);
	int top = atomic_load_explicit(&s6p_dupset_top, memory_order_relaxed);
	int want_top = (oldfd > newfd ? oldfd : newfd) + 1;
	while (top < want_top &&
	       !atomic_compare_exchange_weak(&s6p_dupset_top, &top, want_top))
		;
}

void s6p_dupset_forget(int fd)
{
	if (s6p_dupset_slot(fd))
		atomic_store(&s6p_dupset[fd], 0);
}

void s6p_dupset_forget_range(unsigned first, unsigned last)
{
	for (unsigned fd = first; fd < S6P_DUPSET_MAX && fd <= last; fd++)
		s6p_dupset_forget((int)fd);
}

static bool s6p_dupset_same(const struct stat *a, int fd)
{
	struct stat b;

	return fstat(fd, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* Copies of fd that still name its socket join fd's entry (an entry they
 * held from an earlier, failed connect() of the socket is replaced). */
void s6p_dupset_attach(int fd)
{
	unsigned g = s6p_dupset_slot(fd) ?
		atomic_load_explicit(&s6p_dupset[fd], memory_order_relaxed) : 0;
	int top = atomic_load_explicit(&s6p_dupset_top, memory_order_relaxed);
	struct stat st;

	if (g == 0 || fstat(fd, &st) != 0)
		return;
	for (int d = 0; d < top && d < S6P_DUPSET_MAX; d++) {
		if (d == fd || atomic_load_explicit(&s6p_dupset[d], memory_order_relaxed) != g)
			continue;
		if (!s6p_dupset_same(&st, d))
			continue;
		/* Looked at again under the lock: a close of d leaves the
		 * group before it takes the lock to drop d's entry. */
		s6p_fdtab_lock();
		struct s6p_conn *c = s6p_conn_get_locked(fd);
		if (c && s6p_conn_get_locked(d) != c && atomic_load(&s6p_dupset[d]) == g)
			s6p_conn_alias_locked(fd, d);
		s6p_fdtab_unlock();
	}
}
