/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6ify-server --misbehave SCRIPT: every listener plays a hostile proxy
 * for tests (srv_misb_script.h has the steps). The wrapping protocol takes
 * over each client connection from the first byte, runs the script, and
 * with a final "relay" hands the connection to the listener's own protocol
 * (socks6, socks4a or connect-ip over plain HTTP), which then sees the
 * client's bytes from the start.
 * --handshake-timeout still bounds a script, except after "silence". One
 * INFO line per connection says how the script ended. */
#ifndef SRV_MISBEHAVE_H
#define SRV_MISBEHAVE_H

#include <stdbool.h>
#include <stddef.h>

#include "srv_conn.h"
#include "srv_misb_script.h"

/* The misbehaving stand-in for listeners of inner, with script s. NULL with
 * why set when s cannot run there (a protocol without a stand-in, or a
 * SOCKS6-only helper on a SOCKS4a listener). */
const srv_proto *srv_misb_wrap(const srv_proto *inner, const srv_misb_script *s,
			       char *why, size_t whylen);

#endif
