/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict parser for RFC 8941 Structured Field Lists, enough for
 * Proxy-Status (RFC 9209): members are bare items with parameters.
 *
 * Follows RFC 8941 section 4.2 exactly: leading and trailing SP are
 * discarded, OWS (SP or HTAB) is allowed only around the commas between
 * members, SP only after ';' in parameters, keys are lowercase, strings
 * allow only the \" and \\ escapes and printable ASCII, integers have at
 * most 15 digits, decimals at most 12 + 3, byte sequences are base64
 * between colons, booleans ?0 / ?1; a parameter without a value is true.
 * Any failure makes the whole field invalid. Inner lists are valid RFC 8941
 * but not Proxy-Status members, and are refused (S6_ERR_MALFORMED) so that
 * no recursion is needed.
 *
 * No allocation: the caller supplies member and parameter arrays; strings,
 * tokens and keys point into the input (strings still escaped; see
 * s6_sf_string_copy). */
#ifndef S6_SF_H
#define S6_SF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_error.h"

typedef enum s6_sf_type {
	S6_SF_INTEGER = 1,
	S6_SF_DECIMAL,            /* value scaled by 1000 */
	S6_SF_STRING,             /* raw text between the quotes, escapes kept */
	S6_SF_TOKEN,
	S6_SF_BYTES,              /* base64 text between the colons */
	S6_SF_BOOLEAN,
} s6_sf_type;

typedef struct s6_sf_item {
	s6_sf_type type;
	int64_t num;              /* INTEGER, DECIMAL (x1000), BOOLEAN (0/1) */
	const char *text;         /* STRING, TOKEN, BYTES: into the input */
	size_t len;
} s6_sf_item;

typedef struct s6_sf_param {
	const char *key;
	size_t key_len;
	s6_sf_item value;         /* no value: BOOLEAN true */
} s6_sf_param;

typedef struct s6_sf_member {
	s6_sf_item item;
	size_t param_first;       /* index into the list's params */
	size_t param_count;
} s6_sf_member;

typedef struct s6_sf_list {
	s6_sf_member *members;
	size_t max_members, nmembers;
	s6_sf_param *params;      /* shared by all members, in order */
	size_t max_params, nparams;
} s6_sf_list;

/* Parse field[0..len) (one field value; lines already joined with ", ").
 * S6_ERR_MALFORMED: not a valid List (*why says where); S6_ERR_TOO_LONG:
 * more members or parameters than the arrays hold. */
s6_err s6_sf_parse_list(const char *field, size_t len, s6_sf_list *out, const char **why);

/* The value of a member's parameter key, the last one if repeated (RFC
 * 8941 keeps the last); NULL when absent. */
const s6_sf_item *s6_sf_param_get(const s6_sf_list *l, const s6_sf_member *m,
				  const char *key);

/* Unescape a STRING item into out (NUL-terminated). Returns the length, or
 * SIZE_MAX when out is too small. */
size_t s6_sf_string_copy(const s6_sf_item *it, char *out, size_t cap);

#endif
