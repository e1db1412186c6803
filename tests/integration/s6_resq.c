/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_resq: glibc's res_* API from a C program, for the integration tests of
 * the res_* hooks.
 *
 *   s6_resq query NAME     res_query(NAME, C_IN, T_A)
 *   s6_resq search NAME    res_search(NAME, C_IN, T_A)
 *   s6_resq nquery NAME    res_nquery on a state of its own (res_ninit)
 *   s6_resq send NAME      res_mkquery, then res_send of the prebuilt query
 *
 * Prints "A ADDR" for each A record of the answer, then "ok LEN"; on
 * failure "fail h_errno=N" (1 HOST_NOT_FOUND, 2 TRY_AGAIN, 3 NO_RECOVERY,
 * 4 NO_DATA) and exits 1. For send, the answer's RCODE is printed as
 * "rcode N" (res_send does not judge it).
 *
 * Options, before MODE, for the reuse of the shim's DNS stream:
 *   -n N    N queries in a row (each prints its answer)
 *   -w MS   wait MS milliseconds between them
 *   -t      each query on a thread of its own, joined before the next
 *   -f      then fork: the child makes one query, the parent waits for it
 *           and makes one more
 *   -b      then res_send of a message that is no query (QR set), which the
 *           proxy answers by closing the stream: it must fail ("bad
 *           refused"); then one more query
 * At the end: "high-fds N cloexec M" (descriptors >= 256, and how many of
 * them are close-on-exec) and "next-fd N" (the number an open gets). */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int print_answer(const unsigned char *ans, int len)
{
	ns_msg msg;
	ns_rr rr;
	char buf[INET_ADDRSTRLEN];

	if (ns_initparse(ans, len, &msg) < 0) {
		printf("fail unparsable answer (%d bytes)\n", len);
		return 1;
	}
	printf("rcode %d\n", (int)ns_msg_getflag(msg, ns_f_rcode));
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return 1;
		if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4)
			printf("A %s\n", inet_ntop(AF_INET, ns_rr_rdata(rr), buf, sizeof buf));
	}
	printf("ok %d\n", len);
	return 0;
}

static int do_send(const char *name, unsigned char *ans, int anslen)
{
	unsigned char q[NS_PACKETSZ];
	int qlen = res_mkquery(ns_o_query, name, ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof q);

	if (qlen < 0)
		return -1;
	return res_send(q, qlen, ans, anslen);
}

static const char *mode, *name;

/* One query in the chosen mode: print_answer's status, or 1. */
static int one_query(void)
{
	unsigned char ans[NS_PACKETSZ * 4];
	struct __res_state st;
	int n;

	if (strcmp(mode, "query") == 0) {
		n = res_query(name, ns_c_in, ns_t_a, ans, sizeof ans);
	} else if (strcmp(mode, "search") == 0) {
		n = res_search(name, ns_c_in, ns_t_a, ans, sizeof ans);
	} else if (strcmp(mode, "nquery") == 0) {
		memset(&st, 0, sizeof st);
		if (res_ninit(&st) < 0)
			return 1;
		n = res_nquery(&st, name, ns_c_in, ns_t_a, ans, sizeof ans);
		if (n < 0)
			h_errno = st.res_h_errno;
		res_nclose(&st);
	} else if (strcmp(mode, "send") == 0) {
		n = do_send(name, ans, sizeof ans);
	} else {
		return 2;
	}
	if (n < 0) {
		printf("fail h_errno=%d\n", h_errno);
		return 1;
	}
	return print_answer(ans, n);
}

static void *query_thread(void *arg)
{
	*(int *)arg = one_query();
	return NULL;
}

static int query_on_thread(void)
{
	pthread_t th;
	int rc = 1;

	if (pthread_create(&th, NULL, query_thread, &rc) != 0)
		return 1;
	pthread_join(th, NULL);
	return rc;
}

/* A response sent as if a query: the proxy's DNS service ends the stream. */
static int bad_query(void)
{
	unsigned char q[NS_PACKETSZ], ans[NS_PACKETSZ];
	int qlen = res_mkquery(ns_o_query, name, ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof q);

	if (qlen < 12)
		return 1;
	q[2] |= 0x80;
	if (res_send(q, qlen, ans, sizeof ans) >= 0) {
		printf("fail bad message answered\n");
		return 1;
	}
	printf("bad refused\n");
	return one_query();
}

/* The child's query; the parent's after the child ended. */
static int fork_query(void)
{
	int status;

	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		printf("child\n");
		int rc = one_query();
		fflush(stdout);
		_exit(rc);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	printf("parent\n");
	return one_query();
}

static void report_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int high = 0, cloexec = 0;

	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (fd < 256)
			continue;
		high++;
		cloexec += (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
	}
	if (d)
		closedir(d);
	printf("high-fds %d cloexec %d\n", high, cloexec);
	int fd = open("/dev/null", O_RDONLY);
	printf("next-fd %d\n", fd);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	int count = 1, wait_ms = 0, opt, rc = 0;
	bool threads = false, forks = false, bad = false;

	while ((opt = getopt(argc, argv, "n:w:tfb")) != -1) {
		if (opt == 'n')
			count = atoi(optarg);
		else if (opt == 'w')
			wait_ms = atoi(optarg);
		else if (opt == 't')
			threads = true;
		else if (opt == 'f')
			forks = true;
		else if (opt == 'b')
			bad = true;
		else
			return 2;
	}
	if (argc - optind != 2 || count < 1 || count > 1000 || wait_ms < 0) {
		fprintf(stderr, "usage: s6_resq [-n N] [-w MS] [-t] [-f] [-b] "
			"query|search|nquery|send NAME\n");
		return 2;
	}
	mode = argv[optind];
	name = argv[optind + 1];
	for (int i = 0; i < count && rc == 0; i++) {
		if (i > 0 && wait_ms > 0)
			nanosleep(&(struct timespec){wait_ms / 1000, (wait_ms % 1000) * 1000000L},
				  NULL);
		rc = threads ? query_on_thread() : one_query();
	}
	if (rc == 0 && forks)
		rc = fork_query();
	if (rc == 0 && bad)
		rc = bad_query();
	if (count > 1 || threads || forks || bad)
		report_fds();
	return rc;
}
