/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "s6_log.h"

/* Logger settings are written once at start-up (before threads exist in the
 * command and the server; in the constructor of the preload library) and
 * only read afterwards. */
static struct {
	s6_log_level level;
	s6_log_sink sink;
	int fd;
	char prefix[32];
} s6_logger = {S6_LOG_ERROR, NULL, STDERR_FILENO, "socks6ify"};

static void s6_log_write_fd(const char *line, size_t len)
{
	int saved = errno; /* logging must never change what the program sees */
	while (len > 0) {
		ssize_t n = write(s6_logger.fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		line += n;
		len -= (size_t)n;
	}
	errno = saved;
}

void s6_log_set_level(s6_log_level level) { s6_logger.level = level; }
s6_log_level s6_log_get_level(void) { return s6_logger.level; }
void s6_log_set_sink(s6_log_sink sink) { s6_logger.sink = sink; }
void s6_log_set_fd(int fd) { s6_logger.fd = fd; }

void s6_log_set_prefix(const char *prefix)
{
	snprintf(s6_logger.prefix, sizeof s6_logger.prefix, "%s", prefix);
}

bool s6_log_enabled(s6_log_level level)
{
	return level != S6_LOG_QUIET && level <= s6_logger.level;
}

void s6_log(s6_log_level level, const char *fmt, ...)
{
	char line[S6_LOG_LINE_MAX];
	va_list ap;
	int saved = errno;
	int n;

	if (!s6_log_enabled(level))
		return;
	n = snprintf(line, sizeof line, "%s: ", s6_logger.prefix);
	if (n < 0)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	line[n] = '\0';
	(s6_logger.sink ? s6_logger.sink : s6_log_write_fd)(line, (size_t)n);
	errno = saved;
}

static const char *const s6_level_names[] = {"quiet", "error", "info", "debug"};

bool s6_log_level_parse(const char *text, s6_log_level *out)
{
	for (int i = 0; i < 4; i++) {
		char digit[2] = {(char)('0' + i), '\0'};
		if (strcmp(text, s6_level_names[i]) == 0 || strcmp(text, digit) == 0) {
			*out = (s6_log_level)i;
			return true;
		}
	}
	return false;
}

const char *s6_log_level_name(s6_log_level level)
{
	return (unsigned)level < 4 ? s6_level_names[level] : "?";
}
