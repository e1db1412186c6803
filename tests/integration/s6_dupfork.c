/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copies of a TCP socket made while its proxy handshake is in flight, run
 * under socks6ify against a slow proxy (t_dupfork.sh):
 *   s6_dupfork CASE HOST PORT
 * The target answers one line "X\n" with "ok X\n". Every case prints
 * "ok CASE" and exits 0, or "FAIL CASE: why" and exits 1.
 *   dup, closeorig, dup2, dupfd, sysdup, epoll   non-blocking connect, then
 *        the copy (the original closed first for all but dup) must see the
 *        outcome and carry the exchange; dupx: the original writes, the
 *        copy reads the answer;
 *   dupthread   a blocking connect in a thread, a dup from another;
 *   predup      a copy made before a blocking (SOCKS6: optimistic) connect()
 *               of the original writes and reads, and answers getpeername;
 *               predupnb the same, non-blocking (the copy polls); preclose:
 *               the original closed after its connect(); predup2: the copy
 *               made with dup2 over another fd;
 *   preclosed   a copy closed before connect(): its number, now /dev/null,
 *               is not attached to the connection;
 *   forknb      fork right after a non-blocking connect: the child talks,
 *               the parent closes;
 *   forkopt     fork after a blocking (optimistic) connect before the
 *               first write: the child talks, the parent then sees the
 *               connection established;
 *   forkthread  fork while another thread is inside a blocking connect;
 *   forkfail    (a port with nothing behind it) the same errno in parent
 *               and child, non-blocking; forkfailopt the same, blocking;
 *   vfork       vfork + exec of "plain": the new program connects. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *cs;
static struct sockaddr_in dst;

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", cs);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(1);
}

static int tcp(bool nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	return fd;
}

static void connect_nb(int fd)
{
	if (connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0)
		return;
	if (errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
}

/* Wait for events on fd (5 s at most); returns revents. */
static short wait_ev(int fd, short ev)
{
	struct pollfd p = {.fd = fd, .events = ev};

	if (poll(&p, 1, 5000) != 1)
		die("fd %d: no event %#x within 5 s", fd, ev);
	return p.revents;
}

static int so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		die("getsockopt: %s", strerror(errno));
	return err;
}

static void expect_peer(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	if (getpeername(fd, (struct sockaddr *)&sa, &len) < 0)
		die("getpeername(%d): %s", fd, strerror(errno));
	if (sa.sin_addr.s_addr != dst.sin_addr.s_addr || sa.sin_port != dst.sin_port)
		die("getpeername(%d) is %s:%u, not the target", fd, inet_ntoa(sa.sin_addr),
		    ntohs(sa.sin_port));
}

/* Send "word\n" on wfd and expect "ok word\n" back on fd (5 s at most). */
static void exchange2(int wfd, int fd, const char *word)
{
	char want[64], got[64];
	size_t have = 0;
	int n = snprintf(want, sizeof want, "%s\n", word);

	if (write(wfd, want, (size_t)n) != n)
		die("write(%d): %s", wfd, strerror(errno));
	snprintf(want, sizeof want, "ok %s\n", word);
	for (int i = 0; i < 100 && have < strlen(want); i++) {
		wait_ev(fd, POLLIN);
		ssize_t r = read(fd, got + have, sizeof got - 1 - have);
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0)
			die("read(%d): %s", fd, r == 0 ? "EOF" : strerror(errno));
		have += (size_t)r;
	}
	got[have] = '\0';
	if (strcmp(got, want) != 0)
		die("fd %d answered \"%.*s\"", fd, (int)strcspn(got, "\n"), got);
}

static void exchange(int fd, const char *word)
{
	exchange2(fd, fd, word);
}

/* The copy of a non-blocking connect in flight learns the outcome. */
static void use_copy(int d)
{
	if (!(wait_ev(d, POLLOUT) & POLLOUT))
		die("copy %d not writable", d);
	int err = so_error(d);
	if (err)
		die("SO_ERROR of the copy: %s", strerror(err));
	expect_peer(d);
	exchange(d, cs);
}

