/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values of single text digits, shared by the percent-decoders (URLs,
 * CONNECT-IP paths, next-hop-aliases), the hex of misbehave scripts and the
 * base64 of pins and Basic credentials. */
#ifndef S6_DIGITS_H
#define S6_DIGITS_H

/* 0..15 for a hex digit of either case, else -1. */
static inline int s6_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 0..63 for a symbol of standard base64 (RFC 4648 section 4), else -1;
 * the pad '=' is the caller's business. */
static inline int s6_b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

#endif
