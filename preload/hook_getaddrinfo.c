/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getaddrinfo / freeaddrinfo with remote DNS: a host name is answered with its
 * placeholder addresses, or with `hosts local` a localhost or /etc/hosts name
 * with its real ones, and no query leaves the machine. The service, socket
 * type and protocol handling is the real getaddrinfo's, run on a numeric
 * address, so every hint behaves exactly as libc has it. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "s6p_hosts.h"
#include "s6p_real.h"
#include "s6p_resolve.h"

/* Lists we built are freed by us; the registry tells them from libc's. */
struct s6p_ai_block {
	struct s6p_ai_block *next;
	size_t count;
	struct addrinfo *head;
};

static pthread_mutex_t s6p_ai_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s6p_ai_block *s6p_ai_blocks;

/* The lock is only held for list surgery, but a fork from another thread
 * at that moment must not leave the child with a lock nobody will release. */
static void s6p_ai_atfork_child(void)
{
	pthread_mutex_init(&s6p_ai_lock, NULL);
}

__attribute__((constructor)) static void s6p_ai_ctor(void)
{
	pthread_atfork(NULL, NULL, s6p_ai_atfork_child);
}

static size_t s6p_ai_count(const struct addrinfo *tmpl, const s6_hosts_addr *addrs,
			   size_t naddrs)
{
	size_t n = 0;

	for (size_t k = 0; k < naddrs; k++)
		for (const struct addrinfo *a = tmpl; a; a = a->ai_next)
			n += a->ai_family == addrs[k].family;
	return n;
}

/* One entry per address and template entry of its family (one per socket
 * type), in address order: the template with the address put in. */
static struct addrinfo *s6p_ai_build(const struct addrinfo *tmpl, const s6_hosts_addr *addrs,
				     size_t naddrs, const char *canon)
{
	size_t n = s6p_ai_count(tmpl, addrs, naddrs), clen = canon ? strlen(canon) + 1 : 0;
	size_t size = sizeof(struct s6p_ai_block) +
		      n * (sizeof(struct addrinfo) + sizeof(struct sockaddr_in6)) + clen;
	struct s6p_ai_block *b = n ? calloc(1, size) : NULL;
	if (!b)
		return NULL;
	struct addrinfo *ai = (struct addrinfo *)(b + 1);
	struct sockaddr_in6 *sa = (struct sockaddr_in6 *)(ai + n);
	char *cbuf = (char *)(sa + n);
	size_t i = 0;
	for (size_t k = 0; k < naddrs; k++) {
		for (const struct addrinfo *a = tmpl; a; a = a->ai_next) {
			if (a->ai_family != addrs[k].family)
				continue;
			ai[i] = *a;
			ai[i].ai_addr = (struct sockaddr *)&sa[i];
			ai[i].ai_canonname = NULL;
			ai[i].ai_next = i + 1 < n ? &ai[i + 1] : NULL;
			memcpy(&sa[i], a->ai_addr, a->ai_addrlen);
			if (a->ai_family == AF_INET)
				memcpy(&((struct sockaddr_in *)&sa[i])->sin_addr, addrs[k].addr, 4);
			else
				memcpy(sa[i].sin6_addr.s6_addr, addrs[k].addr, 16);
			i++;
		}
	}
	if (canon) {
		memcpy(cbuf, canon, clen);
		ai[0].ai_canonname = cbuf;
	}
	b->count = n;
	b->head = ai;
	pthread_mutex_lock(&s6p_ai_lock);
	b->next = s6p_ai_blocks;
	s6p_ai_blocks = b;
	pthread_mutex_unlock(&s6p_ai_lock);
	return ai;
}

/* Append the real getaddrinfo's answer for a numeric any-address of af. */
static int s6p_ai_template(int af, const char *service, const struct addrinfo *hints,
			   struct addrinfo **out)
{
	struct addrinfo h = {0};

