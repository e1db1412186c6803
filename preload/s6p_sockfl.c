/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include "s6p_fdtab.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"

#define S6P_SOCKFL_MAX 1024

/* Per fd: the epoch the value was taken in (high half), O_NONBLOCK (bit 1)
 * and "known" (bit 0); 0 is unknown. The full 32-bit epoch is compared, so
 * no wrap-around is short enough to matter. */
static _Atomic uint64_t s6p_sockfl[S6P_SOCKFL_MAX];

#define S6P_SOCKFL_KNOWN 1u
#define S6P_SOCKFL_NB 2u
#define S6P_SOCKFL_DGRAM 4u   /* SOCK_DGRAM: the type never changes */

static bool s6p_sockfl_slot(int fd)
{
	/* 0-2 may be replaced inside libc (freopen, daemon). */
	return fd > 2 && fd < S6P_SOCKFL_MAX;
}

void s6p_sockfl_created(int fd, int type)
{
	uint64_t epoch = atomic_load_explicit(&s6p_flags_epoch, memory_order_acquire);

	if (!s6p_sockfl_slot(fd))
		return;
	atomic_store_explicit(&s6p_sockfl[fd], epoch << 32 | S6P_SOCKFL_KNOWN |
			      ((type & SOCK_NONBLOCK) ? S6P_SOCKFL_NB : 0) |
			      ((type & 0xf) == SOCK_DGRAM ? S6P_SOCKFL_DGRAM : 0),
			      memory_order_relaxed);
}

bool s6p_sockfl_dgram(int fd)
{
	uint64_t v = s6p_sockfl_slot(fd) ?
		atomic_load_explicit(&s6p_sockfl[fd], memory_order_relaxed) : 0;

	return (v & S6P_SOCKFL_KNOWN) && (v & S6P_SOCKFL_DGRAM);
}

void s6p_sockfl_forget(int fd)
{
	if (s6p_sockfl_slot(fd))
		atomic_store_explicit(&s6p_sockfl[fd], 0, memory_order_relaxed);
}

void s6p_sockfl_forget_range(unsigned first, unsigned last)
{
	for (unsigned fd = first; fd < S6P_SOCKFL_MAX && fd <= last; fd++)
		s6p_sockfl_forget((int)fd);
}

int s6p_sockfl_get(int fd)
{
	uint64_t v = s6p_sockfl_slot(fd) ?
		atomic_load_explicit(&s6p_sockfl[fd], memory_order_relaxed) : 0;
	uint64_t epoch = atomic_load_explicit(&s6p_flags_epoch, memory_order_acquire);

	if ((v & S6P_SOCKFL_KNOWN) && v >> 32 == (epoch & 0xffffffffu))
		return O_RDWR | ((v & S6P_SOCKFL_NB) ? O_NONBLOCK : 0);
	return S6P_REAL(fcntl)(fd, F_GETFL);
}
