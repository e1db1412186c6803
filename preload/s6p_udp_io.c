/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Datagrams through an association (s6p_udp.h): connect, send with the
 * Datagram header in front, receive with it taken off. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "s6_addr.h"
#include "s6_iov.h"
#include "s6_log.h"
#include "s6_socks6_udp.h"
#include "s6p_cip_udp.h"
#include "s6p_real.h"
#include "s6p_udp_int.h"

/* Room for any datagram the socket can receive. */
#define S6P_UDP_BUF 65536

static bool s6p_udp_inet(const struct sockaddr *sa, socklen_t len)
{
	return sa && len >= sizeof(sa_family_t) &&
	       (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
}

/* Logged like a failed connect; returns -1 with errno set. */
static int s6p_udp_target(const struct sockaddr *sa, socklen_t len, struct s6p_target *t)
{
	s6_err err = s6p_target_make(s6p_state(), sa, len, t);

	if (err == S6_OK)
		return 0;
	s6_log(S6_LOG_ERROR, "proxy %s target %s: %s", s6p_state()->proxy_str, t->label, t->why);
	errno = s6_err_errno(err);
	return -1;
}

/* A query to the DNS service went: remember its ID and nameserver. */
static void s6p_udp_note_dns_msg(int fd, const struct s6p_target *t, const struct msghdr *msg)
{
	uint8_t id[2];

	if (s6_iov_gather(msg->msg_iov, msg->msg_iovlen, id, sizeof id) == sizeof id)
		s6p_udp_note_dns(fd, (uint16_t)(id[0] << 8 | id[1]), &t->dest, t->dest_len);
}

ssize_t s6p_udp_send_raw(int fd, const struct s6p_udp_assoc *a, const struct s6p_target *t,
			 const struct msghdr *msg, int flags)
{
	uint8_t hdr[S6_SOCKS6_UDP_DGRAM_FIXED_LEN + S6_SOCKS6_ADDR_WIRE_MAX];
	struct iovec small[8], *iov = small;
	size_t hl = 0, cnt = msg->msg_iovlen;
	s6_err err;

	err = s6_s6_udp_datagram_header_pack(a->id, &t->s6dst, t->port,
					     s6_iov_total(msg->msg_iov, cnt),
					     hdr, sizeof hdr, &hl);
	if (err != S6_OK) {
		errno = err == S6_ERR_TOO_LONG ? EMSGSIZE : EINVAL;
		return -1;
	}
	if (cnt + 1 > sizeof small / sizeof small[0] && !(iov = malloc((cnt + 1) * sizeof *iov))) {
		errno = ENOMEM;
		return -1;
	}
	iov[0] = (struct iovec){ hdr, hl };
	if (cnt)
		memcpy(iov + 1, msg->msg_iov, cnt * sizeof *iov);
	struct msghdr m = { .msg_name = (void *)&a->relay, .msg_namelen = a->relay_len,
			    .msg_iov = iov, .msg_iovlen = cnt + 1,
			    .msg_control = msg->msg_control, .msg_controllen = msg->msg_controllen };
	ssize_t n = S6P_REAL(sendmsg)(fd, &m, flags);
	if (iov != small)
		free(iov);
	return n < 0 ? -1 : n >= (ssize_t)hl ? n - (ssize_t)hl : 0;
}

/* Not a blocking call: the association may be made in the background. */
static bool s6p_udp_nowait(int fd, int flags)
{
	int fl;

	return (flags & MSG_DONTWAIT) ||
	       ((fl = S6P_REAL(fcntl)(fd, F_GETFL)) >= 0 && (fl & O_NONBLOCK));
}

/* Send through the association (made first if fd has none, or its last
 * attempt failed), or queue while it is being made. */
static ssize_t s6p_udp_send_via(int fd, struct s6p_udp_snap *s, const struct s6p_target *t,
				const struct msghdr *msg, int flags)
{
	struct s6p_udp_first f = { .t = t, .msg = msg, .flags = flags };
	bool nowait = s6p_udp_nowait(fd, flags);
	ssize_t n;
	size_t cnt = msg->msg_iovlen;
	int rc;

	if (cnt >= IOV_MAX || (cnt && !msg->msg_iov)) {
		errno = cnt ? EFAULT : EMSGSIZE;
		return -1;
	}
	if (s6p_cip_udp_too_big(t, s6_iov_total(msg->msg_iov, cnt))) {
		errno = EMSGSIZE; /* CONNECT-IP: over the tunnel MTU */
		return -1;
	}
	if (!s->pending && s->a.ctl < 0 && (rc = s6p_udp_get(fd, s, nowait, &f)) != 0) {
		errno = rc;
		return -1;
	}
	if (f.refused) {
		errno = f.refused;
		return -1;
	}
	if (f.queued) {
		n = (ssize_t)s6_iov_total(msg->msg_iov, cnt);
		goto sent;
	}
	/* Bounded: a queue refused because the association just came up is
	 * looked at again once. */
	for (int round = 0; s->pending && round < 2; round++) {
		if (s6p_udp_enqueue(fd, t, msg, flags, &n))
			goto sent;
		if ((rc = s6p_udp_get(fd, s, nowait, &f)) != 0 || (rc = f.refused) != 0) {
			errno = rc;
			return -1;
		}
		if (f.queued) {
			n = (ssize_t)s6_iov_total(msg->msg_iov, cnt);
			goto sent;
		}
	}
	if (s->pending) {
		errno = EAGAIN;
		return -1;
	}
	if (s->dead || !s6p_udp_assoc_alive(s->a.ctl)) {
		errno = s6p_udp_mark_dead(fd, s->a.id);
		return -1;
	}
	n = s6p_udp_send_raw(fd, &s->a, t, msg, flags);
sent:
	if (n >= 0 && s6p_udp_dns_is_target(t))
		s6p_udp_note_dns_msg(fd, t, msg);
	return n;
}

/* A datagram to an explicit destination on a SOCK_DGRAM socket. */
static enum s6p_udp_verdict s6p_udp_send_to(int fd, const struct msghdr *msg, int flags, ssize_t *r)
{
	const struct sockaddr *sa = msg->msg_name;
	struct s6p_udp_snap s;
	struct s6p_target t;

	if (msg->msg_namelen < s6_addr_len(sa))
		return S6P_UDP_DIRECT; /* the kernel says EINVAL */
	enum s6p_udp_way way = s6p_udp_way(fd, sa, msg->msg_namelen);
	switch (way) {
	case S6P_UDP_WAY_DIRECT:
		return S6P_UDP_DIRECT;
	case S6P_UDP_WAY_NONE:
		*r = -1;
		return S6P_UDP_DONE;
	case S6P_UDP_WAY_PROXY:
	case S6P_UDP_WAY_DNS:
		break;
	}
	*r = -1;
	if (way == S6P_UDP_WAY_DNS)
		s6p_udp_dns_target(sa, msg->msg_namelen, &t);
	else if (s6p_udp_target(sa, msg->msg_namelen, &t) < 0)
		return S6P_UDP_DONE;
	if (!s6p_udp_snapshot(fd, &s)) {
		memset(&s, 0, sizeof s);
		s.a.ctl = -1; /* none yet: s6p_udp_send_via makes it */
	}
	*r = s6p_udp_send_via(fd, &s, &t, msg, flags);
	if (*r >= 0 && t.is_name)
		s6p_udp_note_name(fd, &t.dest, t.dest_len);
	return S6P_UDP_DONE;
}

enum s6p_udp_verdict s6p_udp_sendmsg(int fd, const struct msghdr *msg, int flags, ssize_t *r)
{
	struct s6p_udp_snap s;
	int type = 0;
	socklen_t tl = sizeof type;

	if (!msg)
		return S6P_UDP_OTHER;
	if (!s6p_udp_inet(msg->msg_name, msg->msg_namelen)) {
		if (msg->msg_name || !s6p_udp_snapshot(fd, &s) || !s.has_peer)
			return S6P_UDP_OTHER;
		struct s6p_target peer = s.peer;
		*r = s6p_udp_send_via(fd, &s, &peer, msg, flags);
		return S6P_UDP_DONE;
	}
	if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
		return S6P_UDP_OTHER;
	return s6p_udp_send_to(fd, msg, flags, r);
}

int s6p_udp_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct s6p_udp_snap s;
	struct s6p_target t;

	enum s6p_udp_way way = s6p_udp_way(fd, sa, len);
	switch (way) {
	case S6P_UDP_WAY_NONE:
		return -1;
	case S6P_UDP_WAY_DIRECT:
		s6p_udp_set_peer(fd, NULL);
		return S6P_REAL(connect)(fd, sa, len);
	case S6P_UDP_WAY_PROXY:
	case S6P_UDP_WAY_DNS:
		break;
	}
	if (way == S6P_UDP_WAY_DNS)
		s6p_udp_dns_target(sa, len, &t);
	else if (s6p_udp_target(sa, len, &t) < 0)
		return -1;
	/* A UDP connect() never blocks: a non-blocking socket does not wait
	 * for its association either. */
	bool nowait = s6p_udp_nowait(fd, 0);
	struct s6p_udp_first f = { .t = &t };
	int rc = s6p_udp_get(fd, &s, nowait, &f);
	if (rc == 0 && s.pending) {
		s6p_udp_set_peer(fd, &t);
		if (s6p_udp_connect_later(fd)) {
			s6_log(S6_LOG_INFO, "UDP fd %d connected to %s; its association is being made",
			       fd, t.label);
			return 0;
		}
		rc = s6p_udp_get(fd, &s, nowait, &f);
	}
	if (rc) {
		errno = rc;
		return -1;
	}
	if (s.dead) {
		errno = s6p_udp_mark_dead(fd, s.a.id);
		return -1;
	}
	/* The kernel now drops whatever does not come from the proxy. */
	if (S6P_REAL(connect)(fd, (struct sockaddr *)&s.a.relay, s.a.relay_len) < 0)
		return -1;
	s6p_udp_set_peer(fd, &t);
	s6_log(S6_LOG_INFO, "UDP fd %d connected to %s through association %016llx",
	       fd, t.label, (unsigned long long)s.a.id);
	return 0;
}

