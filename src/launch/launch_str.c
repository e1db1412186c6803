/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The string handling the launcher needs, without a C library. */
#include "launch.h"

size_t s6l_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

bool s6l_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The value of the first NAME=... entry, as getenv finds it. */
const char *s6l_getenv(char *const *envp, const char *name)
{
	size_t n = s6l_strlen(name);

	for (; *envp; envp++) {
		const char *e = *envp;
		size_t i = 0;

		while (i < n && e[i] == name[i])
			i++;
		if (i == n && e[n] == '=')
			return e + n + 1;
	}
	return NULL;
}

void s6l_buf_init(struct s6l_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = cap == 0;
	if (cap)
		mem[0] = '\0';
}

void s6l_putn(struct s6l_buf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		b->p[b->len + i] = s[i];
	b->len += n;
	b->p[b->len] = '\0';
}

void s6l_put(struct s6l_buf *b, const char *s)
{
	s6l_putn(b, s, s6l_strlen(s));
}

#ifdef S6L_NOLIBC
/* The compiler may emit calls to these even in freestanding code (struct
 * copies, zeroed arrays); there is no C library to provide them. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}
#endif
