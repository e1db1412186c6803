/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /etc/hosts parser (s6_hosts.h). The input's first line is the name
 * looked up, the rest the file's text (an exactly sized block, no NUL at
 * its end, so ASan sees a read past it). Properties, without a second
 * parser: results unique and of the family asked; AF_UNSPEC filtered by
 * family is the per-family answer; a smaller cap gives a prefix; ASCII case
 * and one root dot do not matter; a canonical name exactly when something
 * matched, one token, cut to its buffer; a name with a blank or '#' never
 * matches; a line "192.0.2.77 NAME" appended adds exactly that address at
 * the end. The loopback names: 127.0.0.1 before ::1, per family, only for
 * the names RFC 6761 and the usual aliases give. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "s6_hosts.h"

#define BIG 1024
#define CANON 300

struct answer {
	size_t n;
	s6_hosts_addr a[BIG];
	char canon[CANON];
};

static struct answer r_any, r_fam, r_tmp;

static size_t alen(const s6_hosts_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static bool addr_eq(const s6_hosts_addr *x, const s6_hosts_addr *y)
{
	return x->family == y->family && memcmp(x->addr, y->addr, alen(x)) == 0;
}

static void look(const char *text, size_t len, const char *name, int fam, size_t max,
		 size_t canonlen, struct answer *r)
{
	memset(r->canon, 'x', sizeof r->canon);
	r->n = s6_hosts_lookup(text, len, name, fam, r->a, max, r->canon, canonlen);
	FUZZ_CHECK(r->n <= max);
	if (canonlen)
		FUZZ_CHECK(strnlen(r->canon, canonlen) < canonlen);
	for (size_t i = 0; i < r->n; i++) {
		FUZZ_CHECK(r->a[i].family == AF_INET || r->a[i].family == AF_INET6);
		FUZZ_CHECK(fam == AF_UNSPEC || r->a[i].family == fam);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(!addr_eq(&r->a[i], &r->a[j]));
	}
}

static bool same(const struct answer *x, const struct answer *y)
{
	if (x->n != y->n || strcmp(x->canon, y->canon) != 0)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (!addr_eq(&x->a[i], &y->a[i]))
			return false;
	return true;
}

/* The canonical name is one token of a line, present exactly on a match. */
static void check_canon(const struct answer *r)
{
	size_t n = strlen(r->canon);

	FUZZ_CHECK((r->n > 0) == (n > 0));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)r->canon[i] > ' ' && r->canon[i] != 0x7f &&
			   r->canon[i] != '#');
}

/* AF_UNSPEC filtered by family, and a cap, give the per-family answer. */
static void check_family(const char *text, size_t len, const char *name, int fam)
{
	size_t k = 0;

	look(text, len, name, fam, BIG, CANON, &r_fam);
	check_canon(&r_fam);
	for (size_t i = 0; i < r_any.n && r_any.n < BIG; i++) {
		if (r_any.a[i].family != fam)
			continue;
		FUZZ_CHECK(k < r_fam.n && addr_eq(&r_any.a[i], &r_fam.a[k]));
		k++;
	}
	if (r_any.n < BIG)
		FUZZ_CHECK(k == r_fam.n);
	look(text, len, name, fam, 1, 4, &r_tmp);
	FUZZ_CHECK(r_tmp.n == (r_fam.n ? 1u : 0u));
	FUZZ_CHECK(!r_tmp.n || addr_eq(&r_tmp.a[0], &r_fam.a[0]));
	FUZZ_CHECK(strncmp(r_tmp.canon, r_fam.canon, 3) == 0);
}

/* Upper case and one root dot change nothing. */
static void check_spelling(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);
	char *alt = malloc(n + 2);

	if (!alt)
		abort();
	for (size_t i = 0; i <= n; i++)
		alt[i] = name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 'a' + 'A') : name[i];
	look(text, len, alt, AF_UNSPEC, BIG, CANON, &r_tmp);
	FUZZ_CHECK(same(&r_tmp, &r_any));
	if (n == 0 || name[n - 1] != '.') {
		memcpy(alt, name, n);
		alt[n] = '.';
		alt[n + 1] = '\0';
		look(text, len, alt, AF_UNSPEC, BIG, CANON, &r_tmp);
		FUZZ_CHECK(same(&r_tmp, &r_any));
	}
	free(alt);
}

/* A name a hosts line can hold: one token, not empty without its root dot. */
static bool spellable(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f || name[i] == '#')
			return false;
	if (n && name[n - 1] == '.')
		n--;
	return n > 0 && n <= S6_HOSTS_NAME_MAX;
}

