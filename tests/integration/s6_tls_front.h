/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tls_front (s6_tls_front.c): its options, parsed in s6_tls_front_opts.c. */
#ifndef S6_TLS_FRONT_H
#define S6_TLS_FRONT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FR_MAX_KU 16
#define FR_NONE UINT64_MAX

struct fr_opts {
	const char *cert, *key, *listen, *upstream, *suite;
	uint64_t ku_at[FR_MAX_KU];
	size_t n_ku;
	uint64_t ticket_at, corrupt_at, pause_at, alert_at;
	bool corrupt_header;
	unsigned timeout_s;
};

/* "A.B.C.D:PORT" into sa; false when it is not one. */
bool fr_addr(const char *s, struct sockaddr_in *sa);
/* The command line into o (defaults filled in); false after printing the
 * usage. */
bool fr_parse_args(int argc, char **argv, struct fr_opts *o);

#endif
