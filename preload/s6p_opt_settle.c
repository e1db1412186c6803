/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic connect: the program's first bytes are not lost when the
 * socket goes (close, exit) while the Request is still on its way (see
 * s6p_opt.h). */
#include "s6p_driver.h"
#include "s6p_opt.h"
#include "s6p_opt_int.h"
#include "s6p_s6.h"

/* The program's first bytes are ours until the proxy has the SYN's answer
 * (the write returned without waiting for it): let them leave before the
 * socket goes, within until_ms. */
static void s6p_opt_settle_fd_locked(int fd, int64_t until_ms)
{
	struct s6p_conn *c = s6p_conn_get_locked(fd);

	if (c && c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_REPLIES &&
	    c->s6 && c->s6->p.initial_data_len > 0 && s6p_conn_get_checked_locked(fd) == c)
		s6p_opt_settle_locked(c, until_ms < c->deadline_ms ? until_ms : c->deadline_ms);
}

void s6p_opt_before_close(int fd)
{
	if (atomic_load_explicit(&s6p_opt_count, memory_order_relaxed) == 0)
		return;
	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_get_locked(fd);
	if (!c || c->fd_refs <= 1) /* a copy stays open: nothing is dropped */
		s6p_opt_settle_fd_locked(fd, s6_now_ms() + S6P_OPT_CLOSE_WAIT_MS);
	s6p_fdtab_unlock();
}

void s6p_opt_settle_all(int64_t until_ms)
{
	int fds[64], n = 0;

	if (atomic_load_explicit(&s6p_opt_count, memory_order_relaxed) == 0)
		return;
	s6p_fdtab_lock();
	/* Settling drops the lock: take the numbers first. */
	for (struct s6p_conn *c = s6p_driver_list_locked(); c && n < 64; c = c->next_pending)
		if (c->state == S6P_CONN_OPTIMISTIC && c->opt_phase == S6P_OPT_REPLIES)
			fds[n++] = c->fd;
	for (int i = 0; i < n; i++)
		s6p_opt_settle_fd_locked(fds[i], until_ms);
	s6p_fdtab_unlock();
}
