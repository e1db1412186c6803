/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SOCKS6 listener's user table: NAME:PASS pairs from --user and
 * --users FILE, and the username/password check (RFC 1929 credentials are
 * byte strings, compared with their lengths). Pure apart from reading the
 * file; the protocol flow lives in srv_socks6.c. */
#ifndef SRV_S6_AUTH_H
#define SRV_S6_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_userpass.h"

#define SRV_S6_USERS_MAX 10000      /* entries, all sources together */
#define SRV_S6_USERS_LINE_MAX 1024  /* bytes per line of a users file */

typedef struct srv_s6_user {
	uint8_t name[S6_UP_FIELD_MAX + 1];  /* NUL-terminated for logs */
	size_t nlen;
	uint8_t pass[S6_UP_FIELD_MAX];
	size_t plen;
} srv_s6_user;

typedef struct srv_s6_users {
	srv_s6_user *v;
	size_t n;
} srv_s6_users;

/* Add one "NAME:PASS" (split at the first ':'; both 1..255 bytes, the name
 * without NUL). False with a one-line reason in why. A later entry for the
 * same name replaces the earlier one. */
bool srv_s6_users_add(srv_s6_users *u, const char *text, size_t len,
		      char *why, size_t whylen);

/* Load a users file: one NAME:PASS per line, '#' starts a comment line,
 * blank lines are skipped. A file readable or writable by group or others
 * is refused. why gets "FILE:LINE: problem" or "FILE: problem". */
bool srv_s6_users_load(srv_s6_users *u, const char *path, char *why, size_t whylen);

/* The user whose name and password match, or NULL. The password
 * comparison does not stop at the first differing byte. */
const srv_s6_user *srv_s6_users_check(const srv_s6_users *u, const s6_userpass *up);

void srv_s6_users_free(srv_s6_users *u);

#endif
