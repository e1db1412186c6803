/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder map: names cut from the input (separated by '\n' or NUL) go
 * through s6_ph_lookup in a map of a few slots, so recycling happens often.
 * A name gets a stable serial while its slot lives; s6_ph_name gives back
 * the normalised name (lower case, no trailing dot) for live serials and
 * STALE for recycled ones; the placeholder addresses map back to the serial. */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "s6_placeholder.h"

#define SLOTS 4
#define MAX_NAMES 64

struct seen {
	uint32_t serial;
	char name[S6_PH_NAME_MAX + 1];   /* as looked up */
};

/* The map in static memory, laid out fresh for each input. */
static s6_ph_map *fresh_map(void)
{
	static _Alignas(max_align_t) uint8_t mem[1 << 16];
	s6_ph_map *map = NULL;

	FUZZ_CHECK(s6_ph_map_size(SLOTS) <= sizeof mem);
	FUZZ_CHECK(s6_ph_map_init(mem, sizeof mem, SLOTS, &map) == S6_OK);
	return map;
}

static void check_addresses(uint32_t serial)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint32_t back = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	s6_ph_addr4(serial, (uint8_t *)&sin.sin_addr);
	FUZZ_CHECK(s6_ph_is_placeholder((struct sockaddr *)&sin, &back) && back == serial);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	s6_ph_addr6(serial, sin6.sin6_addr.s6_addr);
	back = 0;
	FUZZ_CHECK(s6_ph_is_placeholder((struct sockaddr *)&sin6, &back) && back == serial);
}

/* s6_ph_name for a live serial: the name minus a trailing dot, lower case. */
static void check_name(s6_ph_map *map, const struct seen *s)
{
	char buf[S6_PH_NAME_MAX + 1];
	size_t len = strlen(s->name);

	if (len > 0 && s->name[len - 1] == '.')
		len--;
	FUZZ_CHECK(s6_ph_name(map, s->serial, buf, sizeof buf) == S6_OK);
	FUZZ_CHECK(strlen(buf) == len && strncasecmp(buf, s->name, len) == 0);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(buf[i] < 'A' || buf[i] > 'Z');
	FUZZ_CHECK(s6_ph_name(map, s->serial, buf, len) == S6_ERR_TOO_LONG);
	FUZZ_CHECK(s6_ph_name(map, s->serial, buf, len + 1) == S6_OK);
}

/* One name: a known-good result is stable on a second lookup. Returns the
 * serial (0 when the name was refused). */
static uint32_t look_up(s6_ph_map *map, const char *name)
{
	uint32_t serial = 0, again = 0;
	s6_err err = s6_ph_lookup(map, name, &serial);

	if (err != S6_OK) {
		FUZZ_CHECK(err == S6_ERR_MALFORMED || err == S6_ERR_TOO_LONG);
		return 0;
	}
	FUZZ_CHECK(serial >= 1 && serial <= S6_PH_SERIAL_MAX);
	FUZZ_CHECK(s6_ph_lookup(map, name, &again) == S6_OK && again == serial);
	check_addresses(serial);
	return serial;
}

/* After all lookups: the last SLOTS serials handed out are live, older
 * ones stale. */
static void check_history(s6_ph_map *map, const struct seen *seen, size_t n,
			  uint32_t top)
{
	char buf[S6_PH_NAME_MAX + 1];

	for (size_t i = 0; i < n; i++) {
		if (seen[i].serial + SLOTS > top)
			check_name(map, &seen[i]);
		else
			FUZZ_CHECK(s6_ph_name(map, seen[i].serial, buf, sizeof buf) ==
				   S6_ERR_STALE_PLACEHOLDER);
	}
	FUZZ_CHECK(s6_ph_name(map, top + 1, buf, sizeof buf) == S6_ERR_STALE_PLACEHOLDER);
	FUZZ_CHECK(s6_ph_name(map, 0, buf, sizeof buf) == S6_ERR_STALE_PLACEHOLDER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen seen[MAX_NAMES];
	s6_ph_map *map = fresh_map();
	size_t n = 0, pos = 0;
	uint32_t top = 0;

	while (pos <= size && n < MAX_NAMES) {
		size_t len = 0;
		char *name;
		uint32_t serial;

		while (pos + len < size && data[pos + len] != '\n' && data[pos + len] != 0)
			len++;
		name = fuzz_strdup(data + pos, len);
		pos += len + 1;
		serial = look_up(map, name);
		if (serial > top) {
			/* A new name: serials are handed out in order. */
			FUZZ_CHECK(serial == top + 1);
			top = serial;
			seen[n].serial = serial;
			snprintf(seen[n].name, sizeof seen[n].name, "%s", name);
			n++;
		} else if (serial != 0) {
			FUZZ_CHECK(serial + SLOTS > top);   /* a live name */
		}
		free(name);
	}
	check_history(map, seen, n, top);
	return 0;
}
