/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The program-behaviour matrix of t_matrix.sh, in C where Python cannot say
 * it (vfork, posix_spawn, exact getaddrinfo flags, many native threads):
 *
 *   s6_matrix serve ADDR PORT TOKEN     a server: each connection gets
 *                                       "TOKEN\n", then EOF (not preloaded)
 *   s6_matrix get HOST PORT TOKEN       one fetch by name
 *   s6_matrix threads HOST PORT TOKEN NT NC
 *                                       NT threads x NC fetches each
 *   s6_matrix orphan HOST PORT TOKEN OUT
 *                                       the child outlives its parent, then
 *                                       resolves HOST and fetches; "ok" or
 *                                       the error goes to OUT
 *   s6_matrix spawn vfork|posix_spawn HOST PORT TOKEN
 *                                       a child started that way runs "get"
 *   s6_matrix gai NAME                  getaddrinfo/getnameinfo/gethostbyaddr
 *                                       corner cases, a line per check
 *   s6_matrix resolve NAME...           "NAME ADDR" per name (s6_matrix_gai.c)
 *
 * Exit status 0 when everything asked for worked. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int serve(const char *addr, const char *port, const char *token)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 2;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* A deep backlog: 64 threads connect at once through the proxy. */
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1024) < 0) {
		perror("serve");
		return 2;
	}
	fprintf(stderr, "serve ready\n");
	for (;;) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		dprintf(c, "%s\n", token);
		close(c);
	}
}

/* Resolve HOST (remote DNS: a placeholder), connect, read to EOF. 0 or an
 * errno-style code; *what says which step failed. */
static int fetch(const char *host, const char *port, const char *token, const char **what)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char buf[256];
	size_t got = 0;
	int fd, rc;

	*what = "getaddrinfo";
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return rc == EAI_SYSTEM ? errno : 1000 + (rc < 0 ? -rc : rc);
	*what = "connect";
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ? errno : 0;
	freeaddrinfo(ai);
	if (rc) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	*what = "read";
	struct timeval tv = { .tv_sec = 20 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n <= 0 || (got += (size_t)n) == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	*what = "token";
	return strstr(buf, token) ? 0 : EBADMSG;
}

static int get(const char *host, const char *port, const char *token)
{
	const char *what;
	int rc = fetch(host, port, token, &what);

	if (rc) {
		printf("get %s:%s: %s failed (%d)\n", host, port, what, rc);
		return 1;
	}
	printf("get %s:%s ok\n", host, port);
	return 0;
}

struct thr_args {
	const char *host, *port, *token;
	int nc;
	atomic_int *ok;
	atomic_int *err; /* first failure, as errno code, 0 none */
};

static void *thr_main(void *p)
{
	struct thr_args *a = p;
	const char *what;

	for (int i = 0; i < a->nc; i++) {
		int rc = fetch(a->host, a->port, a->token, &what);
		if (rc == 0) {
			atomic_fetch_add(a->ok, 1);
		} else {
			int zero = 0;
			if (atomic_compare_exchange_strong(a->err, &zero, rc))
				fprintf(stderr, "threads: %s failed (%d)\n", what, rc);
		}
	}
	return NULL;
}

static int threads(char **av)
{
	int nt = atoi(av[3]), nc = atoi(av[4]);
	atomic_int ok = 0, err = 0;
	struct thr_args a = { av[0], av[1], av[2], nc, &ok, &err };
	pthread_t tid[256];
	struct timespec t0, t1;
	int started = 0;

	if (nt < 1 || nt > 256 || nc < 1)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nt; i++)
		if (pthread_create(&tid[i], NULL, thr_main, &a) == 0)
			started++;
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("threads %d/%d ok in %.1f s\n", atomic_load(&ok), nt * nc,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return atomic_load(&ok) == nt * nc ? 0 : 1;
}

static int orphan(char **av)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (pid > 0)
		_exit(0); /* the parent goes first */
	/* Wait (bounded) until the parent is gone and we are reparented. */
	for (int i = 0; i < 500 && getppid() == parent; i++)
		usleep(10000);
	FILE *out = fopen(av[3], "w");
	if (!out)
		_exit(2);
	const char *what;
	int rc = getppid() == parent ? -1 : fetch(av[0], av[1], av[2], &what);
	if (rc == 0)
		fprintf(out, "ok\n");
	else if (rc < 0)
		fprintf(out, "parent still alive\n");
	else
		fprintf(out, "%s failed (%d)\n", what, rc);
	fclose(out);
	_exit(0);
}

/* Start "get HOST PORT TOKEN" in a child made by vfork+execve or by
 * posix_spawn, with the inherited environment (which carries LD_PRELOAD). */
static int spawn(char **av)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *args[] = { self, "get", av[1], av[2], av[3], NULL };
	pid_t pid;
	int st;

	if (n <= 0)
		return 2;
	self[n] = '\0';
	if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "socks6ify")) {
		printf("spawn: LD_PRELOAD lacks the shim\n");
		return 1;
	}
	if (strcmp(av[0], "vfork") == 0) {
		pid = vfork();
		if (pid == 0) {
			execve(self, args, environ);
			_exit(127);
		}
	} else if (posix_spawn(&pid, self, NULL, NULL, args, environ) != 0) {
		pid = -1;
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	fflush(stdout);
	printf("spawn %s: child exit %d\n", av[0], WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int s6m_gai(const char *name);
int s6m_resolve(int n, char **names);

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "get") == 0)
		return get(argv[2], argv[3], argv[4]);
	if (argc == 7 && strcmp(argv[1], "threads") == 0)
		return threads(argv + 2);
	if (argc == 6 && strcmp(argv[1], "orphan") == 0)
		return orphan(argv + 2);
	if (argc == 6 && strcmp(argv[1], "spawn") == 0)
		return spawn(argv + 2);
	if (argc == 3 && strcmp(argv[1], "gai") == 0)
		return s6m_gai(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "resolve") == 0)
		return s6m_resolve(argc - 2, argv + 2);
	fprintf(stderr, "usage: see the comment at the top of s6_matrix.c\n");
	return 2;
}
