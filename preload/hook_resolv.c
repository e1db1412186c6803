/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The res_* resolver API sends DNS queries from inside libc, where no hook
 * can see the packets. With remote DNS those queries would leave the machine
 * beside the proxy: through a socks6:// proxy they are answered by its DNS
 * service instead (s6p_resdns.h); with any other proxy they are refused with
 * one log line. With `dns local` they pass through. */
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include "s6_log.h"
#include "s6p_real.h"
#include "s6p_resdns.h"
#include "s6p_resolve.h"

/* <resolv.h> renames res_query to __res_query and so on; both names are
 * exported by libc and both are hooked (see the aliases at the end). */
/* glibc >= 2.34 declares only the unprefixed names; ours need prototypes. */
int __res_query(const char *, int, int, unsigned char *, int);
int __res_search(const char *, int, int, unsigned char *, int);
int __res_querydomain(const char *, const char *, int, int, unsigned char *, int);
int __res_send(const unsigned char *, int, unsigned char *, int);
int __res_nquery(res_state, const char *, int, int, unsigned char *, int);
int __res_nsearch(res_state, const char *, int, int, unsigned char *, int);
int __res_nquerydomain(res_state, const char *, const char *, int, int, unsigned char *, int);
int __res_nsend(res_state, const unsigned char *, int, unsigned char *, int);

static struct {
	int (*query)(const char *, int, int, unsigned char *, int);
	int (*search)(const char *, int, int, unsigned char *, int);
	int (*querydomain)(const char *, const char *, int, int, unsigned char *, int);
	int (*send)(const unsigned char *, int, unsigned char *, int);
	int (*nquery)(res_state, const char *, int, int, unsigned char *, int);
	int (*nsearch)(res_state, const char *, int, int, unsigned char *, int);
	int (*nquerydomain)(res_state, const char *, const char *, int, int, unsigned char *, int);
	int (*nsend)(res_state, const unsigned char *, int, unsigned char *, int);
} s6p_res_real;
static pthread_once_t s6p_res_once = PTHREAD_ONCE_INIT;

static void s6p_res_resolve(void)
{
	s6p_res_real.query = dlsym(RTLD_NEXT, "res_query");
	s6p_res_real.search = dlsym(RTLD_NEXT, "res_search");
	s6p_res_real.querydomain = dlsym(RTLD_NEXT, "res_querydomain");
	s6p_res_real.send = dlsym(RTLD_NEXT, "res_send");
	s6p_res_real.nquery = dlsym(RTLD_NEXT, "res_nquery");
	s6p_res_real.nsearch = dlsym(RTLD_NEXT, "res_nsearch");
	s6p_res_real.nquerydomain = dlsym(RTLD_NEXT, "res_nquerydomain");
	s6p_res_real.nsend = dlsym(RTLD_NEXT, "res_nsend");
}

enum s6p_res_way {
	S6P_RES_PASS,    /* libc's own resolver (dns local) */
	S6P_RES_PROXY,   /* the SOCKS6 proxy's DNS service */
	S6P_RES_REFUSE,  /* refused, logged, h_errno set */
};

static enum s6p_res_way s6p_res_way(const char *call, const char *name, res_state st)
{
	pthread_once(&s6p_res_once, s6p_res_resolve);
	if (!s6p_resolve_remote_mode())
		return S6P_RES_PASS;
	if (s6p_resdns_usable())
		return S6P_RES_PROXY;
	s6_log(S6_LOG_ERROR, "%s(%.255s): refused: with remote DNS the program's own DNS queries would bypass the proxy",
	       call, name ? name : "prebuilt query");
	h_errno = NO_RECOVERY;
	if (st)
		st->res_h_errno = NO_RECOVERY;
	return S6P_RES_REFUSE;
}

/* The resolver state to answer with: the program's, or the thread's _res
 * (initialised as libc's res_query would). NULL: refused or unusable. */
static res_state s6p_res_state(enum s6p_res_way way, res_state given)
{
	if (way != S6P_RES_PROXY)
		return NULL;
	if (given)
		return given;
	if (!(_res.options & RES_INIT) && res_init() < 0) {
		h_errno = NETDB_INTERNAL;
		return NULL;
	}
	return &_res;
}

