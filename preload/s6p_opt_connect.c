/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Optimistic SOCKS6 connect: connect() to the proxy and the OPTIMISTIC
 * entry, without waiting for any reply (see s6p_opt.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include "s6_log.h"
#include "s6_tfo.h"
#include "s6p_driver.h"
#include "s6p_engine.h"
#include "s6p_io.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_s6.h"
#include "s6p_state.h"

bool s6p_opt_applies(void)
{
	const s6_config *cfg = &s6p_state()->cfg;
	const char *user, *pass;

	if (!s6_scheme_is_socks6(cfg->proxy.scheme) || !cfg->s6.optimistic ||
	    cfg->fail == S6_FAIL_OPEN)
		return false; /* fail open must see the proxy fail before it answers */
	/* The slow path sends credentials after the first reply: no program
	 * byte may be on the wire before them. */
	return cfg->s6.auth != S6_S6AUTH_SLOW || !s6p_s6_credentials(&user, &pass);
}

bool s6p_opt_tfo_wanted(void)
{
	/* socks6+tls: the engine's loopback leg gains nothing from it (the
	 * engine does TCP Fast Open toward the proxy). */
	return s6p_opt_applies() && s6_tfo_proxy_enabled(s6p_state()->cfg.s6.tfo_proxy) &&
	       !s6p_engine_scheme();
}

bool s6p_opt_tfo_on(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) == 0;
}

void s6p_opt_tfo_off(int fd)
{
	int off = 0;

	setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &off, sizeof off);
}

/* How connect() to the proxy went. */
struct s6p_opt_start {
	bool tcp_up;      /* connected (or deferred: TFO cookie) */
	bool tfo;         /* TCP_FASTOPEN_CONNECT is set */
	bool at_once;     /* connect() returned 0 at once (s6p_connect_bounded) */
	bool nonblock;    /* the program's socket is non-blocking */
	unsigned flags_epoch; /* s6p_flags_epoch when the flags were read */
};

/* The OPTIMISTIC entry, handed to the driver (its safety net and deadline).
 * A blocking socket's entry is not polled by the driver: the program's
 * own calls advance it (s6p_driver.h) unless it waits in epoll. */
static int s6p_opt_register(int fd, const struct s6p_target *t, const struct sockaddr_storage *proxy,
			    socklen_t plen, const struct s6p_opt_start *how, int64_t deadline)
{
	int rc = ENOMEM;

	s6p_fdtab_lock();
	struct s6p_conn *c = s6p_conn_new_locked(fd);
	if (c) {
		s6p_target_to_conn(t, c, S6P_CONN_OPTIMISTIC);
		c->s6 = s6p_s6_new(t);
		c->opt_phase = S6P_OPT_UNSENT;
		c->tcp_up = how->tcp_up;
		c->opt_tfo = how->tfo;
		c->opt_syn_deferred = how->tfo && how->at_once;
		c->driven = how->nonblock || s6p_epreg_list_locked(fd) != NULL;
		c->nonblock = how->nonblock;
		c->flags_epoch = how->flags_epoch;
		c->proxy = *proxy;
		c->proxy_len = plen;
		c->deadline_ms = deadline;
		c->opt_flush_ms = s6_now_ms() + S6P_OPT_FLUSH_MS;
		s6p_opt_count_locked(c);
		s6p_epoll_hold_locked(c);
		rc = c->s6 ? s6p_driver_add_locked(c) : ENOMEM;
		if (rc != 0)
			s6p_conn_end_locked(c, S6P_CONN_FAILED); /* err 0: a fresh socket again */
	}
	s6p_fdtab_unlock();
	return rc;
}

/* The deferred-connect hint (per process): the last blocking connect() to
 * the proxy with TCP_FASTOPEN_CONNECT came back at once because the kernel
 * held a TFO cookie (the SYN waits for the first send). Within
 * S6P_OPT_DEFER_HINT_MS a quick return is taken as deferred again without
 * asking the kernel (s6p_opt_syn_waits). The proxy address is kept as a
 * hash; a torn read only costs that one question. */
#define S6P_OPT_DEFER_HINT_MS (30 * 60 * 1000) /* the kernel keeps cookies an hour */
static _Atomic uint64_t s6p_opt_hint_key;
static _Atomic int64_t s6p_opt_hint_ms;

