/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6ify-engine: the per-user process that holds OpenSSL so the
 * program being proxied never loads it. The shim connects the program's
 * socket to it over loopback, hands over a header (s6_engine_msg.h) and
 * then speaks SOCKS6 as to any proxy; the engine opens TCP + TLS 1.3 to
 * the proxy, answers one status record, and relays plaintext <-> TLS.
 *
 * Files in the runtime directory (s6_s6store_dir, mode 0700):
 *   engine.lock    flock'ed by the running engine: a second one exits
 *   engine.secret  32 random bytes, 0600: a header must carry them
 *   engine.port    "S6ENG 1 V4PORT V6PORT PID", written by rename
 *   engine.log     one line per connection and per failure */
#ifndef ENG_H
#define ENG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_engine_msg.h"

#define ENG_HANDSHAKE_TIMEOUT_S 10

/* eng_main.c */
void eng_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A connection starts / ends (for the idle exit). */
void eng_active_add(int delta);
/* The secret a header must carry. */
const uint8_t *eng_secret(void);

/* eng_listen.c */
/* Make (mode 0700) and check the directory: ours, nobody else's. */
bool eng_dir_prepare(const char *dir, char *why, size_t whylen);
/* flock the lock file; -1 when another engine holds it (*held) or on
 * error (why). */
int eng_lock(const char *dir, bool *held, char *why, size_t whylen);
/* Load the secret, making it when missing or unusable. */
bool eng_secret_make(const char *dir, uint8_t out[S6_ENG_SECRET_LEN], char *why, size_t whylen);
/* A listener on the loopback address of family, ephemeral port; -1. */
int eng_listen(int family, uint16_t *port);
bool eng_portfile_write(const char *dir, uint16_t p4, uint16_t p6, char *why, size_t whylen);
void eng_portfile_remove(const char *dir);

/* eng_relay.c: one accepted connection, on its own thread. */
void eng_conn_start(int fd);

/* eng_tls.c */
typedef struct ssl_st SSL;
/* TCP + TLS 1.3 to the proxy of h; early/early_len: bytes that may ride
 * in 0-RTT (*early_sent says how many the proxy took). NULL on failure
 * with *err (errno for the program) and a reason. *pfd: the socket. */
SSL *eng_tls_open(const s6_eng_hdr *h, const uint8_t *early, size_t early_len,
		  size_t *early_sent, int *pfd, int *err, char *why, size_t whylen);
void eng_tls_close(SSL *ssl, int pfd);
bool eng_tls_init(void);

/* Relay between the client (plaintext) and ssl until both sides end. */
void eng_relay(int cfd, SSL *ssl, int pfd);

#endif
