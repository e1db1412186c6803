/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command line of socks6ify-server (see socks6ify-server(8)). Listener
 * options name their protocol: --socks4a, --socks6; --connect-ip is meant
 * to be a further row of the same table. */
#ifndef SRV_OPTIONS_H
#define SRV_OPTIONS_H

#include <stddef.h>
#include <sys/socket.h>

#include "s6_log.h"
#include "srv_cip.h"
#include "srv_conn.h"
#include "srv_misb_script.h"
#include "srv_socks6.h"

typedef struct srv_listen_spec {
	struct sockaddr_storage addr;
	const srv_proto *proto;
} srv_listen_spec;

typedef struct srv_options {
	srv_config cfg;
	srv_listen_spec *listen;
	size_t n_listen;
	const char **users;        /* cfg.allow_users points here */
	srv_s6_config s6;          /* cfg.s6 points here */
	int verbosity;             /* +1 per -v, -1 per -q */
	const char *log_file;
	const char *pid_file;
	const char *tls_cert;      /* --socks6-tls: --cert, --key */
	const char *tls_key;
	srv_misb_script misb;      /* --misbehave; cfg.misbehave points here */
	srv_cip_config cip;        /* --connect-ip...; cfg.cip points here */
} srv_options;

enum srv_opts_result {
	SRV_OPTS_RUN,     /* go on */
	SRV_OPTS_DONE,    /* --help / --version printed: exit 0 */
	SRV_OPTS_USAGE,   /* one error line printed: exit 2 */
};

enum srv_opts_result srv_options_parse(srv_options *o, int argc, char **argv);
void srv_options_free(srv_options *o);
/* INFO by default (listeners and one line per request), -q errors only,
 * -qq nothing, -v debug. */
s6_log_level srv_options_level(const srv_options *o);

#endif
