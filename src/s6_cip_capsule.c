/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capsule framing, the stream reader and the DATAGRAM / draft-00 context
 * registration capsules (see s6_cip_capsule.h). */
#include <string.h>

#include "s6_cip_capsule.h"
#include "s6_cip_varint.h"

static void set_why(const char **why, const char *text)
{
	if (why)
		*why = text;
}

s6_cip_kind s6_cip_kind_of(s6_cip_mode mode, uint64_t type)
{
	if (mode == S6_CIP_MODE_DRAFT00) {
		switch (type) {
		case S6_CIP_D00_DATAGRAM: return S6_CIP_K_DATAGRAM;
		case S6_CIP_D00_REGISTER_CONTEXT: return S6_CIP_K_REGISTER_CONTEXT;
		case S6_CIP_D00_ADDRESS_ASSIGN: return S6_CIP_K_ADDRESS_ASSIGN;
		case S6_CIP_D00_ADDRESS_REQUEST: return S6_CIP_K_ADDRESS_REQUEST;
		case S6_CIP_D00_ROUTE_ADVERTISEMENT: return S6_CIP_K_ROUTE_ADVERTISEMENT;
		default: return S6_CIP_K_UNKNOWN;
		}
	}
	switch (type) {
	case S6_CIP_CAP_DATAGRAM: return S6_CIP_K_DATAGRAM;
	case S6_CIP_CAP_ADDRESS_ASSIGN: return S6_CIP_K_ADDRESS_ASSIGN;
	case S6_CIP_CAP_ADDRESS_REQUEST: return S6_CIP_K_ADDRESS_REQUEST;
	case S6_CIP_CAP_ROUTE_ADVERTISEMENT: return S6_CIP_K_ROUTE_ADVERTISEMENT;
	default: return S6_CIP_K_UNKNOWN;
	}
}

uint64_t s6_cip_type_of(s6_cip_mode mode, s6_cip_kind kind)
{
	bool d00 = mode == S6_CIP_MODE_DRAFT00;

	switch (kind) {
	case S6_CIP_K_DATAGRAM:
		return d00 ? S6_CIP_D00_DATAGRAM : S6_CIP_CAP_DATAGRAM;
	case S6_CIP_K_ADDRESS_ASSIGN:
		return d00 ? S6_CIP_D00_ADDRESS_ASSIGN : S6_CIP_CAP_ADDRESS_ASSIGN;
	case S6_CIP_K_ADDRESS_REQUEST:
		return d00 ? S6_CIP_D00_ADDRESS_REQUEST : S6_CIP_CAP_ADDRESS_REQUEST;
	case S6_CIP_K_ROUTE_ADVERTISEMENT:
		return d00 ? S6_CIP_D00_ROUTE_ADVERTISEMENT : S6_CIP_CAP_ROUTE_ADVERTISEMENT;
	case S6_CIP_K_REGISTER_CONTEXT:
		return d00 ? S6_CIP_D00_REGISTER_CONTEXT : UINT64_MAX;
	default:
		return UINT64_MAX;
	}
}

s6_err s6_cip_capsule_head(const uint8_t *buf, size_t len, uint64_t *type,
			   uint64_t *body_len, size_t *hlen, size_t *need)
{
	size_t n1 = 0, n2 = 0;
	s6_err e = s6_cip_varint_decode(buf, len, type, &n1, need);

	if (e != S6_OK)
		return e;
	e = s6_cip_varint_decode(buf + n1, len - n1, body_len, &n2, need);
	if (e != S6_OK)
		return e;
	*hlen = n1 + n2;
	return S6_OK;
}

void s6_cip_reader_init(s6_cip_reader *r, s6_cip_mode mode, uint64_t max_body)
{
	memset(r, 0, sizeof(*r));
	r->mode = mode;
	r->max_body = max_body;
}

/* The rest of an unknown capsule's value: drop what is there. */
static s6_err read_skip(s6_cip_reader *r, size_t len, s6_cip_event *ev,
			size_t *used, size_t *need)
{
	size_t take = len < r->skip_left ? len : (size_t)r->skip_left;

	if (take == 0) {
		*need = 1;      /* any byte is progress: it is dropped at once */
		return S6_ERR_NEED_MORE;
	}
	memset(ev, 0, sizeof(*ev));
	ev->ev = S6_CIP_EV_SKIP;
	r->skip_left -= take;
	*used = take;
	return S6_OK;
}

static s6_err read_known(s6_cip_reader *r, const uint8_t *buf, size_t len, size_t hlen,
			 s6_cip_event *ev, size_t *used, size_t *need, const char **why)
{
	if (ev->body_len > r->max_body) {
		set_why(why, "capsule longer than the configured maximum");
		return S6_ERR_TOO_LONG;
	}
	if (len - hlen < ev->body_len) {
		*need = (size_t)ev->body_len - (len - hlen);
		return S6_ERR_NEED_MORE;
	}
	ev->ev = S6_CIP_EV_CAPSULE;
	ev->body = buf + hlen;
	*used = hlen + (size_t)ev->body_len;
	return S6_OK;
}

