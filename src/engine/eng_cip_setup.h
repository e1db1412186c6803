/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Setting up one CONNECT-IP tunnel (eng_cip_conn.c), shared by the TCP
 * connections (one tunnel scoped to target and IP protocol 6) and the
 * datagram flows of eng_cip_udp.h (one tunnel scoped to a destination and
 * IP protocol 17, 1 or 58): transport, HTTP/1.1 Upgrade, Proxy-Status and
 * block-alias, address and route capsules, the target's address. */
#ifndef ENG_CIP_SETUP_H
#define ENG_CIP_SETUP_H

#include "eng_cip.h"
#include "s6_cip_http.h"
#include "s6_proxy_status.h"

struct eng_cip_ctx {
	int cfd;
	const s6_eng_hdr *h;
	s6_eng_cip rec;                     /* rec.ipproto scopes the request */
	int64_t deadline;
	struct eng_cip_tx tx;
	s6_cip_http_resp resp;
	s6_ps ps;
	char chain[200];                    /* for the shim's -v line */
	struct eng_cip_ip local, target;
	int err;
	char why[S6_ENG_REASON_MAX + 1];
	uint8_t head[S6_CIP_HTTP_HEAD_MAX];
	struct eng_cip_caps caps;
};

/* x->h, x->rec and x->deadline set: prepare the rest. */
void eng_cip_ctx_init(struct eng_cip_ctx *x);
/* The whole setup within x->deadline; false with x->err and x->why. */
bool eng_cip_setup(struct eng_cip_ctx *x);
/* The end of the tunnel (close_notify, FIN, the rest read away). */
void eng_cip_close(struct eng_cip_ctx *x);

#endif
