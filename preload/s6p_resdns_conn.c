/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DNS stream a thread keeps between res_* calls (s6p_resdns.h): one
 * SOCKS6 CONNECT to the proxy's DNS service carries every query of the
 * thread until it has been idle S6P_RESDNS_IDLE_MS, the proxy closes it, or
 * the thread exits (a key destructor closes it then). The socket sits high
 * and close-on-exec, like the UDP control connections, so it takes none of
 * the program's low numbers. Its identity (device, inode) is checked before
 * each use: a program that closed every descriptor and got the number back
 * for a file of its own never has DNS written onto that file. A forked
 * child shares the parent's socket: it drops its copy and opens its own. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "s6_handshake.h"
#include "s6p_real.h"
#include "s6p_resdns.h"
#include "s6p_state.h"

#define S6P_RESDNS_IDLE_MS 10000
#define S6P_RESDNS_FD_MIN 512

struct s6p_resdns_conn {
	int fd;                       /* -1: none */
	pid_t pid;                    /* the process that opened it */
	dev_t dev;
	ino_t ino;
	int64_t used_ms;              /* end of the last exchange */
};

static __thread struct s6p_resdns_conn s6p_resdns_cur = {.fd = -1};
static pthread_key_t s6p_resdns_key;
static bool s6p_resdns_key_ok;
static pthread_once_t s6p_resdns_key_once = PTHREAD_ONCE_INIT;

/* Is c->fd still the socket this thread opened? */
static bool s6p_resdns_conn_ours(const struct s6p_resdns_conn *c)
{
	struct stat sb;

	return fstat(c->fd, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_dev == c->dev &&
	       sb.st_ino == c->ino;
}

/* Forget c's socket, closing this process's copy when it still is one. */
static void s6p_resdns_conn_drop(struct s6p_resdns_conn *c)
{
	if (c->fd >= 0 && s6p_resdns_conn_ours(c))
		S6P_REAL(close)(c->fd);
	c->fd = -1;
}

static void s6p_resdns_conn_dtor(void *p)
{
	s6p_resdns_conn_drop(p);
}

static void s6p_resdns_key_init(void)
{
	s6p_resdns_key_ok = pthread_key_create(&s6p_resdns_key, s6p_resdns_conn_dtor) == 0;
}

/* The proxy never speaks unasked on the stream: anything readable (its
 * close, most likely after its idle timeout) means the stream is done. */
static bool s6p_resdns_conn_quiet(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};

	return S6P_REAL(poll)(&p, 1, 0) == 0;
}

int s6p_resdns_conn_take(void)
{
	struct s6p_resdns_conn *c = &s6p_resdns_cur;
	int fd = c->fd;

	if (fd < 0)
		return -1;
	if (c->pid != s6p_pid() || s6_now_ms() - c->used_ms > S6P_RESDNS_IDLE_MS ||
	    !s6p_resdns_conn_ours(c) || !s6p_resdns_conn_quiet(fd)) {
		s6p_resdns_conn_drop(c);
		return -1;
	}
	/* Taken: a signal handler's res_* call in between opens its own. */
	c->fd = -1;
	return fd;
}

void s6p_resdns_conn_keep(int fd)
{
	struct s6p_resdns_conn *c = &s6p_resdns_cur;
	struct stat sb;

	pthread_once(&s6p_resdns_key_once, s6p_resdns_key_init);
	if (c->fd >= 0 || !s6p_resdns_key_ok || fstat(fd, &sb) != 0 ||
	    pthread_setspecific(s6p_resdns_key, c) != 0) {
		S6P_REAL(close)(fd);
		return;
	}
	*c = (struct s6p_resdns_conn){.fd = fd, .pid = s6p_pid(), .dev = sb.st_dev,
				      .ino = sb.st_ino, .used_ms = s6_now_ms()};
}

int s6p_resdns_conn_socket(void)
{
	int fd = S6P_REAL(socket)(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	int hi = S6P_REAL(fcntl)(fd, F_DUPFD_CLOEXEC, S6P_RESDNS_FD_MIN);
	if (hi >= 0) {
		S6P_REAL(close)(fd);
		fd = hi;
	}
	return fd;
}
