/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Explicit big-endian field access: wire formats are written byte by byte so
 * that no code depends on host byte order or on unaligned loads. */
#ifndef S6_BYTES_H
#define S6_BYTES_H

#include <stdint.h>

static inline void s6_put_u16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t s6_get_u16be(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void s6_put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t s6_get_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* An unsigned field of 1 to 8 bytes in either order, for file formats that
 * state their byte order in their header (ELF). */
static inline uint64_t s6_get_uint(const uint8_t *p, unsigned int width, int big_endian)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < width; i++)
		v |= (uint64_t)p[big_endian ? width - 1 - i : i] << (8 * i);
	return v;
}

#endif
