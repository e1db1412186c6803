/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CHECK_S6STORE_H
#define CHECK_S6STORE_H

#include <check.h>

/* The file part (check_s6store_file.c). */
void s6store_file_tests(Suite *s);

#endif
