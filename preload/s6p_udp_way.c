/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How a datagram of a SOCK_DGRAM socket may leave (s6p_udp_int.h): through
 * the socket's association (SOCKS6, or CONNECT-IP through the engine), to
 * the proxy's DNS service, directly, or nowhere (fail closed). */
#include <errno.h>
#include <netinet/in.h>
#include "s6_addr.h"
#include "s6_log.h"
#include "s6p_cip.h"
#include "s6p_cip_ping.h"
#include "s6p_cip_udp.h"
#include "s6p_proxy.h"
#include "s6p_real.h"
#include "s6p_udp_int.h"

/* A DNS datagram to a nameserver of resolv.conf or loopback (dns-udp):
 * never excluded, so that no query leaks to a local resolver. */
static enum s6p_udp_way s6p_udp_way_dns(const struct sockaddr *sa)
{
	const struct s6p_state *st = s6p_state();
	char buf[S6_ADDR_STR_MAX];

	s6_addr_format(sa, buf, sizeof buf);
	if (st->cfg.dns_udp == S6_DNS_UDP_DIRECT) {
		s6_log(S6_LOG_INFO, "target %s: DNS over UDP goes directly (dns-udp direct)", buf);
		return S6P_UDP_WAY_DIRECT;
	}
	if (st->cfg.udp != S6_UDP_BLOCK && !st->broken && st->cfg.has_proxy &&
	    st->cfg.proxy.scheme == S6_SCHEME_SOCKS6)
		return S6P_UDP_WAY_DNS;
	/* CONNECT-IP has no DNS service: to the nameserver, in its tunnel. */
	if (st->cfg.udp != S6_UDP_BLOCK && !st->broken && st->cfg.has_proxy && s6p_cip_scheme() &&
	    s6p_cip_udp_dns_ok(sa))
		return S6P_UDP_WAY_PROXY;
	if (st->cfg.fail == S6_FAIL_OPEN) {
		s6_log(S6_LOG_ERROR, "proxy %s target %s: DNS over UDP cannot go through this proxy; "
		       "sent directly (fail open)", st->proxy_str, buf);
		return S6P_UDP_WAY_DIRECT;
	}
	s6_log(S6_LOG_ERROR, "proxy %s target %s: DNS over UDP cannot go through this proxy; "
	       "blocked (fail closed)", st->proxy_str, buf);
	errno = EACCES;
	return S6P_UDP_WAY_NONE;
}

/* A ping socket (SOCK_DGRAM, IPPROTO_ICMP or IPPROTO_ICMPV6): its
 * datagrams are ICMP messages, which no association carries. */
static bool s6p_udp_ping(int fd)
{
	int proto = 0;
	socklen_t pl = sizeof proto;

	return S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &pl) == 0 &&
	       (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6);
}

/* A ping socket: ICMP echo through CONNECT-IP, in an association of the
 * UDP socket that takes its place (s6p_cip_ping.h); else only excluded
 * destinations or fail open. */
static enum s6p_udp_way s6p_udp_way_ping(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage plain;

	s6_addr_unmap(sa, &plain);
	if (s6p_cip_scheme() && st->cfg.udp != S6_UDP_BLOCK && !st->broken && st->cfg.has_proxy &&
	    !s6_config_excluded(&st->cfg, (struct sockaddr *)&plain) && s6p_cip_ping_adopt(fd))
		return S6P_UDP_WAY_PROXY;
	return s6p_dgram_allowed(fd, sa, len, "ICMP") ? S6P_UDP_WAY_DIRECT : S6P_UDP_WAY_NONE;
}

/* How a datagram from a SOCK_DGRAM socket to sa may leave. */
enum s6p_udp_way s6p_udp_way(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage plain;
	char buf[S6_ADDR_STR_MAX];

	if (s6p_udp_ping(fd))
		return s6p_udp_way_ping(fd, sa, len);

	if (st->cfg.dns_udp != S6_DNS_UDP_ASSOCIATE && s6p_udp_dns_server(sa))
		return s6p_udp_way_dns(sa);
	s6_addr_unmap(sa, &plain);
	if (s6_config_excluded(&st->cfg, (struct sockaddr *)&plain))
		return s6p_dgram_allowed(fd, sa, len, "UDP") ? S6P_UDP_WAY_DIRECT : S6P_UDP_WAY_NONE;
	if (st->cfg.udp == S6_UDP_DIRECT) {
		if (s6_log_enabled(S6_LOG_INFO))
			s6_log(S6_LOG_INFO, "target %s: UDP goes directly (udp direct)",
			       s6_addr_format(sa, buf, sizeof buf));
		return S6P_UDP_WAY_DIRECT;
	}
	if (st->cfg.udp == S6_UDP_BLOCK || st->broken || !st->cfg.has_proxy ||
	    (st->cfg.proxy.scheme != S6_SCHEME_SOCKS6 && !s6p_cip_scheme()))
		return s6p_dgram_allowed(fd, sa, len, "UDP") ? S6P_UDP_WAY_DIRECT : S6P_UDP_WAY_NONE;
	return S6P_UDP_WAY_PROXY;
}
