/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Glob patterns on DNS names for `block-alias PATTERN` (CNAME-cloaking
 * protection: refuse a connection whose next-hop-aliases chain has a name
 * matching a pattern).
 *
 * Semantics (chosen; documented in socks6ify.conf(5) once wired):
 *   - names and patterns compare label by label, ASCII case-insensitively;
 *     one trailing dot on either side is ignored;
 *   - a pattern label that is exactly `*` matches ONE OR MORE whole labels,
 *     so `*.tracker.example` matches `a.tracker.example` and
 *     `a.b.tracker.example` but not `tracker.example` itself;
 *   - elsewhere in a label `*` matches any run of characters (possibly
 *     empty) within that label only, and `?` matches one character: `trk*`
 *     matches `trk1` and `trk`, never `trk.x`;
 *   - names are in the escaped presentation form of s6_proxy_status.h
 *     ("dot\.label" is one label); a pattern may escape `\.`, `\\`, `\*`
 *     and `\?` the same way to match them literally.
 * Matching is iterative (no recursion) and bounded by the label counts. */
#ifndef S6_CIP_ALIAS_H
#define S6_CIP_ALIAS_H

#include <stdbool.h>
#include "s6_error.h"

#define S6_CIP_ALIAS_LABELS_MAX 128

/* Is pattern well formed? (non-empty, no empty label, escapes valid,
 * at most S6_CIP_ALIAS_LABELS_MAX labels, printable ASCII) */
s6_err s6_cip_alias_pattern_check(const char *pattern);

/* Does name match pattern? A malformed pattern or name matches nothing. */
bool s6_cip_alias_match(const char *pattern, const char *name);

#endif
