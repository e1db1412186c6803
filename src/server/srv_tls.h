/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 over TLS 1.3 (--socks6-tls): TLS terminates in front of the
 * unchanged SOCKS6 handler. A TLS front (srv_tls_conn.c) accepts the TCP
 * connection, runs the non-blocking handshake in the event loop (bounded by
 * --handshake-timeout), then gives the SOCKS6 handler one end of a
 * socketpair, with the client's real addresses, and moves plaintext between
 * that pair and SSL_read/SSL_write through two bounded buffers. 0-RTT data
 * reaches the handler as soon as it is decrypted. */
#ifndef SRV_TLS_H
#define SRV_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "srv_conn.h"

typedef struct srv_tls srv_tls;

/* Largest 0-RTT data accepted (and announced in the tickets). */
#define SRV_TLS_MAX_EARLY (16 * 1024)

/* TLS 1.3 server context: certificate chain (PEM), private key (PEM,
 * readable by its owner only), stateless session tickets under a key made
 * for this run, early data. NULL with the reason in why. */
srv_tls *srv_tls_new(srv_server *s, const char *cert, const char *key,
		     char *why, size_t whylen);
/* Close every TLS front and free the context (after srv_conn_close_all). */
void srv_tls_free(srv_tls *t);

/* Accept hook for a TLS listener whose plaintext speaks inner (the
 * --connect-ip-tls listener uses it). */
void srv_tls_accept_inner(srv_server *s, int fd, const struct sockaddr *peer,
			  const srv_proto *inner);

/* The --socks6-tls listener kind: "socks6-tls", its accept hook. */
extern const srv_proto srv_socks6_tls_proto;

#endif
