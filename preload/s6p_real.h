/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real libc functions behind every hook, resolved once with
 * dlsym(RTLD_NEXT) under pthread_once. The table is generated from one list so
 * a hook, its real pointer and its resolution can never drift apart. */
#ifndef S6P_REAL_H
#define S6P_REAL_H

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define S6P_REAL_LIST(X) \
	X(int, connect, (int, const struct sockaddr *, socklen_t)) \
	X(int, close, (int)) \
	X(int, dup2, (int, int)) \
	X(int, dup3, (int, int, int)) \
	X(int, dup, (int)) \
	X(int, fcntl, (int, int, ...)) \
	X(int, fcntl64, (int, int, ...)) \
	X(int, ioctl, (int, unsigned long, ...)) \
	X(int, socket, (int, int, int)) \
	X(FILE *, fdopen, (int, const char *)) \
	X(int, close_range, (unsigned int, unsigned int, int)) \
	X(void, closefrom, (int)) \
	X(int, getsockname, (int, struct sockaddr *, socklen_t *)) \
	X(long, syscall, (long, ...)) \
	X(int, getaddrinfo, (const char *, const char *, const struct addrinfo *, struct addrinfo **)) \
	X(void, freeaddrinfo, (struct addrinfo *)) \
	X(struct hostent *, gethostbyname, (const char *)) \
	X(struct hostent *, gethostbyname2, (const char *, int)) \
	X(int, gethostbyname_r, (const char *, struct hostent *, char *, size_t, struct hostent **, int *)) \
	X(int, gethostbyname2_r, (const char *, int, struct hostent *, char *, size_t, struct hostent **, int *)) \
	X(struct hostent *, gethostbyaddr, (const void *, socklen_t, int)) \
	X(int, gethostbyaddr_r, (const void *, socklen_t, int, struct hostent *, char *, size_t, struct hostent **, int *)) \
	X(int, getnameinfo, (const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int)) \
	X(int, getpeername, (int, struct sockaddr *, socklen_t *)) \
	X(int, getsockopt, (int, int, int, void *, socklen_t *)) \
	X(int, poll, (struct pollfd *, nfds_t, int)) \
	X(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)) \
	X(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *)) \
	X(int, pselect, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *)) \
	X(int, epoll_ctl, (int, int, int, struct epoll_event *)) \
	X(int, epoll_wait, (int, struct epoll_event *, int, int)) \
	X(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *)) \
	X(ssize_t, read, (int, void *, size_t)) \
	X(ssize_t, write, (int, const void *, size_t)) \
	X(ssize_t, readv, (int, const struct iovec *, int)) \
	X(ssize_t, writev, (int, const struct iovec *, int)) \
	X(ssize_t, send, (int, const void *, size_t, int)) \
	X(ssize_t, recv, (int, void *, size_t, int)) \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int)) \
	X(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int)) \
	X(ssize_t, recvmsg, (int, struct msghdr *, int)) \
	X(int, recvmmsg, (int, struct mmsghdr *, unsigned int, int, struct timespec *))

#define S6P_REAL_FIELD(ret, name, args) ret (*name) args;
struct s6p_real_table {
	S6P_REAL_LIST(S6P_REAL_FIELD)
};
#undef S6P_REAL_FIELD

/* The table, resolved on first use (thread-safe). A symbol libc lacks is
 * replaced by a function that fails with ENOSYS, so no hook calls NULL. */
const struct s6p_real_table *s6p_real(void);

#define S6P_REAL(name) (s6p_real()->name)

/* Hooks are the only symbols the library exports. */
#define S6P_HOOK __attribute__((visibility("default")))

#endif