/* The source the program sees: the remote host of the header, in the
 * socket's family; a name (a proxy may send one) becomes the default
 * destination or no address. A socket connected to a name sees its peer
 * (the placeholder), one that sent to names the placeholder a reply answers
 * (s6p_udp_note_name): the program compares the source with those. */
static void s6p_udp_source(int fd, const struct s6p_udp_snap *s, const s6_s6_udp_msg *u,
			   struct msghdr *msg)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;

	memset(&ss, 0, sizeof ss);
	if (u->addr.type == S6_SOCKS6_ATYP_IPV4 && s->a.family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(u->port);
		memcpy(&in->sin_addr, u->addr.ip, 4);
		sl = sizeof *in;
	} else if (u->addr.type == S6_SOCKS6_ATYP_IPV4 || u->addr.type == S6_SOCKS6_ATYP_IPV6) {
		struct sockaddr_in6 *in6 = (void *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(u->port);
		if (u->addr.type == S6_SOCKS6_ATYP_IPV4) {
			in6->sin6_addr.s6_addr[10] = in6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&in6->sin6_addr.s6_addr[12], u->addr.ip, 4);
		} else {
			memcpy(&in6->sin6_addr, u->addr.ip, 16);
		}
		sl = sizeof *in6;
	}
	if (s6p_udp_dns_is_source(u) && u->payload_len >= 2 &&
	    s6p_udp_dns_source(fd, (uint16_t)(u->payload[0] << 8 | u->payload[1]), &ss, &sl)) {
		/* the nameserver the program asked */
	} else if (s->has_peer && (s->peer.is_name || !sl)) {
		ss = s->peer.dest;
		sl = s->peer.dest_len;
	} else if (sl) {
		s6p_udp_name_source(fd, &ss, &sl);
	}
	if (msg->msg_name)
		memcpy(msg->msg_name, &ss, msg->msg_namelen < sl ? msg->msg_namelen : sl);
	msg->msg_namelen = sl;
}

