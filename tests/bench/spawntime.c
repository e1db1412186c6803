// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spawntime: the start-up cost of a command. Runs it N times in a row and
 * prints the median wall time from spawn to exit.
 *
 *   spawntime [-e NAME=VALUE]... N COMMAND [ARGS...]
 *
 * -e adds a variable to the command's environment only (so that
 * LD_PRELOAD reaches the measured program and not this one).
 * Output: "n=N median_us=M min_us=M"; exit 1 if any run fails.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ST_MAX_RUNS 100000
#define ST_MAX_ENV 16

extern char **environ;

static long long st_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int st_cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The child's environment: ours plus the -e variables, which win. */
static char **st_env(char **extra, int nextra)
{
	size_t n = 0, i, k = 0;
	char **env;
	int j;

	while (environ[n])
		n++;
	env = calloc(n + (size_t)nextra + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		int shadowed = 0;

		for (j = 0; j < nextra; j++)
			if (!strncmp(extra[j], environ[i], klen + 1))
				shadowed = 1;
		if (!shadowed)
			env[k++] = environ[i];
	}
	for (j = 0; j < nextra; j++)
		env[k++] = extra[j];
	return env;
}

static int st_run(char **argv, char **env, long long *ns)
{
	long long t0 = st_now_ns();
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, env)) {
		perror("spawntime: spawn");
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	*ns = st_now_ns() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char *extra[ST_MAX_ENV], **env;
	long long *t;
	int nextra = 0, c;
	long n, i;

	while ((c = getopt(argc, argv, "+e:")) != -1) {
		if (c != 'e' || nextra == ST_MAX_ENV || !strchr(optarg, '='))
			goto usage;
		extra[nextra++] = optarg;
	}
	if (argc - optind < 2)
		goto usage;
	n = strtol(argv[optind], NULL, 10);
	if (n < 1 || n > ST_MAX_RUNS)
		goto usage;
	env = st_env(extra, nextra);
	t = calloc((size_t)n, sizeof(*t));
	if (!env || !t) {
		free(env);
		free(t);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (st_run(argv + optind + 1, env, &t[i]) < 0) {
			fprintf(stderr, "spawntime: run %ld of %s failed\n", i + 1, argv[optind + 1]);
			break;
		}
	}
	if (i == n) {
		qsort(t, (size_t)n, sizeof(*t), st_cmp_ll);
		printf("n=%ld median_us=%lld min_us=%lld\n", n, t[n / 2] / 1000, t[0] / 1000);
	}
	free(t);
	free(env);
	return i == n ? 0 : 1;
usage:
	fprintf(stderr, "usage: spawntime [-e NAME=VALUE]... N COMMAND [ARGS...]\n");
	return 2;
}
