/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure pieces of the TLS front (srv_tls*.c), kept apart for unit tests:
 * what the first byte of a connection says, the private key file's mode
 * rule, and the one INFO line per completed TLS handshake. */
#ifndef SRV_TLS_UTIL_H
#define SRV_TLS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* TLS record type of a handshake message: every ClientHello starts so. */
#define SRV_TLS_HANDSHAKE_BYTE 0x16

/* NULL when b can start a TLS ClientHello, else why the connection is
 * refused (fills buf, which needs 48 bytes). */
const char *srv_tls_first_byte_verdict(unsigned char b, char *buf, size_t cap);

/* A private key file may be read by its owner only (as --users). False
 * with the reason in why. */
bool srv_tls_key_mode_ok(mode_t mode, char *why, size_t whylen);

typedef struct srv_tls_hsinfo {
	bool resumed;         /* a session ticket was accepted */
	size_t early;         /* 0-RTT bytes accepted */
	bool syn_data;        /* the ClientHello came in the SYN (TFO) */
	const char *version;  /* "TLSv1.3" */
	const char *cipher;   /* "TLS_AES_128_GCM_SHA256" */
} srv_tls_hsinfo;

/* The line (without the "socks6ify-server: " prefix of the log):
 *   tls PEER tls=full|resumed early=N syn=data|plain version=V cipher=C
 * Returns the length, as snprintf. */
int srv_tls_format_line(char *buf, size_t cap, const char *peer,
			const srv_tls_hsinfo *hi);

#endif
