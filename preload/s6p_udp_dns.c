/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A program's own DNS over UDP (dig, nslookup, resolvers built into
 * programs), `dns-udp` in socks6ify.conf(5). A datagram to port 53 of a
 * nameserver of /etc/resolv.conf, or of a loopback address, usually means
 * nothing at the proxy (192.168.x.1, 127.0.0.53): with `dns-udp proxy` it
 * goes in the socket's association to the proxy's DNS service, 0.0.0.0
 * port 53 (the address a CONNECT uses for DNS over TCP, s6p_resdns.h),
 * whose resolver answers; the answer is shown as coming from the nameserver
 * the program asked, found by the query ID (s6p_udp_note_dns). */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "s6_addr.h"
#include "s6_log.h"
#include "s6p_udp_int.h"

#define S6P_UDP_DNS_PORT 53
#define S6P_UDP_DNS_NS_MAX 8     /* glibc reads 3; more do no harm */
#define S6P_RESOLV_CONF "/etc/resolv.conf"

static struct sockaddr_storage s6p_udp_dns_ns[S6P_UDP_DNS_NS_MAX];
static int s6p_udp_dns_n;
static pthread_once_t s6p_udp_dns_once = PTHREAD_ONCE_INIT;

/* "nameserver ADDR" (an IPv6 one may carry %scope, ignored here). */
static void s6p_udp_dns_line(const char *line)
{
	struct sockaddr_storage *ss = &s6p_udp_dns_ns[s6p_udp_dns_n];
	char addr[64];
	size_t n = 0;

	if (strncmp(line, "nameserver", 10) != 0 || !isspace((unsigned char)line[10]))
		return;
	for (line += 10; isspace((unsigned char)*line); line++)
		;
	while (line[n] && !isspace((unsigned char)line[n]) && line[n] != '%' && n < sizeof addr - 1)
		n++;
	memcpy(addr, line, n);
	addr[n] = '\0';
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) == 1)
		ss->ss_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1)
		ss->ss_family = AF_INET6;
	else
		return;
	s6p_udp_dns_n++;
}

static void s6p_udp_dns_load(void)
{
	FILE *f = fopen(S6P_RESOLV_CONF, "re");
	char line[512];

	if (!f)
		return;
	/* Bounded by the file's lines and the table's size. */
	while (s6p_udp_dns_n < S6P_UDP_DNS_NS_MAX && fgets(line, sizeof line, f))
		s6p_udp_dns_line(line);
	fclose(f);
	s6_log(S6_LOG_DEBUG, "%s: %d nameserver(s) whose UDP DNS the proxy answers",
	       S6P_RESOLV_CONF, s6p_udp_dns_n);
}

static bool s6p_udp_dns_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

bool s6p_udp_dns_server(const struct sockaddr *sa)
{
	struct sockaddr_storage plain;

	s6_addr_unmap(sa, &plain);
	if ((plain.ss_family != AF_INET && plain.ss_family != AF_INET6) ||
	    s6_addr_port((struct sockaddr *)&plain) != S6P_UDP_DNS_PORT)
		return false;
	if (s6p_udp_dns_loopback(&plain))
		return true;
	pthread_once(&s6p_udp_dns_once, s6p_udp_dns_load);
	for (int i = 0; i < s6p_udp_dns_n; i++) {
		const struct sockaddr_storage *ns = &s6p_udp_dns_ns[i];
		if (ns->ss_family != plain.ss_family)
			continue;
		if (ns->ss_family == AF_INET ?
		    ((const struct sockaddr_in *)ns)->sin_addr.s_addr ==
		    ((struct sockaddr_in *)&plain)->sin_addr.s_addr :
		    memcmp(&((const struct sockaddr_in6 *)ns)->sin6_addr,
			   &((struct sockaddr_in6 *)&plain)->sin6_addr, 16) == 0)
			return true;
	}
	return false;
}

void s6p_udp_dns_target(const struct sockaddr *sa, socklen_t len, struct s6p_target *t)
{
	char buf[S6_ADDR_STR_MAX];

	memset(t, 0, sizeof *t);
	memcpy(&t->dest, sa, len < sizeof t->dest ? len : sizeof t->dest);
	t->dest_len = len;
	t->s6dst.type = S6_SOCKS6_ATYP_IPV4;   /* 0.0.0.0: the DNS service */
	t->port = S6P_UDP_DNS_PORT;
	snprintf(t->label, sizeof t->label, "%s (DNS, answered by the proxy)",
		 s6_addr_format(sa, buf, sizeof buf));
}

bool s6p_udp_dns_is_target(const struct s6p_target *t)
{
	return t->port == S6P_UDP_DNS_PORT && t->s6dst.type != S6_SOCKS6_ATYP_DOMAIN &&
	       s6_s6_addr_is_unspecified(&t->s6dst);
}

bool s6p_udp_dns_is_source(const s6_s6_udp_msg *u)
{
	return u->port == S6P_UDP_DNS_PORT && u->addr.type != S6_SOCKS6_ATYP_DOMAIN &&
	       s6_s6_addr_is_unspecified(&u->addr);
}
