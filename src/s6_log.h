/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One-line logging. Each message is formatted into one buffer and handed to
 * the sink in one call, so lines from threads and processes never interleave.
 * The sink is replaceable: the preload library writes with the real write(2),
 * the server may write to a file, tests capture lines. */
#ifndef S6_LOG_H
#define S6_LOG_H

#include <stddef.h>
#include <stdbool.h>

typedef enum s6_log_level {
	S6_LOG_QUIET = 0, /* nothing */
	S6_LOG_ERROR = 1, /* refusals, fallbacks, errors (default) */
	S6_LOG_INFO = 2,  /* decisions: proxied, excluded, resolved (-v) */
	S6_LOG_DEBUG = 3, /* handshake steps (-vv) */
} s6_log_level;

#define S6_LOG_LINE_MAX 1024

/* line is NUL-terminated and ends with '\n'; len excludes the NUL. */
typedef void (*s6_log_sink)(const char *line, size_t len);

void s6_log_set_level(s6_log_level level);
s6_log_level s6_log_get_level(void);
void s6_log_set_sink(s6_log_sink sink);       /* NULL: write(2) to the log fd */
void s6_log_set_fd(int fd);                    /* the default sink's fd (2) */
void s6_log_set_prefix(const char *prefix);    /* e.g. "socks6ify"; copied */
bool s6_log_enabled(s6_log_level level);

/* "PREFIX: message\n"; the message must not end with a newline. */
void s6_log(s6_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "quiet" "error" "info" "debug" (also "0".."3"). */
bool s6_log_level_parse(const char *text, s6_log_level *out);
const char *s6_log_level_name(s6_log_level level);

#endif
