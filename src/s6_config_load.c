/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding and loading the configuration file. The file is streamed through
 * a stack buffer line by line (no allocation: the preload library loads it
 * inside arbitrary programs), then ownership and mode are checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "s6_config.h"
#include "s6_config_internal.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* "FILENAME: problem"; %m in fmt sees the errno of the caller. */
__attribute__((format(printf, 3, 4)))
static s6_err file_fail(struct s6_cfg_ctx *ctx, s6_err code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	int n;

	if (!ctx->err || ctx->errlen == 0)
		return code;
	n = snprintf(ctx->err, ctx->errlen, "%s: ", ctx->filename);
	if (n < 0 || (size_t)n >= ctx->errlen)
		return code;
	errno = saved;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

/* Hand complete lines of buf[0..*fill) to the parser and keep the rest.
 * Without a '\n' in sight, a tail longer than any valid line (plus its
 * '\r') is passed on anyway so the parser reports it as too long. */
static s6_err feed_lines(struct s6_cfg_ctx *ctx, char *buf, size_t *fill, bool eof)
{
	size_t pos = 0;
	s6_err err = S6_OK;

	while (pos < *fill && err == S6_OK) {
		char *nl = memchr(buf + pos, '\n', *fill - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : *fill - pos;
		if (!nl && !eof && n <= S6_CONFIG_LINE_MAX + 1)
			break;
		err = s6_cfg_line(ctx, buf + pos, n);
		pos += n + (nl ? 1 : 0);
	}
	memmove(buf, buf + pos, *fill - pos);
	*fill -= pos;
	return err;
}

static s6_err read_lines(struct s6_cfg_ctx *ctx, int fd)
{
	/* Twice the longest line: after feed_lines at most LINE_MAX + 1 bytes
	 * stay, so every read has room to make progress. */
	char buf[2 * S6_CONFIG_LINE_MAX];
	size_t fill = 0, total = 0;
	s6_err err = S6_OK;
	bool eof = false;

	while (!eof && err == S6_OK) {
		ssize_t n = read(fd, buf + fill, sizeof buf - fill);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = file_fail(ctx, S6_ERR_CONFIG, "read: %m");
			break;
		}
		eof = n == 0;
		fill += (size_t)n;
		total += (size_t)n;
		if (total > S6_CONFIG_FILE_MAX)
			err = file_fail(ctx, S6_ERR_CONFIG, "larger than %d bytes", S6_CONFIG_FILE_MAX);
		else
			err = feed_lines(ctx, buf, &fill, eof);
	}
	explicit_bzero(buf, sizeof buf);
	return err;
}

/* Before parsing: only a regular file of sane size owned by us or root. */
static s6_err check_file(struct s6_cfg_ctx *ctx, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return file_fail(ctx, S6_ERR_CONFIG, "not a regular file");
	if (st->st_size > S6_CONFIG_FILE_MAX)
		return file_fail(ctx, S6_ERR_CONFIG, "larger than %d bytes", S6_CONFIG_FILE_MAX);
	if (st->st_uid != getuid() && st->st_uid != 0)
		return file_fail(ctx, S6_ERR_CONFIG_PERMS,
				 "owned by uid %u, neither you (uid %u) nor root",
				 (unsigned)st->st_uid, (unsigned)getuid());
	return S6_OK;
}

static s6_err load_fd(struct s6_cfg_ctx *ctx, int fd)
{
	s6_config *cfg = ctx->cfg;
	bool had_secret = cfg->holds_secret;
	struct stat st;
	s6_err err;

	if (fstat(fd, &st) != 0)
		return file_fail(ctx, S6_ERR_CONFIG, "fstat: %m");
	err = check_file(ctx, &st);
	if (err != S6_OK)
		return err;
	/* Judge the mode by the secrets of this file, not of earlier ones. */
	cfg->holds_secret = false;
	err = read_lines(ctx, fd);
	if (err == S6_OK && cfg->holds_secret && (st.st_mode & 077))
		err = file_fail(ctx, S6_ERR_CONFIG_PERMS,
				"holds a password but is readable by group or others (chmod 600)");
	cfg->holds_secret = cfg->holds_secret || had_secret;
	if (err != S6_OK)
		s6_config_wipe(cfg); /* a refused file must not leave its password behind */
	return err;
}

s6_err s6_config_load(s6_config *cfg, const char *path, char *err, size_t errlen)
{
	struct s6_cfg_ctx ctx = {cfg, path, 0, err, errlen};
	s6_err e;
	int fd;

	if (err && errlen > 0)
		err[0] = '\0';
	if (!path)
		return S6_ERR_INVALID_ARG;
	/* O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it. */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return file_fail(&ctx, S6_ERR_CONFIG, "%m");
	e = load_fd(&ctx, fd);
	close(fd);
	return e;
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Copy path into buf; NULL when it does not fit. */
static const char *put_path(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s%s", a, b);

	return n >= 0 && (size_t)n < len ? buf : NULL;
}

const char *s6_config_find(const char *explicit_path, const char *xdg_home,
			   const char *home, const char *etc_path,
			   char *buf, size_t len)
{
	/* Explicit wins even when missing: loading it reports the error. An
	 * explicit path too long for buf is handed back as is. */
	if (explicit_path && explicit_path[0]) {
		const char *p = put_path(buf, len, explicit_path, "");
		return p ? p : explicit_path;
	}
	/* The XDG spec says a relative XDG_CONFIG_HOME is to be ignored. */
	if (xdg_home && xdg_home[0] == '/') {
		if (put_path(buf, len, xdg_home, "/socks6ify/socks6ify.conf") && file_exists(buf))
			return buf;
	} else if (home && home[0] == '/') {
		if (put_path(buf, len, home, "/.config/socks6ify/socks6ify.conf") &&
		    file_exists(buf))
			return buf;
	}
	if (!etc_path)
		etc_path = SYSCONFDIR "/socks6ify.conf";
	if (put_path(buf, len, etc_path, "") && file_exists(buf))
		return buf;
	return NULL;
}
