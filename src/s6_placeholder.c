/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder map for remote DNS (see s6_placeholder.h).
 *
 * Layout in the caller's memory, all found by offset from the start so no
 * pointer is ever stored in the shared mapping:
 *   struct s6_ph_map | slot[slots] | bucket[nbuckets]
 * Serial s always lives in slot (s - 1) % slots; allocating serials in order
 * therefore recycles slots round-robin, and a recycled slot holds a newer
 * serial, which is how stale addresses are recognised. Buckets chain slots
 * by name hash (index + 1, 0 ends a chain) so a lookup is not a full scan. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "s6_bytes.h"
#include "s6_pshared.h"
#include "s6_placeholder.h"

#define PH_MAGIC 0x73367068u          /* "s6ph" */
#define PH_SLOTS_MAX (1u << 20)       /* keeps sizes far from overflow */
#define PH_V4_PREFIX 0xf0000000u      /* 240.0.0.0/4 */
#define PH_HOST_MAX 253               /* without the trailing dot */
#define PH_LABEL_MAX 63

typedef struct ph_slot {
	uint32_t serial;       /* 0: free or being rewritten */
	uint32_t hash;
	uint32_t next;         /* next slot in the bucket chain, index + 1 */
	uint16_t len;
	uint8_t linked;        /* on its bucket chain */
	char name[S6_PH_NAME_MAX + 1];
} ph_slot;

struct s6_ph_map {
	uint32_t magic;
	uint32_t slots;
	uint32_t nbuckets;     /* power of two */
	uint32_t next_serial;  /* next serial to hand out; starts at 1 */
	pthread_mutex_t lock;  /* process-shared, robust */
};

/* Offsets rounded to 8 so slots and buckets stay aligned. */
#define PH_ALIGN(n) (((n) + 7u) & ~(size_t)7u)

static uint32_t buckets_for(uint32_t slots)
{
	uint32_t n = 1;

	while (n < slots)
		n <<= 1;
	return n;
}

static ph_slot *slot_at(s6_ph_map *map, uint32_t idx)
{
	uint8_t *base = (uint8_t *)map + PH_ALIGN(sizeof(*map));

	return (ph_slot *)(base + (size_t)idx * sizeof(ph_slot));
}

static uint32_t *buckets(s6_ph_map *map)
{
	uint8_t *base = (uint8_t *)map + PH_ALIGN(sizeof(*map));

	return (uint32_t *)(base + PH_ALIGN((size_t)map->slots * sizeof(ph_slot)));
}

size_t s6_ph_map_size(uint32_t slots)
{
	if (slots == 0 || slots > PH_SLOTS_MAX)
		return 0;
	return PH_ALIGN(sizeof(s6_ph_map)) +
	       PH_ALIGN((size_t)slots * sizeof(ph_slot)) +
	       (size_t)buckets_for(slots) * sizeof(uint32_t);
}

static bool map_args_ok(const void *mem, size_t memlen, uint32_t slots, s6_ph_map **out)
{
	size_t need = s6_ph_map_size(slots);

	return mem && out && need != 0 && memlen >= need &&
	       ((uintptr_t)mem & (_Alignof(s6_ph_map) - 1)) == 0;
}

s6_err s6_ph_map_init(void *mem, size_t memlen, uint32_t slots, s6_ph_map **out)
{
	if (!map_args_ok(mem, memlen, slots, out))
		return S6_ERR_INVALID_ARG;
	memset(mem, 0, s6_ph_map_size(slots));
	return s6_ph_map_init_zeroed(mem, memlen, slots, out);
}

/* All-zero bytes are the empty map; only the header needs writing, so a
 * fresh anonymous mapping costs one page fault instead of one per page. */
s6_err s6_ph_map_init_zeroed(void *mem, size_t memlen, uint32_t slots, s6_ph_map **out)
{
	s6_ph_map *map = mem;
	s6_err err;

	if (!map_args_ok(mem, memlen, slots, out))
		return S6_ERR_INVALID_ARG;
	map->slots = slots;
	map->nbuckets = buckets_for(slots);
	map->next_serial = 1;
	err = s6_pshared_mutex_init(&map->lock);
	if (err != S6_OK)
		return err;
	map->magic = PH_MAGIC;
	*out = map;
	return S6_OK;
}

/* ------------------------------------------------------------------------ */
/* Names */

