/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the command finds the preload library, and how it is put in front
 * of LD_PRELOAD. */
#ifndef S6_PRELOAD_PATH_H
#define S6_PRELOAD_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* SOCKS6IFY_LIBRARY (not for setuid callers), else the build tree when this
 * binary runs from it, else PKGLIBDIR. */
bool s6_preload_find(char *buf, size_t len);

/* LD_PRELOAD = [sanitizer runtime] lib [previous LD_PRELOAD]. */
bool s6_preload_set_env(const char *lib);

#endif