s6_err s6_cip_read(s6_cip_reader *r, const uint8_t *buf, size_t len,
		   s6_cip_event *ev, size_t *used, size_t *need, const char **why)
{
	size_t hlen = 0;
	s6_err e;

	if (r->skip_left)
		return read_skip(r, len, ev, used, need);
	memset(ev, 0, sizeof(*ev));
	e = s6_cip_capsule_head(buf, len, &ev->type, &ev->body_len, &hlen, need);
	if (e != S6_OK)
		return e;
	ev->kind = s6_cip_kind_of(r->mode, ev->type);
	if (ev->kind != S6_CIP_K_UNKNOWN)
		return read_known(r, buf, len, hlen, ev, used, need, why);
	/* Unknown: report it on its header alone (so the answer does not
	 * change as more bytes arrive) and drop the value in later calls. */
	ev->ev = S6_CIP_EV_SKIP;
	r->skip_left = ev->body_len;
	*used = hlen;
	return S6_OK;
}

s6_err s6_cip_datagram_decode(const uint8_t *body, size_t len, uint64_t *ctx,
			      const uint8_t **payload, size_t *payload_len,
			      const char **why)
{
	size_t n = 0, need = 0;

	if (s6_cip_varint_decode(body, len, ctx, &n, &need) != S6_OK) {
		set_why(why, "DATAGRAM capsule without a whole context ID");
		return S6_ERR_MALFORMED;
	}
	*payload = body + n;
	*payload_len = len - n;
	return S6_OK;
}

s6_err s6_cip_register_decode(const uint8_t *body, size_t len, uint64_t *ctx,
			      uint64_t *format, size_t *extra_len, const char **why)
{
	size_t n1 = 0, n2 = 0, need = 0;

	if (s6_cip_varint_decode(body, len, ctx, &n1, &need) != S6_OK ||
	    s6_cip_varint_decode(body + n1, len - n1, format, &n2, &need) != S6_OK) {
		set_why(why, "REGISTER_DATAGRAM_CONTEXT capsule truncated");
		return S6_ERR_MALFORMED;
	}
	*extra_len = len - n1 - n2;
	return S6_OK;
}

/* Type and length of a capsule whose value is value_len bytes. */
static s6_err put_head(uint64_t type, uint64_t value_len, uint8_t *buf, size_t cap,
		       size_t *hlen)
{
	size_t n1 = 0, n2 = 0;
	s6_err e = s6_cip_varint_encode(type, buf, cap, &n1);

	if (e != S6_OK)
		return e;
	e = s6_cip_varint_encode(value_len, buf + n1, cap - n1, &n2);
	if (e != S6_OK)
		return e;
	*hlen = n1 + n2;
	return S6_OK;
}

s6_err s6_cip_capsule_encode(uint64_t type, const uint8_t *body, size_t len,
			     uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t hlen = 0;
	s6_err e;

	if (!buf || !outlen || (len && !body))
		return S6_ERR_INVALID_ARG;
	e = put_head(type, len, buf, cap, &hlen);
	if (e != S6_OK)
		return e;
	if (cap - hlen < len)
		return S6_ERR_TOO_LONG;
	if (len)
		memmove(buf + hlen, body, len);
	*outlen = hlen + len;
	return S6_OK;
}

s6_err s6_cip_datagram_head_encode(s6_cip_mode mode, uint64_t ctx, size_t payload_len,
				   uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t clen = s6_cip_varint_len(ctx), hlen = 0, n = 0;
	s6_err e;

	if (!buf || !outlen || clen == 0 || payload_len > S6_CIP_VARINT_MAX - clen)
		return S6_ERR_INVALID_ARG;
	e = put_head(s6_cip_type_of(mode, S6_CIP_K_DATAGRAM), clen + payload_len,
		     buf, cap, &hlen);
	if (e != S6_OK)
		return e;
	e = s6_cip_varint_encode(ctx, buf + hlen, cap - hlen, &n);
	if (e != S6_OK)
		return e;
	*outlen = hlen + n;
	return S6_OK;
}

s6_err s6_cip_datagram_encode(s6_cip_mode mode, uint64_t ctx, const uint8_t *payload,
			      size_t payload_len, uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t hlen = 0;
	s6_err e;

	if (payload_len && !payload)
		return S6_ERR_INVALID_ARG;
	e = s6_cip_datagram_head_encode(mode, ctx, payload_len, buf, cap, &hlen);
	if (e != S6_OK)
		return e;
	if (cap - hlen < payload_len)
		return S6_ERR_TOO_LONG;
	if (payload_len)
		memmove(buf + hlen, payload, payload_len);
	*outlen = hlen + payload_len;
	return S6_OK;
}

s6_err s6_cip_register_encode(uint64_t ctx, uint8_t *buf, size_t cap, size_t *outlen)
{
	uint8_t v[S6_CIP_VARINT_LEN_MAX * 2];
	size_t n1 = 0, n2 = 0;
	s6_err e = s6_cip_varint_encode(ctx, v, sizeof(v), &n1);

	if (e != S6_OK)
		return e;
	e = s6_cip_varint_encode(S6_CIP_D00_FORMAT_IP_PACKET, v + n1, sizeof(v) - n1, &n2);
	if (e != S6_OK)
		return e;
	return s6_cip_capsule_encode(S6_CIP_D00_REGISTER_CONTEXT, v, n1 + n2, buf, cap, outlen);
}
