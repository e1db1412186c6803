/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One client connection and the protocol-independent parts of its life:
 *
 *   HANDSHAKE  client bytes are read into conn->up and handed to the
 *              protocol's input handler until it has a whole request
 *              (bounded by --handshake-timeout);
 *   PENDING    the protocol works on the request (resolve, connect, bind);
 *              further client bytes keep arriving into conn->up (they are
 *              application data the client sent early) and replies queued
 *              in conn->down are flushed to the client;
 *   RELAY      srv_relay moves bytes between client and target (or, for
 *              a CONNECT behind a TLS front, the front takes the target
 *              and the bytes held, and the connection closes: see
 *              srv_conn_relay_direct);
 *   CLOSING    a refusal is flushed, the write side shut, and the rest of
 *              the client's input drained (two seconds at most) so that the
 *              reply is not destroyed by a reset.
 *
 * A protocol (SOCKS4a now; SOCKS6 and CONNECT-IP later) is a srv_proto: a
 * handler table plus the size of its per-connection state. Listeners carry
 * the protocol their connections speak. */
#ifndef SRV_CONN_H
#define SRV_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s6_addr.h"
#include "srv_loop.h"
#include "srv_relay.h"
#include "srv_resolve.h"

typedef struct srv_conn srv_conn;
typedef struct srv_server srv_server;
typedef struct srv_conn_front srv_conn_front;

typedef struct srv_proto {
	const char *name;        /* listener kind, as in "--socks4a": "socks4a" */
	size_t state_size;       /* zeroed bytes at conn->state */
	void (*init)(srv_conn *c);
	/* New client bytes in c->up during HANDSHAKE. The handler consumes
	 * the request bytes it parsed and calls srv_conn_handshake_done, or
	 * refuses, or leaves the bytes for more to come. */
	void (*input)(srv_conn *c);
	/* Cancel pending work and free what the state owns (any phase). */
	void (*release)(srv_conn *c);
	/* Optional: the listener hands accepted sockets here instead of
	 * srv_conn_new (TLS terminates in front of the protocol). */
	void (*accept)(srv_server *s, int fd, const struct sockaddr *peer);
} srv_proto;

typedef struct srv_config {
	unsigned handshake_ms;   /* 0: none */
	unsigned connect_ms;
	unsigned bind_ms;
	unsigned idle_ms;
	unsigned max_clients;
	bool have_bind_addr;
	struct sockaddr_storage bind_addr;
	const char *const *allow_users;
	size_t n_allow_users;
	const struct srv_s6_config *s6;  /* SOCKS6 listener settings */
	const struct srv_misb_script *misbehave; /* --misbehave (srv_misbehave.h) */
	const struct srv_cip_config *cip;  /* CONNECT-IP listener settings */
} srv_config;

struct srv_server {
	srv_config cfg;
	srv_loop *loop;
	srv_resolver *resolver;
	srv_conn *conns;         /* every open client connection */
	unsigned nconns;         /* those, and TLS fronts that took the target */
	struct srv_listener *listeners;
	struct srv_s6_sessions *s6_sessions;
	struct srv_tls *tls;     /* --socks6-tls: certificate, TLS fronts */
	struct srv_cip_pool *cip_pool;  /* CONNECT-IP client addresses */
};

enum srv_phase { SRV_HANDSHAKE, SRV_PENDING, SRV_RELAY, SRV_CLOSING };

struct srv_conn {
	srv_conn *prev, *next;
	srv_server *srv;
	const srv_proto *proto;
	void *state;
	enum srv_phase phase;
	bool closed;             /* torn down; memory freed after this iteration */
	bool client_eof;
	bool shut_sent;          /* CLOSING: write side shut */
	bool hold_down;          /* replies queued, not written until released */
	srv_conn_front *front;   /* the TLS front on the other end of client */
	srv_watch client, target;
	struct sockaddr_storage peer, local;
	char peer_str[S6_ADDR_STR_MAX];
	srv_buf up, down;        /* client -> target, target -> client */
	srv_timer timer;         /* handshake deadline, then the linger limit */
	srv_relay relay;
	srv_deferred reap;
};

/* Take over an accepted socket. False (fd closed) when out of resources. */
bool srv_conn_new(srv_server *s, int fd, const struct sockaddr *peer,
		  const srv_proto *proto);
/* The same for a socket that is not the client's own (the plaintext end of
 * a TLS front): peer and local are the client's TCP addresses. NULL (fd
 * closed) when out of resources. */
srv_conn *srv_conn_new_via(srv_server *s, int fd, const struct sockaddr *peer,
			   const struct sockaddr *local, const srv_proto *proto);
/* Tear down now (idempotent); the memory goes after this loop iteration. */
void srv_conn_close(srv_conn *c);
/* Close every connection (shutdown). */
void srv_conn_close_all(srv_server *s);

/* For protocol handlers. */
void srv_conn_handshake_done(srv_conn *c);
/* Queue bytes for the client (replies). False when they do not fit. */
bool srv_conn_send(srv_conn *c, const void *p, size_t n);
/* Read what the client sent into c->up: the bytes read, 0 when nothing
 * new (EOF, which sets client_eof; nothing to read now; no room), -1 with
 * errno on an error, which the caller turns into its own end. */
ssize_t srv_conn_read_client(srv_conn *c);
/* Keep queued replies back (true) until the next reply is queued
 * (false): a handler that knows a second reply follows soon sends both in
 * one segment, so the client wakes once. A refusal or the relay always
 * writes what is queued. */
void srv_conn_hold(srv_conn *c, bool hold);
/* Queue a final reply, then close the connection (failed requests). */
void srv_conn_refuse(srv_conn *c, const void *p, size_t n);
/* Relay between the client and target_fd (ownership passes to the conn). */
void srv_conn_relay(srv_conn *c, int target_fd);
/* The same for a plain byte stream both ways (CONNECT): a front in front of
 * the connection may take the target and relay it itself, and the
 * connection then closes. */
void srv_conn_relay_direct(srv_conn *c, int target_fd);

/* ---- hand-over to a front (a TLS front relays a CONNECT itself instead
 * of through the socketpair and this connection's relay) */

/* Everything the connection holds when its relay would start. */
typedef struct srv_conn_handover {
	int target_fd;           /* connected; the front owns it when it takes it */
	srv_buf *up;             /* everything the client end delivered that the
				  * target has not had, up to its EOF */
	srv_buf *down;           /* replies not yet written to the client end */
	bool client_eof;         /* the client end's EOF is behind up's bytes */
} srv_conn_handover;

struct srv_conn_front {
	/* The relay starts: true when the front took the target fd and the
	 * bytes (the connection then closes), false to relay as usual. */
	bool (*take)(srv_conn_front *f, const srv_conn_handover *h);
	srv_conn *conn;          /* attached to; NULL once it closed */
};

/* Attach f to c (f NULL: detach c's front, when the front closes first). */
void srv_conn_set_front(srv_conn *c, srv_conn_front *f);

#endif
