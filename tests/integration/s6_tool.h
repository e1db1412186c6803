/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tool: a command-line SOCKS6 client for the integration tests (see
 * s6_tool.c for the usage). Shared between its files. */
#ifndef S6_TOOL_H
#define S6_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s6_socks6.h"
#include "s6_socks6_opt.h"
#include "s6_token.h"

#define TOOL_STACK_MAX 256      /* pre-encoded Stack options */
#define TOOL_IDATA_MAX S6_S6_INITIAL_DATA_MAX

struct tool {
	struct sockaddr_storage proxy;
	socklen_t proxy_len;
	const char *user, *pass;
	bool slow, teardown, over_tcp;
	const char *session_file;
	uint32_t window;             /* Idempotence Request size, 0: none */
	bool spend, spend_auto;
	uint32_t spend_token;
	uint8_t stack[TOOL_STACK_MAX];
	size_t stack_len;
	uint8_t idata[TOOL_IDATA_MAX];
	size_t idata_len;
	uint8_t *send;               /* --send, unescaped (or --size bytes) */
	size_t send_len;
	int timeout_ms;
	const char *cmd;
	s6_s6_addr addr;
	uint16_t port;
};

/* What --session-file keeps between runs. */
struct tool_sess {
	bool has_id;
	uint8_t id[S6_S6_SESSION_ID_MAX];
	size_t id_len;
	s6_token_window win;
};

/* s6_tool_util.c */
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool tool_parse_target(const char *host, s6_s6_addr *out);
bool tool_parse_stack(const char *spec, uint8_t *buf, size_t cap, size_t *len);
size_t tool_unescape(const char *in, uint8_t *out, size_t cap);
char *tool_addr_str(const s6_s6_addr *a, uint16_t port, char *buf, size_t len);
void tool_print_hex(const char *key, const uint8_t *b, size_t n);
void tool_print_stack(const s6_s6stack *st, size_t n);
void tool_print_stack_opts(const uint8_t *opts, size_t len);
void tool_print_data(const uint8_t *b, size_t n);
int tool_connect_proxy(const struct tool *t);
bool tool_wait(int fd, short events, int64_t deadline);
bool tool_send_all(int fd, const uint8_t *b, size_t n, int64_t deadline);

/* s6_tool_sess.c */
bool tool_sess_load(const char *path, struct tool_sess *s);
bool tool_sess_save(const char *path, const struct tool_sess *s);

/* s6_tool_udp.c */
int tool_udp(const struct tool *t, const struct tool_sess *s);

#endif
