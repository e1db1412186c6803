/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The res_* family answered through a SOCKS6 proxy's "DNS provided by SOCKS"
 * service (draft-11): a CONNECT to 0.0.0.0 port 53 becomes a DNS-over-TCP
 * stream (2-byte length, then the message) answered by the proxy's resolver.
 * Queries are built by libc's own res_nmkquery (no network); only the
 * exchange goes through the proxy, so no DNS packet leaves the machine. */
#ifndef S6P_RESDNS_H
#define S6P_RESDNS_H

#include <resolv.h>
#include <stdbool.h>

/* The proxy is socks6:// and the configuration usable: res_* go through it. */
bool s6p_resdns_usable(void);

/* One query and its answer through the proxy, all within connect-timeout:
 * on the thread's kept stream (one dead already is replaced once), else a
 * new one, kept afterwards. Up to anslen bytes of the answer in ans (a
 * longer one is cut and its TC bit set), returns the bytes copied; -1 with
 * errno on failure (logged). call names the res_* function for the log. */
int s6p_resdns_send(const unsigned char *msg, int mlen, unsigned char *ans, int anslen,
		    const char *call);

/* res_nquery, res_nsearch, res_nquerydomain through s6p_resdns_send, with
 * h_errno (and st->res_h_errno) set as libc does. st: initialised state. */
int s6p_resdns_query(res_state st, const char *name, int cls, int type,
		     unsigned char *ans, int anslen, const char *call);
int s6p_resdns_search(res_state st, const char *name, int cls, int type,
		      unsigned char *ans, int anslen, const char *call);
int s6p_resdns_querydomain(res_state st, const char *name, const char *dom, int cls,
			   int type, unsigned char *ans, int anslen, const char *call);

/* The thread's kept stream (s6p_resdns_conn.c). take: its fd, now the
 * caller's, when it is still usable (this process's, idle less than 10 s,
 * not closed by the proxy), else -1. keep: fd (connected to the DNS
 * service, its last answer read) becomes the thread's stream. socket: a
 * new TCP socket, high and close-on-exec. */
int s6p_resdns_conn_take(void);
void s6p_resdns_conn_keep(int fd);
int s6p_resdns_conn_socket(void);

#endif