static uint64_t s6p_opt_hint_hash(const struct sockaddr_storage *sa, socklen_t len)
{
	const uint8_t *p = (const uint8_t *)sa;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (socklen_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h | 1; /* never the empty key */
}

static void s6p_opt_hint_set(const struct sockaddr_storage *sa, socklen_t len, bool deferred)
{
	atomic_store_explicit(&s6p_opt_hint_key, deferred ? s6p_opt_hint_hash(sa, len) : 0,
			      memory_order_relaxed);
	atomic_store_explicit(&s6p_opt_hint_ms, s6_now_ms(), memory_order_relaxed);
}

static bool s6p_opt_hint_fresh(const struct sockaddr_storage *sa, socklen_t len)
{
	int64_t at = atomic_load_explicit(&s6p_opt_hint_ms, memory_order_relaxed);

	return atomic_load_explicit(&s6p_opt_hint_key, memory_order_relaxed) ==
	       s6p_opt_hint_hash(sa, len) && s6_now_ms() - at < S6P_OPT_DEFER_HINT_MS;
}

/* A deferred connect leaves the socket in SYN-SENT (the SYN waits for the
 * first send), a handshake in ESTABLISHED: one byte of TCP_INFO says
 * which, where the time a connect() took cannot (a local handshake is as
 * quick as no handshake). */
static bool s6p_opt_syn_waits(int fd)
{
	uint8_t state = 0;
	socklen_t len = sizeof state;

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &state, &len) == 0 && len >= 1 &&
	       state == TCP_SYN_SENT;
}

/* connect() to the proxy: with a TFO cookie the kernel defers the SYN to
 * the first send and returns 0 at once, blocking socket or not. A blocking
 * socket is bounded by TCP_SYNCNT (s6p_connect_bounded). 0 or an errno. */
static int s6p_opt_connect_proxy(int fd, int flags, const struct sockaddr_storage *proxy,
				 socklen_t plen, int64_t deadline, unsigned probed,
				 struct s6p_opt_start *how)
{
	int rc = 0;

	if (how->nonblock) {
		if (S6P_REAL(connect)(fd, (const struct sockaddr *)proxy, plen) == 0)
			how->tcp_up = how->at_once = true;
		else if (errno != EINPROGRESS)
			rc = errno;
		return rc;
	}
	rc = s6p_connect_bounded(fd, flags, (const struct sockaddr *)proxy, plen, deadline,
				 probed & S6P_PROBE_SYNCNT, &how->at_once);
	how->tcp_up = rc == 0;
	if (rc != 0 || !how->tfo)
		return rc; /* without TCP_FASTOPEN_CONNECT nothing is deferred */
	/* Only a quick return under a fresh hint is trusted: a slow one may
	 * be a deferred connect that was preempted, and taking it for a
	 * handshake would put program bytes in a SYN against the replay rule. */
	if (!how->at_once || !s6p_opt_hint_fresh(proxy, plen))
		how->at_once = s6p_opt_syn_waits(fd);
	s6p_opt_hint_set(proxy, plen, how->at_once);
	return 0;
}

int s6p_opt_connect(int fd, int flags, const struct s6p_target *t, unsigned probed)
{
	int64_t deadline = s6_now_ms() + s6p_state()->cfg.connect_timeout_ms;
	struct sockaddr_storage proxy;
	socklen_t plen;
	struct s6p_opt_start how = {
		.nonblock = flags & O_NONBLOCK,
		.flags_epoch = atomic_load_explicit(&s6p_flags_epoch, memory_order_relaxed),
	};
	int rc = s6p_proxy_pick(fd, t->dest.ss_family, &proxy, &plen);

	if (rc == 0) {
		how.tfo = (probed & S6P_PROBE_TFO) || (s6p_opt_tfo_wanted() && s6p_opt_tfo_on(fd));
		rc = s6p_opt_connect_proxy(fd, flags, &proxy, plen, deadline, probed, &how);
	}
	if (rc == 0)
		rc = s6p_opt_register(fd, t, &proxy, plen, &how, deadline);
	if (rc != 0) {
		s6p_disconnect(fd);
		s6_log(S6_LOG_ERROR, "proxy %s target %s: cannot reach proxy: %s",
		       s6p_state()->proxy_str, t->label, s6p_engine_why(rc));
		errno = rc;
		return -1;
	}
	if (flags & O_NONBLOCK) {
		errno = EINPROGRESS;
		return -1;
	}
	return 0;
}
