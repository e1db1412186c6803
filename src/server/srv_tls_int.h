/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by srv_tls_ctx.c (context), srv_tls_conn.c (a front's life and
 * handshake) and srv_tls_pump.c (its data path). */
#ifndef SRV_TLS_INT_H
#define SRV_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "s6_tls13_track.h"
#include "srv_relay.h"
#include "srv_tls.h"

#define SRV_TLS_BUF_SIZE (32 * 1024)  /* client -> SOCKS6: two full records */
/* SOCKS6 -> client: one read of the socketpair becomes up to 16 full
 * records, written into the wire buffer (srv_tls_wire.c) and sent with
 * one send(2); room for the records' overhead too. */
#define SRV_TLS_DOWN_SIZE (256 * 1024)
#define SRV_TLS_WIRE_SIZE (SRV_TLS_DOWN_SIZE + 8 * 1024)
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
	bool net_shut;            /* FIN sent, after the wire buffer emptied */
	bool want_in;             /* the last SSL call waits for the socket's input */
	/* A side found empty (EAGAIN, WANT_READ) or full is not tried again
	 * until epoll reports it ready: no system call that must fail. */
	bool net_rd_blocked, net_wr_blocked, plain_rd_blocked, plain_wr_blocked;
	bool no_half_rtt;         /* SSL_write_early_data refused */
	bool half_rtt_blocked;    /* a 0.5-RTT record waits in OpenSSL's buffer */
	bool syn_data;
	/* CONNECT relayed by the front itself (srv_tls_direct.c): plain is
	 * the target's socket, the SOCKS6 connection and its pair are gone. */
	bool direct;
	bool direct_ended;        /* its closing line is out */
	srv_conn_front link;      /* hand-over from the SOCKS6 connection */
	srv_timer idle;           /* --idle-timeout while direct */
	uint64_t last_activity;
	uint64_t to_target, to_client;  /* plaintext bytes moved while direct */
	size_t early;
	size_t half_rtt;          /* bytes sent as 0.5-RTT data */
	srv_watch net, plain;
	srv_timer deadline, again;
	srv_buf up, down;         /* client -> SOCKS6, SOCKS6 -> client */
	srv_buf wire;             /* ciphertext (OpenSSL's or sealed here), not yet sent */
	/* A direct CONNECT's records towards the client are sealed by the
	 * front itself once it could take the write direction over
	 * (srv_tls_seal.c); OpenSSL keeps the read direction. */
	s6_tls13_track track;     /* the write secret and record count */
	s6_tls13_dir seal;        /* keyed while sealing */
	bool sealing;
	bool seal_off;            /* the take-over failed: OpenSSL writes */
	bool wire_short;          /* OpenSSL holds bytes the wire buffer refused */
	uint64_t sealed;          /* records sealed here */
	uint64_t dropped;         /* bytes OpenSSL wrote after the take-over */
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
	BIO_METHOD *wire_meth;        /* srv_tls_wire.c */
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

/* srv_tls_wire.c: OpenSSL's output goes to tc->wire, the socket's input
 * comes straight from it. */
bool srv_tls_wire_init(srv_tls *t);
void srv_tls_wire_free(srv_tls *t);
bool srv_tls_wire_attach(srv_tls_conn *tc, int fd);
/* One send of the wire buffer: true when bytes left; a broken socket
 * fails the front. */
bool srv_tls_flush(srv_tls_conn *tc);

/* srv_tls_seal.c: the write direction of a direct CONNECT without
 * OpenSSL. Take it over when that is possible now (direct, OPEN, no
 * record held back in OpenSSL); a failure leaves it to OpenSSL for good. */
void srv_tls_seal_try(srv_tls_conn *tc);
/* Answer a KeyUpdate the client asked for, then seal what down holds
 * into the wire buffer: full records only, as many as fit. True when
 * something moved. */
bool srv_tls_seal_write(srv_tls_conn *tc);
/* The close_notify: false while the wire buffer has no room for it. */
bool srv_tls_seal_close(srv_tls_conn *tc);
/* From srv_tls_front_close: the counts; the key goes. */
void srv_tls_seal_end(srv_tls_conn *tc);

/* srv_tls_pump.c: move what can be moved, then set the interests (or
 * close the front when both directions ended). */
void srv_tls_pump(srv_tls_conn *tc);

/* srv_tls_direct.c: the front relays a CONNECT to its target itself. */
void srv_tls_direct_init(srv_tls_conn *tc);
/* Bytes moved (the idle timeout's clock). */
void srv_tls_direct_touch(srv_tls_conn *tc);
/* The plaintext side failed with err: before the hand-over the front
 * fails; while direct the target is dropped as the SOCKS6 connection
 * would have dropped it, and the client gets a close_notify. */
void srv_tls_plain_failed(srv_tls_conn *tc, int err);
/* From srv_tls_front_close: the closing log line, the counts. */
void srv_tls_direct_close(srv_tls_conn *tc);

#endif
