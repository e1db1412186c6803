/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shim under thread load, for t_load_shim.sh (run under socks6ify):
 *
 *   s6_threads HOST PORT TOKEN NT NC
 *
 * NT threads x NC connections each: getaddrinfo(HOST) (a placeholder with
 * remote DNS), a blocking connect through the proxy, read to EOF, which
 * must hold TOKEN. Every 16th connection is instead a non-blocking connect
 * closed at once, in the middle of its handshake. A warm-up round of
 * NT x NC/20 comes first, so that what the shim and libc allocate once
 * (the driver thread, the cached thread stacks, ...) is there before the
 * first measurement. Prints
 *
 *   warm fds F rss R          after the warm-up (R in KiB)
 *   threads OK/ALL ok in T s, aborted A
 *   after fds F rss R         after the main round
 *
 * and exits 0 when every full connection succeeded. */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define ABORT_EVERY 16

struct run {
	const char *host, *port, *token;
	int nc;
	atomic_int ok, failed, aborted;
};

static int open_sock(const char *host, const char *port, bool nonblock, int *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int fd, rc = getaddrinfo(host, port, &hints, &ai);

	if (rc != 0) {
		*err = 1000 + (rc < 0 ? -rc : rc);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
		    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    !(nonblock && errno == EINPROGRESS)) {
		*err = errno;
		close(fd);
		fd = -1;
	} else if (fd < 0) {
		*err = errno;
	}
	freeaddrinfo(ai);
	return fd;
}

/* 0, or an errno-style code. */
static int fetch(const struct run *r)
{
	struct timeval tv = {.tv_sec = 20};
	char buf[256];
	size_t got = 0;
	int err = 0, fd = open_sock(r->host, r->port, false, &err);

	if (fd < 0)
		return err;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n <= 0 || (got += (size_t)n) == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	return strstr(buf, r->token) ? 0 : EBADMSG;
}

static void *worker(void *p)
{
	struct run *r = p;
	int err;

	for (int i = 0; i < r->nc; i++) {
		if (i % ABORT_EVERY == ABORT_EVERY - 1) {
			int fd = open_sock(r->host, r->port, true, &err);
			if (fd >= 0)
				close(fd); /* mid-handshake */
			atomic_fetch_add(&r->aborted, 1);
			continue;
		}
		err = fetch(r);
		if (err == 0) {
			atomic_fetch_add(&r->ok, 1);
		} else if (atomic_fetch_add(&r->failed, 1) < 3) {
			fprintf(stderr, "s6_threads: connection failed: %s (%d)\n",
				err < 1000 ? strerror(err) : "getaddrinfo", err);
		}
	}
	return NULL;
}

static int round_run(struct run *r, int nt)
{
	pthread_t tid[256];
	int started = 0;

	for (int i = 0; i < nt; i++)
		if (pthread_create(&tid[i], NULL, worker, r) == 0)
			started++;
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return started;
}

static void report(const char *what)
{
	long pages = 0, rss = 0;
	int fds = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	DIR *d = opendir("/proc/self/fd");

	if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	if (f)
		fclose(f);
	if (d) {
		for (fds = 0; readdir(d); fds++)
			;
		closedir(d);
		fds -= 3; /* ".", ".." and the directory's own fd */
	}
	printf("%s fds %d rss %ld\n", what, fds, rss * (sysconf(_SC_PAGESIZE) / 1024));
}

int main(int argc, char **argv)
{
	struct run warm, full;
	struct timespec t0, t1;
	int nt, nc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 6 || (nt = atoi(argv[4])) < 1 || nt > 256 || (nc = atoi(argv[5])) < 1) {
		fprintf(stderr, "usage: s6_threads HOST PORT TOKEN NTHREADS NCONN\n");
		return 2;
	}
	memset(&warm, 0, sizeof warm);
	warm.host = argv[1];
	warm.port = argv[2];
	warm.token = argv[3];
	full = warm;
	warm.nc = nc / 20 > ABORT_EVERY ? nc / 20 : ABORT_EVERY;
	full.nc = nc;
	if (round_run(&warm, nt) != nt || atomic_load(&warm.failed)) {
		fprintf(stderr, "s6_threads: the warm-up failed\n");
		return 1;
	}
	report("warm");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (round_run(&full, nt) != nt)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("threads %d/%d ok in %.1f s, aborted %d\n", atomic_load(&full.ok),
	       nt * nc - atomic_load(&full.aborted),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       atomic_load(&full.aborted));
	report("after");
	return atomic_load(&full.failed) == 0 ? 0 : 1;
}
