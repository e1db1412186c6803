/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 requests of the shim: what each attempt carries (credentials,
 * session, token, stack options), what its answer means for the session
 * store, and whether to try once more. Shared by the blocking path
 * (s6p_s6_run_sync) and the driver (s6p_conn.c), which own the socket.
 *
 * An attempt that the proxy answers with Session Invalid is repeated once
 * with credentials and a new Session Request; one whose token the proxy
 * rejects is repeated once without a token. Each repetition needs a new TCP
 * connection to the proxy (the proxy closes after a failed authentication);
 * the caller makes it on the same fd. */
#ifndef S6P_S6_H
#define S6P_S6_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "s6_handshake.h"
#include "s6_s6sess.h"
#include "s6_socks6_client.h"
#include "s6p_target.h"

struct s6p_s6req {
	s6_s6_client_params p;        /* p.out points to out */
	s6_s6_client_result out;
	s6_s6sess_ticket ticket;      /* role NONE once given back to the store */
	char label[S6P_TARGET_MAX];   /* target, for log lines */
	bool session_retried, token_retried;
	uint8_t *idata;               /* the program's first bytes (optimistic connect) */
	bool tfo_syn;                 /* the request may leave in a TCP Fast Open SYN */
};

enum s6p_s6_next {
	S6P_S6_DONE = 0,
	S6P_S6_FAILED,                /* hs->err and hs->why say why */
	S6P_S6_RETRY,                 /* reconnect to the proxy, start again */
};

/* A request for target t, on the heap (it outlives connect() on the
 * non-blocking path); NULL without memory. */
struct s6p_s6req *s6p_s6_new(const struct s6p_target *t);

/* Give back what the request holds in the store, then free it; NULL is fine. */
void s6p_s6_free(struct s6p_s6req *r);

/* Carry len bytes of the program's first write as initial data (a copy,
 * kept for a retry); tfo: the request may leave in a TCP Fast Open SYN. */
s6_err s6p_s6_set_initial_data(struct s6p_s6req *r, const void *data, size_t len, bool tfo);

/* Plan the attempt with the session store and start the machine. */
s6_err s6p_s6_start(s6_hs *hs, struct s6p_s6req *r);

/* The machine ended (done: S6_HS_DONE, else failed): apply the answer to the
 * session store, log what happened to session, token and stack options,
 * and decide. On RETRY: release hs, reconnect, call s6p_s6_start again
 * (which plans the new attempt). */
enum s6p_s6_next s6p_s6_end(struct s6p_s6req *r, s6_hs *hs, bool done);

/* The attempt ended without an answer (proxy unreachable, timeout, socket
 * closed): a Session Request of it is no longer in flight. Idempotent. */
void s6p_s6_abandon(struct s6p_s6req *r);

/* The whole blocking exchange on fd, connected to proxy already: attempts,
 * reconnections and all, until deadline_ms. flags: the socket's F_GETFL. */
s6_hs_status s6p_s6_run_sync(int fd, int flags, const struct s6p_target *t,
			     const struct sockaddr *proxy, socklen_t plen,
			     int64_t deadline_ms, s6_hs *hs);

/* The credentials to offer: URL first, then the username/password keys.
 * False (both NULL) when there is no user or no usable password. The
 * strings live in the configuration, which never changes after load. */
bool s6p_s6_credentials(const char **user, const char **pass);

/* Log the Stack options the proxy echoed (at INFO). */
void s6p_s6_log_stack(const struct s6p_s6req *r);

#endif