#define S6P_RES_CALL(fn, ...) \
	(s6p_res_real.fn ? s6p_res_real.fn(__VA_ARGS__) : (h_errno = NO_RECOVERY, -1))

/* dns local: libc. Otherwise the proxy answers (through st) or -1. */
#define S6P_RES_WAY(call, name, given, fn, ...) \
	enum s6p_res_way w_ = s6p_res_way(call, name, given); \
	if (w_ == S6P_RES_PASS) \
		return S6P_RES_CALL(fn, __VA_ARGS__); \
	res_state st = s6p_res_state(w_, given); \
	if (!st) \
		return -1

S6P_HOOK int __res_query(const char *name, int cls, int type, unsigned char *ans, int len)
{
	S6P_RES_WAY("res_query", name, NULL, query, name, cls, type, ans, len);
	return s6p_resdns_query(st, name, cls, type, ans, len, "res_query");
}

S6P_HOOK int __res_search(const char *name, int cls, int type, unsigned char *ans, int len)
{
	S6P_RES_WAY("res_search", name, NULL, search, name, cls, type, ans, len);
	return s6p_resdns_search(st, name, cls, type, ans, len, "res_search");
}

S6P_HOOK int __res_querydomain(const char *name, const char *dom, int cls, int type,
			       unsigned char *ans, int len)
{
	S6P_RES_WAY("res_querydomain", name, NULL, querydomain, name, dom, cls, type, ans, len);
	return s6p_resdns_querydomain(st, name, dom, cls, type, ans, len, "res_querydomain");
}

S6P_HOOK int __res_send(const unsigned char *msg, int mlen, unsigned char *ans, int len)
{
	S6P_RES_WAY("res_send", NULL, NULL, send, msg, mlen, ans, len);
	(void)st;
	return s6p_resdns_send(msg, mlen, ans, len, "res_send");
}

S6P_HOOK int __res_nquery(res_state given, const char *name, int cls, int type,
			  unsigned char *ans, int len)
{
	S6P_RES_WAY("res_nquery", name, given, nquery, given, name, cls, type, ans, len);
	return s6p_resdns_query(st, name, cls, type, ans, len, "res_nquery");
}

S6P_HOOK int __res_nsearch(res_state given, const char *name, int cls, int type,
			   unsigned char *ans, int len)
{
	S6P_RES_WAY("res_nsearch", name, given, nsearch, given, name, cls, type, ans, len);
	return s6p_resdns_search(st, name, cls, type, ans, len, "res_nsearch");
}

S6P_HOOK int __res_nquerydomain(res_state given, const char *name, const char *dom, int cls,
				int type, unsigned char *ans, int len)
{
	S6P_RES_WAY("res_nquerydomain", name, given, nquerydomain, given, name, dom, cls, type,
		    ans, len);
	return s6p_resdns_querydomain(st, name, dom, cls, type, ans, len, "res_nquerydomain");
}

S6P_HOOK int __res_nsend(res_state given, const unsigned char *msg, int mlen,
			 unsigned char *ans, int len)
{
	S6P_RES_WAY("res_nsend", NULL, given, nsend, given, msg, mlen, ans, len);
	(void)st;
	return s6p_resdns_send(msg, mlen, ans, len, "res_nsend");
}

/* The unprefixed names programs linked against glibc >= 2.34 use. */
#undef res_query
#undef res_search
#undef res_querydomain
#undef res_send
#undef res_nquery
#undef res_nsearch
#undef res_nquerydomain
#undef res_nsend
#define S6P_RES_ALIAS(name) \
	extern __typeof(__##name) name __attribute__((alias("__" #name), visibility("default")))
S6P_RES_ALIAS(res_query);
S6P_RES_ALIAS(res_search);
S6P_RES_ALIAS(res_querydomain);
S6P_RES_ALIAS(res_send);
S6P_RES_ALIAS(res_nquery);
S6P_RES_ALIAS(res_nsearch);
S6P_RES_ALIAS(res_nquerydomain);
S6P_RES_ALIAS(res_nsend);
