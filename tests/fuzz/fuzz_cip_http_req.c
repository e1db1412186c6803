/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proxy's side of the CONNECT-IP exchange (s6_cip_http_req.h).
 *   - The request head parser on prefixes of the input: the prefix story
 *     of fuzz_prefix.h (OK stable once reached at used, errors final, no
 *     read past the prefix, NEED_MORE never at or over the head limit).
 *     The parser judges complete lines only, so between two line ends
 *     nothing changes but the length: the walk parses every short prefix,
 *     the prefixes around each LF, around the head limit and a stride
 *     sample, and checks the story between the parsed ones.
 *   - A complete head: ends in CRLF CRLF inside the input, the request line
 *     gives back method and path, strings terminated and bounded, no CR or
 *     LF in them, the body-framing flag only with such a field.
 *   - The scope of its path (and of the input as a path): only MALFORMED
 *     refusals with a reason; an accepted scope is printable, "any" exactly
 *     for an empty target or protocol 0, and spelled again in the template
 *     and the query form it parses to itself.
 *   - Basic credentials (the head's and the input as a value): an accepted
 *     pair is user 1..255 without ':' and password 0..255, and its own
 *     base64 spelling parses back to it. */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_cip_http.h"
#include "s6_cip_http_req.h"

#define DEF "/.well-known/masque/ip/"
#define FULL_WALK 256   /* every prefix up to here */

static s6_cip_req req;

static s6_err parse(const uint8_t *b, size_t len, size_t *used, size_t *need)
{
	const char *why = NULL;
	s6_err e = s6_cip_req_parse(b, len, &req, used, need, &why);

	FUZZ_CHECK(e == S6_OK || e == S6_ERR_NEED_MORE || e == S6_ERR_MALFORMED ||
		   e == S6_ERR_TOO_LONG);
	if (e == S6_ERR_NEED_MORE)
		FUZZ_CHECK(*need >= 1 && len < S6_CIP_REQ_HEAD_MAX);
	else if (e != S6_OK)
		FUZZ_CHECK(why && *why);
	return e;
}

static bool clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	return n < cap && !memchr(s, '\r', n) && !memchr(s, '\n', n);
}

/* req holds the parse of d[0..used). */
static void check_head(const uint8_t *d, size_t used)
{
	size_t ml = strlen(req.method), pl = strlen(req.path);
	char *head;

	FUZZ_CHECK(used >= 4 && memcmp(d + used - 4, "\r\n\r\n", 4) == 0);
	FUZZ_CHECK(ml >= 1 && ml < sizeof req.method && pl >= 1 && pl < sizeof req.path);
	FUZZ_CHECK(memcmp(d, req.method, ml) == 0 && d[ml] == ' ');
	FUZZ_CHECK(memcmp(d + ml + 1, req.path, pl) == 0 && d[ml + 1 + pl] == ' ');
	FUZZ_CHECK(memcmp(d + ml + pl + 2, req.http11 ? "HTTP/1.1\r\n" : "HTTP/1.0\r\n", 10) == 0);
	FUZZ_CHECK(clean(req.host, sizeof req.host) && clean(req.auth, sizeof req.auth));
	FUZZ_CHECK(req.nfields <= S6_CIP_REQ_FIELDS_MAX && (req.has_auth || !req.auth[0]));
	head = fuzz_strdup(d, used);
	FUZZ_CHECK(strlen(head) == used);
	if (req.has_body_framing)
		FUZZ_CHECK(strcasestr(head, "\ncontent-length") ||
			   strcasestr(head, "\ntransfer-encoding"));
	if (req.has_auth)
		FUZZ_CHECK(strcasestr(head, "\nproxy-authorization:"));
	if (req.upgrade_connect_ip)
		FUZZ_CHECK(strcasestr(head, "connect-ip"));
	free(head);
}

/* Parse the chosen prefixes of d[0..n) (fuzz_line_prefix); the story
 * between them. */
