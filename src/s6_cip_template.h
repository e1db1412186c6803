/* SPDX-License-Identifier: GPL-2.0-or-later */
/* URI template expansion (RFC 6570 up to level 3) for CONNECT-IP request
 * paths: the variables target and ipproto (RFC 9484), and ip_proto, the
 * draft-00 spelling, which expands to the same value as ipproto. Other
 * variables are undefined and expand to nothing, as RFC 6570 says.
 *
 * Operators: none (simple), + # . / ; ? & ; several variables per
 * expression separated by commas. Level-4 modifiers (:N prefixes, *
 * explode) are refused. Values are percent-encoded as RFC 6570 says for the
 * operator (simple: everything outside the unreserved set, so an IPv6
 * address's colons become %3A and a prefix's slash %2F), with one
 * exception: a value that is exactly "*" (any host / any protocol) is
 * written as a literal `*`, which RFC 9484's examples use (servers accept
 * %2A too).
 *
 * Literal template characters are copied; characters RFC 6570 forbids in
 * literals (space, controls, " ' < > \ ^ ` | and a stray }) make the
 * template malformed; bytes >= 0x80 are percent-encoded. */
#ifndef S6_CIP_TEMPLATE_H
#define S6_CIP_TEMPLATE_H

#include <stddef.h>
#include "s6_error.h"

#define S6_CIP_TEMPLATE_DEFAULT "/.well-known/masque/ip/{target}/{ipproto}/"
/* Bound on one expression's text between the braces. */
#define S6_CIP_TEMPLATE_EXPR_MAX 128

typedef struct s6_cip_tvars {
	const char *target;       /* host name, address, prefix or "*"; NULL: undefined */
	const char *ipproto;      /* decimal protocol number or "*"; NULL: undefined */
} s6_cip_tvars;

/* Expand tmpl into out (NUL-terminated; *outlen excludes the NUL).
 * S6_ERR_MALFORMED: bad template (unclosed or empty expression, bad
 * operator or variable name, level-4 modifier, bad literal or % escape);
 * S6_ERR_TOO_LONG: out too small; S6_ERR_INVALID_ARG: NULL pointers. */
s6_err s6_cip_template_expand(const char *tmpl, const s6_cip_tvars *vars, char *out,
			      size_t cap, size_t *outlen);

#endif
