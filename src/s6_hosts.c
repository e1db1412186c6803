/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/hosts parsing: one pass over the text per lookup, line by line, every
 * step bounded by the text's length and the line cap. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include "s6_hosts.h"

#define ADDR_TEXT_MAX 64

/* Blanks, control bytes and DEL separate tokens; nothing printable does. */
static bool is_sep(char c)
{
	return (unsigned char)c <= ' ' || c == 0x7f;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Length of a query name without one root dot; 0 when empty or too long. */
static size_t query_len(const char *name)
{
	size_t n = strnlen(name, S6_HOSTS_NAME_MAX + 2);

	if (n > 0 && name[n - 1] == '.')
		n--;
	return n > S6_HOSTS_NAME_MAX ? 0 : n;
}

static bool ascii_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

/* "Foo.example." in the file matches the query "foo.example". */
static bool name_eq(const char *tok, size_t tlen, const char *name, size_t nlen)
{
	if (tlen > 0 && tok[tlen - 1] == '.')
		tlen--;
	return ascii_eq(tok, tlen, name, nlen);
}

/* Strict numeric forms only: "127.1" or "fe80::1%eth0" are not addresses
 * here, and the line holding one is skipped. */
static bool parse_addr(const char *tok, size_t len, s6_hosts_addr *a)
{
	char buf[ADDR_TEXT_MAX];

	if (len >= sizeof buf)
		return false;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	memset(a->addr, 0, sizeof a->addr);
	if (inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

/* The next token in [*p, end) into *tok; its length, 0 at the end. */
static size_t next_tok(const char **p, const char *end, const char **tok)
{
	const char *s = *p;

	while (s < end && is_sep(*s))
		s++;
	*tok = s;
	while (s < end && !is_sep(*s))
		s++;
	*p = s;
	return (size_t)(s - *tok);
}

static size_t add_unique(s6_hosts_addr *out, size_t n, size_t max, const s6_hosts_addr *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n; i++)
		if (out[i].family == a->family && memcmp(out[i].addr, a->addr, alen) == 0)
			return n;
	if (n < max)
		out[n++] = *a;
	return n;
}

/* One line without its newline: does it name the query? *a gets its address. */
static bool line_matches(const char *line, const char *end, const char *name, size_t nlen,
			 s6_hosts_addr *a, const char **canon, size_t *canonlen)
{
	const char *hash = memchr(line, '#', (size_t)(end - line));
	const char *p = line, *tok;
	size_t len;

	if (hash)
		end = hash;
	len = next_tok(&p, end, &tok);
	if (len == 0 || !parse_addr(tok, len, a))
		return false;
	*canonlen = next_tok(&p, end, canon);
	for (len = *canonlen, tok = *canon; len > 0; len = next_tok(&p, end, &tok))
		if (name_eq(tok, len, name, nlen))
			return true;
	return false;
}

static void set_canon(char *canon, size_t canonlen, const char *tok, size_t len)
{
	if (!canon || canonlen == 0 || canon[0] != '\0')
		return;
	if (len >= canonlen)
		len = canonlen - 1;
	memcpy(canon, tok, len);
	canon[len] = '\0';
}

size_t s6_hosts_lookup(const char *text, size_t len, const char *name, int family,
		       s6_hosts_addr *out, size_t max, char *canon, size_t canonlen)
{
	size_t nlen = name ? query_len(name) : 0, n = 0;
	const char *p = text, *end = text + (text ? len : 0);

	if (canon && canonlen > 0)
		canon[0] = '\0';
	if (nlen == 0 || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *ctok;
		size_t clen;
		s6_hosts_addr a;

		if ((size_t)(eol - p) <= S6_HOSTS_LINE_MAX &&
		    line_matches(p, eol, name, nlen, &a, &ctok, &clen) &&
		    (family == AF_UNSPEC || family == a.family)) {
			set_canon(canon, canonlen, ctok, clen);
			n = add_unique(out, n, max, &a);
		}
		p = eol + 1;
	}
	return n;
}

/* "localhost" itself or any name under it (RFC 6761 section 6.3). */
static bool is_localhost_zone(const char *name, size_t n)
{
	static const char lh[] = "localhost";
	size_t l = sizeof lh - 1;

	if (n == l)
		return ascii_eq(name, n, lh, l);
	return n > l + 1 && name[n - l - 1] == '.' && ascii_eq(name + n - l, l, lh, l);
}

size_t s6_hosts_loopback(const char *name, int family, s6_hosts_addr *out, size_t max)
{
	static const char ld[] = "localhost.localdomain", l6[] = "ip6-localhost",
			  lb[] = "ip6-loopback";
	size_t n = name ? query_len(name) : 0, count = 0;
	bool v4;

	if (n == 0 || max == 0)
		return 0;
	if (is_localhost_zone(name, n) || ascii_eq(name, n, ld, sizeof ld - 1))
		v4 = true;
	else if (ascii_eq(name, n, l6, sizeof l6 - 1) || ascii_eq(name, n, lb, sizeof lb - 1))
		v4 = false;
	else
		return 0;
	if (v4 && family != AF_INET6) {
		out[count] = (s6_hosts_addr){ .family = AF_INET, .addr = {127, 0, 0, 1} };
		count++;
	}
	if (count < max && family != AF_INET) {
		out[count] = (s6_hosts_addr){ .family = AF_INET6 };
		out[count].addr[15] = 1;
		count++;
	}
	return count;
}
