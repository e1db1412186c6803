/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srv_s6_auth.h"

static srv_s6_user *find_name(const srv_s6_users *u, const uint8_t *name, size_t nlen)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].nlen == nlen && memcmp(u->v[i].name, name, nlen) == 0)
			return &u->v[i];
	return NULL;
}

bool srv_s6_users_add(srv_s6_users *u, const char *text, size_t len,
		      char *why, size_t whylen)
{
	const char *colon = memchr(text, ':', len);
	size_t nlen = colon ? (size_t)(colon - text) : 0;
	size_t plen = colon ? len - nlen - 1 : 0;
	srv_s6_user *e, *grown;

	if (!colon || nlen == 0 || plen == 0) {
		snprintf(why, whylen, "NAME:PASS expected (both non-empty)");
		return false;
	}
	if (nlen > S6_UP_FIELD_MAX || plen > S6_UP_FIELD_MAX) {
		snprintf(why, whylen, "name and password are at most 255 bytes each");
		return false;
	}
	if (memchr(text, '\0', nlen)) {
		snprintf(why, whylen, "NUL byte in the name");
		return false;
	}
	e = find_name(u, (const uint8_t *)text, nlen);
	if (!e) {
		if (u->n >= SRV_S6_USERS_MAX) {
			snprintf(why, whylen, "more than %d users", SRV_S6_USERS_MAX);
			return false;
		}
		/* Not realloc: it would free the old table, passwords and
		 * all, without wiping it. */
		grown = malloc((u->n + 1) * sizeof *grown);
		if (!grown) {
			snprintf(why, whylen, "out of memory");
			return false;
		}
		if (u->n) {
			memcpy(grown, u->v, u->n * sizeof *grown);
			explicit_bzero(u->v, u->n * sizeof *grown);
		}
		free(u->v);
		u->v = grown;
		e = &u->v[u->n++];
		memset(e, 0, sizeof *e);
		memcpy(e->name, text, nlen);
		e->nlen = nlen;
	}
	memcpy(e->pass, colon + 1, plen);
	e->plen = plen;
	return true;
}

/* One line without its '\n' (a trailing '\r' is dropped too). */
static bool users_line(srv_s6_users *u, char *line, size_t len, char *why, size_t whylen)
{
	size_t i = 0;

	if (len && line[len - 1] == '\r')
		len--;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#')
		return true;
	return srv_s6_users_add(u, line, len, why, whylen);
}

static bool check_mode(int fd, const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		return false;
	}
	if (st.st_mode & 077) {
		snprintf(why, whylen, "%s: holds passwords but is accessible by group "
			 "or others (mode %03o; chmod 600)", path,
			 (unsigned)(st.st_mode & 0777));
		return false;
	}
	return true;
}

static bool read_users(srv_s6_users *u, FILE *f, const char *path, char *why, size_t whylen)
{
	char line[SRV_S6_USERS_LINE_MAX + 2], err[128];
	unsigned lineno = 0;

	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line);
		lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		else if (!feof(f)) {
			snprintf(why, whylen, "%s:%u: line too long", path, lineno);
			return false;
		}
		if (!users_line(u, line, len, err, sizeof err)) {
			snprintf(why, whylen, "%s:%u: %s", path, lineno, err);
			explicit_bzero(line, sizeof line);
			return false;
		}
	}
	explicit_bzero(line, sizeof line);
	if (ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		return false;
	}
	return true;
}

bool srv_s6_users_load(srv_s6_users *u, const char *path, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char iobuf[BUFSIZ]; /* ours, to wipe: stdio's own is freed unwiped */
	FILE *f;
	bool ok;

	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return false;
	}
	if (!check_mode(fd, path, why, whylen)) {
		close(fd);
		return false;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	ok = read_users(u, f, path, why, whylen);
	fclose(f);
	explicit_bzero(iobuf, sizeof iobuf);
	return ok;
}

/* Constant time in the password bytes: a timing difference would tell how
 * many leading bytes of a guess were right. */
static bool pass_equal(const srv_s6_user *e, const s6_userpass *up)
{
	unsigned diff = e->plen != up->plen;
	size_t n = up->plen < e->plen ? up->plen : e->plen;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(e->pass[i] ^ up->pass[i]);
	return diff == 0;
}

const srv_s6_user *srv_s6_users_check(const srv_s6_users *u, const s6_userpass *up)
{
	const srv_s6_user *e = find_name(u, up->user, up->ulen);

	return e && pass_equal(e, up) ? e : NULL;
}

void srv_s6_users_free(srv_s6_users *u)
{
	if (u->v)
		explicit_bzero(u->v, u->n * sizeof *u->v);
	free(u->v);
	u->v = NULL;
	u->n = 0;
}
