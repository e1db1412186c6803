/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP part of the handoff to the engine (issue 7).
 *
 * For a connect-ip:// or https:// proxy the shim sends the usual handoff
 * header (s6_engine_msg.h) with S6_ENG_FLAG_CIP set and early-data length
 * = the length of this record, which follows it at once:
 *
 *   magic "S6EC" | version 1 | mode u8 (s6_cip_mode) | flags u8 (bit 0:
 *   plain HTTP) | ipproto u8 | target port u16 | target len u8 |
 *   template len u16 | user len u8 | pass len u8 | pattern count u8 |
 *   target | template | user | pass | (len u8, pattern) * count
 *
 * target is a DNS name or an IP literal (IPv6 without brackets); template
 * is the URL's path ("" for the RFC 9484 default); patterns are the
 * block-alias globs. Nothing comes back but the status record; after a
 * success the socket carries the target's bytes. Pure code, no I/O. */
#ifndef S6_ENGINE_CIP_H
#define S6_ENGINE_CIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

#define S6_ENG_CIP_FIXED 16
#define S6_ENG_CIP_TARGET_MAX 255
#define S6_ENG_CIP_TMPL_MAX 1023
#define S6_ENG_CIP_CRED_MAX 255
#define S6_ENG_CIP_BLOCK_MAX 16
#define S6_ENG_CIP_PATTERN_MAX 255
#define S6_ENG_CIP_MAX (S6_ENG_CIP_FIXED + S6_ENG_CIP_TARGET_MAX + S6_ENG_CIP_TMPL_MAX + \
			2 * S6_ENG_CIP_CRED_MAX + S6_ENG_CIP_BLOCK_MAX * (1 + S6_ENG_CIP_PATTERN_MAX))
#define S6_ENG_CIP_FLAG_PLAIN 0x01

typedef struct s6_eng_cip {
	uint8_t mode;                                 /* s6_cip_mode */
	bool plain;
	uint8_t ipproto;                              /* 6: TCP */
	uint16_t port;                                /* target port */
	char target[S6_ENG_CIP_TARGET_MAX + 1];
	char tmpl[S6_ENG_CIP_TMPL_MAX + 1];
	bool has_user;
	char user[S6_ENG_CIP_CRED_MAX + 1];
	char pass[S6_ENG_CIP_CRED_MAX + 1];
	uint8_t n_block;
	char block[S6_ENG_CIP_BLOCK_MAX][S6_ENG_CIP_PATTERN_MAX + 1];
} s6_eng_cip;

/* S6_ERR_INVALID_ARG: empty target, port 0, a string over its limit, too
 * many patterns, mode unknown, has_user with an empty user (the record
 * could not carry its password); S6_ERR_TOO_LONG: cap too small. */
s6_err s6_eng_cip_encode(const s6_eng_cip *c, uint8_t *buf, size_t cap, size_t *len);
/* S6_OK with *used; S6_ERR_NEED_MORE with *need (total known so far);
 * S6_ERR_MALFORMED; S6_ERR_BAD_VERSION. */
s6_err s6_eng_cip_parse(const uint8_t *buf, size_t len, s6_eng_cip *out, size_t *used,
			size_t *need);

#endif
