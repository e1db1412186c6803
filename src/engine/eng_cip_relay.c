/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP relay of one tunnel: capsules from the proxy feed lwIP,
 * lwIP's packets go to the proxy as DATAGRAM capsules, and the TCP
 * connection's bytes go to and from the program's socket. The status
 * record leaves when TCP to the target is up (or failed: refused, reset,
 * timed out), so the program's connect() reports what really happened. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "eng_cip.h"
#include "s6_handshake.h"

#define ENG_CIP_UP_BUF (64 * 1024)
#define ENG_CIP_DOWN_BUF (128 * 1024)
#define ENG_CIP_POUT_BUF (256 * 1024)
#define ENG_CIP_LINGER_MS 200

struct eng_cip_relay_st {
	int cfd;
	struct eng_cip_tx *tx;
	struct eng_cip_caps *caps;
	struct eng_cip_tun *tun;
	struct eng_cip_io io;
	bool status_sent, c_eof, up_shut, down_shut, p_eof, broken;
	size_t up_off, up_len, down_off, down_len, pout_off, pout_len;
	uint8_t up[ENG_CIP_UP_BUF], down[ENG_CIP_DOWN_BUF], pout[ENG_CIP_POUT_BUF];
	char why[S6_ENG_REASON_MAX + 1];
};

/* Proxy -> capsules -> lwIP. */
static void eng_cip_from_proxy(struct eng_cip_relay_st *r, bool *progress)
{
	struct eng_cip_caps *c = r->caps;

	while (!r->p_eof && !r->broken) {
		ssize_t n = eng_cip_tx_read(r->tx, c->in + c->in_len, sizeof c->in - c->in_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			r->p_eof = *progress = true;
			if (c->in_len)
				eng_log("connect-ip: the proxy closed the tunnel inside a capsule");
			return;
		}
		c->in_len += (size_t)n;
		*progress = true;
		if (!eng_cip_caps_feed(c, r->tun, r->why, sizeof r->why)) {
			eng_log("%s: tunnel closed", r->why);
			r->broken = true;
		}
	}
}

/* lwIP's packets -> proxy. */
static void eng_cip_to_proxy(struct eng_cip_relay_st *r, bool *progress)
{
	if (r->pout_len == 0) {
		r->pout_off = 0;
		r->pout_len = eng_cip_tun_take_out(r->tun, r->pout, sizeof r->pout);
	}
	while (r->pout_len) {
		ssize_t n = eng_cip_tx_write(r->tx, r->pout + r->pout_off, r->pout_len);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				r->broken = true;
			return;
		}
		r->pout_off += (size_t)n;
		r->pout_len -= (size_t)n;
		*progress = true;
	}
}

/* Program -> TCP. */
static void eng_cip_from_prog(struct eng_cip_relay_st *r, bool *progress)
{
	if (!r->c_eof && r->up_len == 0 && r->io.sndbuf > 0) {
		ssize_t n = recv(r->cfd, r->up, sizeof r->up, MSG_DONTWAIT);
		if (n > 0) {
			r->up_off = 0;
			r->up_len = (size_t)n;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			r->c_eof = true;
		}
		*progress |= n >= 0;
	}
	if (r->up_len) {
		size_t k = eng_cip_tun_give_up(r->tun, r->up + r->up_off, r->up_len);
		r->up_off += k;
		r->up_len -= k;
		*progress |= k > 0;
	}
	if (r->c_eof && r->up_len == 0 && !r->up_shut) {
		eng_cip_tun_shut(r->tun);
		r->up_shut = *progress = true;
	}
}

/* TCP -> program. */
static void eng_cip_to_prog(struct eng_cip_relay_st *r, bool *progress)
{
	if (r->down_len == 0 && r->io.down_ready) {
		r->down_off = 0;
		r->down_len = eng_cip_tun_take_down(r->tun, r->down, sizeof r->down);
		*progress = true;
	}
	if (r->down_len) {
		ssize_t n = send(r->cfd, r->down + r->down_off, r->down_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			r->down_off += (size_t)n;
			r->down_len -= (size_t)n;
			*progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			r->broken = true;
		}
	}
	if (r->io.peer_fin && r->down_len == 0 && !r->down_shut) {
		shutdown(r->cfd, SHUT_WR);
		r->down_shut = *progress = true;
	}
}

