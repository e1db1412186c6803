/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exclude-rule parser and matcher. A parsed rule is well formed (family,
 * prefix range, host bits clear), prints back to a rule that parses to the
 * same struct, matches its own network address, and treats an IPv4
 * destination and its v4-mapped IPv6 form alike. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "s6_cidr.h"

static void check_shape(const s6_cidr *c)
{
	size_t bytes = c->family == AF_INET ? 4 : 16;

	FUZZ_CHECK(c->family == AF_INET || c->family == AF_INET6);
	FUZZ_CHECK(c->prefix <= bytes * 8);
	for (size_t i = bytes; i < sizeof c->addr; i++)
		FUZZ_CHECK(c->addr[i] == 0);
	for (unsigned bit = c->prefix; bit < bytes * 8; bit++)
		FUZZ_CHECK(!(c->addr[bit / 8] & (0x80 >> (bit % 8))));
}

static void check_reprint(const s6_cidr *c)
{
	char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
	s6_cidr again;

	FUZZ_CHECK(inet_ntop(c->family, c->addr, addr, sizeof addr) != NULL);
	if (c->family == AF_INET)
		snprintf(text, sizeof text, "%s/%u", addr, c->prefix);
	else
		snprintf(text, sizeof text, "[%s/%u]", addr, c->prefix);
	if (c->port)
		snprintf(text + strlen(text), sizeof text - strlen(text), ":%u", c->port);
	FUZZ_CHECK(s6_cidr_parse(text, &again) == S6_OK);
	FUZZ_CHECK(memcmp(&again, c, sizeof again) == 0);
}

/* sin and its v4-mapped twin from the same four bytes and port. */
static void make_dests(const uint8_t a[4], uint16_t port, struct sockaddr_in *sin,
		       struct sockaddr_in6 *sin6)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, a, 4);
	memset(sin6, 0, sizeof *sin6);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr.s6_addr[10] = 0xff;
	sin6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(sin6->sin6_addr.s6_addr + 12, a, 4);
}

/* IPv4 rules: a destination and its v4-mapped form match alike (checked
 * on a fixed address and on the rule's own). IPv6 rules never match AF_INET. */
static void check_match(const s6_cidr *c)
{
	static const uint8_t fixed4[4] = {10, 1, 2, 3};
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint16_t port = c->port ? c->port : 80;

	make_dests(fixed4, 80, &sin, &sin6);
	if (c->family == AF_INET) {
		FUZZ_CHECK(s6_cidr_match(c, (struct sockaddr *)&sin) ==
			   s6_cidr_match(c, (struct sockaddr *)&sin6));
		make_dests(c->addr, port, &sin, &sin6);
		FUZZ_CHECK(s6_cidr_match(c, (struct sockaddr *)&sin));
		FUZZ_CHECK(s6_cidr_match(c, (struct sockaddr *)&sin6));
		return;
	}
	FUZZ_CHECK(!s6_cidr_match(c, (struct sockaddr *)&sin));
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	memcpy(&sin6.sin6_addr, c->addr, 16);
	FUZZ_CHECK(s6_cidr_match(c, (struct sockaddr *)&sin6));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);
	s6_cidr c;

	if (s6_cidr_parse(text, &c) == S6_OK) {
		check_shape(&c);
		check_reprint(&c);
		check_match(&c);
	} else {
		static const s6_cidr zero;
		FUZZ_CHECK(memcmp(&c, &zero, sizeof c) == 0);
	}
	free(text);
	return 0;
}
