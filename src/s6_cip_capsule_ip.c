/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ADDRESS_ASSIGN, ADDRESS_REQUEST and ROUTE_ADVERTISEMENT values (layouts in
 * s6_cip_capsule.h), decoded and encoded with the same checks. */
#include <string.h>

#include "s6_cip_capsule.h"
#include "s6_cip_varint.h"

static void set_why(const char **why, const char *text)
{
	if (why)
		*why = text;
}

static size_t addr_bytes(uint8_t version)
{
	return version == 4 ? 4 : version == 6 ? 16 : 0;
}

/* One {IP Version, IP Address, IP Prefix Length} at b[0..len). */
static s6_err get_prefix(const uint8_t *b, size_t len, s6_cip_prefix *p, size_t *used,
			 const char **why)
{
	size_t ab;

	if (len < 1) {
		set_why(why, "address entry truncated");
		return S6_ERR_MALFORMED;
	}
	ab = addr_bytes(b[0]);
	if (ab == 0) {
		set_why(why, "address entry with an IP version other than 4 or 6");
		return S6_ERR_MALFORMED;
	}
	if (len < 1 + ab + 1) {
		set_why(why, "address entry truncated");
		return S6_ERR_MALFORMED;
	}
	p->version = b[0];
	memset(p->addr, 0, sizeof(p->addr));
	memcpy(p->addr, b + 1, ab);
	p->prefix_len = b[1 + ab];
	if (p->prefix_len > ab * 8) {
		set_why(why, "address prefix length longer than the address");
		return S6_ERR_MALFORMED;
	}
	*used = 1 + ab + 1;
	return S6_OK;
}

/* One entry of the RFC 9484 list: Request ID, then the prefix. */
static s6_err get_entry(s6_cip_kind kind, const uint8_t *b, size_t len, s6_cip_prefix *p,
			size_t *used, const char **why)
{
	size_t n = 0, need = 0, m = 0;
	s6_err e;

	if (s6_cip_varint_decode(b, len, &p->request_id, &n, &need) != S6_OK) {
		set_why(why, "address entry truncated");
		return S6_ERR_MALFORMED;
	}
	if (kind == S6_CIP_K_ADDRESS_REQUEST && p->request_id == 0) {
		set_why(why, "ADDRESS_REQUEST with Request ID 0");
		return S6_ERR_MALFORMED;
	}
	e = get_prefix(b + n, len - n, p, &m, why);
	*used = n + m;
	return e;
}

static s6_err addrs_draft00(const uint8_t *body, size_t len, s6_cip_prefix *out,
			    size_t max, size_t *count, const char **why)
{
	s6_cip_prefix p;
	size_t used = 0;
	s6_err e;

	memset(&p, 0, sizeof(p));
	e = get_prefix(body, len, &p, &used, why);
	if (e != S6_OK)
		return e;
	if (used != len) {
		set_why(why, "draft-00 address capsule with bytes after its address");
		return S6_ERR_MALFORMED;
	}
	if (max < 1) {
		set_why(why, "too many addresses");
		return S6_ERR_TOO_LONG;
	}
	out[0] = p;
	*count = 1;
	return S6_OK;
}

s6_err s6_cip_addrs_decode(s6_cip_mode mode, s6_cip_kind kind, const uint8_t *body,
			   size_t len, s6_cip_prefix *out, size_t max, size_t *count,
			   const char **why)
{
	size_t off = 0, n = 0;

	*count = 0;
	if (mode == S6_CIP_MODE_DRAFT00)
		return addrs_draft00(body, len, out, max, count, why);
	while (off < len) {
		s6_cip_prefix p;
		size_t used = 0;
		s6_err e;

		memset(&p, 0, sizeof(p));
		e = get_entry(kind, body + off, len - off, &p, &used, why);

		if (e != S6_OK)
			return e;
		if (n == max) {
			set_why(why, "too many addresses");
			return S6_ERR_TOO_LONG;
		}
		out[n++] = p;
		off += used;
	}
	if (kind == S6_CIP_K_ADDRESS_REQUEST && n == 0) {
		set_why(why, "ADDRESS_REQUEST without an address");
		return S6_ERR_MALFORMED;
	}
	*count = n;
	return S6_OK;
}

static int route_cmp_key(const s6_cip_range *a, const s6_cip_range *b)
{
	if (a->version != b->version)
		return a->version < b->version ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return 0;
}

bool s6_cip_routes_valid(const s6_cip_range *r, size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		size_t ab = addr_bytes(r[i].version);
		int c;

		if (ab == 0) {
			set_why(why, "route with an IP version other than 4 or 6");
			return false;
		}
		if (memcmp(r[i].start, r[i].end, ab) > 0) {
			set_why(why, "route whose start address is above its end");
			return false;
		}
		if (i == 0)
			continue;
		c = route_cmp_key(&r[i - 1], &r[i]);
		if (c > 0) {
			set_why(why, "routes not sorted by IP version and protocol");
			return false;
		}
		if (c == 0 && memcmp(r[i - 1].end, r[i].start, ab) >= 0) {
			set_why(why, "routes overlapping or out of order");
			return false;
		}
	}
	return true;
}

