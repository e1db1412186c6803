/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exclude rules: ADDR[/PREFIX][:PORT] for IPv4, ADDR[/PREFIX] or
 * [ADDR[/PREFIX]][:PORT] for IPv6. Pure functions, no allocation. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include "s6_cidr.h"

/* Unsigned decimal of 1..maxdigits digits only, value <= max. */
static bool parse_decimal(const char *p, size_t len, size_t maxdigits,
			  unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > maxdigits)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static void clear_host_bits(s6_cidr *c)
{
	size_t bytes = c->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < bytes; i++) {
		unsigned bit = (unsigned)i * 8;
		if (bit >= c->prefix)
			c->addr[i] = 0;
		else if (bit + 8 > c->prefix)
			c->addr[i] &= (uint8_t)(0xff << (8 - (c->prefix - bit)));
	}
}

/* ::ffff:a.b.c.d/96+ is an IPv4 rule written the IPv6 way. Storing it as
 * IPv4 means it matches both AF_INET and mapped AF_INET6 destinations. */
static void unmap_rule(s6_cidr *c)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (c->family != AF_INET6 || c->prefix < 96 || memcmp(c->addr, mapped, 12) != 0)
		return;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = AF_INET;
	c->prefix = (uint8_t)(c->prefix - 96);
}

/* ADDR[/PREFIX] of the given family (0: either) from text[0..len). */
static s6_err parse_net(const char *text, size_t len, int family, s6_cidr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = memchr(text, '/', len);
	size_t alen = slash ? (size_t)(slash - text) : len;
	unsigned long prefix;

	if (alen == 0 || alen >= sizeof host)
		return S6_ERR_MALFORMED;
	memcpy(host, text, alen);
	host[alen] = '\0';
	if (family != AF_INET6 && inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (family != AF_INET && inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return S6_ERR_MALFORMED;
	prefix = out->family == AF_INET ? 32 : 128;
	if (slash && !parse_decimal(slash + 1, len - alen - 1, 3, prefix, &prefix))
		return S6_ERR_MALFORMED;
	out->prefix = (uint8_t)prefix;
	clear_host_bits(out);
	return S6_OK;
}

static s6_err parse_port(const char *p, size_t len, s6_cidr *out)
{
	unsigned long port;

	if (!parse_decimal(p, len, 5, 65535, &port) || port == 0)
		return S6_ERR_MALFORMED;
	out->port = (uint16_t)port;
	return S6_OK;
}

/* "[v6net]" or "[v6net]:PORT". */
static s6_err parse_bracketed(const char *text, size_t len, s6_cidr *out)
{
	const char *close = memchr(text, ']', len);
	size_t inner;
	s6_err err;

	if (!close)
		return S6_ERR_MALFORMED;
	inner = (size_t)(close - text) - 1;
	err = parse_net(text + 1, inner, AF_INET6, out);
	if (err != S6_OK)
		return err;
	len -= inner + 2;
	if (len == 0)
		return S6_OK;
	if (close[1] != ':')
		return S6_ERR_MALFORMED;
	return parse_port(close + 2, len - 1, out);
}

s6_err s6_cidr_parse(const char *text, s6_cidr *out)
{
	const char *colon;
	size_t len;
	s6_err err;

	memset(out, 0, sizeof *out);
	if (!text)
		return S6_ERR_INVALID_ARG;
	len = strlen(text);
	if (len > 0 && text[0] == '[')
		err = parse_bracketed(text, len, out);
	else if ((colon = strchr(text, ':')) && !strchr(colon + 1, ':')) {
		/* One colon: IPv4 network and port (bare IPv6 has at least two). */
		err = parse_net(text, (size_t)(colon - text), AF_INET, out);
		if (err == S6_OK)
			err = parse_port(colon + 1, len - (size_t)(colon - text) - 1, out);
	} else
		err = parse_net(text, len, 0, out);
	if (err != S6_OK) {
		memset(out, 0, sizeof *out);
		return err;
	}
	unmap_rule(out);
	return S6_OK;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Address bytes and port of a destination as the rule's family sees it;
 * NULL when the family cannot match. The sockaddr is copied out because the
 * caller's buffer need not be aligned for sockaddr_in6. */
static const uint8_t *dest_bytes(int rule_family, const struct sockaddr *sa,
				 uint8_t buf[16], uint16_t *port)
{
	sa_family_t family;

	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof family);
	if (family == AF_INET && rule_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		memcpy(buf, &in.sin_addr, 4);
		*port = ntohs(in.sin_port);
		return buf;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		*port = ntohs(in6.sin6_port);
		memcpy(buf, &in6.sin6_addr, 16);
		if (rule_family == AF_INET6)
			return buf;
		if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr))
			return buf + 12;
	}
	return NULL;
}

bool s6_cidr_match(const s6_cidr *rule, const struct sockaddr *sa)
{
	uint8_t buf[16];
	uint16_t port = 0;
	const uint8_t *addr;

	if (!rule || !sa)
		return false;
	addr = dest_bytes(rule->family, sa, buf, &port);
	if (!addr)
		return false;
	if (rule->port != 0 && rule->port != port)
		return false;
	return prefix_equal(addr, rule->addr, rule->prefix);
}
