/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proxy URL parser. Any string either parses or fails with a printable
 * one-line reason; a parsed URL formats (at any buffer size) to a string
 * that parses back to the same scheme, host, port, user and path (the
 * password is left out of the printable form on purpose). */
#include <string.h>

#include "fuzz.h"
#include "s6_url.h"

/* Room for the longest formatted URL: user percent-encoded three bytes per
 * byte, bracketed host, port, path. */
#define FMT_MAX (32 + 3 * S6_URL_CRED_MAX + S6_URL_HOST_MAX + 16 + S6_URL_PATH_MAX)

static void check_why(s6_err err, const char *why, size_t whylen)
{
	FUZZ_CHECK(err == S6_ERR_URL || err == S6_ERR_TOO_LONG);
	FUZZ_CHECK(memchr(why, '\0', whylen) != NULL);
	FUZZ_CHECK(why[0] != '\0');
	for (const char *p = why; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= ' ' && *p != 0x7f);
}

static void check_parsed(const s6_proxy_url *u)
{
	FUZZ_CHECK((unsigned)u->scheme < S6_SCHEME__COUNT);
	FUZZ_CHECK(u->port != 0 && u->host[0] != '\0');
	FUZZ_CHECK(!u->has_pass || u->has_user);
	FUZZ_CHECK(u->path[0] == '\0' || u->scheme == S6_SCHEME_HTTPS);
	FUZZ_CHECK(u->scheme != S6_SCHEME_SOCKS4A || !u->has_pass);
}

/* Truncated formatting always terminates inside the buffer. */
static void check_truncation(const s6_proxy_url *u, size_t full)
{
	char small[64];

	for (size_t cap = 1; cap <= sizeof small; cap += 7) {
		memset(small, 'x', sizeof small);
		s6_url_format(u, small, cap);
		FUZZ_CHECK(strnlen(small, cap) < cap);
		FUZZ_CHECK(strlen(small) == (full < cap - 1 ? full : cap - 1));
	}
}

static void check_round_trip(const s6_proxy_url *u)
{
	static char text[FMT_MAX];
	static s6_proxy_url again;
	char why[256];
	size_t len;

	s6_url_format(u, text, sizeof text);
	len = strlen(text);
	FUZZ_CHECK(len + 1 < sizeof text);
	check_truncation(u, len);
	if (len > S6_URL_TEXT_MAX)
		return;   /* encoding the user made it longer than the parser takes */
	if (s6_url_parse(text, &again, why, sizeof why) != S6_OK) {
		fprintf(stderr, "formatted URL does not parse: %s (%s)\n", text, why);
		abort();
	}
	FUZZ_CHECK(again.scheme == u->scheme && again.port == u->port);
	FUZZ_CHECK(again.host_is_ipv6 == u->host_is_ipv6);
	FUZZ_CHECK(strcmp(again.host, u->host) == 0);
	FUZZ_CHECK(again.has_user == u->has_user && strcmp(again.user, u->user) == 0);
	FUZZ_CHECK(!again.has_pass);
	FUZZ_CHECK(strcmp(again.path, u->path) == 0);
	s6_url_wipe(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static s6_proxy_url url;
	char why[256];
	char *text = fuzz_strdup(data, size);
	s6_err err = s6_url_parse(text, &url, why, sizeof why);

	if (err != S6_OK) {
		check_why(err, why, sizeof why);
		/* Tiny and absent reason buffers are allowed. */
		s6_url_parse(text, &url, why, 1);
		FUZZ_CHECK(why[0] == '\0');
		s6_url_parse(text, &url, NULL, 0);
	} else {
		check_parsed(&url);
		check_round_trip(&url);
		s6_url_wipe(&url);
		FUZZ_CHECK(!url.has_user && !url.has_pass && url.pass[0] == '\0');
	}
	free(text);
	return 0;
}
