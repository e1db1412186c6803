/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a connect() asks for, in the proxy's terms: the destination as the
 * program gave it, a printable label, and the proxy request: a SOCKS4
 * request, or the SOCKS6 address and port (the SOCKS6 request itself is
 * built per attempt by s6p_s6.h, as it depends on the session). */
#ifndef S6P_TARGET_H
#define S6P_TARGET_H

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include "s6_socks4.h"
#include "s6_socks6.h"
#include "s6p_fdtab.h"
#include "s6p_state.h"

struct s6p_target {
	struct sockaddr_storage dest;
	socklen_t dest_len;
	char label[S6P_TARGET_MAX];   /* "name:port", "1.2.3.4:80", "[::1]:80" */
	bool is_name;
	s6_socks4_request req;        /* socks4a:// */
	s6_s6_addr s6dst;              /* socks6:// */
	uint16_t port;
	char why[200];                /* set when making the target fails */
};

/* Translate sa (a placeholder becomes its name). */
s6_err s6p_target_make(const struct s6p_state *st, const struct sockaddr *sa,
		       socklen_t len, struct s6p_target *t);

/* Copy destination and label into a connection entry. */
void s6p_target_to_conn(const struct s6p_target *t, struct s6p_conn *c, enum s6p_conn_state st);

/* snprintf(dst, cap, "%s", src) without the printf machinery (a few of
 * these run on every connect). cap > 0. */
static inline void s6p_str_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

#endif