static int copy_of(int s)
{
	int d = -1, null_fd;

	if (!strcmp(cs, "dup") || !strcmp(cs, "dupx") || !strcmp(cs, "closeorig") ||
	    !strcmp(cs, "epoll"))
		d = dup(s);
	else if (!strcmp(cs, "sysdup"))
		d = (int)syscall(SYS_dup, s);
	else if (!strcmp(cs, "dupfd"))
		d = fcntl(s, F_DUPFD_CLOEXEC, 50);
	else if (!strcmp(cs, "dup2")) {
		null_fd = open("/dev/null", O_RDONLY);
		d = dup2(s, null_fd);
	}
	if (d < 0)
		die("copy: %s", strerror(errno));
	if (!strcmp(cs, "dupfd") && (d < 50 || !(fcntl(d, F_GETFD) & FD_CLOEXEC)))
		die("F_DUPFD_CLOEXEC gave %d without FD_CLOEXEC", d);
	return d;
}

static void case_epoll(int d)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.fd = d}, got;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev) < 0)
		die("epoll: %s", strerror(errno));
	int n = epoll_wait(ep, &got, 1, 5000);
	if (n != 1 || !(got.events & EPOLLOUT) || (got.events & EPOLLIN))
		die("epoll_wait: %d, events %#x", n, n == 1 ? got.events : 0);
	if (so_error(d))
		die("SO_ERROR after epoll");
	exchange(d, cs);
	close(ep);
}

static void case_copy(void)
{
	int s = tcp(true);

	connect_nb(s);
	int d = copy_of(s);
	if (!strcmp(cs, "dupx")) {
		/* The original writes, the copy reads: one outcome, the
		 * replies consumed once. */
		wait_ev(s, POLLOUT);
		if (so_error(s) != 0 || so_error(d) != 0)
			die("SO_ERROR");
		exchange2(s, d, cs);
		return;
	}
	if (strcmp(cs, "dup") != 0)
		close(s); /* mid-handshake: the copy keeps it */
	if (!strcmp(cs, "epoll"))
		case_epoll(d);
	else
		use_copy(d);
	if (!strcmp(cs, "dup") && so_error(s) != 0)
		die("SO_ERROR of the original");
}

static int thr_fd;
static int thr_err;

static void *thr_connect(void *arg)
{
	(void)arg;
	thr_err = connect(thr_fd, (struct sockaddr *)&dst, sizeof dst) == 0 ? 0 : errno;
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static pthread_t start_blocking_connect(void)
{
	pthread_t th;

	thr_fd = tcp(false);
	if (pthread_create(&th, NULL, thr_connect, NULL) != 0)
		die("pthread_create");
	sleep_ms(150); /* inside the proxy handshake (the proxy sleeps) */
	return th;
}

static void case_dupthread(void)
{
	pthread_t th = start_blocking_connect();
	int d = dup(thr_fd);

	pthread_join(th, NULL);
	if (thr_err)
		die("blocking connect: %s", strerror(thr_err));
	close(thr_fd);
	expect_peer(d);
	exchange(d, cs);
}

/* The child's verdict: its exit status, its output on the shared stdout. */
static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("the child failed");
}

static void case_forknb(void)
{
	int s = tcp(true);

	connect_nb(s);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		cs = "forknb(child)";
		use_copy(s);
		_exit(0);
	}
	close(s);
	reap(pid);
}

static void case_forkopt(void)
{
	int s = tcp(false);

	if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0)
		die("connect: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		cs = "forkopt(child)";
		expect_peer(s);
		exchange(s, "forkopt");
		_exit(0);
	}
	reap(pid);
	/* The child's exchange ended the connection: the parent sees it
	 * established and then closed, never reply bytes nor an error. */
	char buf[64];
	expect_peer(s);
	if (so_error(s) != 0)
		die("SO_ERROR in the parent");
	wait_ev(s, POLLIN);
	ssize_t r = read(s, buf, sizeof buf);
	if (r != 0)
		die("the parent's read: %zd (%s)", r, r < 0 ? strerror(errno) : "data");
}

static void case_forkthread(void)
{
	pthread_t th = start_blocking_connect();

	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		cs = "forkthread(child)";
		expect_peer(thr_fd);
		exchange(thr_fd, "forkthread");
		_exit(0);
	}
	pthread_join(th, NULL);
	if (thr_err)
		die("blocking connect: %s", strerror(thr_err));
	reap(pid);
	expect_peer(thr_fd);
}

