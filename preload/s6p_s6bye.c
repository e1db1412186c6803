/* SPDX-License-Identifier: GPL-2.0-or-later */
/* At exit, the process that opened the SOCKS6 session tells the proxy it is
 * no longer needed: a NOOP Request with Session ID and Session Teardown on a
 * connection of its own. Bounded: the whole goodbye, lock wait included,
 * takes at most S6P_BYE_MS, and any failure is only logged at DEBUG (the
 * proxy's idle timeout ends the session anyway). With the per-process
 * store, a forked child that did not open the session leaves it alone (the
 * store records the opener's pid). A shared session outlives its opener:
 * only one found expired is torn down, by the process that found it
 * (s6p_s6store.h). Before all that, optimistic first writes still in
 * SYN-SENT are let out (s6p_opt_settle_all). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "s6_log.h"
#include "s6_socks6_client.h"
#include "s6p_engine.h"
#include "s6p_io.h"
#include "s6p_opt.h"
#include "s6p_real.h"
#include "s6p_sockfl.h"
#include "s6p_s6.h"
#include "s6p_s6store.h"
#include "s6p_state.h"

#define S6P_BYE_MS 300

/* Where the teardown goes: the proxy, or for socks6+tls the engine when
 * one runs (none is started for a goodbye). */
static bool s6p_bye_addr(struct sockaddr_storage *addr, socklen_t *len, s6_err *err)
{
	if (s6p_engine_scheme())
		return s6p_engine_pick_running(AF_INET, addr, len) == 0;
	return s6p_proxy_addrs(addr, len, S6P_PROXY_ADDRS_MAX, err) > 0;
}

/* The NOOP Request, behind the engine's header for socks6+tls (never in
 * 0-RTT: it spends no token). */
static s6_err s6p_bye_start(s6_hs *hs, const s6_s6_client_params *p)
{
	s6_err err = s6_socks6_client_start(hs, p);

	if (err == S6_OK && s6p_engine_scheme()) {
		err = s6p_engine_wrap(hs, false);
		if (err != S6_OK)
			s6_hs_release(hs);
	}
	return err;
}

static void s6p_bye_send(const uint8_t *id, uint16_t id_len, int64_t deadline)
{
	struct sockaddr_storage addr[S6P_PROXY_ADDRS_MAX];
	socklen_t len[S6P_PROXY_ADDRS_MAX];
	s6_s6_client_result out;
	s6_s6_client_params p = {.command = S6_SOCKS6_CMD_NOOP, .session_id = id,
				 .session_id_len = id_len, .session_teardown = true,
				 .out = &out};
	s6_err err = S6_OK;
	s6_hs hs;
	int fd, rc;

	p.addr.type = S6_SOCKS6_ATYP_IPV4; /* 0.0.0.0 port 0 */
	/* The proxy treats a teardown as outside the session: it may want
	 * the credentials again. */
	if (s6p_s6_credentials(&p.user, &p.pass))
		p.userpass_in_request = s6p_state()->cfg.s6.auth == S6_S6AUTH_0RTT;
	if (!s6p_bye_addr(&addr[0], &len[0], &err))
		return;
	fd = S6P_REAL(socket)(addr[0].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	rc = s6p_connect_timed(fd, O_NONBLOCK, (struct sockaddr *)&addr[0], len[0], deadline, NULL);
	if (rc == 0 && s6p_bye_start(&hs, &p) == S6_OK) {
		int64_t left = deadline - s6_now_ms();
		s6_hs_status st = s6_hs_run(&hs, fd, &s6p_real_io, left > 0 ? (int)left : 0);
		s6_log(S6_LOG_DEBUG, "proxy %s: socks6: session teardown %s%s",
		       s6p_state()->proxy_str, st == S6_HS_DONE ? "sent" : "failed: ",
		       st == S6_HS_DONE ? "" : hs.why);
		s6_hs_release(&hs);
	}
	S6P_REAL(close)(fd);
	s6p_sockfl_forget(fd); /* closed where the hooks do not see it */
}

__attribute__((destructor)) static void s6p_s6bye(void)
{
	const struct s6p_state *st = s6p_state();
	int64_t deadline = s6_now_ms() + S6P_BYE_MS;
	uint8_t id[S6_S6_SESSION_ID_MAX];
	uint16_t id_len = 0;
	bool mine;

	/* A write that returned before the proxy answered the SYN left its
	 * bytes to the kernel, which drops them if the process exits in
	 * SYN-SENT: they leave first (bounded like close, s6p_opt.h). */
	s6p_opt_settle_all(s6_now_ms() + S6P_OPT_CLOSE_WAIT_MS);
	if (st->broken || !s6_scheme_is_socks6(st->cfg.proxy.scheme))
		return;
	mine = s6p_sess_take_for_bye(S6P_BYE_MS / 3, id, &id_len);
	if (mine)
		s6p_bye_send(id, id_len, deadline);
	explicit_bzero(id, sizeof id);
}
