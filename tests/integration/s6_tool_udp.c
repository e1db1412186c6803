/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tool udp: UDP ASSOCIATE. The client machine runs CONNECT, BIND and
 * NOOP only, so this side builds the Request and reads the replies with the
 * codecs directly (0-RTT credentials and a stored Session ID are enough for
 * a test; no slow path). Then: the Association Init arrives on the stream,
 * one Datagram goes to the proxy over UDP (re-sent each second until the
 * Confirmation, as the draft asks) or over the stream with --over-tcp, and
 * the Confirmation and the datagram that comes back are printed:
 *   assoc=HEX  confirm=yes  udp_via=udp|tcp  udp_from=ADDR:PORT
 *   udp_len=N  udp_match=yes|no  [data: LINE for short payloads] */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s6_handshake.h"
#include "s6_socks6_msg.h"
#include "s6_socks6_udp.h"
#include "s6_tool.h"
#include "s6_userpass.h"

#define BUF_CAP (S6_SOCKS6_UDP_MSG_MAX + S6_SOCKS6_MSG_MAX)
#define RESEND_MS 1000
#define PRINT_MAX 1024

typedef s6_err (*parse_fn)(const uint8_t *b, size_t len, void *out, size_t *used,
			   size_t *need);

static s6_err p_auth(const uint8_t *b, size_t len, void *out, size_t *used, size_t *need)
{
	return s6_s6_auth_reply_parse(b, len, out, used, need);
}

static s6_err p_op(const uint8_t *b, size_t len, void *out, size_t *used, size_t *need)
{
	return s6_s6_op_reply_parse(b, len, out, used, need);
}

static s6_err p_udp(const uint8_t *b, size_t len, void *out, size_t *used, size_t *need)
{
	return s6_s6_udp_parse(b, len, out, used, need);
}

/* Read exactly one message from the stream: the parser's *need says how
 * many bytes to ask for next, so nothing after the message is consumed. */
static s6_err read_msg(int fd, parse_fn fn, void *out, uint8_t *buf, int64_t deadline)
{
	size_t len = 0, need = 1, used = 0;

	for (;;) {
		s6_err err = len ? fn(buf, len, out, &used, &need) : S6_ERR_NEED_MORE;
		if (err != S6_ERR_NEED_MORE)
			return err;
		if (len + need > BUF_CAP)
			return S6_ERR_TOO_LONG;
		while (need > 0) {
			if (!tool_wait(fd, POLLIN, deadline))
				return S6_ERR_PROXY_TIMEOUT;
			ssize_t n = recv(fd, buf + len, need, MSG_DONTWAIT);
			if (n == 0)
				return S6_ERR_PROXY_CLOSED;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return S6_ERR_IO;
			if (n > 0) {
				len += (size_t)n;
				need -= (size_t)n;
			}
		}
	}
}

static s6_err build_request(const struct tool *t, const struct tool_sess *s,
			    uint8_t *msg, size_t *len)
{
	static uint8_t opts[S6_SOCKS6_OPTIONS_MAX];
	const uint8_t userpass = S6_S6_METHOD_USERPASS;
	s6_s6_request req = { .command = S6_SOCKS6_CMD_UDP_ASSOCIATE,
			      .addr = { .type = S6_SOCKS6_ATYP_IPV4 } };
	s6_s6opt_buf b;
	s6_err err = S6_OK;

	s6_s6opt_buf_init(&b, opts, sizeof(opts));
	if (t->user) {
		err = s6_s6opt_put_auth_adv(&b, 0, &userpass, 1);
		if (err == S6_OK)
			err = s6_s6opt_put_userpass(&b, t->user, strlen(t->user),
						    t->pass, strlen(t->pass));
	}
	if (err == S6_OK && s->has_id)
		err = s6_s6opt_put_session_id(&b, s->id, s->id_len);
	if (err != S6_OK || t->stack_len > b.cap - b.len)
		return err != S6_OK ? err : S6_ERR_TOO_LONG;
	memcpy(opts + b.len, t->stack, t->stack_len);
	req.opts = opts;
	req.opts_len = b.len + t->stack_len;
	return s6_s6_request_pack(&req, msg, BUF_CAP, len);
}

/* Request, Authentication Reply, Operation Reply: *op gets the UDP address
 * of the proxy. Returns 0 or the tool's exit status. */
