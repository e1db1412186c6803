/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connect hook's first step on an AF_INET/AF_INET6 socket whose type it
 * does not know yet: when the destination goes through the proxy, set the
 * TCP option that connect will set anyway. Only a TCP socket takes an
 * IPPROTO_TCP option, so its success stands for getsockopt(SO_TYPE). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "s6_addr.h"
#include "s6p_io.h"
#include "s6p_opt.h"
#include "s6p_proxy.h"
#include "s6p_sockfl.h"
#include "s6p_state.h"

unsigned s6p_tcp_probe(int fd, const struct sockaddr *sa)
{
	const struct s6p_state *st = s6p_state();
	struct sockaddr_storage plain;
	int syncnt;

	if (st->broken || s6p_sockfl_dgram(fd))
		return 0; /* a UDP socket (the resolver's) is not worth a failed call */
	s6_addr_unmap(sa, &plain);
	if (s6_config_excluded(&st->cfg, (struct sockaddr *)&plain))
		return 0; /* a direct connection keeps the program's options */
	if (s6p_opt_tfo_wanted())
		return s6p_opt_tfo_on(fd) ? S6P_PROBE_TFO : 0;
	/* A blocking connect to the proxy sets it (s6p_connect_bounded); on a
	 * non-blocking socket it only bounds the SYN retries as the driver's
	 * deadline would. */
	syncnt = s6p_syncnt(st->cfg.connect_timeout_ms);
	if (s6p_syncnt_allowed() && syncnt > 0 &&
	    setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof syncnt) == 0)
		return S6P_PROBE_SYNCNT;
	return 0;
}

void s6p_tcp_probe_undo(int fd, unsigned probed)
{
	int saved = errno;

	/* TCP_SYNCNT has no "default" to go back to (0 is refused); it only
	 * bounds SYN retries, which a connected socket is past. */
	if (probed & S6P_PROBE_TFO)
		s6p_opt_tfo_off(fd);
	errno = saved;
}
