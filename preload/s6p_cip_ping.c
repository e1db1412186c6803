/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ping sockets through CONNECT-IP (s6p_cip_ping.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "s6_addr.h"
#include "s6_log.h"
#include "s6p_cip_ping.h"
#include "s6p_real.h"

/* Adopted sockets, by cookie: a ring, so a program that opens more than
 * this many ping sockets over its life forgets the oldest (whose echo
 * would then be refused by the engine as UDP garbage, not leak). */
#define S6P_CIP_PING_MAX 64

static pthread_mutex_t s6p_ping_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t cookie;
	uint8_t proto;
} s6p_ping[S6P_CIP_PING_MAX];
static unsigned s6p_ping_next;

static uint64_t s6p_cip_ping_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t cl = sizeof c;

	return S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_COOKIE, &c, &cl) == 0 ? c : 0;
}

uint8_t s6p_cip_ping_proto(int fd)
{
	uint64_t c = s6p_cip_ping_cookie(fd);
	uint8_t proto = IPPROTO_UDP;

	pthread_mutex_lock(&s6p_ping_mu);
	for (unsigned i = 0; c && i < S6P_CIP_PING_MAX; i++)
		if (s6p_ping[i].cookie == c)
			proto = s6p_ping[i].proto;
	pthread_mutex_unlock(&s6p_ping_mu);
	return proto;
}

/* The options a ping program sets that mean the same on a UDP socket. */
static void s6p_cip_ping_opts(int from, int to, int fam)
{
	static const int so[] = {SO_RCVBUF, SO_SNDBUF, SO_TIMESTAMP, SO_TIMESTAMPNS, SO_BROADCAST};
	struct timeval tv;
	socklen_t tl;
	int v;

	for (size_t i = 0; i < sizeof so / sizeof so[0]; i++) {
		tl = sizeof v;
		if (S6P_REAL(getsockopt)(from, SOL_SOCKET, so[i], &v, &tl) == 0 && v)
			setsockopt(to, SOL_SOCKET, so[i], &v, tl);
	}
	for (int o = SO_RCVTIMEO; o; o = o == SO_RCVTIMEO ? SO_SNDTIMEO : 0) {
		tl = sizeof tv;
		if (S6P_REAL(getsockopt)(from, SOL_SOCKET, o, &tv, &tl) == 0)
			setsockopt(to, SOL_SOCKET, o, &tv, tl);
	}
	int lvl = fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = fam == AF_INET ? IP_RECVTTL : IPV6_RECVHOPLIMIT;
	tl = sizeof v;
	if (S6P_REAL(getsockopt)(from, lvl, opt, &v, &tl) == 0 && v)
		setsockopt(to, lvl, opt, &v, tl);
}

static bool s6p_cip_ping_unbound(const struct sockaddr_storage *b)
{
	if (s6_addr_port((const struct sockaddr *)b) != 0)
		return false;
	if (b->ss_family == AF_INET)
		return ((const struct sockaddr_in *)b)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)b)->sin6_addr);
}

/* The ping socket's bind, if any; a taken port (a UDP socket uses it)
 * becomes any port: the identifier is then the new one. */
static void s6p_cip_ping_bind(int from, int to)
{
	struct sockaddr_storage b;
	socklen_t bl = sizeof b;

	if (S6P_REAL(getsockname)(from, (struct sockaddr *)&b, &bl) < 0 || s6p_cip_ping_unbound(&b))
		return;
	if (bind(to, (struct sockaddr *)&b, bl) == 0)
		return;
	((struct sockaddr_in *)&b)->sin_port = 0; /* same offset in sockaddr_in6 */
	(void)!bind(to, (struct sockaddr *)&b, bl);
}

static void s6p_cip_ping_note(uint64_t cookie, uint8_t proto)
{
	pthread_mutex_lock(&s6p_ping_mu);
	s6p_ping[s6p_ping_next].cookie = cookie;
	s6p_ping[s6p_ping_next].proto = proto;
	s6p_ping_next = (s6p_ping_next + 1) % S6P_CIP_PING_MAX;
	pthread_mutex_unlock(&s6p_ping_mu);
}

bool s6p_cip_ping_adopt(int fd)
{
	int fam = 0, proto = 0, e = 0;
	socklen_t l = sizeof fam;
	int fdfl = S6P_REAL(fcntl)(fd, F_GETFD), fl = S6P_REAL(fcntl)(fd, F_GETFL);

	if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &fam, &l) < 0 || fdfl < 0 || fl < 0 ||
	    (l = sizeof proto, S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l)) < 0)
		return false;
	int u = S6P_REAL(socket)(fam, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (u < 0)
		return false;
	S6P_REAL(fcntl)(u, F_SETFL, fl & O_NONBLOCK);
	s6p_cip_ping_opts(fd, u, fam);
	s6p_cip_ping_bind(fd, u);
	uint64_t cookie = s6p_cip_ping_cookie(u);
	if (cookie)
		s6p_cip_ping_note(cookie, (uint8_t)proto);
	if (!cookie || S6P_REAL(dup3)(u, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
		e = errno ? errno : EINVAL;
	S6P_REAL(close)(u);
	if (e) {
		s6_log(S6_LOG_ERROR, "ping socket fd %d: cannot carry it through CONNECT-IP: %s",
		       fd, strerror(e));
		return false;
	}
	s6_log(S6_LOG_INFO, "ping socket fd %d: ICMP echo through CONNECT-IP", fd);
	return true;
}
