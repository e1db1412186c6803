/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include "s6p_real.h"

static struct s6p_real_table s6p_real_fns;
static pthread_once_t s6p_real_once = PTHREAD_ONCE_INIT;
static atomic_bool s6p_real_ready;

/* Stand-ins for symbols that cannot be found: fail, never crash. */
#define S6P_REAL_MISSING(ret, name, args) \
	static ret s6p_missing_##name args { errno = ENOSYS; return (ret)-1; }
#define S6P_VOID_MISSING(name, args) \
	static void s6p_missing_##name args { }

S6P_REAL_MISSING(int, connect, (int a, const struct sockaddr *b, socklen_t c))
S6P_REAL_MISSING(int, close, (int a))
S6P_REAL_MISSING(int, dup2, (int a, int b))
S6P_REAL_MISSING(int, dup3, (int a, int b, int c))
S6P_REAL_MISSING(int, dup, (int a))
S6P_REAL_MISSING(int, fcntl, (int a, int b, ...))
S6P_REAL_MISSING(int, fcntl64, (int a, int b, ...))
S6P_REAL_MISSING(int, ioctl, (int a, unsigned long b, ...))
S6P_REAL_MISSING(int, socket, (int a, int b, int c))
static FILE *s6p_missing_fdopen(int a, const char *b) { errno = ENOSYS; return NULL; }
S6P_REAL_MISSING(int, close_range, (unsigned int a, unsigned int b, int c))
S6P_VOID_MISSING(closefrom, (int a))
S6P_REAL_MISSING(int, getsockname, (int a, struct sockaddr *b, socklen_t *c))
S6P_REAL_MISSING(long, syscall, (long a, ...))
S6P_REAL_MISSING(int, getaddrinfo, (const char *a, const char *b, const struct addrinfo *c, struct addrinfo **d))
S6P_VOID_MISSING(freeaddrinfo, (struct addrinfo *a))
static struct hostent *s6p_missing_gethostbyname(const char *a) { return NULL; }
static struct hostent *s6p_missing_gethostbyname2(const char *a, int b) { return NULL; }
S6P_REAL_MISSING(int, gethostbyname_r, (const char *a, struct hostent *b, char *c, size_t d, struct hostent **e, int *f))
S6P_REAL_MISSING(int, gethostbyname2_r, (const char *a, int b, struct hostent *c, char *d, size_t e, struct hostent **f, int *g))
static struct hostent *s6p_missing_gethostbyaddr(const void *a, socklen_t b, int c) { return NULL; }
S6P_REAL_MISSING(int, gethostbyaddr_r, (const void *a, socklen_t b, int c, struct hostent *d, char *e, size_t f, struct hostent **g, int *h))
S6P_REAL_MISSING(int, getnameinfo, (const struct sockaddr *a, socklen_t b, char *c, socklen_t d, char *e, socklen_t f, int g))
S6P_REAL_MISSING(int, getpeername, (int a, struct sockaddr *b, socklen_t *c))
S6P_REAL_MISSING(int, getsockopt, (int a, int b, int c, void *d, socklen_t *e))
S6P_REAL_MISSING(int, poll, (struct pollfd *a, nfds_t b, int c))
S6P_REAL_MISSING(int, ppoll, (struct pollfd *a, nfds_t b, const struct timespec *c, const sigset_t *d))
S6P_REAL_MISSING(int, select, (int a, fd_set *b, fd_set *c, fd_set *d, struct timeval *e))
S6P_REAL_MISSING(int, pselect, (int a, fd_set *b, fd_set *c, fd_set *d, const struct timespec *e, const sigset_t *f))
S6P_REAL_MISSING(int, epoll_ctl, (int a, int b, int c, struct epoll_event *d))
S6P_REAL_MISSING(int, epoll_wait, (int a, struct epoll_event *b, int c, int d))
S6P_REAL_MISSING(int, epoll_pwait, (int a, struct epoll_event *b, int c, int d, const sigset_t *e))
S6P_REAL_MISSING(ssize_t, read, (int a, void *b, size_t c))
S6P_REAL_MISSING(ssize_t, write, (int a, const void *b, size_t c))
S6P_REAL_MISSING(ssize_t, readv, (int a, const struct iovec *b, int c))
S6P_REAL_MISSING(ssize_t, writev, (int a, const struct iovec *b, int c))
S6P_REAL_MISSING(ssize_t, send, (int a, const void *b, size_t c, int d))
S6P_REAL_MISSING(ssize_t, recv, (int a, void *b, size_t c, int d))
S6P_REAL_MISSING(ssize_t, sendto, (int a, const void *b, size_t c, int d, const struct sockaddr *e, socklen_t f))
S6P_REAL_MISSING(ssize_t, recvfrom, (int a, void *b, size_t c, int d, struct sockaddr *e, socklen_t *f))
S6P_REAL_MISSING(ssize_t, sendmsg, (int a, const struct msghdr *b, int c))
S6P_REAL_MISSING(int, sendmmsg, (int a, struct mmsghdr *b, unsigned int c, int d))
S6P_REAL_MISSING(ssize_t, recvmsg, (int a, struct msghdr *b, int c))
S6P_REAL_MISSING(int, recvmmsg, (int a, struct mmsghdr *b, unsigned int c, int d, struct timespec *e))

static void s6p_real_resolve(void)
{
#define S6P_REAL_LOOKUP(ret, name, args) \
	s6p_real_fns.name = (ret(*) args)dlsym(RTLD_NEXT, #name); \
	if (!s6p_real_fns.name) \
		s6p_real_fns.name = s6p_missing_##name;
	S6P_REAL_LIST(S6P_REAL_LOOKUP)
#undef S6P_REAL_LOOKUP
	atomic_store_explicit(&s6p_real_ready, true, memory_order_release);
}

const struct s6p_real_table *s6p_real(void)
{
	if (!atomic_load_explicit(&s6p_real_ready, memory_order_acquire))
		pthread_once(&s6p_real_once, s6p_real_resolve);
	return &s6p_real_fns;
}
