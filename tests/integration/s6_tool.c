/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tool: a command-line SOCKS6 client for the integration tests, built on
 * the client machine of libs6core (s6_socks6_client.h) and its UDP codec.
 *
 *   s6_tool --proxy ADDR:PORT [--user U --pass P] [--slow]
 *           [--session-file F] [--teardown] [--window N]
 *           [--spend auto|TOKEN] [--stack tos=N,ttl=N,tfo[=N],nofrag,mptcp,
 *           backlog=N,he,udperr] [--idata STR] [--timeout MS] CMD ARGS
 *   CMD: noop
 *        connect HOST PORT [--send STR]
 *        bind HOST PORT [--send STR]
 *        udp HOST PORT (--send STR | --size N) [--over-tcp]
 *
 * STR takes \r \n \t escapes. Prints key=value lines on stdout (auth_type,
 * auth=slow, session=new|ok|invalid|teardown, session_id, window=BASE+SIZE,
 * token=N accepted|rejected, reply, bound, peer, stack=NAME:VALUE leg=L for
 * each option in the (first) Operation Reply, "data: LINE" for what the target sent) and,
 * on failure, one "s6_tool: REASON" line on stderr with exit status 1
 * (2 for a usage error). With --session-file the first run asks for a
 * session (and a token window with --window) and stores it; later runs send
 * its Session ID, and --spend auto spends the next unspent token. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s6_addr.h"
#include "s6_socks6_client.h"
#include "s6_socks6_msg.h"
#include "s6_tool.h"

#define RECV_MAX (4u << 20)

static int usage(const char *why)
{
	fprintf(stderr, "s6_tool: %s (usage: see the head of s6_tool.c)\n", why);
	return 2;
}

/* ---- arguments ---------------------------------------------------------- */

enum { O_PROXY = 256, O_USER, O_PASS, O_SLOW, O_SESSION, O_TEARDOWN, O_WINDOW,
       O_SPEND, O_STACK, O_IDATA, O_TIMEOUT, O_SEND, O_SIZE, O_OVER_TCP };

static const struct option longopts[] = {
	{ "proxy", required_argument, NULL, O_PROXY },
	{ "user", required_argument, NULL, O_USER },
	{ "pass", required_argument, NULL, O_PASS },
	{ "slow", no_argument, NULL, O_SLOW },
	{ "session-file", required_argument, NULL, O_SESSION },
	{ "teardown", no_argument, NULL, O_TEARDOWN },
	{ "window", required_argument, NULL, O_WINDOW },
	{ "spend", required_argument, NULL, O_SPEND },
	{ "stack", required_argument, NULL, O_STACK },
	{ "idata", required_argument, NULL, O_IDATA },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "send", required_argument, NULL, O_SEND },
	{ "size", required_argument, NULL, O_SIZE },
	{ "over-tcp", no_argument, NULL, O_OVER_TCP },
	{ NULL, 0, NULL, 0 },
};

static bool parse_u32(const char *s, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool set_payload(struct tool *t, const char *str, uint32_t size)
{
	free(t->send);
	t->send_len = str ? strlen(str) : size;
	t->send = malloc(t->send_len + 1);
	if (!t->send)
		return false;
	if (str) {
		t->send_len = tool_unescape(str, t->send, t->send_len);
	} else {
		for (size_t i = 0; i < size; i++)
			t->send[i] = (uint8_t)('a' + i % 26);
	}
	return true;
}

static bool take_opt(struct tool *t, int c, const char *arg)
{
	uint32_t v;

	switch (c) {
	case O_PROXY:
		return s6_addr_parse(arg, &t->proxy, &t->proxy_len);
	case O_USER: t->user = arg; return true;
	case O_PASS: t->pass = arg; return true;
	case O_SLOW: t->slow = true; return true;
	case O_SESSION: t->session_file = arg; return true;
	case O_TEARDOWN: t->teardown = true; return true;
	case O_OVER_TCP: t->over_tcp = true; return true;
	case O_WINDOW:
		return parse_u32(arg, 0x7fffffffUL, &t->window) && t->window > 0;
	case O_SPEND:
		t->spend = true;
		t->spend_auto = strcmp(arg, "auto") == 0;
		return t->spend_auto || parse_u32(arg, 0xffffffffUL, &t->spend_token);
	case O_STACK:
		return tool_parse_stack(arg, t->stack, sizeof(t->stack), &t->stack_len);
	case O_IDATA:
		t->idata_len = tool_unescape(arg, t->idata, sizeof(t->idata));
		return t->idata_len > 0;
	case O_TIMEOUT:
		if (!parse_u32(arg, 600000, &v) || v == 0)
			return false;
		t->timeout_ms = (int)v;
		return true;
	case O_SEND: return set_payload(t, arg, 0);
	case O_SIZE: return parse_u32(arg, 65535, &v) && set_payload(t, NULL, v);
	default: return false;
	}
}

static int parse_args(struct tool *t, int argc, char **argv)
{
	int c;
	uint32_t port = 0;

	t->timeout_ms = 10000;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (!take_opt(t, c, optarg))
			return usage(c == '?' ? "unknown option" : "bad option value");
	}
	if (!t->proxy_len)
		return usage("--proxy ADDR:PORT is required");
	if ((t->user == NULL) != (t->pass == NULL))
		return usage("--user and --pass go together");
	if (optind >= argc)
		return usage("no command");
	t->cmd = argv[optind++];
	if (strcmp(t->cmd, "noop") == 0) {
		t->addr.type = S6_SOCKS6_ATYP_IPV4;
		return optind == argc ? 0 : usage("noop takes no arguments");
	}
	if (argc - optind != 2 || !tool_parse_target(argv[optind], &t->addr) ||
	    !parse_u32(argv[optind + 1], 65535, &port))
		return usage("expected HOST PORT after the command");
	t->port = (uint16_t)port;
	if (strcmp(t->cmd, "udp") == 0 && !t->send)
		return usage("udp needs --send STR or --size N");
	if (strcmp(t->cmd, "connect") && strcmp(t->cmd, "bind") && strcmp(t->cmd, "udp"))
		return usage("unknown command");
	return 0;
}

