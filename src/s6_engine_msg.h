/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two messages between the shim and the engine process (socks6+tls).
 *
 * The shim connects the program's socket to the engine over loopback and
 * sends a handoff header, then the SOCKS6 Request as to any proxy:
 *
 *   magic "S6EH" | version 1 | flags (bit 0: verify, 1: CONNECT-IP,
 *   2: no TCP Fast Open) | secret[32] |
 *   proxy port u16 | early-data length u16 | host len u8 | SNI len u8 |
 *   ca-file len u16 | pin count u8 | host | SNI | ca-file | pins (32 each)
 *
 * The engine answers with one status record before it relays anything:
 *
 *   magic "S6ES" | version 1 | code (0 ok, 1 failed) | errno u16 |
 *   reason len u8 | reason
 *
 * Both parsers are incremental: S6_ERR_NEED_MORE sets *need to the number
 * of bytes the message has at least (known so far). Pure code, no I/O. */
#ifndef S6_ENGINE_MSG_H
#define S6_ENGINE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_ENG_VERSION 1
#define S6_ENG_SECRET_LEN 32
#define S6_ENG_PIN_LEN 32          /* SHA-256 of a SubjectPublicKeyInfo */
#define S6_ENG_PINS_MAX 8
#define S6_ENG_HOST_MAX 255
#define S6_ENG_PATH_MAX 4095
#define S6_ENG_HDR_FIXED 47
#define S6_ENG_HDR_MAX (S6_ENG_HDR_FIXED + 2 * S6_ENG_HOST_MAX + S6_ENG_PATH_MAX + \
			S6_ENG_PINS_MAX * S6_ENG_PIN_LEN)
#define S6_ENG_STATUS_FIXED 9
#define S6_ENG_REASON_MAX 255
#define S6_ENG_STATUS_MAX (S6_ENG_STATUS_FIXED + S6_ENG_REASON_MAX)

#define S6_ENG_FLAG_VERIFY 0x01
/* CONNECT-IP: an s6_engine_cip.h record follows the header, and early_len
 * is its length (nothing goes in 0-RTT). */
#define S6_ENG_FLAG_CIP 0x02
/* tfo-proxy never: no TCP Fast Open on the engine's connection to the proxy. */
#define S6_ENG_FLAG_NO_TFO 0x04

typedef struct s6_eng_hdr {
	uint8_t secret[S6_ENG_SECRET_LEN];
	bool verify;                       /* check the chain and the name */
	bool cip;                          /* S6_ENG_FLAG_CIP */
	bool no_tfo;                       /* S6_ENG_FLAG_NO_TFO */
	uint16_t port;
	uint16_t early_len;                /* bytes after the header that may ride in 0-RTT */
	char host[S6_ENG_HOST_MAX + 1];    /* proxy: name or IP literal */
	char sni[S6_ENG_HOST_MAX + 1];     /* "" for an IP literal */
	char ca_file[S6_ENG_PATH_MAX + 1]; /* "" for the system store */
	uint8_t pins[S6_ENG_PINS_MAX][S6_ENG_PIN_LEN];
	uint8_t n_pins;
} s6_eng_hdr;

enum s6_eng_code { S6_ENG_OK = 0, S6_ENG_FAILED = 1 };

typedef struct s6_eng_status {
	uint8_t code;
	uint16_t err;                      /* errno for the program's connect */
	char reason[S6_ENG_REASON_MAX + 1];
} s6_eng_status;

/* S6_ERR_TOO_LONG when cap is too small, S6_ERR_INVALID_ARG for an empty
 * host, strings over their limits or too many pins. */
s6_err s6_eng_hdr_encode(const s6_eng_hdr *h, uint8_t *buf, size_t cap, size_t *len);
/* S6_OK with *used, S6_ERR_NEED_MORE with *need, S6_ERR_MALFORMED,
 * S6_ERR_BAD_VERSION. */
s6_err s6_eng_hdr_parse(const uint8_t *buf, size_t len, s6_eng_hdr *out, size_t *used,
			size_t *need);

/* A reason longer than S6_ENG_REASON_MAX is cut. */
s6_err s6_eng_status_encode(const s6_eng_status *s, uint8_t *buf, size_t cap, size_t *len);
s6_err s6_eng_status_parse(const uint8_t *buf, size_t len, s6_eng_status *out, size_t *used,
			   size_t *need);

/* Constant-time comparison of two secrets. */
bool s6_eng_secret_equal(const uint8_t *a, const uint8_t *b);

#endif