static bool host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Lower-case name into buf (S6_PH_NAME_MAX + 1 bytes) without its trailing
 * dot, checking that it is a host name: labels of 1..63 letters, digits,
 * '-' or '_', at most 253 bytes in all. */
static s6_err normalize(const char *name, char *buf, size_t *outlen)
{
	size_t len = strnlen(name, S6_PH_NAME_MAX + 1), i, label = 0;

	if (len > S6_PH_NAME_MAX)
		return S6_ERR_TOO_LONG;
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return S6_ERR_MALFORMED;
	if (len > PH_HOST_MAX)
		return S6_ERR_TOO_LONG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return S6_ERR_MALFORMED;
			label = 0;
		} else if (!host_char(c)) {
			return S6_ERR_MALFORMED;
		} else if (++label > PH_LABEL_MAX) {
			return S6_ERR_TOO_LONG;
		}
		buf[i] = (char)c;
	}
	if (label == 0)
		return S6_ERR_MALFORMED;   /* "a.." : an empty last label */
	buf[len] = '\0';
	*outlen = len;
	return S6_OK;
}

/* FNV-1a: short names, no adversary who benefits from collisions (the
 * program only hurts its own lookup speed). */
static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

/* ------------------------------------------------------------------------ */
/* Chains */

static void chain_link(s6_ph_map *map, uint32_t idx)
{
	uint32_t *head = &buckets(map)[slot_at(map, idx)->hash & (map->nbuckets - 1)];
	ph_slot *sl = slot_at(map, idx);

	sl->next = *head;
	*head = idx + 1;
	sl->linked = 1;
}

static void chain_unlink(s6_ph_map *map, uint32_t idx)
{
	ph_slot *sl = slot_at(map, idx);
	uint32_t *link = &buckets(map)[sl->hash & (map->nbuckets - 1)];
	uint32_t hops = 0;

	/* Bounded: a chain never holds more than every slot. */
	while (*link != 0 && hops++ <= map->slots) {
		if (*link == idx + 1) {
			*link = sl->next;
			break;
		}
		link = &slot_at(map, *link - 1)->next;
	}
	sl->next = 0;
	sl->linked = 0;
}

static bool slot_sane(s6_ph_map *map, uint32_t idx)
{
	ph_slot *sl = slot_at(map, idx);

	return sl->serial != 0 && sl->serial <= S6_PH_SERIAL_MAX &&
	       (sl->serial - 1) % map->slots == idx &&
	       sl->len > 0 && sl->len <= PH_HOST_MAX && sl->name[sl->len] == '\0' &&
	       sl->hash == name_hash(sl->name, sl->len);
}

/* A process died holding the lock, maybe halfway through an update. The
 * slots are the truth (a slot's serial is written last); the chains and the
 * serial counter are rebuilt from them. */
static void repair(s6_ph_map *map)
{
	uint32_t i, top = 0;

	memset(buckets(map), 0, (size_t)map->nbuckets * sizeof(uint32_t));
	for (i = 0; i < map->slots; i++) {
		ph_slot *sl = slot_at(map, i);

		sl->next = 0;
		sl->linked = 0;
		if (!slot_sane(map, i)) {
			sl->serial = 0;
			continue;
		}
		chain_link(map, i);
		if (sl->serial > top)
			top = sl->serial;
	}
	if (map->next_serial <= top)
		map->next_serial = top + 1;
}

static s6_err map_lock(s6_ph_map *map)
{
	int rc = pthread_mutex_lock(&map->lock);

	if (rc == EOWNERDEAD) {
		repair(map);
		rc = pthread_mutex_consistent(&map->lock);
	}
	return rc == 0 ? S6_OK : S6_ERR_IO;
}

static void map_unlock(s6_ph_map *map)
{
	pthread_mutex_unlock(&map->lock);
}

/* ------------------------------------------------------------------------ */
/* Lookup */

static uint32_t find(s6_ph_map *map, const char *name, size_t len, uint32_t h)
{
	uint32_t link = buckets(map)[h & (map->nbuckets - 1)];
	uint32_t hops = 0;

	while (link != 0 && hops++ < map->slots) {
		ph_slot *sl = slot_at(map, link - 1);

		if (sl->serial != 0 && sl->hash == h && sl->len == len &&
		    memcmp(sl->name, name, len) == 0)
			return sl->serial;
		link = sl->next;
	}
	return 0;
}