/* ---- the request -------------------------------------------------------- */

static int make_params(const struct tool *t, struct tool_sess *s, s6_s6_client_params *p)
{
	p->command = strcmp(t->cmd, "noop") == 0 ? S6_SOCKS6_CMD_NOOP :
		     strcmp(t->cmd, "bind") == 0 ? S6_SOCKS6_CMD_BIND : S6_SOCKS6_CMD_CONNECT;
	p->addr = t->addr;
	p->port = t->port;
	p->user = t->user;
	p->pass = t->pass;
	p->userpass_in_request = t->user && !t->slow;
	p->request_session = t->session_file && !s->has_id;
	p->session_id = s->has_id ? s->id : NULL;
	p->session_id_len = s->has_id ? s->id_len : 0;
	p->session_teardown = t->teardown;
	p->token_window = t->window;
	p->spend_token = t->spend;
	p->token = t->spend_token;
	if (t->spend_auto && !s6_token_window_take(&s->win, &p->token))
		return tool_fail("--spend auto: no unspent token in the session file");
	p->stack_opts = t->stack_len ? t->stack : NULL;
	p->stack_opts_len = t->stack_len;
	p->initial_data = t->idata_len ? t->idata : NULL;
	p->initial_data_len = (uint16_t)t->idata_len;
	return 0;
}

/* ---- running it --------------------------------------------------------- */

static void print_bound(const s6_s6_client_result *r)
{
	char a[S6_SOCKS6_ADDR_WIRE_MAX + 16];

	printf("bound=%s\n", tool_addr_str(&r->bound_addr, r->bound_port, a, sizeof(a)));
	fflush(stdout);
}

/* s6_hs_run, except that a BIND's first reply is printed (and flushed) as
 * soon as it arrives: the test reads it to connect to the bound port. */
static s6_hs_status drive(s6_hs *hs, int fd, const s6_s6_client_result *r, int timeout_ms)
{
	static const s6_io io = { .send = send, .recv = recv, .poll = poll };
	int64_t deadline = s6_now_ms() + timeout_ms;
	bool shown = false;

	for (;;) {
		s6_hs_status st = s6_hs_step(hs, fd, &io);
		if (!shown && s6_socks6_client_bind_ready(hs)) {
			print_bound(r);
			shown = true;
		}
		if (st == S6_HS_DONE || st == S6_HS_FAILED)
			return st;
		if (!tool_wait(fd, s6_hs_events(hs), deadline))
			break;
	}
	s6_hs_fail(hs, S6_ERR_PROXY_TIMEOUT, "socks6: no answer from proxy within %d ms",
		   timeout_ms);
	return S6_HS_FAILED;
}

static const char *session_word(const struct tool *t, const s6_s6_client_result *r,
				bool requested)
{
	if (r->session_invalid)
		return "invalid";
	if (t->teardown && r->session_ok)
		return "teardown";
	if (r->session_ok)
		return "ok";
	if (requested && r->has_session_id)
		return "new";
	return NULL;
}