static int handshake(const struct tool *t, const struct tool_sess *s, int fd,
		     uint8_t *buf, s6_s6_op_reply *op, int64_t deadline)
{
	s6_s6_auth_reply ar;
	size_t len = 0;
	char a[S6_SOCKS6_ADDR_WIRE_MAX + 16];
	s6_err err = build_request(t, s, buf, &len);

	if (err != S6_OK)
		return tool_fail("cannot build the request: %s", s6_strerror(err));
	if (!tool_send_all(fd, buf, len, deadline))
		return tool_fail("sending the request failed");
	err = read_msg(fd, p_auth, &ar, buf, deadline);
	if (err != S6_OK)
		return tool_fail("authentication reply: %s", s6_strerror(err));
	printf("auth_type=%u\n", ar.type);
	if (ar.type != S6_SOCKS6_AUTH_SUCCESS)
		return tool_fail("socks6: authentication failed");
	err = read_msg(fd, p_op, op, buf, deadline);
	if (err != S6_OK)
		return tool_fail("operation reply: %s", s6_strerror(err));
	printf("reply=%u\n", op->code);
	if (op->code != S6_SOCKS6_REP_SUCCESS)
		return tool_fail("socks6: reply %u: %s", op->code, s6_s6_reply_str(op->code));
	printf("bound=%s\n", tool_addr_str(&op->addr, op->port, a, sizeof(a)));
	tool_print_stack_opts(op->opts, op->opts_len);
	return 0;
}

/* A UDP socket connected to where the proxy said to send datagrams (its
 * TCP address when the reply names no particular address). */
static int udp_socket(const struct tool *t, const s6_s6_op_reply *op)
{
	struct sockaddr_storage ss = t->proxy;
	socklen_t sl = t->proxy_len;
	int fd;

	if (!s6_s6_addr_is_unspecified(&op->addr) && op->addr.type == S6_SOCKS6_ATYP_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		memset(&ss, 0, sizeof(ss));
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, op->addr.ip, 4);
		sl = sizeof(*in);
	} else if (!s6_s6_addr_is_unspecified(&op->addr)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		memset(&ss, 0, sizeof(ss));
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, op->addr.ip, 16);
		sl = sizeof(*in6);
	}
	((struct sockaddr_in *)&ss)->sin_port = htons(op->port); /* same offset in v6 */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void print_datagram(const struct tool *t, const s6_s6_udp_msg *m, const char *via)
{
	char a[S6_SOCKS6_ADDR_WIRE_MAX + 16];
	bool match = m->payload_len == t->send_len &&
		     memcmp(m->payload, t->send, t->send_len) == 0;

	printf("udp_via=%s\nudp_from=%s\nudp_len=%zu\nudp_match=%s\n", via,
	       tool_addr_str(&m->addr, m->port, a, sizeof(a)), m->payload_len,
	       match ? "yes" : "no");
	if (m->payload_len > PRINT_MAX)
		return;
	fputs("data: ", stdout);
	for (size_t i = 0; i < m->payload_len; i++)
		putchar(m->payload[i] == '\n' ? ' ' : m->payload[i]);
	putchar('\n');
}

struct assoc {
	int tcp, udp;
	uint64_t id;
	uint8_t *dgram, *buf;
	size_t dgram_len;
	bool confirmed, answered;
};

/* One message from the stream: the Confirmation or a datagram. */
static int on_stream(const struct tool *t, struct assoc *as, int64_t deadline)
{
	s6_s6_udp_msg m;
	s6_err err = read_msg(as->tcp, p_udp, &m, as->buf, deadline);

	if (err != S6_OK)
		return tool_fail("udp stream: %s", s6_strerror(err));
	if (m.assoc_id != as->id)
		return tool_fail("udp stream: association id %016" PRIx64 " is not ours", m.assoc_id);
	if (m.type == S6_SOCKS6_UDP_ASSOC_CONFIRM && !as->confirmed) {
		printf("confirm=yes\n");
		as->confirmed = true;
	} else if (m.type == S6_SOCKS6_UDP_DATAGRAM) {
		print_datagram(t, &m, "tcp");
		as->answered = true;
	} else if (m.type == S6_SOCKS6_UDP_ERROR) {
		printf("udp_error=%u\n", m.error_code);
	} else {
		return tool_fail("udp stream: unexpected message type %u", m.type);
	}
	return 0;
}

