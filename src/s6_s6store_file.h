/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file behind the shared SOCKS6 session table (s6_s6store.h):
 * $XDG_RUNTIME_DIR/socks6ify/sessions, else /tmp/socks6ify-UID/sessions.
 *
 * The directory must be the user's and mode 0700, the file the user's,
 * a regular file, mode 0600 (checked with fstat on descriptors opened with
 * O_NOFOLLOW; anything else is refused, never repaired). A file of the wrong
 * size, magic or version is rebuilt: a new file is laid out beside it and
 * renamed over it, under an flock on the directory, so processes that
 * still map the old one keep a valid (if private) table. */
#ifndef S6_S6STORE_FILE_H
#define S6_S6STORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "s6_error.h"
#include "s6_s6store.h"

/* close(2) as the caller wants it called (the preload library passes the
 * real one, not its own hook). */
typedef int (*s6_s6store_close_fn)(int fd);

/* The directory: runtime_dir/socks6ify when runtime_dir (XDG_RUNTIME_DIR)
 * is an absolute path to a directory owned by uid, else /tmp/socks6ify-UID.
 * false when too long. */
bool s6_s6store_dir(char *buf, size_t len, const char *runtime_dir, uid_t uid);

/* Create or open, check, rebuild if needed, and map the table (NULL with
 * a reason in why on failure). *rebuilt tells that an unusable file was
 * replaced. The mapping stays for the life of the process. */
s6_s6store *s6_s6store_open(const char *dir, s6_s6store_close_fn close_fn, bool *rebuilt,
			    char *why, size_t whylen);

/* Forget every session in an existing store; a missing store is fine, a
 * broken one is removed. */
s6_err s6_s6store_forget(const char *dir, s6_s6store_close_fn close_fn, char *why, size_t whylen);

#endif
