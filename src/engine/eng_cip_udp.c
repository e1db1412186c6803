/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One datagram association of the shim through CONNECT-IP (eng_cip_udp.h):
 * the loopback relay, the SOCKS6 replies, and the table of flows, one per
 * destination, on the connection's own thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include "eng_cip.h"
#include "eng_cip_udp.h"
#include "s6_handshake.h"
#include "s6_socks6_msg.h"
#include "s6_socks6_udp.h"

/* Datagrams read per wakeup before the control connection is looked at. */
#define ENG_CU_BURST 64

struct eng_cu_tab {
	struct eng_cu_assoc a;
	bool have_prog;
	struct eng_cu_flow *flow[ENG_CU_FLOWS_MAX];
	uint8_t buf[S6_SOCKS6_UDP_MSG_MAX + 1];
};

static uint8_t eng_cu_code(int err)
{
	switch (err) {
	case ENETUNREACH:
		return S6_SOCKS6_UDP_ERR_NET_UNREACH;
	case EMSGSIZE:
		return S6_SOCKS6_UDP_ERR_TOO_BIG;
	default:
		return S6_SOCKS6_UDP_ERR_HOST_UNREACH;
	}
}

void eng_cu_send_error(const struct eng_cu_assoc *a, const s6_s6_addr *addr, uint16_t port,
		       int err, const s6_s6_addr *reporter)
{
	s6_s6_udp_msg m = {.type = S6_SOCKS6_UDP_ERROR, .assoc_id = a->id, .port = port,
			   .error_code = eng_cu_code(err)};
	uint8_t buf[128];
	size_t len;

	/* An Error names addresses only: a name not resolved yet is 0.0.0.0
	 * (the shim matches a name peer by its port). */
	if (addr->type == S6_SOCKS6_ATYP_DOMAIN)
		m.addr.type = S6_SOCKS6_ATYP_IPV4;
	else
		m.addr = *addr;
	m.reporter = reporter ? *reporter : m.addr;
	if (s6_s6_udp_pack(&m, buf, sizeof buf, &len) == S6_OK)
		(void)!sendto(a->ufd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&a->prog,
			      a->prog_len);
}

/* The relay: a UDP socket on the loopback address the shim reached us
 * at, so it is in the family of the program's socket. */
