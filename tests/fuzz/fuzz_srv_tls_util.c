/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TLS front's pure pieces (srv_tls_util.h) on input-chosen values:
 * the first byte of a connection (byte 0; the verdict is NULL exactly for
 * a handshake record, else a terminated reason within 48 bytes), the key
 * file mode (bytes 1-4; accepted exactly for a regular file no one else
 * may touch, else a terminated reason) and the handshake log line (the
 * rest: peer, version and cipher texts split at NULs, flags and counts).
 * The log line is what snprintf promises: the full length whatever the
 * room, a shorter buffer holds a prefix, and the fields come back out. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "s6_bytes.h"
#include "srv_tls_util.h"

static void check_first_byte(unsigned char b)
{
	char buf[48];
	const char *why;

	memset(buf, 'x', sizeof buf);
	why = srv_tls_first_byte_verdict(b, buf, sizeof buf);
	FUZZ_CHECK((why == NULL) == (b == SRV_TLS_HANDSHAKE_BYTE));
	if (why)
		FUZZ_CHECK(strnlen(why, sizeof buf) < sizeof buf && why[0] != '\0');
}

static void check_mode(mode_t mode)
{
	char why[80];
	bool ok;

	memset(why, 'x', sizeof why);
	ok = srv_tls_key_mode_ok(mode, why, sizeof why);
	FUZZ_CHECK(ok == (S_ISREG(mode) && (mode & 077) == 0));
	if (!ok)
		FUZZ_CHECK(strnlen(why, sizeof why) < sizeof why && why[0] != '\0');
}

/* The next NUL-terminated piece of [*p, end) in a heap copy. */
static char *piece(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *z = memchr(*p, '\0', (size_t)(end - *p));
	size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
	char *s = fuzz_strdup(*p, n);

	*p += z ? n + 1 : n;
	return s;
}

static void check_line(const uint8_t *p, const uint8_t *end, uint8_t flags, size_t early)
{
	char *peer = piece(&p, end), *ver = piece(&p, end), *ciph = piece(&p, end);
	srv_tls_hsinfo hi = {
		.resumed = flags & 1, .syn_data = flags & 2, .early = early,
		.version = flags & 4 ? NULL : ver, .cipher = flags & 8 ? NULL : ciph,
	};
	size_t need = strlen(peer) + strlen(ver) + strlen(ciph) + 128, cap = flags >> 4;
	char *full = malloc(need), *cut = malloc(cap + 1), want[128];
	int n;

	if (!full || !cut)
		abort();
	n = srv_tls_format_line(full, need, peer, &hi);
	FUZZ_CHECK(n > 0 && (size_t)n < need && strlen(full) == (size_t)n);
	snprintf(want, sizeof want, "tls=%s early=%zu syn=%s version=",
		 hi.resumed ? "resumed" : "full", early, hi.syn_data ? "data" : "plain");
	FUZZ_CHECK(strncmp(full, "tls ", 4) == 0 && strncmp(full + 4, peer, strlen(peer)) == 0);
	FUZZ_CHECK(full[4 + strlen(peer)] == ' ');
	FUZZ_CHECK(strncmp(full + 5 + strlen(peer), want, strlen(want)) == 0);
	/* A short buffer: the same length said, a terminated prefix held. */
	FUZZ_CHECK(srv_tls_format_line(cut, cap + 1, peer, &hi) == n);
	FUZZ_CHECK(strlen(cut) == (cap < (size_t)n ? cap : (size_t)n));
	FUZZ_CHECK(strncmp(cut, full, strlen(cut)) == 0);
	free(cut);
	free(full);
	free(ciph);
	free(ver);
	free(peer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	check_first_byte(data[0]);
	check_mode((mode_t)s6_get_u32be(data + 1));
	check_line(data + 10, data + size, data[5], s6_get_u32be(data + 6));
	return 0;
}
