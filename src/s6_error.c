/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include "s6_error.h"

/* One row per error: the text for logs and the errno a program sees. */
static const struct {
	const char *text;
	int err_no;
} s6_err_table[S6_ERR__COUNT] = {
	[S6_OK] = {"success", 0},
	[S6_ERR_NEED_MORE] = {"incomplete input", EAGAIN},
	[S6_ERR_MALFORMED] = {"malformed input", EPROTO},
	[S6_ERR_TOO_LONG] = {"input too long", EMSGSIZE},
	[S6_ERR_BAD_VERSION] = {"wrong protocol version", EPROTO},
	[S6_ERR_NOMEM] = {"out of memory", ENOMEM},
	[S6_ERR_INVALID_ARG] = {"invalid argument", EINVAL},
	[S6_ERR_URL] = {"invalid proxy URL", EINVAL},
	[S6_ERR_UNSUPPORTED_SCHEME] = {"proxy scheme not implemented", EPROTONOSUPPORT},
	[S6_ERR_CONFIG] = {"configuration error", EINVAL},
	[S6_ERR_CONFIG_PERMS] = {"configuration file permissions too open", EACCES},
	[S6_ERR_NO_PROXY] = {"no proxy configured", EACCES},
	[S6_ERR_PROXY_UNREACHABLE] = {"proxy unreachable", ECONNREFUSED},
	[S6_ERR_PROXY_CLOSED] = {"proxy closed the connection", ECONNRESET},
	[S6_ERR_PROXY_TIMEOUT] = {"proxy did not answer in time", ETIMEDOUT},
	[S6_ERR_PROXY_PROTOCOL] = {"proxy violated the protocol", EPROTO},
	[S6_ERR_REFUSED] = {"refused by proxy", ECONNREFUSED},
	[S6_ERR_NOT_ALLOWED] = {"not allowed by proxy", EACCES},
	[S6_ERR_NET_UNREACHABLE] = {"network unreachable", ENETUNREACH},
	[S6_ERR_HOST_UNREACHABLE] = {"host unreachable", EHOSTUNREACH},
	[S6_ERR_TARGET_UNSUPPORTED] = {"target not expressible in this protocol", EAFNOSUPPORT},
	[S6_ERR_BLOCKED] = {"blocked: no direct connection allowed (fail closed)", EACCES},
	[S6_ERR_STALE_PLACEHOLDER] = {"placeholder address no longer maps to a name", EHOSTUNREACH},
	[S6_ERR_IO] = {"system call failed", EIO},
	[S6_ERR_PROXY_FAILURE] = {"general proxy failure", ECONNREFUSED},
	[S6_ERR_CMD_UNSUPPORTED] = {"command not supported by proxy", EOPNOTSUPP},
	[S6_ERR_TARGET_TIMEOUT] = {"proxy's connection attempt timed out", ETIMEDOUT},
};

const char *s6_strerror(s6_err err)
{
	if ((unsigned)err >= S6_ERR__COUNT || !s6_err_table[err].text)
		return "unknown error";
	return s6_err_table[err].text;
}

int s6_err_errno(s6_err err)
{
	if ((unsigned)err >= S6_ERR__COUNT)
		return EIO;
	return s6_err_table[err].err_no;
}
