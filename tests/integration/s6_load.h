/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_load: load and attack clients for t_load_server.sh (see s6_load.c). */
#ifndef S6_LOAD_H
#define S6_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest request s6l_request builds (SOCKS6, a 255-byte name). */
#define S6L_REQ_MAX 300

enum s6l_kind { S6L_SOCKS4, S6L_SOCKS6 };

uint64_t s6l_now_ms(void);
bool s6l_kind_parse(const char *s, enum s6l_kind *k);
/* A CONNECT to 127.0.0.1:port; with slow set, one that is never complete
 * at one byte per second (SOCKS4a: a long user id; SOCKS6: a 255-byte
 * name), returning its full length. */
size_t s6l_request(enum s6l_kind k, uint16_t port, bool slow, uint8_t *out);
/* Bytes of a successful reply in buf[0..have): its length when complete,
 * 0 when more is needed, -1 for a refusal or malformed reply. */
int s6l_reply_len(enum s6l_kind k, const uint8_t *buf, size_t have);
/* A non-blocking TCP connect to 127.0.0.1:port (in progress); -1 on error. */
int s6l_connect_nb(uint16_t port);

int s6l_slowloris(char **av);
int s6l_flood(char **av);

#endif
