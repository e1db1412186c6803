/* SPDX-License-Identifier: GPL-2.0-or-later */
/* block-alias globs (s6_cip_alias.h). The input is NUL-separated pattern
 * and name. Matching ignores ASCII case; a `*.` prefix never matches the
 * bare suffix; a valid pattern without wildcards or escapes matches itself;
 * "*" matches every name that some pattern can match. */
#include <string.h>

#include "fuzz.h"
#include "s6_cip_alias.h"

static void upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size), *pat = s, *name = s + strlen(s);
	char *up, *star;
	bool m;

	if (name < s + size)
		name++;
	m = s6_cip_alias_match(pat, name);
	up = strdup(name);
	star = malloc(strlen(pat) + 3);
	if (!up || !star)
		abort();
	upcase(up);
	FUZZ_CHECK(s6_cip_alias_match(pat, up) == m);
	if (m)
		FUZZ_CHECK(s6_cip_alias_match("*", name));
	if (s6_cip_alias_pattern_check(pat) == S6_OK && !strpbrk(pat, "*?\\")) {
		FUZZ_CHECK(s6_cip_alias_match(pat, pat));
		memcpy(star, "*.", 2);
		strcpy(star + 2, pat);
		FUZZ_CHECK(!s6_cip_alias_match(star, pat));
	}
	free(star);
	free(up);
	free(s);
	return 0;
}