/* An Error message (the proxy saw an ICMP error, draft-11 "Reporting ICMP
 * Errors") as the kernel reports one: on a connected socket, for its peer,
 * the errno of this call; else nothing (the shim keeps no error queue for
 * IP_RECVERR). The draft has no code for "port unreachable", so no
 * ECONNREFUSED can come from it. 0: ignore it. */
static int s6p_udp_error_errno(const struct s6p_udp_snap *s, const s6_s6_udp_msg *u)
{
	const s6_s6_addr *want = &s->peer.s6dst;

	if (!s->has_peer || u->port != s->peer.port)
		return 0;
	/* A name peer: the proxy reports the address it resolved it to. */
	if (want->type != S6_SOCKS6_ATYP_DOMAIN &&
	    (want->type != u->addr.type ||
	     memcmp(want->ip, u->addr.ip, want->type == S6_SOCKS6_ATYP_IPV4 ? 4 : 16) != 0))
		return 0;
	switch (u->error_code) {
	case S6_SOCKS6_UDP_ERR_NET_UNREACH:
		return ENETUNREACH;
	case S6_SOCKS6_UDP_ERR_HOST_UNREACH:
	case S6_SOCKS6_UDP_ERR_TTL_EXPIRED: /* as the kernel maps time exceeded */
		return EHOSTUNREACH;
	case S6_SOCKS6_UDP_ERR_TOO_BIG:
		return EMSGSIZE;
	default:
		return 0;
	}
}

/* Receive until a datagram of our association arrives (or recv fails):
 * everything else on the socket is dropped. Returns recvmsg's result. */