static int eng_cu_relay(int cfd, struct sockaddr_storage *ss, socklen_t *sl)
{
	*sl = sizeof *ss;
	if (getsockname(cfd, (struct sockaddr *)ss, sl) < 0)
		return -1;
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	((struct sockaddr_in *)ss)->sin_port = 0; /* same offset in sockaddr_in6 */
	if (fd < 0 || bind(fd, (struct sockaddr *)ss, *sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)ss, sl) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Status record, Operation Reply (the relay's address) and Association
 * Init, in one send. */
static bool eng_cu_answer(int cfd, const struct eng_cu_assoc *a, const struct sockaddr_storage *r)
{
	s6_eng_status st = {.code = S6_ENG_OK};
	s6_s6_op_reply rep = {.code = S6_SOCKS6_REP_SUCCESS};
	s6_s6_udp_msg init = {.type = S6_SOCKS6_UDP_ASSOC_INIT, .assoc_id = a->id};
	uint8_t buf[S6_ENG_STATUS_MAX + 64];
	size_t n1 = 0, n2 = 0, n3 = 0;

	if (r->ss_family == AF_INET) {
		rep.addr.type = S6_SOCKS6_ATYP_IPV4;
		memcpy(rep.addr.ip, &((const struct sockaddr_in *)r)->sin_addr, 4);
		rep.port = ntohs(((const struct sockaddr_in *)r)->sin_port);
	} else {
		rep.addr.type = S6_SOCKS6_ATYP_IPV6;
		memcpy(rep.addr.ip, &((const struct sockaddr_in6 *)r)->sin6_addr, 16);
		rep.port = ntohs(((const struct sockaddr_in6 *)r)->sin6_port);
	}
	if (s6_eng_status_encode(&st, buf, sizeof buf, &n1) != S6_OK ||
	    s6_s6_op_reply_pack(&rep, buf + n1, sizeof buf - n1, &n2) != S6_OK ||
	    s6_s6_udp_pack(&init, buf + n1 + n2, sizeof buf - n1 - n2, &n3) != S6_OK)
		return false;
	return send(cfd, buf, n1 + n2 + n3, MSG_NOSIGNAL) == (ssize_t)(n1 + n2 + n3);
}

static bool eng_cu_same_dst(const s6_s6_addr *x, const s6_s6_addr *y)
{
	if (x->type != y->type)
		return false;
	if (x->type == S6_SOCKS6_ATYP_DOMAIN)
		return strcasecmp(x->domain, y->domain) == 0;
	return memcmp(x->ip, y->ip, x->type == S6_SOCKS6_ATYP_IPV4 ? 4 : 16) == 0;
}

/* The flow for dst: a running one, a failed one still within its retry
 * interval (NULL with *err), or a new one in a free or the least
 * recently used slot. */
static struct eng_cu_flow *eng_cu_flow_for(struct eng_cu_tab *t, const s6_s6_addr *dst, int *err)
{
	int64_t now = s6_now_ms();
	int free_slot = -1, lru = -1, slot = -1;

	*err = 0;
	for (int i = 0; i < ENG_CU_FLOWS_MAX && slot < 0; i++) {
		struct eng_cu_flow *f = t->flow[i];
		if (!f) {
			free_slot = free_slot < 0 ? i : free_slot;
			continue;
		}
		if (!eng_cu_same_dst(&f->dst, dst)) {
			if (lru < 0 || f->last_use < t->flow[lru]->last_use)
				lru = i;
			continue;
		}
		pthread_mutex_lock(&f->mu);
		bool done = f->done, recent = done && now - f->done_at < ENG_CU_RETRY_MS;
		*err = f->err;
		pthread_mutex_unlock(&f->mu);
		if (recent)
			return NULL;
		if (!done) {
			f->last_use = now;
			return f;
		}
		slot = i; /* failed a while ago: try again in its place */
	}
	if (slot < 0)
		slot = free_slot >= 0 ? free_slot : lru;
	*err = 0;
	if (t->flow[slot])
		eng_cu_flow_free(t->flow[slot]);
	t->flow[slot] = eng_cu_flow_start(&t->a, dst);
	if (!t->flow[slot]) {
		*err = ENOMEM;
		return NULL;
	}
	t->flow[slot]->last_use = now;
	return t->flow[slot];
}

static bool eng_cu_from_prog(struct eng_cu_tab *t, const struct sockaddr_storage *from,
			     socklen_t fl)
{
	if (t->have_prog)
		return fl == t->a.prog_len && memcmp(from, &t->a.prog, fl) == 0;
	/* The first datagram names the program's socket: only it may use the
	 * association (it came through the control connection's secret). */
	t->a.prog = *from;
	t->a.prog_len = fl;
	t->a.sport = ntohs(((const struct sockaddr_in *)from)->sin_port);
	t->have_prog = true;
	return true;
}

/* One datagram from the program. */
static void eng_cu_datagram(struct eng_cu_tab *t, size_t n, const struct sockaddr_storage *from,
			    socklen_t fl)
{
	s6_s6_udp_msg u;
	size_t used = 0, need = 0;
	int err;

	if (s6_s6_udp_parse(t->buf, n, &u, &used, &need) != S6_OK ||
	    u.type != S6_SOCKS6_UDP_DATAGRAM || u.assoc_id != t->a.id || !eng_cu_from_prog(t, from, fl))
		return; /* not of this association: ignored, as the draft says */
	struct eng_cu_flow *f = eng_cu_flow_for(t, &u.addr, &err);
	if (!f) {
		eng_cu_send_error(&t->a, &u.addr, u.port, err, NULL);
		return;
	}
	/* One line per flow, not per datagram: a flood must not fill the log. */
	if (!eng_cu_flow_push(f, u.port, u.payload, u.payload_len)) {
		if (!f->warned)
			eng_log("connect-ip %s: datagrams dropped (the tunnel's queue is full, "
				"or it just ended)", u.addr.type == S6_SOCKS6_ATYP_DOMAIN ?
				u.addr.domain : "udp");
		f->warned = true;
	}
}

/* Until the shim closes the control connection. */
static void eng_cu_loop(int cfd, struct eng_cu_tab *t)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = cfd, .events = POLLIN}, {.fd = t->a.ufd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (p[0].revents) {
			ssize_t n = recv(cfd, t->buf, sizeof t->buf, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				return; /* nothing else comes on it: its end is the end */
		}
		for (int i = 0; i < ENG_CU_BURST && (p[1].revents & POLLIN); i++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(t->a.ufd, t->buf, sizeof t->buf, MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fl);
			if (n < 0)
				break;
			eng_cu_datagram(t, (size_t)n, &from, fl);
		}
	}
}

void eng_cip_udp_serve(int cfd, const s6_eng_hdr *h, const s6_eng_cip *rec)
{
	struct eng_cu_tab *t = calloc(1, sizeof *t);
	struct sockaddr_storage relay;
	socklen_t rl;

	if (!t) {
		eng_cip_status(cfd, false, ENOMEM, "engine: out of memory");
		return;
	}
	t->a.h = *h;
	t->a.rec = *rec;
	t->a.ufd = eng_cu_relay(cfd, &relay, &rl);
	if (t->a.ufd < 0 || getrandom(&t->a.id, sizeof t->a.id, 0) != sizeof t->a.id) {
		eng_log("connect-ip udp: no relay socket: %s", strerror(errno));
		eng_cip_status(cfd, false, errno, "engine: no relay socket");
	} else if (eng_cu_answer(cfd, &t->a, &relay)) {
		eng_log("proxy %s:%u: connect-ip %s association %016llx (%s, %s)", h->host, h->port,
			rec->ipproto == 17 ? "UDP" : "ICMP echo", (unsigned long long)t->a.id,
			rec->mode == S6_CIP_MODE_DRAFT00 ? "draft-00" : "RFC 9484",
			rec->plain ? "plain HTTP" : "TLS");
		eng_cu_loop(cfd, t);
	}
	for (int i = 0; i < ENG_CU_FLOWS_MAX; i++)
		if (t->flow[i])
			eng_cu_flow_free(t->flow[i]);
	if (t->a.ufd >= 0)
		close(t->a.ufd);
	explicit_bzero(t, sizeof *t);
	free(t);
}