static void on_datagram(const struct tool *t, struct assoc *as)
{
	s6_s6_udp_msg m;
	size_t used = 0, need = 0;
	ssize_t n = recv(as->udp, as->buf, BUF_CAP, MSG_DONTWAIT);

	if (n <= 0)
		return;
	/* What does not parse, or is not ours, is ignored as the draft says. */
	if (s6_s6_udp_parse(as->buf, (size_t)n, &m, &used, &need) != S6_OK ||
	    m.assoc_id != as->id || m.type != S6_SOCKS6_UDP_DATAGRAM)
		return;
	print_datagram(t, &m, "udp");
	as->answered = true;
}

static bool send_datagram(struct assoc *as, bool over_tcp, int64_t deadline)
{
	if (over_tcp)
		return tool_send_all(as->tcp, as->dgram, as->dgram_len, deadline);
	return send(as->udp, as->dgram, as->dgram_len, 0) == (ssize_t)as->dgram_len;
}

/* Until both the Confirmation and the answer arrived: over UDP the datagram
 * goes out again every RESEND_MS while unconfirmed. */
static int exchange(const struct tool *t, struct assoc *as, int64_t deadline)
{
	int64_t next_send = s6_now_ms() + RESEND_MS;

	if (!send_datagram(as, t->over_tcp, deadline))
		return tool_fail("sending the datagram failed: %s", strerror(errno));
	while (!as->confirmed || !as->answered) {
		struct pollfd pfd[2] = { { .fd = as->tcp, .events = POLLIN },
					 { .fd = as->udp, .events = POLLIN } };
		int64_t now = s6_now_ms(), until = t->over_tcp ? deadline :
						   (next_send < deadline ? next_send : deadline);
		if (now >= deadline)
			return tool_fail("udp: %s within %d ms", as->confirmed ?
					 "no datagram came back" : "no confirmation",
					 t->timeout_ms);
		if (poll(pfd, as->udp >= 0 ? 2 : 1, (int)(until - now)) < 0 && errno != EINTR)
			return tool_fail("poll: %s", strerror(errno));
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && on_stream(t, as, deadline))
			return 1;
		if (as->udp >= 0 && (pfd[1].revents & POLLIN))
			on_datagram(t, as);
		if (!t->over_tcp && !as->confirmed && s6_now_ms() >= next_send) {
			send_datagram(as, false, deadline);
			next_send = s6_now_ms() + RESEND_MS;
		}
	}
	return 0;
}

static int associate(const struct tool *t, const struct tool_sess *s, struct assoc *as)
{
	int64_t deadline = s6_now_ms() + t->timeout_ms;
	s6_s6_op_reply op;
	s6_s6_udp_msg m;
	s6_err err;
	int rc = handshake(t, s, as->tcp, as->buf, &op, deadline);

	if (rc)
		return rc;
	if (!t->over_tcp && (as->udp = udp_socket(t, &op)) < 0)
		return tool_fail("cannot reach the proxy's UDP port: %s", strerror(errno));
	err = read_msg(as->tcp, p_udp, &m, as->buf, deadline);
	if (err != S6_OK || m.type != S6_SOCKS6_UDP_ASSOC_INIT)
		return tool_fail("no Association Init: %s", err != S6_OK ? s6_strerror(err) :
				 "another message came first");
	as->id = m.assoc_id;
	printf("assoc=%016" PRIx64 "\n", as->id);
	m = (s6_s6_udp_msg){ .type = S6_SOCKS6_UDP_DATAGRAM, .assoc_id = as->id,
			     .port = t->port, .addr = t->addr,
			     .payload = t->send, .payload_len = t->send_len };
	err = s6_s6_udp_pack(&m, as->dgram, BUF_CAP, &as->dgram_len);
	if (err != S6_OK)
		return tool_fail("cannot build the datagram: %s", s6_strerror(err));
	return exchange(t, as, deadline);
}

int tool_udp(const struct tool *t, const struct tool_sess *s)
{
	struct assoc as = { .udp = -1 };
	int rc;

	as.buf = malloc(BUF_CAP);
	as.dgram = malloc(BUF_CAP);
	as.tcp = tool_connect_proxy(t);
	if (!as.buf || !as.dgram)
		rc = tool_fail("out of memory");
	else if (as.tcp < 0)
		rc = tool_fail("cannot connect to the proxy: %s", strerror(errno));
	else
		rc = associate(t, s, &as);
	if (as.udp >= 0)
		close(as.udp);
	if (as.tcp >= 0)
		close(as.tcp);
	free(as.buf);
	free(as.dgram);
	return rc;
}
