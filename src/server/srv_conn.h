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
 *   RELAY      srv_relay moves bytes between client and target;
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
	unsigned nconns;
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
 * a TLS front): peer and local are the client's TCP addresses. */
bool srv_conn_new_via(srv_server *s, int fd, const struct sockaddr *peer,
		      const struct sockaddr *local, const srv_proto *proto);
/* Tear down now (idempotent); the memory goes after this loop iteration. */
void srv_conn_close(srv_conn *c);
/* Close every connection (shutdown). */
void srv_conn_close_all(srv_server *s);

/* For protocol handlers. */
void srv_conn_handshake_done(srv_conn *c);
/* Queue bytes for the client (replies). False when they do not fit. */
bool srv_conn_send(srv_conn *c, const void *p, size_t n);
/* Queue a final reply, then close the connection (failed requests). */
void srv_conn_refuse(srv_conn *c, const void *p, size_t n);
/* Relay between the client and target_fd (ownership passes to the conn). */
void srv_conn_relay(srv_conn *c, int target_fd);

#endif
