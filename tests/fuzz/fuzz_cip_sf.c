/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Structured Field Lists (s6_sf.h) and Proxy-Status (s6_proxy_status.h) on
 * the input as one field value. A parsed list has items whose text lies in
 * the input and whose strings unescape; Proxy-Status accepts only what the
 * List parser accepts; every decoded alias is a valid name that the encoder
 * writes back and the decoder reads to the same name; a field accepted is
 * still accepted with SP added around it. */
#include <string.h>

#include "fuzz.h"
#include "s6_proxy_status.h"
#include "s6_sf.h"

#define MEMBERS 32
#define PARAMS 128

static void check_item(const s6_sf_item *it, const char *s, size_t size)
{
	char buf[512];

	FUZZ_CHECK(it->type >= S6_SF_INTEGER && it->type <= S6_SF_BOOLEAN);
	if (it->type == S6_SF_STRING || it->type == S6_SF_TOKEN || it->type == S6_SF_BYTES)
		FUZZ_CHECK(it->text >= s && it->text + it->len <= s + size);
	if (it->type == S6_SF_TOKEN)
		FUZZ_CHECK(it->len >= 1);
	if (it->type == S6_SF_STRING && it->len < sizeof(buf)) {
		size_t n = s6_sf_string_copy(it, buf, sizeof(buf));

		FUZZ_CHECK(n <= it->len && strlen(buf) == n);
	}
	if (it->type == S6_SF_BOOLEAN)
		FUZZ_CHECK(it->num == 0 || it->num == 1);
}

static void check_aliases(const s6_ps *ps)
{
	char enc[4 * S6_PS_NAME_MAX], dec[1][S6_PS_NAME_MAX];
	size_t n = 0, cnt = 0;

	for (size_t i = 0; i < ps->ndecoded; i++)
		for (size_t j = 0; j < ps->m[i].naliases; j++) {
			const char *name = ps->m[i].alias[j];

			FUZZ_CHECK(s6_ps_alias_encode(name, enc, sizeof(enc), &n) == S6_OK);
			FUZZ_CHECK(s6_ps_aliases_decode(enc, n, dec, 1, &cnt, NULL) == S6_OK);
			FUZZ_CHECK(cnt == 1 && strcmp(dec[0], name) == 0);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static s6_sf_member members[MEMBERS];
	static s6_sf_param params[PARAMS];
	static s6_ps ps;
	char *s = malloc(size + 2);
	s6_sf_list l = { members, MEMBERS, 0, params, PARAMS, 0 };
	s6_err e, pe;

	if (!s)
		abort();
	memcpy(s + 1, data, size);
	e = s6_sf_parse_list(s + 1, size, &l, NULL);
	FUZZ_CHECK(e == S6_OK || e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG);
	if (e == S6_OK) {
		for (size_t i = 0; i < l.nmembers; i++) {
			FUZZ_CHECK(members[i].param_first + members[i].param_count <= l.nparams);
			check_item(&members[i].item, s + 1, size);
		}
		for (size_t i = 0; i < l.nparams; i++) {
			FUZZ_CHECK(params[i].key_len >= 1);
			check_item(&params[i].value, s + 1, size);
		}
		/* Leading and trailing SP are discarded. */
		s[0] = ' ';
		s[size + 1] = ' ';
		FUZZ_CHECK(s6_sf_parse_list(s, size + 2, &l, NULL) == S6_OK);
	}
	pe = s6_ps_parse((const char *)data, size, &ps, NULL);
	FUZZ_CHECK(pe == S6_OK || pe == S6_ERR_MALFORMED || pe == S6_ERR_TOO_LONG);
	if (pe == S6_OK) {
		FUZZ_CHECK(e == S6_OK);
		FUZZ_CHECK(ps.ndecoded <= S6_PS_MEMBERS_MAX && ps.ndecoded <= ps.nmembers);
		check_aliases(&ps);
	}
	free(s);
	return 0;
}