/* Give name the next serial, evicting the oldest name from its slot. */
static s6_err allocate(s6_ph_map *map, const char *name, size_t len,
		       uint32_t h, uint32_t *serial)
{
	uint32_t s = map->next_serial, idx;
	ph_slot *sl;

	if (s == 0 || s > S6_PH_SERIAL_MAX)
		return S6_ERR_NOMEM;   /* serials are never reused */
	map->next_serial = s + 1;
	idx = (s - 1) % map->slots;
	sl = slot_at(map, idx);
	__atomic_store_n(&sl->serial, 0, __ATOMIC_RELEASE);
	if (sl->linked)
		chain_unlink(map, idx);
	memcpy(sl->name, name, len + 1);
	sl->len = (uint16_t)len;
	sl->hash = h;
	chain_link(map, idx);
	/* Last, so a crash before this point leaves a slot repair() drops. */
	__atomic_store_n(&sl->serial, s, __ATOMIC_RELEASE);
	*serial = s;
	return S6_OK;
}

s6_err s6_ph_lookup(s6_ph_map *map, const char *name, uint32_t *serial)
{
	char norm[S6_PH_NAME_MAX + 1];
	size_t len = 0;
	uint32_t h, found;
	s6_err err;

	if (!map || !name || !serial || map->magic != PH_MAGIC)
		return S6_ERR_INVALID_ARG;
	err = normalize(name, norm, &len);
	if (err != S6_OK)
		return err;
	h = name_hash(norm, len);
	err = map_lock(map);
	if (err != S6_OK)
		return err;
	found = find(map, norm, len, h);
	if (found != 0)
		*serial = found;
	else
		err = allocate(map, norm, len, h, serial);
	map_unlock(map);
	return err;
}

s6_err s6_ph_name(s6_ph_map *map, uint32_t serial, char *buf, size_t len)
{
	ph_slot *sl;
	s6_err err;

	if (!map || !buf || len == 0 || map->magic != PH_MAGIC)
		return S6_ERR_INVALID_ARG;
	if (serial == 0 || serial > S6_PH_SERIAL_MAX)
		return S6_ERR_STALE_PLACEHOLDER;
	err = map_lock(map);
	if (err != S6_OK)
		return err;
	sl = slot_at(map, (serial - 1) % map->slots);
	if (sl->serial != serial)
		err = S6_ERR_STALE_PLACEHOLDER;
	else if (len <= sl->len)
		err = S6_ERR_TOO_LONG;
	else
		memcpy(buf, sl->name, (size_t)sl->len + 1);
	map_unlock(map);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Addresses */

void s6_ph_addr4(uint32_t serial, uint8_t out[4])
{
	s6_put_u32be(out, PH_V4_PREFIX | (serial & ~PH_V4_PREFIX));
}

void s6_ph_addr6(uint32_t serial, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0x01;            /* 100::/64 */
	s6_put_u32be(out + 12, serial);
}

static bool serial_ok(uint32_t serial)
{
	return serial != 0 && serial <= S6_PH_SERIAL_MAX;
}

static bool v4_placeholder(const uint8_t a[4], uint32_t *serial)
{
	uint32_t v = s6_get_u32be(a);

	if ((v & PH_V4_PREFIX) != PH_V4_PREFIX || !serial_ok(v & ~PH_V4_PREFIX))
		return false;
	*serial = v & ~PH_V4_PREFIX;
	return true;
}

static bool v6_placeholder(const uint8_t a[16], uint32_t *serial)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t prefix[12] = { 0x01, 0 };

	if (memcmp(a, mapped, 12) == 0)
		return v4_placeholder(a + 12, serial);
	/* Only what s6_ph_addr6() produces: 100::/64 with bytes 8..11 zero. */
	if (memcmp(a, prefix, 12) != 0 || !serial_ok(s6_get_u32be(a + 12)))
		return false;
	*serial = s6_get_u32be(a + 12);
	return true;
}

bool s6_ph_is_placeholder(const struct sockaddr *sa, uint32_t *serial)
{
	uint32_t s = 0;
	bool hit = false;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		hit = v4_placeholder((const uint8_t *)&sin.sin_addr, &s);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		hit = v6_placeholder(sin6.sin6_addr.s6_addr, &s);
	}
	if (hit && serial)
		*serial = s;
	return hit;
}
