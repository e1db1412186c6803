/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_matrix gai NAME: getaddrinfo corner cases a proxifier tends to get
 * wrong, and the reverse lookups of placeholders. One line per check, "ok
 * WHAT" or "FAIL WHAT: detail"; exit status 1 when any failed.
 * s6_matrix resolve NAME...: "NAME ADDR" (first IPv4 answer) per name. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int s6m_gai(const char *name);
int s6m_resolve(int n, char **names);

static int failures;

static void check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok %s\n", what);
		return;
	}
	failures++;
	printf("FAIL %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static bool is_placeholder(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		return (a[0] & 0xf0) == 240;
	}
	if (sa->sa_family == AF_INET6) {
		static const uint8_t pfx[8] = { 0x01, 0x00 };
		return memcmp(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, pfx, 8) == 0;
	}
	return false;
}

static const char *show(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->sa_family == AF_INET ?
		(const void *)&((const struct sockaddr_in *)sa)->sin_addr :
		(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "family %d", sa->sa_family);
	return buf;
}

static uint16_t port_of(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port :
						((const struct sockaddr_in6 *)sa)->sin6_port);
}

/* NULL node: the wildcard with AI_PASSIVE, loopback without; NULL hints. */
static void gai_null_node(void)
{
	struct addrinfo pas = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo act = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	char b[64];
	int rc;

	rc = getaddrinfo(NULL, "8080", &pas, &ai);
	check(rc == 0, "NULL node AI_PASSIVE", "%s", gai_strerror(rc));
	for (a = rc ? NULL : ai; a; a = a->ai_next) {
		show(a->ai_addr, b, sizeof b);
		check((!strcmp(b, "0.0.0.0") || !strcmp(b, "::")) && port_of(a->ai_addr) == 8080,
		      "NULL node AI_PASSIVE gives the wildcard", "%s port %u", b, port_of(a->ai_addr));
	}
	if (rc == 0)
		freeaddrinfo(ai);
	rc = getaddrinfo(NULL, "8080", &act, &ai);
	check(rc == 0, "NULL node without AI_PASSIVE", "%s", gai_strerror(rc));
	for (a = rc ? NULL : ai; a; a = a->ai_next) {
		show(a->ai_addr, b, sizeof b);
		check(!strcmp(b, "127.0.0.1") || !strcmp(b, "::1"),
		      "NULL node without AI_PASSIVE gives loopback", "%s", b);
	}
	if (rc == 0)
		freeaddrinfo(ai);
	rc = getaddrinfo(NULL, "8080", NULL, &ai);
	check(rc == 0, "NULL node, NULL hints", "%s", gai_strerror(rc));
	for (a = rc ? NULL : ai; a; a = a->ai_next) {
		show(a->ai_addr, b, sizeof b);
		check(!strcmp(b, "127.0.0.1") || !strcmp(b, "::1"),
		      "NULL node, NULL hints gives loopback", "%s", b);
	}
	if (rc == 0)
		freeaddrinfo(ai);
}

/* A name with NULL hints: placeholders, every socket type libc would give. */
static void gai_null_hints(const char *name)
{
	struct addrinfo *ai, *a;
	bool stream = false, dgram = false, all = true;
	char b[64] = "none";
	int rc = getaddrinfo(name, NULL, NULL, &ai);

	check(rc == 0, "name with NULL hints", "%s", gai_strerror(rc));
	if (rc)
		return;
	for (a = ai; a; a = a->ai_next) {
		stream |= a->ai_socktype == SOCK_STREAM;
		dgram |= a->ai_socktype == SOCK_DGRAM;
		if (!is_placeholder(a->ai_addr))
			all = false, show(a->ai_addr, b, sizeof b);
	}
	check(all, "name with NULL hints: placeholders only", "got %s", b);
	check(stream && dgram, "name with NULL hints: stream and datagram entries", "stream %d dgram %d",
	      stream, dgram);
	freeaddrinfo(ai);
}

/* One answer expected: ADDR:PORT (ADDR NULL: a placeholder), or rc want. */
static void gai_one(const char *what, const char *node, const char *serv, int flags,
		    int want, const char *addr, unsigned port)
{
	struct addrinfo h = { .ai_flags = flags, .ai_socktype = SOCK_STREAM }, *ai;
	char b[64];
	int rc = getaddrinfo(node, serv, &h, &ai);

	if (want != 0 || rc != 0) {
		check(rc == want, what, "rc %d (%s), expected %d", rc, gai_strerror(rc), want);
		if (rc == 0)
			freeaddrinfo(ai);
		return;
	}
	show(ai->ai_addr, b, sizeof b);
	check((addr ? !strcmp(b, addr) : is_placeholder(ai->ai_addr)) && port_of(ai->ai_addr) == port,
	      what, "%s port %u", b, port_of(ai->ai_addr));
	if (flags & AI_CANONNAME)
		check(ai->ai_canonname && !strcmp(ai->ai_canonname, node), "AI_CANONNAME is the name",
		      "%s", ai->ai_canonname ? ai->ai_canonname : "(null)");
	freeaddrinfo(ai);
}

