/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CNAME chain in a DNS response (RFC 1034 section 3.6.2, RFC 1035
 * section 4): starting from the question's name, the CNAME owned by it,
 * then the one owned by its target, and so on, whatever the order of the
 * records in the answer section. The CONNECT-IP server reports the chain
 * as next-hop-aliases (RFC 9532), where clients match it against
 * block-alias patterns (protection against CNAME cloaking).
 *
 * Every read is bounds-checked; compression pointers must point strictly
 * backwards (so they cannot loop) and a name expands to at most 255 bytes.
 * Names come out in the escaped presentation form of s6_proxy_status.h: a
 * '.' inside a label is "\.", a backslash "\\", labels are joined by '.',
 * no trailing dot. No state, no allocation. */
#ifndef S6_DNS_CNAME_H
#define S6_DNS_CNAME_H

#include <stddef.h>
#include <stdint.h>

#include "s6_error.h"

#define S6_DNS_NAME_WIRE_MAX 255
/* Every byte of 253 label bytes escaped, the dots, the NUL. */
#define S6_DNS_NAME_MAX 512
/* A chain longer than this is treated as a loop (resolvers stop at 8-16). */
#define S6_DNS_CNAME_MAX 16

/* The chain of the response msg (len bytes, as res_nquery returns it):
 * out[0] is the target of the question's name, out[k] the target of
 * out[k-1]; *n names. No CNAME for the question's name: S6_OK with n = 0.
 * S6_ERR_MALFORMED (with *why) for a message that is not a response with
 * one question, is cut short, has a bad name (pointer forwards, label type
 * other than 0, longer than 255 bytes, a NUL byte in a label, a CNAME to
 * the root) in the question or in a record the walk reads, or a CNAME
 * RDATA that is not exactly one name; S6_ERR_TOO_LONG when the chain has
 * more than max links (a CNAME loop ends here). why may be NULL. */
s6_err s6_dns_cname_chain(const uint8_t *msg, size_t len, char (*out)[S6_DNS_NAME_MAX],
			  size_t max, size_t *n, const char **why);

#endif