static s6_err get_range(const uint8_t *b, size_t len, s6_cip_range *r, size_t *used,
			const char **why)
{
	size_t ab = len ? addr_bytes(b[0]) : 1;

	if (ab == 0) {
		set_why(why, "route with an IP version other than 4 or 6");
		return S6_ERR_MALFORMED;
	}
	if (len < 1 + 2 * ab + 1) {
		set_why(why, "route entry truncated");
		return S6_ERR_MALFORMED;
	}
	memset(r, 0, sizeof(*r));
	r->version = b[0];
	memcpy(r->start, b + 1, ab);
	memcpy(r->end, b + 1 + ab, ab);
	r->proto = b[1 + 2 * ab];
	*used = 2 + 2 * ab;
	return S6_OK;
}

s6_err s6_cip_routes_decode(const uint8_t *body, size_t len, s6_cip_range *out,
			    size_t max, size_t *count, const char **why)
{
	size_t off = 0, n = 0;

	*count = 0;
	while (off < len) {
		s6_cip_range r;
		size_t used = 0;
		s6_err e = get_range(body + off, len - off, &r, &used, why);

		if (e != S6_OK)
			return e;
		if (n == max) {
			set_why(why, "too many routes");
			return S6_ERR_TOO_LONG;
		}
		out[n++] = r;
		off += used;
		/* Check as we go: the list so far must be valid. */
		if (!s6_cip_routes_valid(out + (n > 1 ? n - 2 : 0), n > 1 ? 2 : 1, why))
			return S6_ERR_MALFORMED;
	}
	*count = n;
	return S6_OK;
}

/* Value length of an address capsule; 0 with *bad when unencodable. */
static size_t addrs_value_len(s6_cip_mode mode, s6_cip_kind kind, const s6_cip_prefix *p,
			      size_t n, bool *bad)
{
	size_t total = 0;

	*bad = (mode == S6_CIP_MODE_DRAFT00 && n != 1) ||
	       (kind == S6_CIP_K_ADDRESS_REQUEST && n == 0) ||
	       (kind != S6_CIP_K_ADDRESS_REQUEST && kind != S6_CIP_K_ADDRESS_ASSIGN);
	for (size_t i = 0; i < n && !*bad; i++) {
		size_t ab = addr_bytes(p[i].version);
		size_t idl = mode == S6_CIP_MODE_DRAFT00 ? 0 : s6_cip_varint_len(p[i].request_id);

		if (ab == 0 || p[i].prefix_len > ab * 8 ||
		    (mode == S6_CIP_MODE_RFC9484 &&
		     (idl == 0 || (kind == S6_CIP_K_ADDRESS_REQUEST && p[i].request_id == 0))))
			*bad = true;
		total += idl + ab + 2;
	}
	return total;
}

s6_err s6_cip_addrs_encode(s6_cip_mode mode, s6_cip_kind kind, const s6_cip_prefix *p,
			   size_t n, uint8_t *buf, size_t cap, size_t *outlen)
{
	bool bad = false;
	size_t vlen = addrs_value_len(mode, kind, p, n, &bad), tl = 0, len = 0, off;
	s6_err e;

	if (bad || (n && !p) || !buf || !outlen)
		return S6_ERR_INVALID_ARG;
	e = s6_cip_varint_encode(s6_cip_type_of(mode, kind), buf, cap, &tl);
	if (e != S6_OK)
		return e;
	e = s6_cip_varint_encode(vlen, buf + tl, cap - tl, &len);
	if (e != S6_OK)
		return e;
	off = tl + len;
	if (cap - off < vlen)
		return S6_ERR_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		size_t ab = addr_bytes(p[i].version);

		if (mode == S6_CIP_MODE_RFC9484) {
			/* Cannot fail: the length was checked above. */
			s6_cip_varint_encode(p[i].request_id, buf + off, cap - off, &len);
			off += len;
		}
		buf[off++] = p[i].version;
		memcpy(buf + off, p[i].addr, ab);
		off += ab;
		buf[off++] = p[i].prefix_len;
	}
	*outlen = off;
	return S6_OK;
}

s6_err s6_cip_routes_encode(s6_cip_mode mode, const s6_cip_range *r, size_t n,
			    uint8_t *buf, size_t cap, size_t *outlen)
{
	uint64_t type = s6_cip_type_of(mode, S6_CIP_K_ROUTE_ADVERTISEMENT);
	size_t vlen = 0, tl = 0, ll = 0, off;
	s6_err e;

	if ((n && !r) || !buf || !outlen || !s6_cip_routes_valid(r, n, NULL))
		return S6_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		vlen += 2 + 2 * addr_bytes(r[i].version);
	e = s6_cip_varint_encode(type, buf, cap, &tl);
	if (e != S6_OK)
		return e;
	e = s6_cip_varint_encode(vlen, buf + tl, cap - tl, &ll);
	if (e != S6_OK)
		return e;
	off = tl + ll;
	if (cap - off < vlen)
		return S6_ERR_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		size_t ab = addr_bytes(r[i].version);

		buf[off++] = r[i].version;
		memcpy(buf + off, r[i].start, ab);
		memcpy(buf + off + ab, r[i].end, ab);
		off += 2 * ab;
		buf[off++] = r[i].proto;
	}
	*outlen = off;
	return S6_OK;
}
