/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "s6_log.h"
#include "srv_s6_log.h"

void srv_s6_sanitize(char *dst, size_t cap, const char *src)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; src[i] && i + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? (char)ch : '?';
	}
	dst[i] = '\0';
}

void srv_s6_log_init(srv_s6_logrec *r)
{
	memset(r, 0, sizeof *r);
	r->cmd = "-";
	strcpy(r->target, "-");
	r->auth = "-";
	strcpy(r->user, "-");
	r->session = "-";
	r->syn = "plain";
	strcpy(r->token, "-");
	strcpy(r->window, "-");
	strcpy(r->opts, "-");
}

static const char *cmd_name(srv_s6_logrec *r, uint8_t command)
{
	switch (command) {
	case S6_SOCKS6_CMD_NOOP: return "NOOP";
	case S6_SOCKS6_CMD_CONNECT: return "CONNECT";
	case S6_SOCKS6_CMD_BIND: return "BIND";
	case S6_SOCKS6_CMD_UDP_ASSOCIATE: return "UDP-ASSOCIATE";
	default:
		snprintf(r->cmd_buf, sizeof r->cmd_buf, "CMD-%u", command);
		return r->cmd_buf;
	}
}

void srv_s6_log_request(srv_s6_logrec *r, uint8_t command, const s6_s6_addr *a,
			uint16_t port)
{
	char host[S6_SOCKS6_DOMAIN_MAX + 1];

	r->cmd = cmd_name(r, command);
	if (a->type == S6_SOCKS6_ATYP_IPV4) {
		inet_ntop(AF_INET, a->ip, host, sizeof host);
		snprintf(r->target, sizeof r->target, "%s:%u", host, port);
	} else if (a->type == S6_SOCKS6_ATYP_IPV6) {
		inet_ntop(AF_INET6, a->ip, host, sizeof host);
		snprintf(r->target, sizeof r->target, "[%s]:%u", host, port);
	} else {
		srv_s6_sanitize(host, sizeof host, a->domain);
		snprintf(r->target, sizeof r->target, "%s:%u", host, port);
	}
}

void srv_s6_log_user(srv_s6_logrec *r, const char *name)
{
	if (name && name[0])
		srv_s6_sanitize(r->user, sizeof r->user, name);
	else
		strcpy(r->user, "-");
}

static void emit(const char *peer, const srv_s6_logrec *r, const char *reply)
{
	s6_log(S6_LOG_INFO, "socks6 %s %s %s auth=%s user=%s session=%s token=%s "
	       "window=%s idata=%zu syn=%s opts=%s reply=%s", peer, r->cmd, r->target,
	       r->auth, r->user, r->session, r->token, r->window, r->idata,
	       r->syn, r->opts, reply);
}

void srv_s6_log_reply(const char *peer, const srv_s6_logrec *r, uint8_t code)
{
	char reply[64];

	/* "succeeded" as in the documented example line. */
	snprintf(reply, sizeof reply, "%u (%s)", code,
		 code == S6_SOCKS6_REP_SUCCESS ? "succeeded" : s6_s6_reply_str(code));
	emit(peer, r, reply);
}

void srv_s6_log_auth_failed(const char *peer, const srv_s6_logrec *r)
{
	emit(peer, r, "auth-failed");
}
