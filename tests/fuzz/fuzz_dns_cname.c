/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNAME chains in DNS responses (s6_dns_cname.h). The input is one DNS
 * message. Only documented errors, with a reason; a chain within the
 * limit, of non-empty terminated names that next-hop-aliases can carry
 * (s6_ps_alias_encode, and s6_ps_aliases_decode gives each name back); a
 * smaller limit gives a prefix of the chain or TOO_LONG, never another
 * result; short messages: the same on every prefix of the input (no read
 * past the end, ASan sees it: replay and libFuzzer copy inputs exactly). */
#include <string.h>

#include "fuzz.h"
#include "fuzz_prefix.h"
#include "s6_dns_cname.h"
#include "s6_proxy_status.h"

#define PREFIX_MAX 512

static char chain[S6_DNS_CNAME_MAX][S6_DNS_NAME_MAX];
static char small[S6_DNS_CNAME_MAX][S6_DNS_NAME_MAX];

static void check_name(const char *name)
{
	char enc[4 * S6_DNS_NAME_MAX], back[2][S6_PS_NAME_MAX];
	size_t len = strnlen(name, S6_DNS_NAME_MAX), elen = 0, k = 0;
	const char *why = NULL;

	FUZZ_CHECK(len > 0 && len < S6_DNS_NAME_MAX);
	FUZZ_CHECK(s6_ps_alias_encode(name, enc, sizeof enc, &elen) == S6_OK);
	FUZZ_CHECK(elen == strlen(enc) && !strchr(enc, ','));
	if (len < S6_PS_NAME_MAX) {
		FUZZ_CHECK(s6_ps_aliases_decode(enc, elen, back, 2, &k, &why) == S6_OK);
		FUZZ_CHECK(k == 1 && strcmp(back[0], name) == 0);
	}
}

static void run(const uint8_t *data, size_t size)
{
	size_t n = 0, m = 0;
	const char *why = NULL;
	s6_err e = s6_dns_cname_chain(data, size, chain, S6_DNS_CNAME_MAX, &n, &why);

	FUZZ_CHECK(e == S6_OK || e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG);
	FUZZ_CHECK(n <= S6_DNS_CNAME_MAX);
	if (e != S6_OK) {
		FUZZ_CHECK(why && why[0]);
		return;
	}
	for (size_t i = 0; i < n; i++)
		check_name(chain[i]);
	if (n == 0)
		return;
	e = s6_dns_cname_chain(data, size, small, n - 1, &m, &why);
	FUZZ_CHECK(e == S6_ERR_TOO_LONG && m == n - 1);
	for (size_t i = 0; i < m; i++)
		FUZZ_CHECK(strcmp(small[i], chain[i]) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_view v;

	run(data, size);
	if (size > PREFIX_MAX)
		return 0;
	/* Every prefix of a short input, from one copy whose bytes past the
	 * prefix are ASan-poisoned (fuzz_prefix.h): no block per prefix. */
	fuzz_view_open(&v, data, size);
	for (size_t k = 0; k < size; k++)
		run(fuzz_view_limit(&v, k), k);
	fuzz_view_close(&v);
	return 0;
}
