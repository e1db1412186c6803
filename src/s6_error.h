/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one error enum of the project, with its string table and the errno a
 * program sees for each error. */
#ifndef S6_ERROR_H
#define S6_ERROR_H

typedef enum s6_err {
	S6_OK = 0,
	S6_ERR_NEED_MORE,        /* a parser needs more input bytes */
	S6_ERR_MALFORMED,        /* input violates the format */
	S6_ERR_TOO_LONG,         /* a field or message exceeds its limit */
	S6_ERR_BAD_VERSION,      /* wrong protocol version byte */
	S6_ERR_NOMEM,
	S6_ERR_INVALID_ARG,      /* caller passed something unusable */
	S6_ERR_URL,              /* proxy URL could not be parsed */
	S6_ERR_UNSUPPORTED_SCHEME, /* recognised scheme that is not implemented yet */
	S6_ERR_CONFIG,           /* configuration file problem */
	S6_ERR_CONFIG_PERMS,     /* secret-bearing file readable by others */
	S6_ERR_NO_PROXY,         /* no proxy configured */
	S6_ERR_PROXY_UNREACHABLE,/* could not reach the proxy */
	S6_ERR_PROXY_CLOSED,     /* proxy closed the connection mid-handshake */
	S6_ERR_PROXY_TIMEOUT,    /* proxy did not answer within connect-timeout */
	S6_ERR_PROXY_PROTOCOL,   /* proxy sent something the protocol forbids */
	S6_ERR_REFUSED,          /* proxy refused or failed the request */
	S6_ERR_NOT_ALLOWED,      /* proxy's ruleset or identity check said no */
	S6_ERR_NET_UNREACHABLE,
	S6_ERR_HOST_UNREACHABLE,
	S6_ERR_TARGET_UNSUPPORTED, /* the target cannot be expressed in this protocol */
	S6_ERR_BLOCKED,          /* policy: fail closed (no direct path allowed) */
	S6_ERR_STALE_PLACEHOLDER,/* a placeholder address whose name was recycled */
	S6_ERR_IO,               /* local system call failure; errno kept aside */
	S6_ERR_PROXY_FAILURE,    /* proxy reported a general failure (SOCKS6 code 1) */
	S6_ERR_CMD_UNSUPPORTED,  /* proxy does not support the command (SOCKS6 code 7) */
	S6_ERR_TARGET_TIMEOUT,   /* proxy's connection attempt to the target timed out */
	S6_ERR__COUNT
} s6_err;

/* Short English reason, never NULL. */
const char *s6_strerror(s6_err err);

/* errno a program sees for this error (documented in socks6ify(1)). */
int s6_err_errno(s6_err err);

#endif
