/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "s6_bytes.h"
#include "srv_s6_dns_msg.h"

#define FLAG_QR 0x80            /* in byte 2 */
#define OPCODE_MASK 0x78        /* in byte 2 */
#define FLAG_RD 0x01            /* in byte 2 */
#define FLAG_RA 0x80            /* in byte 3 */
#define LABEL_PTR 0xc0
#define QFIXED 4                /* QTYPE QCLASS */

s6_err srv_dns_frame(const uint8_t *buf, size_t len, size_t *msg_len,
		     size_t *used, size_t *need)
{
	size_t n;

	if (len < 2) {
		*need = 2 - len;
		return S6_ERR_NEED_MORE;
	}
	n = s6_get_u16be(buf);
	if (n == 0)
		return S6_ERR_MALFORMED;
	if (len < 2 + n) {
		*need = 2 + n - len;
		return S6_ERR_NEED_MORE;
	}
	*msg_len = n;
	*used = 2 + n;
	return S6_OK;
}

/* End offset of the name at off (labels, then a zero byte or a pointer),
 * 0 when it runs past len or uses a reserved label type. */
static size_t name_end(const uint8_t *m, size_t len, size_t off)
{
	for (unsigned labels = 0; off < len && labels < 128; labels++) {
		uint8_t l = m[off];

		if (l == 0)
			return off + 1;
		if ((l & LABEL_PTR) == LABEL_PTR)
			return off + 2 <= len ? off + 2 : 0;
		if (l & LABEL_PTR)
			return 0;
		off += 1 + (size_t)l;
	}
	return 0;
}

/* Length of the question section (qd questions after the header), 0 when
 * one is malformed. */
static size_t questions_len(const uint8_t *m, size_t len, unsigned qd)
{
	size_t off = SRV_DNS_HDR_LEN;

	for (unsigned i = 0; i < qd; i++) {
		size_t end = name_end(m, len, off);

		if (end == 0 || end + QFIXED > len)
			return 0;
		off = end + QFIXED;
	}
	return off - SRV_DNS_HDR_LEN;
}

bool srv_dns_is_query(const uint8_t *m, size_t len)
{
	unsigned qd;

	if (len < SRV_DNS_HDR_LEN || (m[2] & (FLAG_QR | OPCODE_MASK)) != 0)
		return false;
	qd = s6_get_u16be(m + 4);
	return qd > 0 && questions_len(m, len, qd) > 0;
}

s6_err srv_dns_servfail(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
			size_t *outlen)
{
	unsigned qd;
	size_t ql;

	if (qlen < SRV_DNS_HDR_LEN)
		return S6_ERR_MALFORMED;
	qd = s6_get_u16be(q + 4);
	ql = questions_len(q, qlen, qd);
	if (ql == 0)
		qd = 0;
	if (cap < SRV_DNS_HDR_LEN + ql)
		return S6_ERR_TOO_LONG;
	memset(out, 0, SRV_DNS_HDR_LEN);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(FLAG_QR | (q[2] & (OPCODE_MASK | FLAG_RD)));
	out[3] = FLAG_RA | SRV_DNS_RCODE_SERVFAIL;
	s6_put_u16be(out + 4, (uint16_t)qd);
	memcpy(out + SRV_DNS_HDR_LEN, q + SRV_DNS_HDR_LEN, ql);
	*outlen = SRV_DNS_HDR_LEN + ql;
	return S6_OK;
}

unsigned srv_dns_rcode(const uint8_t *m, size_t len)
{
	return len < SRV_DNS_HDR_LEN ? 0 : m[3] & 0x0f;
}

/* Appends one label, with unprintable bytes as '?'. */
static size_t put_label(char *buf, size_t cap, size_t pos, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && pos + 1 < cap; i++)
		buf[pos++] = p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\' ? (char)p[i] : '?';
	buf[pos] = '\0';
	return pos;
}

void srv_dns_describe(const uint8_t *m, size_t len, char *buf, size_t cap)
{
	size_t off = SRV_DNS_HDR_LEN, end, pos = 0;

	snprintf(buf, cap, "?");
	if (len < SRV_DNS_HDR_LEN || s6_get_u16be(m + 4) == 0 ||
	    (end = name_end(m, len, off)) == 0 || end + QFIXED > len)
		return;
	while (m[off] != 0 && (m[off] & LABEL_PTR) == 0 && pos + 2 < cap) {
		pos = put_label(buf, cap, pos, m + off + 1, m[off]);
		if (pos + 1 < cap)
			buf[pos++] = '.';
		off += 1 + (size_t)m[off];
	}
	if (pos == 0 && pos + 1 < cap)
		buf[pos++] = '.';
	if (pos < cap)
		snprintf(buf + pos, cap - pos, "/%u", s6_get_u16be(m + end));
}
