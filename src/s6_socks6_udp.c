/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SOCKS6 UDP association messages (see s6_socks6_udp.h for the formats). */
#include <string.h>

#include "s6_bytes.h"
#include "s6_socks6_udp.h"

#define ERR_REPORTER_FIXED_LEN 4        /* REPORTER-ATYP CODE PAD(2) */
/* Smallest address fields: IPv4 and a padded one-letter domain are 4. */
#define MIN_ADDR_LEN 4
#define DGRAM_MIN_LEN (S6_SOCKS6_UDP_DGRAM_FIXED_LEN + MIN_ADDR_LEN)
#define ERROR_MIN_LEN (DGRAM_MIN_LEN + ERR_REPORTER_FIXED_LEN + 4)

static void put_u64be(uint8_t *p, uint64_t v)
{
	s6_put_u32be(p, (uint32_t)(v >> 32));
	s6_put_u32be(p + 4, (uint32_t)v);
}

static uint64_t get_u64be(const uint8_t *p)
{
	return ((uint64_t)s6_get_u32be(p) << 32) | s6_get_u32be(p + 4);
}

static bool ip_type(uint8_t t)
{
	return t == S6_SOCKS6_ATYP_IPV4 || t == S6_SOCKS6_ATYP_IPV6;
}

static bool error_code_ok(uint8_t c)
{
	return c >= S6_SOCKS6_UDP_ERR_NET_UNREACH && c <= S6_SOCKS6_UDP_ERR_TOO_BIG;
}

static void put_header(uint8_t *buf, uint8_t type, size_t total, uint64_t id)
{
	buf[0] = S6_SOCKS6_VERSION;
	buf[1] = type;
	s6_put_u16be(buf + 2, (uint16_t)total);
	put_u64be(buf + 4, id);
}

/* ATYP PAD PORT ADDR at buf[12]; *end is the offset just past ADDR. */
static s6_err put_addr_part(uint8_t *buf, size_t cap, const s6_s6_addr *a,
			    uint16_t port, size_t *end)
{
	size_t alen = 0;
	s6_err e;

	buf[12] = a->type;
	buf[13] = 0;
	s6_put_u16be(buf + 14, port);
	e = s6_s6_addr_pack(a, buf + S6_SOCKS6_UDP_DGRAM_FIXED_LEN,
			    cap - S6_SOCKS6_UDP_DGRAM_FIXED_LEN, &alen);
	*end = S6_SOCKS6_UDP_DGRAM_FIXED_LEN + alen;
	return e;
}

s6_err s6_s6_udp_datagram_header_pack(uint64_t assoc_id, const s6_s6_addr *addr,
				      uint16_t port, size_t payload_len,
				      uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t alen = s6_s6_addr_wire_len(addr), hlen;

	if (alen == 0 || !buf || !outlen)
		return S6_ERR_INVALID_ARG;
	hlen = S6_SOCKS6_UDP_DGRAM_FIXED_LEN + alen;
	if (payload_len > S6_SOCKS6_UDP_MSG_MAX - hlen || cap < hlen)
		return S6_ERR_TOO_LONG;
	put_header(buf, S6_SOCKS6_UDP_DATAGRAM, hlen + payload_len, assoc_id);
	*outlen = hlen;
	return put_addr_part(buf, cap, addr, port, &alen);
}

static s6_err pack_datagram(const s6_s6_udp_msg *m, uint8_t *buf, size_t cap,
			    size_t *outlen)
{
	size_t hlen = 0;
	s6_err e;

	if (m->payload_len && !m->payload)
		return S6_ERR_INVALID_ARG;
	e = s6_s6_udp_datagram_header_pack(m->assoc_id, &m->addr, m->port,
					   m->payload_len, buf, cap, &hlen);
	if (e != S6_OK)
		return e;
	if (cap - hlen < m->payload_len)
		return S6_ERR_TOO_LONG;
	if (m->payload_len)
		memcpy(buf + hlen, m->payload, m->payload_len);
	*outlen = hlen + m->payload_len;
	return S6_OK;
}

static s6_err pack_error(const s6_s6_udp_msg *m, uint8_t *buf, size_t cap,
			 size_t *outlen)
{
	size_t alen = s6_s6_addr_wire_len(&m->addr);
	size_t rlen = s6_s6_addr_wire_len(&m->reporter);
	size_t off = 0, total;
	s6_err e;

	if (!ip_type(m->addr.type) || !ip_type(m->reporter.type) ||
	    !error_code_ok(m->error_code))
		return S6_ERR_INVALID_ARG;
	total = S6_SOCKS6_UDP_DGRAM_FIXED_LEN + alen + ERR_REPORTER_FIXED_LEN + rlen;
	if (cap < total)
		return S6_ERR_TOO_LONG;
	put_header(buf, S6_SOCKS6_UDP_ERROR, total, m->assoc_id);
	e = put_addr_part(buf, cap, &m->addr, m->port, &off);
	if (e != S6_OK)
		return e;
	buf[off] = m->reporter.type;
	buf[off + 1] = m->error_code;
	s6_put_u16be(buf + off + 2, 0);
	off += ERR_REPORTER_FIXED_LEN;
	e = s6_s6_addr_pack(&m->reporter, buf + off, cap - off, &rlen);
	if (e != S6_OK)
		return e;
	*outlen = total;
	return S6_OK;
}