/* text + "\n192.0.2.77 NAME": that address, once, at the end. */
static void check_append(const char *text, size_t len, const char *name)
{
	static const char pre[] = "\n192.0.2.77 ";
	size_t nl = strlen(name), n = len + sizeof pre - 1 + nl;
	char *t = malloc(n);
	s6_hosts_addr add = {.family = AF_INET, .addr = {192, 0, 2, 77}};
	bool had = false;

	if (!t)
		abort();
	memcpy(t, text, len);
	memcpy(t + len, pre, sizeof pre - 1);
	memcpy(t + len + sizeof pre - 1, name, nl);
	look(t, n, name, AF_INET, BIG, CANON, &r_tmp);
	free(t);
	for (size_t i = 0; i < r_fam.n; i++)
		had |= addr_eq(&r_fam.a[i], &add);
	FUZZ_CHECK(r_tmp.n == r_fam.n + (had ? 0 : 1));
	FUZZ_CHECK(had || addr_eq(&r_tmp.a[r_fam.n], &add));
	for (size_t i = 0; i < r_fam.n; i++)
		FUZZ_CHECK(addr_eq(&r_tmp.a[i], &r_fam.a[i]));
	if (r_fam.n)
		FUZZ_CHECK(strcmp(r_tmp.canon, r_fam.canon) == 0);
}

/* The names the system answers itself, lower case without the root dot. */
static bool loopback_name(const char *name)
{
	static const char lh[] = "localhost";
	size_t n = strlen(name), l = sizeof lh - 1;
	char low[S6_HOSTS_NAME_MAX + 2];

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > S6_HOSTS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	low[n] = '\0';
	return strcmp(low, lh) == 0 || (n > l + 1 && low[n - l - 1] == '.' &&
					strcmp(low + n - l, lh) == 0) ||
	       strcmp(low, "localhost.localdomain") == 0 ||
	       strcmp(low, "ip6-localhost") == 0 || strcmp(low, "ip6-loopback") == 0;
}

static void check_loopback(const char *name)
{
	static const uint8_t v4[4] = {127, 0, 0, 1}, v6[16] = {[15] = 1};
	s6_hosts_addr any[2], one[1], fam4[2], fam6[2];
	size_t n = s6_hosts_loopback(name, AF_UNSPEC, any, 2);
	size_t n4 = s6_hosts_loopback(name, AF_INET, fam4, 2);
	size_t n6 = s6_hosts_loopback(name, AF_INET6, fam6, 2);

	FUZZ_CHECK(n <= 2 && n4 <= 1 && n6 <= 1 && n == n4 + n6);
	FUZZ_CHECK((n > 0) == loopback_name(name));
	FUZZ_CHECK(s6_hosts_loopback(name, AF_UNSPEC, one, 0) == 0);
	FUZZ_CHECK(s6_hosts_loopback(name, AF_UNSPEC, one, 1) == (n ? 1u : 0u));
	if (n4)
		FUZZ_CHECK(fam4[0].family == AF_INET && memcmp(fam4[0].addr, v4, 4) == 0 &&
			   addr_eq(&any[0], &fam4[0]) && addr_eq(&one[0], &fam4[0]));
	if (n6)
		FUZZ_CHECK(fam6[0].family == AF_INET6 && memcmp(fam6[0].addr, v6, 16) == 0 &&
			   addr_eq(&any[n - 1], &fam6[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 280 ? size : 280);
	size_t nlen = nl ? (size_t)(nl - data) : 0, tlen = nl ? size - nlen - 1 : size;
	char *name = fuzz_strdup(data, nlen);
	char *text = malloc(tlen ? tlen : 1);

	if (!text)
		abort();
	if (tlen)
		memcpy(text, data + size - tlen, tlen);
	look(text, tlen, name, AF_UNSPEC, BIG, CANON, &r_any);
	check_canon(&r_any);
	if (!spellable(name))
		FUZZ_CHECK(r_any.n == 0);
	check_spelling(text, tlen, name);
	check_family(text, tlen, name, AF_INET6);
	check_family(text, tlen, name, AF_INET);
	if (spellable(name) && r_fam.n < BIG)
		check_append(text, tlen, name);
	/* Bad arguments: no name, an unknown family, no room. */
	FUZZ_CHECK(s6_hosts_lookup(text, tlen, NULL, AF_UNSPEC, r_tmp.a, BIG, NULL, 0) == 0);
	FUZZ_CHECK(s6_hosts_lookup(text, tlen, name, AF_UNIX, r_tmp.a, BIG, NULL, 0) == 0);
	FUZZ_CHECK(s6_hosts_lookup(text, tlen, name, AF_UNSPEC, r_tmp.a, 0, NULL, 0) == 0);
	check_loopback(name);
	free(text);
	free(name);
	return 0;
}