static void report(const struct tool *t, const s6_s6_client_params *p,
		   const s6_s6_client_result *r)
{
	const char *sw = session_word(t, r, p->request_session);
	char a[S6_SOCKS6_ADDR_WIRE_MAX + 16];

	/* auth_type is 0 before any reply too: show it once one arrived. */
	if (r->auth_type || r->has_op_reply || r->session_ok || r->has_session_id)
		printf("auth_type=%u\n", r->auth_type);
	if (r->auth_slow_path)
		printf("auth=slow\n");
	if (r->has_up_status)
		printf("up_status=%u\n", r->up_status);
	if (sw)
		printf("session=%s\n", sw);
	if (r->has_session_id)
		tool_print_hex("session_id", r->session_id, r->session_id_len);
	if (r->has_idem_window)
		printf("window=%u+%u\n", r->idem_base, r->idem_size);
	if (p->spend_token && (r->idem_accepted || r->idem_rejected))
		printf("token=%u %s\n", p->token, r->idem_accepted ? "accepted" : "rejected");
	if (r->has_op_reply)
		printf("reply=%u\n", r->reply_code);
	if (r->has_op_reply && r->reply_code == 0 && p->command != S6_SOCKS6_CMD_BIND)
		printf("bound=%s\n", tool_addr_str(&r->bound_addr, r->bound_port, a, sizeof(a)));
	if (r->has_peer)
		printf("peer=%s\n", tool_addr_str(&r->peer_addr, r->peer_port, a, sizeof(a)));
}

/* Keep what the proxy said about the session for the next run. */
static void update_sess(const struct tool *t, struct tool_sess *s, const s6_s6_client_result *r)
{
	if (!t->session_file)
		return;
	if (r->has_session_id && r->session_id_len <= sizeof(s->id)) {
		s->has_id = true;
		memcpy(s->id, r->session_id, r->session_id_len);
		s->id_len = r->session_id_len;
	}
	if (r->has_idem_window)
		s6_token_window_advertise(&s->win, r->idem_base, r->idem_size);
	if (!tool_sess_save(t->session_file, s))
		tool_fail("cannot write %s", t->session_file);
}

/* After the handshake: send --send, then print what arrives until the peer
 * closes (or the timeout). Nothing to send and no initial data: done. */
static int data_phase(const struct tool *t, int fd)
{
	int64_t deadline = s6_now_ms() + t->timeout_ms;
	uint8_t *buf;
	size_t got = 0;
	ssize_t n = 1;

	if (t->send_len && !tool_send_all(fd, t->send, t->send_len, deadline))
		return tool_fail("sending to the target failed");
	if (!t->send_len && !t->idata_len && strcmp(t->cmd, "bind") != 0)
		return 0;
	buf = malloc(RECV_MAX);
	if (!buf)
		return tool_fail("out of memory");
	while (got < RECV_MAX && tool_wait(fd, POLLIN, deadline)) {
		n = recv(fd, buf + got, RECV_MAX - got, MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			break;
		if (n > 0)
			got += (size_t)n;
	}
	tool_print_data(buf, got);
	if (n != 0)
		printf("recv_end=%s\n", n < 0 ? "error" : "timeout");
	free(buf);
	return 0;
}

static int run_stream(const struct tool *t, struct tool_sess *s)
{
	s6_s6_client_params p = { 0 };
	s6_s6_client_result r;
	s6_hs hs;
	int fd, rc;
	s6_err err;

	p.out = &r;
	rc = make_params(t, s, &p);
	if (rc)
		return rc;
	err = s6_socks6_client_start(&hs, &p);
	if (err != S6_OK)
		return tool_fail("cannot build the request: %s", s6_strerror(err));
	fd = tool_connect_proxy(t);
	if (fd < 0) {
		s6_hs_release(&hs);
		return tool_fail("cannot connect to the proxy: %s", strerror(errno));
	}
	if (drive(&hs, fd, &r, t->timeout_ms) == S6_HS_FAILED) {
		s6_socks6_client_classify_eof(&hs);
		report(t, &p, &r);
		update_sess(t, s, &r);
		rc = tool_fail("%s", hs.why[0] ? hs.why : s6_strerror(hs.err));
	} else {
		report(t, &p, &r);
		tool_print_stack(r.stack, r.n_stack);
		update_sess(t, s, &r);
		rc = data_phase(t, fd);
	}
	s6_hs_release(&hs);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct tool *t = calloc(1, sizeof(*t));
	struct tool_sess s;
	int rc;

	if (!t)
		return tool_fail("out of memory");
	memset(&s, 0, sizeof(s));
	s6_token_window_init(&s.win);
	rc = parse_args(t, argc, argv);
	if (rc == 0 && t->session_file && !tool_sess_load(t->session_file, &s))
		rc = usage("unreadable session file");
	if (rc == 0)
		rc = strcmp(t->cmd, "udp") == 0 ? tool_udp(t, &s) : run_stream(t, &s);
	free(t->send);
	free(t);
	return rc;
}
