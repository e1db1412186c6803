/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 address field and reply-code tables (see s6_socks6.h). */
#include <string.h>

#include "s6_socks6.h"

/* Fixed length of an IP address type, 0 for the others. */
static size_t ip_len(uint8_t type)
{
	if (type == S6_SOCKS6_ATYP_IPV4)
		return 4;
	if (type == S6_SOCKS6_ATYP_IPV6)
		return 16;
	return 0;
}

size_t s6_s6_addr_wire_len(const s6_s6_addr *a)
{
	if (!a)
		return 0;
	if (a->type != S6_SOCKS6_ATYP_DOMAIN)
		return ip_len(a->type);
	/* A NUL inside the name could not be told from the padding. */
	if (a->domain_len == 0 || memchr(a->domain, '\0', a->domain_len))
		return 0;
	return s6_s6_pad4(1 + (size_t)a->domain_len);
}

s6_err s6_s6_addr_pack(const s6_s6_addr *a, uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t n = s6_s6_addr_wire_len(a);

	if (n == 0 || !buf || !outlen)
		return S6_ERR_INVALID_ARG;
	if (cap < n)
		return S6_ERR_TOO_LONG;
	if (a->type == S6_SOCKS6_ATYP_DOMAIN) {
		memset(buf, 0, n);
		buf[0] = a->domain_len;
		memcpy(buf + 1, a->domain, a->domain_len);
	} else {
		memcpy(buf, a->ip, n);
	}
	*outlen = n;
	return S6_OK;
}

/* Domain field: LEN, NAME, zero padding to a multiple of 4. */
static s6_err parse_domain(const uint8_t *buf, size_t len, s6_s6_addr *out,
			   size_t *used, size_t *need)
{
	size_t dlen, total, i;

	if (len < 1) {
		*need = 1;
		return S6_ERR_NEED_MORE;
	}
	dlen = buf[0];
	if (dlen == 0)
		return S6_ERR_MALFORMED;
	total = s6_s6_pad4(1 + dlen);
	if (len < total) {
		*need = total - len;
		return S6_ERR_NEED_MORE;
	}
	if (memchr(buf + 1, 0, dlen))
		return S6_ERR_MALFORMED;
	for (i = 1 + dlen; i < total; i++)
		if (buf[i] != 0)
			return S6_ERR_MALFORMED;
	memcpy(out->domain, buf + 1, dlen);
	out->domain[dlen] = '\0';
	out->domain_len = (uint8_t)dlen;
	*used = total;
	return S6_OK;
}

s6_err s6_s6_addr_parse(uint8_t type, const uint8_t *buf, size_t len,
			s6_s6_addr *out, size_t *used, size_t *need)
{
	size_t n = ip_len(type);

	if (!out || !used || !need || (!buf && len))
		return S6_ERR_INVALID_ARG;
	if (type != S6_SOCKS6_ATYP_DOMAIN && n == 0)
		return S6_ERR_MALFORMED;
	memset(out, 0, sizeof(*out));
	out->type = type;
	if (type == S6_SOCKS6_ATYP_DOMAIN)
		return parse_domain(buf, len, out, used, need);
	if (len < n) {
		*need = n - len;
		return S6_ERR_NEED_MORE;
	}
	memcpy(out->ip, buf, n);
	*used = n;
	return S6_OK;
}

bool s6_s6_addr_is_unspecified(const s6_s6_addr *a)
{
	static const uint8_t zero[16];
	size_t n = a ? ip_len(a->type) : 0;

	return n && memcmp(a->ip, zero, n) == 0;
}

/* One row per Operation Reply code (spec "Operation Replies"). */
static const struct {
	const char *text;
	s6_err err;
} reply_table[S6_SOCKS6_REP__MAX + 1] = {
	[S6_SOCKS6_REP_SUCCESS] = {"success", S6_OK},
	[S6_SOCKS6_REP_FAILURE] = {"general SOCKS server failure", S6_ERR_PROXY_FAILURE},
	[S6_SOCKS6_REP_NOT_ALLOWED] = {"connection not allowed by ruleset", S6_ERR_NOT_ALLOWED},
	[S6_SOCKS6_REP_NET_UNREACH] = {"network unreachable", S6_ERR_NET_UNREACHABLE},
	[S6_SOCKS6_REP_HOST_UNREACH] = {"host unreachable", S6_ERR_HOST_UNREACHABLE},
	[S6_SOCKS6_REP_REFUSED] = {"connection refused", S6_ERR_REFUSED},
	/* An expired TTL is what a host behind a routing loop looks like. */
	[S6_SOCKS6_REP_TTL_EXPIRED] = {"TTL expired", S6_ERR_HOST_UNREACHABLE},
	[S6_SOCKS6_REP_CMD_UNSUPPORTED] = {"command not supported", S6_ERR_CMD_UNSUPPORTED},
	[S6_SOCKS6_REP_ATYP_UNSUPPORTED] = {"address type not supported",
					    S6_ERR_TARGET_UNSUPPORTED},
	[S6_SOCKS6_REP_TIMEOUT] = {"connection attempt timed out", S6_ERR_TARGET_TIMEOUT},
};

const char *s6_s6_reply_str(uint8_t code)
{
	if (code > S6_SOCKS6_REP__MAX)
		return "unknown reply code";
	return reply_table[code].text;
}

s6_err s6_s6_reply_err(uint8_t code)
{
	if (code > S6_SOCKS6_REP__MAX)
		return S6_ERR_PROXY_PROTOCOL;
	return reply_table[code].err;
}