static ssize_t s6p_udp_recv_loop(int fd, struct s6p_udp_snap *s, struct msghdr *msg,
				 int flags, uint8_t *buf)
{
	for (;;) {
		struct sockaddr_storage from;
		struct iovec v = { buf, S6P_UDP_BUF };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from,
				    .msg_iov = &v, .msg_iovlen = 1,
				    .msg_control = msg->msg_control,
				    .msg_controllen = msg->msg_controllen };
		s6_s6_udp_msg u;
		size_t used = 0, need = 0;
		ssize_t n = S6P_REAL(recvmsg)(fd, &m, flags & ~MSG_TRUNC);

		if (n < 0)
			return -1;
		/* The association was being made when the wait began. */
		if (s->pending && !s6p_udp_snapshot(fd, s)) {
			errno = EBADF;
			return -1;
		}
		if (s6p_udp_same_sa(&from, &s->a.relay) &&
		    s6_s6_udp_parse(buf, (size_t)n, &u, &used, &need) == S6_OK &&
		    u.assoc_id == s->a.id && u.type == S6_SOCKS6_UDP_DATAGRAM) {
			size_t got = s6_iov_scatter(msg->msg_iov, msg->msg_iovlen,
						    u.payload, u.payload_len);
			s6p_udp_source(fd, s, &u, msg);
			msg->msg_controllen = m.msg_controllen;
			msg->msg_flags = m.msg_flags | (got < u.payload_len ? MSG_TRUNC : 0);
			return (ssize_t)((flags & MSG_TRUNC) ? u.payload_len : got);
		}
		int err = 0;
		if (s6p_udp_same_sa(&from, &s->a.relay) && u.assoc_id == s->a.id &&
		    u.type == S6_SOCKS6_UDP_ERROR && (err = s6p_udp_error_errno(s, &u)) != 0) {
			if (flags & MSG_PEEK)
				S6P_REAL(recv)(fd, buf, 1, MSG_DONTWAIT);
			s6_log(S6_LOG_INFO, "UDP fd %d: the proxy reports %s for %s",
			       fd, strerror(err), s->peer.label);
			errno = err;
			return -1;
		}
		/* A peeked foreign datagram must go, or the next peek sees it again. */
		if (flags & MSG_PEEK)
			S6P_REAL(recv)(fd, buf, 1, MSG_DONTWAIT);
		s6_log(S6_LOG_DEBUG, "UDP fd %d: dropped a datagram that did not come through the proxy",
		       fd);
	}
}

/* SO_RCVTIMEO in ms, -1 when none. */
static int s6p_udp_rcvtimeo(int fd)
{
	struct timeval tv;
	socklen_t tl = sizeof tv;

	if (S6P_REAL(getsockopt)(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl) < 0 ||
	    (tv.tv_sec == 0 && tv.tv_usec == 0))
		return -1;
	return tv.tv_sec > INT_MAX / 1000 - 1 ? INT_MAX : (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

/* Before a receive: a background attempt that failed is reported now, once
 * (as the kernel reports a pending socket error), and a blocking receive
 * waits for a pending one to settle, as nothing can come before (at most
 * SO_RCVTIMEO: then EAGAIN). 0, or the errno to return. */
static int s6p_udp_recv_ready(int fd, struct s6p_udp_snap *s, int flags)
{
	if (s->pending && !s6p_udp_nowait(fd, flags)) {
		int tmo = s6p_udp_rcvtimeo(fd);
		s6p_udp_wait_settled(fd, tmo);
		if (!s6p_udp_snapshot(fd, s))
			return EBADF;
		if (s->pending)
			return EAGAIN; /* SO_RCVTIMEO expired */
	}
	if (!s->pending && s->a.ctl < 0 && s->err)
		return s6p_udp_take_err(fd, false);
	return 0;
}

enum s6p_udp_verdict s6p_udp_recvmsg(int fd, struct msghdr *msg, int flags, ssize_t *r)
{
	struct s6p_udp_snap s;

	if (!msg || (flags & MSG_ERRQUEUE) || !s6p_udp_snapshot(fd, &s))
		return S6P_UDP_OTHER;
	if (msg->msg_iovlen && !msg->msg_iov) {
		errno = EFAULT;
		*r = -1;
		return S6P_UDP_DONE;
	}
	int err = s6p_udp_recv_ready(fd, &s, flags);
	if (err) {
		errno = err;
		*r = -1;
		return S6P_UDP_DONE;
	}
	uint8_t *buf = malloc(S6P_UDP_BUF);
	if (!buf) {
		errno = ENOMEM;
		*r = -1;
		return S6P_UDP_DONE;
	}
	*r = s6p_udp_recv_loop(fd, &s, msg, flags, buf);
	int e = errno;
	free(buf);
	errno = e;
	return S6P_UDP_DONE;
}