/* The status record once TCP is up or failed; false: the relay ends. */
static bool eng_cip_settle(struct eng_cip_relay_st *r, int64_t deadline, const char *okmsg)
{
	if (r->status_sent && r->io.state == ENG_CIP_FAILED && !r->down_len && !r->io.down_ready) {
		/* Reset by the target: the program sees a reset too. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(r->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		return false;
	}
	if (r->status_sent)
		return true;
	if (r->io.state == ENG_CIP_UP) {
		eng_cip_status(r->cfd, true, 0, okmsg);
		r->status_sent = true;
		return true;
	}
	if (r->io.state == ENG_CIP_FAILED || r->p_eof || r->broken || s6_now_ms() >= deadline) {
		int err = r->io.state == ENG_CIP_FAILED ? r->io.err : r->p_eof || r->broken ?
			  ECONNRESET : ETIMEDOUT;
		snprintf(r->why, sizeof r->why, "connect-ip: TCP to the target through the tunnel: %s",
			 strerror(err));
		eng_log("%s", r->why);
		eng_cip_status(r->cfd, false, err, r->why);
		return false;
	}
	return true;
}

static void eng_cip_wait(struct eng_cip_relay_st *r, int64_t deadline)
{
	bool cin = r->status_sent && !r->c_eof && r->up_len == 0 && r->io.sndbuf > 0;
	struct pollfd p[3] = {
		{.fd = r->cfd, .events = (short)((cin ? POLLIN : 0) | (r->down_len ? POLLOUT : 0))},
		{.fd = r->tx->fd, .events = eng_cip_tx_events(r->tx, !r->p_eof, r->pout_len > 0)},
		{.fd = eng_cip_tun_wakefd(r->tun), .events = POLLIN},
	};
	int timeout = (int)r->io.sleep_ms;

	if (!r->status_sent && deadline - s6_now_ms() < timeout)
		timeout = (int)(deadline - s6_now_ms());
	poll(p, 3, timeout < 0 ? 0 : timeout);
	if (p[0].revents & (POLLERR | POLLNVAL))
		r->broken = true;
}

/* The last ACK or FIN lwIP queued, briefly. */
static void eng_cip_linger(struct eng_cip_relay_st *r)
{
	size_t n = eng_cip_tun_take_out(r->tun, r->pout, sizeof r->pout);

	if (n && !r->p_eof && !r->broken)
		eng_cip_tx_write_all(r->tx, r->pout, n, s6_now_ms() + ENG_CIP_LINGER_MS);
}

void eng_cip_relay(int cfd, struct eng_cip_tx *tx, struct eng_cip_caps *caps,
		   struct eng_cip_tun *tun, int64_t deadline, const char *okmsg)
{
	struct eng_cip_relay_st *r = calloc(1, sizeof *r);

	if (!r) {
		eng_cip_status(cfd, false, ENOMEM, "engine: out of memory");
		return;
	}
	r->cfd = cfd;
	r->tx = tx;
	r->caps = caps;
	r->tun = tun;
	/* Capsules that came with the addresses (packets lwIP now takes). */
	if (!eng_cip_caps_feed(caps, tun, r->why, sizeof r->why))
		r->broken = true;
	for (;;) {
		bool progress = false;
		eng_cip_tun_poll(tun, &r->io);
		eng_cip_from_proxy(r, &progress);
		eng_cip_to_proxy(r, &progress);
		eng_cip_tun_poll(tun, &r->io);
		if (!eng_cip_settle(r, deadline, okmsg))
			break;
		if (r->status_sent) {
			eng_cip_from_prog(r, &progress);
			eng_cip_to_prog(r, &progress);
		}
		if ((r->up_shut && r->down_shut) || r->broken || (r->p_eof && !r->down_len)) {
			eng_cip_linger(r);
			break;
		}
		if (!progress)
			eng_cip_wait(r, deadline);
	}
	free(r);
}
