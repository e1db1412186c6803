/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TCP stream of a UDP association: the proxy's replies and messages go
 * out on it, and the client may use it as its datagram channel. The stream
 * carries whole SOCKS6 UDP messages back to back, parsed incrementally. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "s6_log.h"
#include "srv_s6_udp_int.h"

size_t s6udp_tcp_room(const srv_s6udp *u)
{
	return srv_buf_room(&u->c->down);
}

void s6udp_tcp_update(srv_s6udp *u)
{
	srv_conn *c = u->c;
	uint32_t ev = 0;

	if (u->ending)
		return;
	if (!c->client_eof && srv_buf_room(&c->up) > 0)
		ev |= EPOLLIN;
	if (srv_buf_len(&c->down) > 0)
		ev |= EPOLLOUT;
	if (!srv_watch_set(c->srv->loop, &c->client, ev))
		s6udp_end(u, "epoll failed");
}

bool s6udp_tcp_send(srv_s6udp *u, const void *p, size_t n)
{
	if (u->ending || !srv_buf_append(&u->c->down, p, n))
		return false;
	s6udp_tcp_update(u);
	return true;
}

/* One whole message from the stream. Only Datagrams are for the proxy;
 * the others (a client must not send Errors, Init and Confirmation are
 * ours) are skipped, as are Datagrams with another association's ID. */
static void stream_message(srv_s6udp *u, const s6_s6_udp_msg *m)
{
	if (m->type != S6_SOCKS6_UDP_DATAGRAM || m->assoc_id != u->id)
		return;
	if (u->channel == S6UDP_CH_NONE)
		s6udp_confirm(u, S6UDP_CH_TCP, NULL);
	/* Confirmed over UDP: the stream does not match the mapping. */
	if (u->channel != S6UDP_CH_TCP || u->ending) {
		u->up.dropped++;
		return;
	}
	s6udp_client_datagram(u, m);
}

/* Every whole message in c->up. False when the association ended. */
static bool stream_input(srv_s6udp *u)
{
	srv_conn *c = u->c;

	while (!u->ending && srv_buf_len(&c->up) > 0) {
		s6_s6_udp_msg m;
		size_t used = 0, need = 0;
		s6_err e = s6_s6_udp_parse(srv_buf_peek(&c->up), srv_buf_len(&c->up),
					   &m, &used, &need);

		if (e == S6_ERR_NEED_MORE)
			break;
		if (e != S6_OK) {
			/* The stream's framing is lost: nothing after this
			 * can be trusted. */
			s6_log(S6_LOG_INFO, "%s: socks6-udp assoc=%s: %s on the stream",
			       c->peer_str, u->idhex, s6_strerror(e));
			s6udp_end(u, "malformed message");
			return false;
		}
		stream_message(u, &m);
		srv_buf_consume(&c->up, used);
	}
	return !u->ending;
}

static bool stream_read(srv_s6udp *u)
{
	ssize_t n = srv_conn_read_client(u->c);

	if (n < 0) {
		s6udp_end(u, strerror(errno));
		return false;
	}
	if (n > 0)
		s6udp_touch(u);
	return true;
}

static bool stream_flush(srv_s6udp *u)
{
	srv_conn *c = u->c;
	size_t before = srv_buf_room(&c->down);

	if (srv_buf_write(&c->down, c->client.fd) < 0 && !srv_errno_transient(errno)) {
		s6udp_end(u, strerror(errno));
		return false;
	}
	/* Room again for a full-size datagram: read the UDP socket again. */
	if (before < S6UDP_RX_MAX && srv_buf_room(&c->down) >= S6UDP_RX_MAX)
		s6udp_update_udp_interest(u);
	return !u->ending;
}

static void stream_step(srv_s6udp *u)
{
	srv_conn *c = u->c;

	if (u->ending)
		return;
	if (!stream_read(u) || !stream_input(u) || !stream_flush(u))
		return;
	/* The association lives as long as the client keeps the stream. A
	 * client that sends a datagram and closes at once may have its close
	 * arrive first: forward what already waits on the UDP socket. */
	if (c->client_eof) {
		if (u->udp.fd >= 0)
			s6udp_udp_event(&u->udp, EPOLLIN);
		s6udp_end(u, "client closed the stream");
		return;
	}
	s6udp_tcp_update(u);
}

static void client_event(srv_watch *w, uint32_t events)
{
	(void)events;
	stream_step(w->owner);
}

void s6udp_tcp_kick(srv_timer *t)
{
	srv_s6udp *u = t->owner;

	if (u->ending)
		s6udp_close_now(u);
	else
		stream_step(u);
}

bool s6udp_tcp_start(srv_s6udp *u)
{
	srv_conn *c = u->c;

	if (c->phase == SRV_HANDSHAKE)
		srv_conn_handshake_done(c);
	c->phase = SRV_RELAY;
	c->client.fn = client_event;
	c->client.owner = u;
	srv_timer_arm(c->srv->loop, &u->kick, 0);
	return srv_watch_set(c->srv->loop, &c->client, EPOLLIN);
}
