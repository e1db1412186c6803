/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP errors for a UDP association (draft-11 "Reporting ICMP Errors"),
 * only for a client that opted in with the UDP Error option. The kernel
 * queues them on the socket's error queue once IP_RECVERR / IPV6_RECVERR is
 * on; each becomes one Error message on the client's channel. */
#include "config.h"

#include <errno.h>
#include <time.h>	/* before linux/errqueue.h, which uses timespec */
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>

#include "s6_log.h"
#include "srv_s6_udp_int.h"

#define ERRQUEUE_BURST 16

uint8_t s6udp_icmp_code(bool icmp6, uint8_t type, uint8_t code)
{
	if (!icmp6) {
		if (type == ICMP_TIME_EXCEEDED)
			return S6_SOCKS6_UDP_ERR_TTL_EXPIRED;
		if (type != ICMP_DEST_UNREACH)
			return 0;
		switch (code) {
		case ICMP_NET_UNREACH:
		case ICMP_NET_UNKNOWN:
		case ICMP_NET_ANO:
		case ICMP_NET_UNR_TOS:
			return S6_SOCKS6_UDP_ERR_NET_UNREACH;
		case ICMP_HOST_UNREACH:
		case ICMP_HOST_UNKNOWN:
		case ICMP_HOST_ISOLATED:
		case ICMP_HOST_ANO:
		case ICMP_HOST_UNR_TOS:
			return S6_SOCKS6_UDP_ERR_HOST_UNREACH;
		default:
			/* Port unreachable, fragmentation needed, ...: the
			 * draft has no code for them. */
			return 0;
		}
	}
	switch (type) {
	case ICMP6_DST_UNREACH:
		if (code == ICMP6_DST_UNREACH_NOROUTE)
			return S6_SOCKS6_UDP_ERR_NET_UNREACH;
		if (code == ICMP6_DST_UNREACH_ADDR || code == ICMP6_DST_UNREACH_ADMIN ||
		    code == ICMP6_DST_UNREACH_BEYONDSCOPE)
			return S6_SOCKS6_UDP_ERR_HOST_UNREACH;
		return 0;
	case ICMP6_PACKET_TOO_BIG:
		return S6_SOCKS6_UDP_ERR_TOO_BIG;
	case ICMP6_TIME_EXCEEDED:
		return S6_SOCKS6_UDP_ERR_TTL_EXPIRED;
	default:
		return 0;
	}
}

bool s6udp_icmp_enable(int fd, int family)
{
	int one = 1;
	bool ok = false;

	/* A dual-stack socket reports errors of its IPv4 traffic through the
	 * IPv4 option, so both are set. */
	if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one) == 0)
		ok = true;
	if (family == AF_INET6)
		ok = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one) == 0;
	return ok;
}

static void report(srv_s6udp *u, const struct sockaddr_storage *dst,
		   const struct sock_extended_err *ee)
{
	struct sockaddr_storage rep_ss;
	s6_s6_udp_msg m = {.type = S6_SOCKS6_UDP_ERROR, .assoc_id = u->id};
	uint8_t out[S6_SOCKS6_UDP_DGRAM_FIXED_LEN + 16 + 4 + 16];
	uint16_t dummy;
	size_t len;
	const struct sockaddr *off = SO_EE_OFFENDER(ee);

	m.error_code = s6udp_icmp_code(ee->ee_origin == SO_EE_ORIGIN_ICMP6,
				       ee->ee_type, ee->ee_code);
	/* Errors for our own datagrams to the client are not the client's
	 * business as remote errors. */
	if (!m.error_code || !u->icmp ||
	    (u->channel == S6UDP_CH_UDP && !memcmp(dst, &u->client_udp, sizeof *dst)))
		return;
	memset(&rep_ss, 0, sizeof rep_ss);
	memcpy(&rep_ss, off, off->sa_family == AF_INET6 ?
	       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	if (!s6udp_addr_from_sa(dst, &m.addr, &m.port) ||
	    !s6udp_addr_from_sa(&rep_ss, &m.reporter, &dummy) ||
	    s6_s6_udp_pack(&m, out, sizeof out, &len) != S6_OK)
		return;
	if (s6udp_to_client(u, out, len, NULL, 0))
		u->errors_sent++;
}

static bool read_one(srv_s6udp *u)
{
	struct sockaddr_storage dst;
	char ctl[512];
	uint8_t dummy[1];
	struct iovec iov = {.iov_base = dummy, .iov_len = sizeof dummy};
	struct msghdr mh = {.msg_name = &dst, .msg_namelen = sizeof dst,
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof ctl};

	memset(&dst, 0, sizeof dst);
	if (recvmsg(u->udp.fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return false;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		bool v4 = cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR;
		bool v6 = cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR;
		const struct sock_extended_err *ee = (const void *)CMSG_DATA(cm);

		if ((!v4 && !v6) || cm->cmsg_len < CMSG_LEN(sizeof *ee))
			continue;
		if (ee->ee_origin == SO_EE_ORIGIN_ICMP ||
		    ee->ee_origin == SO_EE_ORIGIN_ICMP6)
			report(u, &dst, ee);
	}
	return true;
}

void s6udp_icmp_drain(srv_s6udp *u)
{
	int err;
	socklen_t len = sizeof err;

	for (int i = 0; i < ERRQUEUE_BURST && !u->ending; i++) {
		if (!read_one(u))
			break;
	}
	/* Clears the pending socket error the queued report also set. */
	getsockopt(u->udp.fd, SOL_SOCKET, SO_ERROR, &err, &len);
}
