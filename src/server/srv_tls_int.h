/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by srv_tls_ctx.c (context), srv_tls_conn.c (a front's life and
 * handshake) and srv_tls_pump.c (its data path). */
#ifndef SRV_TLS_INT_H
#define SRV_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "srv_relay.h"
#include "srv_tls.h"

#define SRV_TLS_BUF_SIZE (32 * 1024)  /* per direction: two full records */
#define SRV_TLS_CHUNK (16 * 1024)     /* one record's plaintext */

enum srv_tls_phase { SRV_TLS_PEEK, SRV_TLS_EARLY, SRV_TLS_HANDSHAKE, SRV_TLS_OPEN };
enum srv_tls_st { SRV_TLS_ST_OK, SRV_TLS_ST_AGAIN, SRV_TLS_ST_EOF, SRV_TLS_ST_FAIL };

typedef struct srv_tls_conn {
	struct srv_tls_conn *prev, *next;
	srv_tls *t;
	const srv_proto *inner;   /* the protocol behind the front */
	SSL *ssl;
	enum srv_tls_phase phase;
	bool closed;
	bool counted;          /* in t->n_handshaking */
	bool has_inner;        /* the SOCKS6 connection exists */
	bool net_eof, plain_eof, plain_hup, notify_sent, plain_shut;
	bool want_in, want_out;   /* what the last SSL calls wait for */
	bool no_half_rtt;         /* SSL_write_early_data refused */
	bool half_rtt_blocked;    /* a 0.5-RTT record waits in OpenSSL's buffer */
	bool syn_data;
	size_t early;
	size_t half_rtt;          /* bytes sent as 0.5-RTT data */
	srv_watch net, plain;
	srv_timer deadline, again;
	srv_buf up, down;         /* client -> SOCKS6, SOCKS6 -> client */
	struct sockaddr_storage peer, local;
	char peer_str[S6_ADDR_STR_MAX];
	char why[160];
	srv_deferred reap;
} srv_tls_conn;

struct srv_tls {
	SSL_CTX *ctx;
	srv_server *srv;
	struct srv_tls_conn *fronts;  /* every open front */
	unsigned n_handshaking;       /* fronts without their SOCKS6 conn yet */
};

/* srv_tls_conn.c: close every front (shutdown). */
void srv_tls_close_fronts(srv_tls *t);
/* Close now (idempotent); the memory goes after this loop iteration. */
void srv_tls_front_close(srv_tls_conn *tc);
/* Log why (INFO during the handshake, else DEBUG) and close. */
void srv_tls_front_fail(srv_tls_conn *tc, const char *why);
/* Classify an SSL call's result; a failure's reason goes to tc->why. */
enum srv_tls_st srv_tls_ssl_status(srv_tls_conn *tc, int r);
/* One step of PEEK, EARLY or HANDSHAKE. True when something moved. */
bool srv_tls_handshake_step(srv_tls_conn *tc);

/* srv_tls_pump.c: move what can be moved, then set the interests (or
 * close the front when both directions ended). */
void srv_tls_pump(srv_tls_conn *tc);

#endif
