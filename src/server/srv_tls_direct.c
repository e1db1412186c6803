/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A TLS front that relays a CONNECT itself. Once the SOCKS6 connection
 * behind the socketpair has connected the target and queued its Operation
 * Reply, it offers the front the target's socket and the bytes it holds
 * each way (srv_conn_relay_direct). The front puts them in order with its
 * own buffers and what is still in the pair, closes the pair, and from
 * then on its pump (srv_tls_pump.c) moves bytes between SSL_read/SSL_write
 * and the target: every byte crosses one socket less (a copy, two system
 * calls and a wake-up of a second connection); towards the client the
 * front then seals the records itself (srv_tls_seal.c), sparing OpenSSL's
 * two copies of each byte. What the SOCKS6
 * connection's relay did comes along: the idle timeout and its log line,
 * the count of open connections, and a target that fails or times out
 * ends in a close_notify to the client, as the closed pair did. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "s6_log.h"
#include "srv_tls_int.h"

/* Growth bound and read count for what the pair still holds towards the
 * client: replies only, a few hundred bytes in practice. */
#define PAIR_MAX (4 * 1024 * 1024)
#define PAIR_READS 64

#define FRONT_OF_LINK(ptr) \
	((srv_tls_conn *)(void *)((char *)(ptr) - offsetof(srv_tls_conn, link)))

/* What the SOCKS6 connection wrote to the pair and the front has not read
 * yet goes to the client before the connection's queued replies. False
 * when the pair does not end in EAGAIN (the front keeps what it read, in
 * order, and goes on as before). */
static bool drain_pair(srv_tls_conn *tc)
{
	for (int i = 0; i < PAIR_READS; i++) {
		ssize_t n;

		if (srv_buf_room(&tc->down) == 0 &&
		    (tc->down.cap * 2 > PAIR_MAX || !srv_buf_grow(&tc->down, tc->down.cap * 2)))
			return false;
		n = srv_buf_read(&tc->down, tc->plain.fd);
		if (n == 0) {
			tc->plain_eof = true;
			return false;
		}
		if (n < 0)
			return srv_errno_transient(errno);
	}
	return false;
}

/* Towards the target: what the connection had, then what the front had
 * not written to the pair yet. */
static bool merge_up(srv_tls_conn *tc, const srv_buf *theirs, srv_buf *out)
{
	size_t len = srv_buf_len(theirs) + srv_buf_len(&tc->up);

	if (!srv_buf_init(out, len > SRV_TLS_BUF_SIZE ? len : SRV_TLS_BUF_SIZE))
		return false;
	srv_buf_append(out, srv_buf_peek(theirs), srv_buf_len(theirs));
	srv_buf_append(out, srv_buf_peek(&tc->up), srv_buf_len(&tc->up));
	return true;
}

static bool direct_take(srv_conn_front *f, const srv_conn_handover *h)
{
	srv_tls_conn *tc = FRONT_OF_LINK(f);
	srv_server *s = tc->t->srv;
	srv_buf up;

	if (tc->closed || !tc->has_inner || tc->plain_eof || tc->plain_hup)
		return false;
	if (!merge_up(tc, h->up, &up))
		return false;
	/* Everything that can fail comes before the first change. */
	if (!drain_pair(tc) ||
	    !srv_buf_grow(&tc->down, srv_buf_len(&tc->down) + srv_buf_len(h->down))) {
		srv_buf_free(&up);
		return false;
	}
	srv_buf_append(&tc->down, srv_buf_peek(h->down), srv_buf_len(h->down));
	srv_buf_free(&tc->up);
	tc->up = up;
	srv_watch_close(s->loop, &tc->plain);
	srv_watch_attach(&tc->plain, h->target_fd);
	/* The target is not shut yet even if the pair was: ends() shuts it
	 * once up is empty, the client's EOF (net_eof) stays. */
	tc->plain_shut = tc->plain_rd_blocked = tc->plain_wr_blocked = false;
	tc->direct = true;
	tc->to_target = tc->to_client = 0;
	s->nconns++;          /* the slot the SOCKS6 connection gives up */
	srv_tls_direct_touch(tc);
	if (s->cfg.idle_ms)
		srv_timer_arm(s->loop, &tc->idle, s->cfg.idle_ms);
	/* Not from inside the SOCKS6 connection's call stack. */
	srv_timer_arm(s->loop, &tc->again, 0);
	return true;
}

/* The SOCKS6 connection's last line, with the same words. */
static void log_end(srv_tls_conn *tc, int err)
{
	if (tc->direct_ended)
		return;
	tc->direct_ended = true;
	if (err == ETIMEDOUT)
		s6_log(S6_LOG_INFO, "%s: closed: idle timeout", tc->peer_str);
	s6_log(S6_LOG_DEBUG, "%s: closed: %" PRIu64 " bytes from client, %"
	       PRIu64 " bytes to client%s%s", tc->peer_str, tc->to_target,
	       tc->to_client, err ? ", " : "", err ? strerror(err) : "");
}

void srv_tls_plain_failed(srv_tls_conn *tc, int err)
{
	if (!tc->direct) {
		srv_tls_front_fail(tc, strerror(err));
		return;
	}
	srv_buf_clear(&tc->up);
	if (tc->plain_hup && tc->plain_eof)
		return;
	log_end(tc, err);
	srv_timer_stop(tc->t->srv->loop, &tc->idle);
	/* As the SOCKS6 connection closing: the target goes, the client
	 * gets what was read and a close_notify. */
	shutdown(tc->plain.fd, SHUT_RDWR);
	tc->plain_eof = tc->plain_hup = true;
}

static void on_idle(srv_timer *t)
{
	srv_tls_conn *tc = t->owner;
	uint64_t idle_ms = tc->t->srv->cfg.idle_ms;
	uint64_t quiet = srv_now_ms() - tc->last_activity;

	/* The deadline is only re-armed here, not on every transfer. */
	if (quiet < idle_ms) {
		srv_timer_arm(tc->t->srv->loop, &tc->idle, idle_ms - quiet);
		return;
	}
	srv_tls_plain_failed(tc, ETIMEDOUT);
	srv_tls_pump(tc);
}

void srv_tls_direct_touch(srv_tls_conn *tc)
{
	tc->last_activity = srv_now_ms();
}

void srv_tls_direct_init(srv_tls_conn *tc)
{
	tc->link.take = direct_take;
	tc->link.conn = NULL;
	srv_timer_init(&tc->idle, on_idle, tc);
}

void srv_tls_direct_close(srv_tls_conn *tc)
{
	/* A SOCKS6 connection still waiting for its target must not offer
	 * it to a front that is gone. */
	if (tc->link.conn)
		srv_conn_set_front(tc->link.conn, NULL);
	if (!tc->direct)
		return;
	srv_timer_stop(tc->t->srv->loop, &tc->idle);
	log_end(tc, 0);
	tc->t->srv->nconns--;
}
