/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the configuration tests (check_config.c and
 * check_config_load.c): a per-test temporary directory, fixture paths,
 * whole-file reads and writes, and the assertions both halves make on
 * error messages and exclude rules. */
#ifndef CHECK_CONFIG_UTIL_H
#define CHECK_CONFIG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "s6_cidr.h"
#include "s6_config.h"

#ifndef S6_FIXTURES
#error "S6_FIXTURES must name tests/unit/fixtures"
#endif

/* The current test's temporary directory, made and removed by the
 * checked fixture below. */
extern char tmpdir[256];

void make_tmpdir(void);
void remove_tmpdir(void);

/* Path of a file in tests/unit/fixtures (one static buffer). */
const char *fixture(const char *name);
/* Path under the per-test temporary directory (four rotating buffers). */
const char *tmp_path(const char *name);

size_t read_all(const char *path, char *buf, size_t cap);
void write_file(const char *path, const char *data, size_t len, mode_t mode);
void copy_fixture(const char *name, const char *to, mode_t mode);
bool all_zero(const char *p, size_t n);
/* Defaults, then parse text as the file "t.conf". */
s6_err parse_str(s6_config *cfg, const char *text, char *err, size_t errlen);

/* err is "FILE:LINE: " followed by text containing problem, on one line. */
void assert_error(const char *err, const char *file, unsigned line, const char *problem);
void assert_rule(const s6_cidr *r, int family, const char *addr, unsigned prefix,
		 unsigned port);

#endif
