/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the libFuzzer targets and the corpus replay driver. Plain C so
 * the targets also build with gcc (the replay tests run in every build). */
#ifndef S6_FUZZ_H
#define S6_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer entry point; each fuzz_<name>.c defines it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property violation is a crash, so libFuzzer saves the input and the
 * replay test fails. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* The input as a NUL-terminated string in an exactly sized heap block, so
 * ASan sees reads past the terminator. Embedded NULs just end it early. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif
