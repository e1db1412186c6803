/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the configuration tests; see check_config_util.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw flags */
#endif
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_config_util.h"

char tmpdir[256];

void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/check_config.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void remove_tmpdir(void)
{
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fixture(const char *name)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/%s", S6_FIXTURES, name);
	return path;
}

/* Path under the per-test temporary directory (one static buffer each). */
const char *tmp_path(const char *name)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

size_t read_all(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	while ((n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	close(fd);
	ck_assert_uint_lt(len, cap);
	return len;
}

void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

void copy_fixture(const char *name, const char *to, mode_t mode)
{
	static char buf[16384];
	size_t len = read_all(fixture(name), buf, sizeof buf);

	write_file(to, buf, len, mode);
}

bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

s6_err parse_str(s6_config *cfg, const char *text, char *err, size_t errlen)
{
	s6_config_defaults(cfg);
	return s6_config_parse(cfg, text, strlen(text), "t.conf", err, errlen);
}

void assert_error(const char *err, const char *file, unsigned line, const char *problem)
{
	char prefix[600];

	snprintf(prefix, sizeof prefix, "%s:%u: ", file, line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "'%s' does not start '%s'", err, prefix);
	ck_assert_msg(strstr(err + strlen(prefix), problem) != NULL, "'%s' lacks '%s'", err, problem);
	ck_assert(strchr(err, '\n') == NULL);
}

void assert_rule(const s6_cidr *r, int family, const char *addr, unsigned prefix,
		 unsigned port)
{
	uint8_t want[16] = {0};

	ck_assert_int_eq(inet_pton(family, addr, want), 1);
	ck_assert_int_eq(r->family, family);
	ck_assert(memcmp(r->addr, want, 16) == 0);
	ck_assert_uint_eq(r->prefix, prefix);
	ck_assert_uint_eq(r->port, port);
}
