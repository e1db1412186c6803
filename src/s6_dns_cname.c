/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNAME chains in DNS responses (see s6_dns_cname.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_dns_cname.h"

#define DNS_HEADER 12
#define RR_FIXED 10          /* type, class, TTL, RDLENGTH */
#define TYPE_CNAME 5
#define CLASS_IN 1

/* A name in uncompressed wire form, the root label included. */
typedef struct dname {
	uint8_t w[S6_DNS_NAME_WIRE_MAX];
	size_t len;
} dname;

static s6_err bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return S6_ERR_MALFORMED;
}

/* Expand the name at *off and move *off past it (past its first pointer
 * when compressed). Each pointer must lead before the place the previous
 * one led to (before the name itself for the first), so the targets fall
 * strictly and the walk ends. */
static s6_err name_read(const uint8_t *m, size_t len, size_t *off, dname *d, const char **why)
{
	size_t p = *off, floor = *off, after = 0;

	d->len = 0;
	for (;;) {
		uint8_t b;

		if (p >= len)
			return bad(why, "name cut short");
		b = m[p];
		if ((b & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= len)
				return bad(why, "name cut short");
			to = ((size_t)(b & 0x3f) << 8) | m[p + 1];
			if (to >= floor)
				return bad(why, "compression pointer does not point backwards");
			if (!after)
				after = p + 2;
			p = floor = to;
			continue;
		}
		if (b & 0xc0)
			return bad(why, "unknown label type");
		if (d->len + 1 + b > S6_DNS_NAME_WIRE_MAX)
			return bad(why, "name longer than 255 bytes");
		if (p + 1 + b > len)
			return bad(why, "name cut short");
		memcpy(d->w + d->len, m + p, (size_t)b + 1);
		d->len += (size_t)b + 1;
		p += (size_t)b + 1;
		if (b == 0)
			break;
	}
	*off = after ? after : p;
	return S6_OK;
}

static uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Names compare ASCII case-insensitively (RFC 4343); length bytes are
 * below 64 and fold to themselves. */
static bool name_eq(const dname *a, const dname *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if (fold(a->w[i]) != fold(b->w[i]))
			return false;
	return true;
}

/* Escaped presentation form; false for the root and for NUL bytes. */
static bool present(const dname *d, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	if (d->len <= 1)
		return false;
	while (d->w[i]) {
		size_t l = d->w[i++];

		if (o) {
			if (o + 1 >= cap)
				return false;
			out[o++] = '.';
		}
		for (; l; l--, i++) {
			uint8_t c = d->w[i];

			if (c == 0 || o + 3 > cap)
				return false;
			if (c == '.' || c == '\\')
				out[o++] = '\\';
			out[o++] = (char)c;
		}
	}
	if (o >= cap)
		return false;
	out[o] = '\0';
	return true;
}

/* The first CNAME record of the answer section owned by cur: *found and
 * its target. Records are read (and must be whole) up to that one. */
static s6_err find_cname(const uint8_t *m, size_t len, size_t off, size_t an,
			 const dname *cur, dname *target, bool *found, const char **why)
{
	dname owner;
	s6_err e;

	*found = false;
	for (size_t i = 0; i < an; i++) {
		size_t rdlen, rd;

		if ((e = name_read(m, len, &off, &owner, why)) != S6_OK)
			return e;
		if (off + RR_FIXED > len)
			return bad(why, "record cut short");
		rdlen = s6_get_u16be(m + off + 8);
		rd = off + RR_FIXED;
		if (rd + rdlen > len)
			return bad(why, "record data cut short");
		off = rd + rdlen;
		if (s6_get_u16be(m + rd - RR_FIXED) != TYPE_CNAME ||
		    s6_get_u16be(m + rd - RR_FIXED + 2) != CLASS_IN || !name_eq(&owner, cur))
			continue;
		if ((e = name_read(m, len, &rd, target, why)) != S6_OK)
			return e;
		if (rd != off)
			return bad(why, "CNAME data is not exactly one name");
		*found = true;
		return S6_OK;
	}
	return S6_OK;
}

s6_err s6_dns_cname_chain(const uint8_t *msg, size_t len, char (*out)[S6_DNS_NAME_MAX],
			  size_t max, size_t *n, const char **why)
{
	dname cur, target;
	size_t off = DNS_HEADER, an;
	bool found;
	s6_err e;

	*n = 0;
	if (len < DNS_HEADER)
		return bad(why, "shorter than a DNS header");
	if (!(msg[2] & 0x80))
		return bad(why, "not a response");
	if (s6_get_u16be(msg + 4) != 1)
		return bad(why, "not exactly one question");
	an = s6_get_u16be(msg + 6);
	if ((e = name_read(msg, len, &off, &cur, why)) != S6_OK)
		return e;
	if (off + 4 > len)
		return bad(why, "question cut short");
	off += 4;
	for (;;) {
		if ((e = find_cname(msg, len, off, an, &cur, &target, &found, why)) != S6_OK)
			return e;
		if (!found)
			return S6_OK;
		if (*n >= max) {
			if (why)
				*why = "CNAME chain too long (a loop?)";
			return S6_ERR_TOO_LONG;
		}
		if (!present(&target, out[*n], S6_DNS_NAME_MAX))
			return bad(why, "CNAME to the root or a name with a NUL byte");
		(*n)++;
		cur = target;
	}
}