static void walk(const uint8_t *d, size_t n)
{
	struct fuzz_view v;
	struct fuzz_res prev = { S6_ERR_NEED_MORE, 0, 1 }, r;

	fuzz_view_open(&v, d, n);
	for (size_t k = 0; k <= n; k++) {
		if (!fuzz_line_prefix(d, n, k, FULL_WALK, S6_CIP_REQ_HEAD_MAX))
			continue;
		r.used = r.need = 0;
		r.err = parse(fuzz_view_limit(&v, k), k, &r.used, &r.need);
		fuzz_line_step(&prev, &r, k);
		if (r.err == S6_OK && prev.err != S6_OK)
			check_head(v.buf, r.used);
		prev = r;
		/* Once decided, a sample of the rest is enough. */
		if (r.err != S6_ERR_NEED_MORE && k > FULL_WALK)
			k += FUZZ_LINE_STRIDE;
	}
	fuzz_view_close(&v);
}

static void percent(char *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
}

static bool same_scope(const s6_cip_scope *a, const s6_cip_scope *b)
{
	return a->any_target == b->any_target && a->any_proto == b->any_proto &&
	       a->ipproto == b->ipproto && strcmp(a->target, b->target) == 0;
}

static void check_scope(const char *path, const char *prefix)
{
	static char spelt[3 * S6_CIP_TARGET_MAX + 128], enc[3 * S6_CIP_TARGET_MAX + 1];
	s6_cip_scope sc, sc2;
	const char *why = NULL;
	s6_err e = s6_cip_req_scope(path, prefix, &sc, &why);
	size_t tl = strnlen(sc.target, sizeof sc.target);

	FUZZ_CHECK(e == S6_OK || (e == S6_ERR_MALFORMED && why && *why));
	if (e != S6_OK)
		return;
	FUZZ_CHECK(tl < sizeof sc.target && sc.any_target == (tl == 0));
	for (size_t i = 0; i < tl; i++)
		FUZZ_CHECK((unsigned char)sc.target[i] > 0x20 && sc.target[i] != 0x7f);
	FUZZ_CHECK(sc.any_proto == (sc.ipproto == 0));
	if (sc.any_target)
		strcpy(enc, "*");
	else
		percent(enc, sc.target);
	snprintf(spelt, sizeof spelt, "%s%s/%u/", prefix, enc, sc.ipproto);
	FUZZ_CHECK(s6_cip_req_scope(spelt, prefix, &sc2, &why) == S6_OK && same_scope(&sc, &sc2));
	snprintf(spelt, sizeof spelt, "/q?x=1&target=%s&ip_proto=%u", enc, sc.ipproto);
	FUZZ_CHECK(s6_cip_req_scope(spelt, prefix, &sc2, &why) == S6_OK && same_scope(&sc, &sc2));
}

static void check_basic(const char *value)
{
	static uint8_t raw[2 * S6_UP_FIELD_MAX + 1];
	static char spelt[1024];
	s6_userpass up, up2;
	const char *why = NULL;
	s6_err e = s6_cip_req_basic(value, &up, &why);

	FUZZ_CHECK(e == S6_OK || ((e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG) && why && *why));
	if (e != S6_OK)
		return;
	FUZZ_CHECK(up.ulen >= 1 && up.ulen <= S6_UP_FIELD_MAX && up.plen <= S6_UP_FIELD_MAX);
	FUZZ_CHECK(!memchr(up.user, ':', up.ulen));
	memcpy(raw, up.user, up.ulen);
	raw[up.ulen] = ':';
	memcpy(raw + up.ulen + 1, up.pass, up.plen);
	strcpy(spelt, "bAsIc ");
	FUZZ_CHECK(s6_cip_base64(raw, up.ulen + 1 + up.plen, spelt + 6, sizeof spelt - 6) == S6_OK);
	FUZZ_CHECK(s6_cip_req_basic(spelt, &up2, &why) == S6_OK);
	FUZZ_CHECK(up2.ulen == up.ulen && up2.plen == up.plen &&
		   memcmp(up2.user, up.user, up.ulen) == 0 && memcmp(up2.pass, up.pass, up.plen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < S6_CIP_REQ_HEAD_MAX + 16 ? size : S6_CIP_REQ_HEAD_MAX + 16;
	size_t used = 0, need = 0;

	walk(data, n);
	if (n && parse(data, n, &used, &need) == S6_OK) {
		static s6_cip_req head;

		head = req;
		check_scope(head.path, DEF);
		check_scope(head.path, "/");
		if (head.has_auth)
			check_basic(head.auth);
	}
	if (size <= 1100) {
		char *s = fuzz_strdup(data, size);

		check_scope(s, DEF);
		check_basic(s);
		free(s);
	}
	return 0;
}
