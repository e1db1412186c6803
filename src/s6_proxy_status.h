/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy-Status (RFC 9209) decoding with next-hop and next-hop-aliases
 * (RFC 9532). The field is an RFC 8941 List (s6_sf.h); each member names an
 * intermediary (token or string) and carries parameters. Of these we keep
 * error, next-hop and next-hop-aliases.
 *
 * next-hop-aliases is a String of comma-separated DNS names in CNAME order
 * ("" = no CNAMEs). Decoding: unescape the String, split on commas, then
 * percent-decode each name; inside the decoded name a '.' within a label is
 * written "\." and a backslash "\\" (any other backslash is invalid). Names
 * are kept in that escaped presentation form (so "dot\.label.example.com"
 * has the labels "dot.label", "example", "com"); s6_ps_name_label() gives
 * the unescaped labels. Characters outside the URI unreserved set that were
 * not percent-encoded make the value invalid, and so does an empty name.
 *
 * Any failure - in the List syntax or in a parameter we decode - makes the
 * whole field invalid (S6_ERR_MALFORMED + why): the caller ignores it. */
#ifndef S6_PROXY_STATUS_H
#define S6_PROXY_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include "s6_error.h"

#define S6_PS_MEMBERS_MAX 4        /* decoded members; more are counted only */
#define S6_PS_ALIASES_MAX 16
#define S6_PS_NAME_MAX 256         /* one name or value incl. the NUL */
#define S6_PS_LIST_MAX 32          /* members / parameters the parser takes */
#define S6_PS_PARAMS_MAX 128

typedef struct s6_ps_member {
	char proxy[S6_PS_NAME_MAX];        /* the intermediary's name */
	char error[64];                    /* the error parameter, "" if none */
	char next_hop[S6_PS_NAME_MAX];
	bool has_next_hop;
	bool has_aliases;                  /* the parameter was there (maybe "") */
	size_t naliases;
	char alias[S6_PS_ALIASES_MAX][S6_PS_NAME_MAX];
} s6_ps_member;

typedef struct s6_ps {
	size_t nmembers;                   /* members in the field */
	size_t ndecoded;                   /* min(nmembers, S6_PS_MEMBERS_MAX) */
	s6_ps_member m[S6_PS_MEMBERS_MAX];
} s6_ps;

/* Decode one Proxy-Status field value. S6_ERR_MALFORMED / S6_ERR_TOO_LONG
 * (with *why): the field is invalid and must be ignored whole. */
s6_err s6_ps_parse(const char *field, size_t len, s6_ps *out, const char **why);

/* Decode a next-hop-aliases value (already unescaped from its String) into
 * names. Exposed for tests and the server's encoder checks. */
s6_err s6_ps_aliases_decode(const char *v, size_t len, char (*names)[S6_PS_NAME_MAX],
			    size_t max, size_t *count, const char **why);

/* Encode one DNS name for next-hop-aliases (the server side): label dots
 * stay, backslashes in the escaped form are kept as escapes and everything
 * outside the unreserved set is percent-encoded. name is in escaped
 * presentation form. S6_ERR_TOO_LONG when out is too small. */
s6_err s6_ps_alias_encode(const char *name, char *out, size_t cap, size_t *outlen);

/* Label idx (0 = leftmost) of a name in escaped presentation form,
 * unescaped into out. Returns false when there is no such label or it does
 * not fit. */
bool s6_ps_name_label(const char *name, size_t idx, char *out, size_t cap);

#endif