s6_err s6_s6_udp_pack(const s6_s6_udp_msg *m, uint8_t *buf, size_t cap,
		      size_t *outlen)
{
	if (!m || !buf || !outlen)
		return S6_ERR_INVALID_ARG;
	switch (m->type) {
	case S6_SOCKS6_UDP_ASSOC_INIT:
	case S6_SOCKS6_UDP_ASSOC_CONFIRM:
		if (cap < S6_SOCKS6_UDP_HDR_LEN)
			return S6_ERR_TOO_LONG;
		put_header(buf, m->type, S6_SOCKS6_UDP_HDR_LEN, m->assoc_id);
		*outlen = S6_SOCKS6_UDP_HDR_LEN;
		return S6_OK;
	case S6_SOCKS6_UDP_DATAGRAM:
		return pack_datagram(m, buf, cap, outlen);
	case S6_SOCKS6_UDP_ERROR:
		return pack_error(m, buf, cap, outlen);
	default:
		return S6_ERR_INVALID_ARG;
	}
}

/* LENGTH must fit the message type: exact for the bare header, at least
 * room for the smallest address otherwise. */
static bool length_ok(uint8_t type, size_t msglen)
{
	switch (type) {
	case S6_SOCKS6_UDP_ASSOC_INIT:
	case S6_SOCKS6_UDP_ASSOC_CONFIRM:
		return msglen == S6_SOCKS6_UDP_HDR_LEN;
	case S6_SOCKS6_UDP_DATAGRAM:
		return msglen >= DGRAM_MIN_LEN;
	default:
		return msglen >= ERROR_MIN_LEN;
	}
}

/* Check whichever header bytes are present, before LENGTH bytes arrive. */
static s6_err check_fixed(const uint8_t *buf, size_t len)
{
	uint8_t type = len >= 2 ? buf[1] : 0;

	if (len >= 1 && buf[0] != S6_SOCKS6_VERSION)
		return S6_ERR_BAD_VERSION;
	if (len >= 2 && (type < S6_SOCKS6_UDP_ASSOC_INIT || type > S6_SOCKS6_UDP_ERROR))
		return S6_ERR_MALFORMED;
	if (len >= 4 && !length_ok(type, s6_get_u16be(buf + 2)))
		return S6_ERR_MALFORMED;
	if (type < S6_SOCKS6_UDP_DATAGRAM)
		return S6_OK;
	if (len >= 13 && buf[12] != S6_SOCKS6_ATYP_DOMAIN && !ip_type(buf[12]))
		return S6_ERR_MALFORMED;
	if (len >= 13 && type == S6_SOCKS6_UDP_ERROR && !ip_type(buf[12]))
		return S6_ERR_MALFORMED;
	if (len >= 14 && buf[13] != 0)
		return S6_ERR_MALFORMED;
	return S6_OK;
}

/* An address field that must end within msglen; running past it is a
 * malformed message, not a reason to wait. */
static s6_err addr_within(const uint8_t *buf, size_t off, size_t msglen,
			  uint8_t type, s6_s6_addr *out, size_t *alen)
{
	size_t need = 0;
	s6_err e = s6_s6_addr_parse(type, buf + off, msglen - off, out, alen, &need);

	return e == S6_ERR_NEED_MORE ? S6_ERR_MALFORMED : e;
}

/* The Error tail: REPORTER-ATYP CODE PAD(2) REPORTER-ADDR, ending at msglen. */
static s6_err parse_error_tail(const uint8_t *buf, size_t off, size_t msglen,
			       s6_s6_udp_msg *out)
{
	size_t rlen = 0;
	s6_err e;

	if (msglen - off < ERR_REPORTER_FIXED_LEN)
		return S6_ERR_MALFORMED;
	if (!ip_type(buf[off]) || !error_code_ok(buf[off + 1]) ||
	    buf[off + 2] != 0 || buf[off + 3] != 0)
		return S6_ERR_MALFORMED;
	out->error_code = buf[off + 1];
	off += ERR_REPORTER_FIXED_LEN;
	e = addr_within(buf, off, msglen, buf[off - ERR_REPORTER_FIXED_LEN],
			&out->reporter, &rlen);
	if (e != S6_OK)
		return e;
	return off + rlen == msglen ? S6_OK : S6_ERR_MALFORMED;
}

/* Datagram and Error bodies; the whole message is in buf[0..msglen). */
static s6_err parse_body(const uint8_t *buf, size_t msglen, s6_s6_udp_msg *out)
{
	size_t alen = 0, off;
	s6_err e;

	out->port = s6_get_u16be(buf + 14);
	e = addr_within(buf, S6_SOCKS6_UDP_DGRAM_FIXED_LEN, msglen, buf[12],
			&out->addr, &alen);
	if (e != S6_OK)
		return e;
	off = S6_SOCKS6_UDP_DGRAM_FIXED_LEN + alen;
	if (out->type == S6_SOCKS6_UDP_ERROR)
		return parse_error_tail(buf, off, msglen, out);
	out->payload = buf + off;
	out->payload_off = off;
	out->payload_len = msglen - off;
	return S6_OK;
}

s6_err s6_s6_udp_parse(const uint8_t *buf, size_t len, s6_s6_udp_msg *out,
		       size_t *used, size_t *need)
{
	size_t msglen;
	s6_err e;

	if (!out || !used || !need || (!buf && len))
		return S6_ERR_INVALID_ARG;
	e = check_fixed(buf, len);
	if (e != S6_OK)
		return e;
	if (len < 4) {
		*need = 4 - len;
		return S6_ERR_NEED_MORE;
	}
	msglen = s6_get_u16be(buf + 2);
	if (len < msglen) {
		*need = msglen - len;
		return S6_ERR_NEED_MORE;
	}
	memset(out, 0, sizeof(*out));
	out->type = buf[1];
	out->assoc_id = get_u64be(buf + 4);
	if (out->type >= S6_SOCKS6_UDP_DATAGRAM) {
		e = parse_body(buf, msglen, out);
		if (e != S6_OK)
			return e;
	}
	*used = msglen;
	return S6_OK;
}
