/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Socket address helpers shared by client and server. */
#ifndef S6_ADDR_H
#define S6_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "1.2.3.4:80" or "[2001:db8::1]:80". Always NUL-terminates; returns buf. */
#define S6_ADDR_STR_MAX 64
char *s6_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* Parse "ADDR:PORT" / "[V6ADDR]:PORT" (numeric only) into *ss. */
bool s6_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *sslen);

/* Port of an AF_INET/AF_INET6 address in host order (0 otherwise). */
uint16_t s6_addr_port(const struct sockaddr *sa);

/* Length of the sockaddr for its family (0 when not INET/INET6). */
socklen_t s6_addr_len(const struct sockaddr *sa);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is turned into AF_INET so that
 * rules and placeholders see one form. Other addresses are copied. */
void s6_addr_unmap(const struct sockaddr *in, struct sockaddr_storage *out);

#endif
