/* SPDX-License-Identifier: GPL-2.0-or-later */
/* URI template expansion (s6_cip_template.h). The input is NUL-separated
 * template, target, ipproto. An expansion is plain URI characters (no
 * space, control or non-ASCII byte, every % starts an escape), has the
 * reported length, and fails with TOO_LONG exactly when out is one byte
 * short; only the documented errors occur. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "s6_cip_template.h"

static bool hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size), *f[3] = { NULL, NULL, NULL };
	char *out = malloc(4096), *small;
	size_t nf = 0, n = 0, n2 = 0;
	s6_cip_tvars v;
	s6_err e;

	if (!out)
		abort();
	for (size_t i = 0; i <= size && nf < 3; i++)
		if (i == 0 || s[i - 1] == '\0')
			f[nf++] = s + i;
	v.target = f[1];
	v.ipproto = f[2];
	e = s6_cip_template_expand(f[0], &v, out, 4096, &n);
	FUZZ_CHECK(e == S6_OK || e == S6_ERR_MALFORMED || e == S6_ERR_TOO_LONG);
	if (e == S6_OK) {
		FUZZ_CHECK(n == strlen(out));
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];

			FUZZ_CHECK(c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c));
			if (c == '%')
				FUZZ_CHECK(i + 2 < n && hex(out[i + 1]) && hex(out[i + 2]));
		}
		small = malloc(n + 1);
		if (!small)
			abort();
		FUZZ_CHECK(s6_cip_template_expand(f[0], &v, small, n + 1, &n2) == S6_OK && n2 == n);
		FUZZ_CHECK(memcmp(small, out, n + 1) == 0);
		FUZZ_CHECK(n == 0 || s6_cip_template_expand(f[0], &v, small, n, &n2) ==
				     S6_ERR_TOO_LONG);
		free(small);
	}
	free(out);
	free(s);
	return 0;
}