/* The reverse lookups of NAME's placeholder of family af give NAME. */
static void gai_reverse(const char *name, int af)
{
	struct addrinfo h = { .ai_family = af, .ai_socktype = SOCK_STREAM }, *ai;
	const char *fam = af == AF_INET ? "IPv4" : "IPv6";
	char host[NI_MAXHOST], what[96];
	int rc = getaddrinfo(name, "80", &h, &ai);

	snprintf(what, sizeof what, "%s placeholder", fam);
	check(rc == 0 && is_placeholder(ai->ai_addr), what, "rc %d", rc);
	if (rc)
		return;
	rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NAMEREQD);
	snprintf(what, sizeof what, "getnameinfo of the %s placeholder gives the name", fam);
	check(rc == 0 && !strcmp(host, name), what, "rc %d host %s", rc, rc ? "-" : host);
	const void *addr = af == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
					   (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
	struct hostent *he = gethostbyaddr(addr, af == AF_INET ? 4 : 16, af);
	snprintf(what, sizeof what, "gethostbyaddr of the %s placeholder gives the name", fam);
	check(he && he->h_name && !strcmp(he->h_name, name), what, "%s",
	      he && he->h_name ? he->h_name : hstrerror(h_errno));
	freeaddrinfo(ai);
}

int s6m_gai(const char *name)
{
	struct sockaddr_in real = { .sin_family = AF_INET };
	char host[NI_MAXHOST];

	gai_null_node();
	gai_null_hints(name);
	gai_one("AI_NUMERICHOST with a literal", "192.0.2.77", "80", AI_NUMERICHOST, 0, "192.0.2.77", 80);
	gai_one("AI_NUMERICHOST with a name fails (EAI_NONAME)", name, "80", AI_NUMERICHOST, EAI_NONAME, NULL, 0);
	gai_one("AI_CANONNAME gives a placeholder", name, "80", AI_CANONNAME, 0, NULL, 80);
	gai_one("numeric IPv4 host and service", "198.51.100.2", "8080", 0, 0, "198.51.100.2", 8080);
	gai_one("numeric IPv4 host, short form", "127.1", "8080", 0, 0, "127.0.0.1", 8080);
	gai_one("numeric IPv6 host and service", "2001:db8::5", "443", 0, 0, "2001:db8::5", 443);
	gai_one("name with service name", name, "http", 0, 0, NULL, 80);
	gai_one("name with AI_NUMERICSERV", name, "8080", AI_NUMERICSERV, 0, NULL, 8080);
	gai_one("AI_NUMERICSERV with a service name fails", name, "http", AI_NUMERICSERV, EAI_NONAME, NULL, 0);
	gai_reverse(name, AF_INET);
	gai_reverse(name, AF_INET6);
	/* A real address is not looked up backwards: no query leaves. */
	inet_pton(AF_INET, "198.51.100.2", &real.sin_addr);
	int rc = getnameinfo((struct sockaddr *)&real, sizeof real, host, sizeof host, NULL, 0, NI_NAMEREQD);
	check(rc == EAI_NONAME, "getnameinfo(NI_NAMEREQD) of a real address is not sent", "rc %d", rc);
	rc = getnameinfo((struct sockaddr *)&real, sizeof real, host, sizeof host, NULL, 0, 0);
	check(rc == 0 && !strcmp(host, "198.51.100.2"), "getnameinfo of a real address is numeric",
	      "rc %d", rc);
	return failures ? 1 : 0;
}

int s6m_resolve(int n, char **names)
{
	struct addrinfo h = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	char b[64];
	int bad = 0;

	for (int i = 0; i < n; i++) {
		int rc = getaddrinfo(names[i], "80", &h, &ai);
		if (rc) {
			printf("%s error %s\n", names[i], gai_strerror(rc));
			bad = 1;
			continue;
		}
		printf("%s %s\n", names[i], show(ai->ai_addr, b, sizeof b));
		freeaddrinfo(ai);
	}
	return bad;
}