/* The errno a failed connect reports on s: SO_ERROR (non-blocking) or
 * the first write (optimistic, blocking). */
static int fail_errno(int s, bool nonblock)
{
	if (nonblock) {
		wait_ev(s, POLLOUT);
		return so_error(s);
	}
	if (write(s, "x\n", 2) >= 0)
		return 0;
	return errno;
}

static void case_forkfail(bool nonblock)
{
	int s = tcp(nonblock), err = 0;

	if (nonblock)
		connect_nb(s);
	else if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0)
		err = errno; /* not optimistic: connect() itself says it */
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(err ? err : fail_errno(s, nonblock));
	int mine = err ? err : fail_errno(s, nonblock), st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		die("the child failed");
	if (mine == 0 || WEXITSTATUS(st) != mine)
		die("parent saw %s, child %s", strerror(mine), strerror(WEXITSTATUS(st)));
	printf("errno %s\n", strerror(mine));
}

static void case_vfork(const char *self, const char *host, const char *port)
{
	char *args[] = {(char *)self, "plain", (char *)host, (char *)port, NULL};

	fflush(stdout);
	pid_t pid = vfork();
	if (pid < 0)
		die("vfork: %s", strerror(errno));
	if (pid == 0) {
		execv("/proc/self/exe", args);
		_exit(127);
	}
	reap(pid);
}

/* Copies made before connect(): connect() on the original makes them proxied. */
static void case_before(void)
{
	bool nb = strcmp(cs, "predup") != 0;
	int s = tcp(nb), d;

	if (!strcmp(cs, "predup2")) {
		int null_fd = open("/dev/null", O_RDONLY);
		d = dup2(s, null_fd);
	} else {
		d = dup(s);
	}
	if (d < 0)
		die("copy: %s", strerror(errno));
	if (nb) {
		connect_nb(s);
	} else if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0) {
		die("connect: %s", strerror(errno));
	}
	if (!strcmp(cs, "preclose"))
		close(s);
	if (nb) {
		use_copy(d);
	} else {
		expect_peer(d);
		exchange(d, cs);
	}
	if (strcmp(cs, "preclose") != 0 && so_error(s) != 0)
		die("SO_ERROR of the original");
}

/* A copy closed before connect(): its number, reused for a file, must not
 * join the connection. */
static void case_preclosed(void)
{
	int s = tcp(false), d = dup(s);
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	char c;

	if (d < 0 || close(d) < 0)
		die("dup/close: %s", strerror(errno));
	int f = open("/dev/null", O_RDONLY);
	if (f != d)
		die("/dev/null got fd %d, not the closed copy's %d", f, d);
	if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0)
		die("connect: %s", strerror(errno));
	if (getpeername(f, (struct sockaddr *)&sa, &len) == 0 || errno != ENOTSOCK)
		die("getpeername of /dev/null: %s", strerror(errno));
	if (read(f, &c, 1) != 0)
		die("read of /dev/null: %s", strerror(errno));
	exchange(s, cs);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s CASE HOST PORT\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	cs = argv[1];
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1)
		die("bad address %s", argv[2]);
	if (!strcmp(cs, "dupthread"))
		case_dupthread();
	else if (!strcmp(cs, "forknb"))
		case_forknb();
	else if (!strcmp(cs, "forkopt"))
		case_forkopt();
	else if (!strcmp(cs, "forkthread"))
		case_forkthread();
	else if (!strcmp(cs, "forkfail") || !strcmp(cs, "forkfailopt"))
		case_forkfail(!strcmp(cs, "forkfail"));
	else if (!strncmp(cs, "predup", 6) || !strcmp(cs, "preclose"))
		case_before();
	else if (!strcmp(cs, "preclosed"))
		case_preclosed();
	else if (!strcmp(cs, "vfork"))
		case_vfork(argv[0], argv[2], argv[3]);
	else if (!strcmp(cs, "plain")) {
		int s = tcp(false);
		if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0)
			die("connect: %s", strerror(errno));
		expect_peer(s);
		exchange(s, "plain");
	} else {
		case_copy();
	}
	printf("ok %s\n", cs);
	return 0;
}
