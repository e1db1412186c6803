/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tool helpers: argument parsing, printing, the proxy connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s6_addr.h"
#include "s6_handshake.h"
#include "s6_tool.h"

/* The one error line on stderr; exit status 1. */
int tool_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("s6_tool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* IPv4 or IPv6 literal, else a domain name sent to the proxy as it is. */
bool tool_parse_target(const char *host, s6_s6_addr *out)
{
	size_t n = strlen(host);

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->ip) == 1) {
		out->type = S6_SOCKS6_ATYP_IPV4;
		return true;
	}
	if (inet_pton(AF_INET6, host, out->ip) == 1) {
		out->type = S6_SOCKS6_ATYP_IPV6;
		return true;
	}
	if (n == 0 || n > S6_SOCKS6_DOMAIN_MAX)
		return false;
	out->type = S6_SOCKS6_ATYP_DOMAIN;
	memcpy(out->domain, host, n);
	out->domain_len = (uint8_t)n;
	return true;
}

struct stack_word {
	const char *name;
	uint8_t level, code;
	bool needs_value;
	uint16_t dflt;           /* value when none is given */
};

/* Every option on the proxy-remote leg, the one the tests can observe. */
static const struct stack_word stack_words[] = {
	{ "tos", S6_S6_LEVEL_IP, S6_S6_IP_TOS, true, 0 },
	{ "ttl", S6_S6_LEVEL_IP, S6_S6_IP_TTL, true, 0 },
	{ "nofrag", S6_S6_LEVEL_IP, S6_S6_IP_NOFRAG, false, S6_S6_AVAIL_YES },
	{ "he", S6_S6_LEVEL_IP, S6_S6_IP_HAPPY_EYEBALLS, false, S6_S6_AVAIL_YES },
	{ "tfo", S6_S6_LEVEL_TCP, S6_S6_TCP_TFO, false, 0 },
	{ "mptcp", S6_S6_LEVEL_TCP, S6_S6_TCP_MULTIPATH, false, S6_S6_AVAIL_YES },
	{ "backlog", S6_S6_LEVEL_TCP, S6_S6_TCP_BACKLOG, true, 0 },
	{ "udperr", S6_S6_LEVEL_UDP, S6_S6_UDP_ERROR, false, S6_S6_AVAIL_YES },
};

static bool put_stack_word(s6_s6opt_buf *b, const char *word)
{
	const char *eq = strchr(word, '=');
	size_t nlen = eq ? (size_t)(eq - word) : strlen(word);
	char *end;

	for (size_t i = 0; i < sizeof(stack_words) / sizeof(stack_words[0]); i++) {
		const struct stack_word *w = &stack_words[i];
		s6_s6stack st = { .leg = S6_S6_LEG_PROXY_REMOTE, .level = w->level,
				  .code = w->code, .value = w->dflt };

		if (strlen(w->name) != nlen || strncmp(w->name, word, nlen) != 0)
			continue;
		if (w->needs_value && !eq)
			return false;
		if (eq) {
			unsigned long v = strtoul(eq + 1, &end, 10);
			if (!eq[1] || *end || v > 65535)
				return false;
			st.value = (uint16_t)v;
		}
		return s6_s6opt_put_stack(b, &st) == S6_OK;
	}
	return false;
}

/* "tos=N,ttl=N,tfo[=N],nofrag,mptcp,backlog=N,he,udperr" to Stack options. */
bool tool_parse_stack(const char *spec, uint8_t *buf, size_t cap, size_t *len)
{
	char copy[256], *save = NULL, *word;
	s6_s6opt_buf b;

	if (strlen(spec) >= sizeof(copy))
		return false;
	strcpy(copy, spec);
	s6_s6opt_buf_init(&b, buf, cap);
	b.len = *len;
	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		if (!put_stack_word(&b, word))
			return false;
	}
	*len = b.len;
	return true;
}

/* \r \n \t \\ escapes, so a test can pass an HTTP request in one argument. */
size_t tool_unescape(const char *in, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n < cap; in++) {
		char c = *in;
		if (c == '\\' && in[1]) {
			in++;
			c = *in == 'r' ? '\r' : *in == 'n' ? '\n' : *in == 't' ? '\t' : *in;
		}
		out[n++] = (uint8_t)c;
	}
	return n;
}

char *tool_addr_str(const s6_s6_addr *a, uint16_t port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->type == S6_SOCKS6_ATYP_IPV4) {
		inet_ntop(AF_INET, a->ip, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, port);
	} else if (a->type == S6_SOCKS6_ATYP_IPV6) {
		inet_ntop(AF_INET6, a->ip, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, port);
	} else {
		snprintf(buf, len, "%s:%u", a->domain, port);
	}
	return buf;
}

void tool_print_hex(const char *key, const uint8_t *b, size_t n)
{
	printf("%s=", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('\n');
}

static const char *stack_name(const s6_s6stack *st)
{
	for (size_t i = 0; i < sizeof(stack_words) / sizeof(stack_words[0]); i++) {
		if (stack_words[i].level == st->level && stack_words[i].code == st->code)
			return stack_words[i].name;
	}
	return "other";
}

/* One "stack=NAME:VALUE leg=L" line per Stack option the proxy sent. */
void tool_print_stack(const s6_s6stack *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("stack=%s:%u leg=%u\n", stack_name(&st[i]), st[i].value, st[i].leg);
	if (n == 0)
		printf("stack=none\n");
}

/* The same from an Options field. */
void tool_print_stack_opts(const uint8_t *opts, size_t len)
{
	s6_s6opts *o = calloc(1, sizeof(*o));
	char why[96];

	if (!o)
		return;
	if (s6_s6opts_parse(opts, len, o, why, sizeof(why)) != S6_OK)
		printf("stack_error=%s\n", why);
	else
		tool_print_stack(o->stack, o->n_stack);
	free(o);
}

/* Received bytes as "data: LINE" lines (CR dropped), then their count. */
void tool_print_data(const uint8_t *b, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && b[i] != '\n')
			continue;
		size_t end = i;
		if (end > start && b[end - 1] == '\r')
			end--;
		if (i < n || end > start)
			printf("data: %.*s\n", (int)(end - start), (const char *)b + start);
		start = i + 1;
	}
	printf("recv_bytes=%zu\n", n);
}

bool tool_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - s6_now_ms();
		struct pollfd pfd = { .fd = fd, .events = events };
		if (left <= 0)
			return false;
		int r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

bool tool_send_all(int fd, const uint8_t *b, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t r = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!tool_wait(fd, POLLOUT, deadline))
				return false;
			continue;
		}
		if (r <= 0)
			return false;
		b += r;
		n -= (size_t)r;
	}
	return true;
}

/* TCP connection to the proxy, bounded by the tool's timeout. */
int tool_connect_proxy(const struct tool *t)
{
	int fd = socket(t->proxy.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t elen = sizeof(err);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&t->proxy, t->proxy_len) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		if (!tool_wait(fd, POLLOUT, s6_now_ms() + t->timeout_ms)) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
			errno = err ? err : errno;
			goto fail;
		}
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
