/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP errors to the client of a CONNECT-IP tunnel for the packets the
 * proxy refuses (built and rate-limited by srv_cip_pkt_icmp), sent as
 * DATAGRAM capsules like the packets slirp hands over. */
#include "config.h"

#include "s6_cip_icmp.h"
#include "s6_log.h"
#include "srv_cip_int.h"

void srv_cip_icmp_send(srv_conn *c, const uint8_t *p, size_t n, int reason)
{
	srv_cip_st *st = c->state;
	uint8_t pkt[S6_ICMP_ERROR_MAX], head[S6_CIP_CAPSULE_HEAD_MAX + 8];
	size_t len, hl;

	len = srv_cip_pkt_icmp(st, c->srv->cfg.cip, p, n, reason, srv_now_ms(), pkt, sizeof pkt);
	if (!len || c->closed)
		return;
	/* A slow client loses the error as it would lose any packet. */
	if (s6_cip_datagram_head_encode(st->mode, 0, len, head, sizeof head, &hl) != S6_OK ||
	    srv_buf_room(&c->down) < hl + len)
		return;
	srv_cip_tun_send(c, head, hl);
	srv_cip_tun_send(c, pkt, len);
	s6_log(S6_LOG_DEBUG, "%s: connect-ip ICMP%s error %u/%u sent", c->peer_str,
	       pkt[0] >> 4 == 6 ? "v6" : "", pkt[pkt[0] >> 4 == 6 ? 40 : 20],
	       pkt[pkt[0] >> 4 == 6 ? 41 : 21]);
}
