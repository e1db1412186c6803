/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP errors from the proxy for a tunnel's TCP connection. lwIP's raw API
 * does not tell TCP about ICMP, so a SYN towards a host the proxy cannot
 * reach would be sent again until lwIP's SYN timeout, although the proxy
 * (its slirp, or a router behind it) already said why. As Linux does in
 * SYN-SENT (tcp_v4_err, tcp_v6_err), a destination unreachable, time
 * exceeded or parameter problem that quotes our SYN fails the connection
 * with the errno the kernel gives (s6_icmp_classify: EHOSTUNREACH,
 * ENETUNREACH, EACCES, ECONNREFUSED ...). Packet too big is a path MTU
 * matter, not a failure; errors once the connection is up are soft and
 * change nothing, as for a socket without IP_RECVERR. No ICMP packet
 * reaches lwIP (eng_cip_tun_input takes TCP only). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "eng_cip.h"
#include "s6_cip_icmp.h"

bool eng_cip_icmp_input(struct eng_cip_tun *tun, const uint8_t *pkt, size_t len)
{
	s6_icmp_info in;
	char from[INET6_ADDRSTRLEN];

	if (s6_icmp_classify(pkt, len, &in, NULL) != S6_OK)
		return false;
	if (in.proto != 6 || !in.has_seq || in.err == EMSGSIZE)
		return true;
	if (!eng_cip_tun_icmp(tun, &in))
		return true;    /* not about our SYN, or too late: soft */
	inet_ntop(in.version == 4 ? AF_INET : AF_INET6, in.reporter, from, sizeof from);
	eng_log("connect-ip: ICMP%s error type %u code %u from %s for the TCP connection",
		in.version == 6 ? "v6" : "", in.type, in.code, from);
	return true;
}