	if (hints)
		h = *hints;
	h.ai_family = af;
	h.ai_flags = (h.ai_flags & (AI_PASSIVE | AI_NUMERICSERV)) | AI_NUMERICHOST;
	h.ai_addr = NULL, h.ai_canonname = NULL, h.ai_next = NULL, h.ai_addrlen = 0;
	return S6P_REAL(getaddrinfo)(af == AF_INET ? "0.0.0.0" : "::", service, &h, out);
}

/* The answer for addrs (families as family allows), built on the real
 * getaddrinfo's handling of service and hints for each family. */
static int s6p_ai_answer(const s6_hosts_addr *addrs, size_t naddrs, const char *canon,
			 const char *service, const struct addrinfo *hints,
			 struct addrinfo **res)
{
	struct addrinfo *t4 = NULL, *t6 = NULL;
	bool want4 = false, want6 = false;
	int rc = 0;

	for (size_t k = 0; k < naddrs; k++) {
		want4 |= addrs[k].family == AF_INET;
		want6 |= addrs[k].family == AF_INET6;
	}
	if (want4)
		rc = s6p_ai_template(AF_INET, service, hints, &t4);
	if (rc == 0 && want6)
		rc = s6p_ai_template(AF_INET6, service, hints, &t6);
	if (rc == 0) {
		struct addrinfo **tail = &t4;
		while (*tail)
			tail = &(*tail)->ai_next;
		*tail = t6; /* joined for building only; split again below */
		bool want_canon = hints && (hints->ai_flags & AI_CANONNAME);
		*res = s6p_ai_build(t4 ? t4 : t6, addrs, naddrs, want_canon ? canon : NULL);
		*tail = NULL;
		if (!*res)
			rc = EAI_MEMORY;
	}
	if (t4)
		S6P_REAL(freeaddrinfo)(t4);
	if (t6)
		S6P_REAL(freeaddrinfo)(t6);
	return rc;
}

static int s6p_ai_remote(const char *node, const char *service,
			 const struct addrinfo *hints, struct addrinfo **res)
{
	int family = hints ? hints->ai_family : AF_UNSPEC;
	s6_hosts_addr addrs[S6_HOSTS_ADDRS_MAX];
	char canon[S6_HOSTS_NAME_MAX + 1];
	size_t n = 0;
	uint32_t serial;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return EAI_FAMILY;
	if (s6p_hosts_resolve(node, family, addrs, S6_HOSTS_ADDRS_MAX, &n, canon, sizeof canon))
		return n ? s6p_ai_answer(addrs, n, canon, service, hints, res) : EAI_NONAME;
	if (!s6p_resolve_serial(node, &serial))
		return EAI_NONAME;
	/* IPv4 first: it works with every proxy and every socket. */
	if (family != AF_INET6) {
		addrs[n].family = AF_INET;
		s6p_resolve_addr(serial, AF_INET, addrs[n++].addr);
	}
	if (family != AF_INET) {
		addrs[n].family = AF_INET6;
		s6p_resolve_addr(serial, AF_INET6, addrs[n++].addr);
	}
	return s6p_ai_answer(addrs, n, node, service, hints, res);
}

S6P_HOOK int getaddrinfo(const char *node, const char *service,
			 const struct addrinfo *hints, struct addrinfo **res)
{
	if (!res || !s6p_resolve_remote(node) || (hints && (hints->ai_flags & AI_NUMERICHOST)))
		return S6P_REAL(getaddrinfo)(node, service, hints, res);
	return s6p_ai_remote(node, service, hints, res);
}

S6P_HOOK void freeaddrinfo(struct addrinfo *ai)
{
	struct s6p_ai_block *found = NULL;

	pthread_mutex_lock(&s6p_ai_lock);
	for (struct s6p_ai_block **pp = &s6p_ai_blocks; *pp; pp = &(*pp)->next) {
		if ((*pp)->head == ai) {
			found = *pp;
			*pp = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&s6p_ai_lock);
	if (found)
		free(found);
	else if (ai)
		S6P_REAL(freeaddrinfo)(ai);
}
