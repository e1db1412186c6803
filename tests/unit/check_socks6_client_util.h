/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the SOCKS6 client machine tests: a canned proxy. The fake recv
 * serves one byte stream (in chunks, optionally pausing once or ending in
 * EOF) and records how far any recv asked beyond the end of the replies;
 * the fake send records what the machine wrote. */
#ifndef CHECK_SOCKS6_CLIENT_UTIL_H
#define CHECK_SOCKS6_CLIENT_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s6_socks6_client.h"

struct s6cli_fake {
	uint8_t in[40000];         /* what the proxy sends */
	size_t in_len, pos;
	size_t reply_end;          /* where the replies end; beyond: app data */
	size_t overask;            /* largest recv ask beyond reply_end */
	size_t chunk;              /* 0: as much as asked */
	size_t pause_at;           /* one EAGAIN when pos reaches it (0: none) */
	bool paused, eof;
	uint8_t sent[40000];
	size_t sent_len;
};

extern struct s6cli_fake fk;
extern const s6_io fake_io;
extern s6_hs hs;
extern s6_s6_client_result res;

void feed(const void *b, size_t n);
void sent_is(const uint8_t *exp, size_t n);
#define FEED(s) feed(s, sizeof(s) - 1)
#define SENT_IS(s) sent_is((const uint8_t *)(s), sizeof(s) - 1)

void setup(void);
void teardown(void);
/* CONNECT 127.0.0.1:80, results into res. */
s6_s6_client_params connect_v4(void);
/* Start and run to the end (reply_end defaults to all fed bytes). */
s6_hs_status run(const s6_s6_client_params *p);
/* Success, and exactly the replies were read. */
void assert_done_exact(void);

#define AUTH_OK "\x06\x00\x00\x00"
#define OP_OK_V4 "\x06\x00\x00\x00" "\x04\xd2\x00\x01" "\x0a\x00\x00\x01"

/* check_socks6_client_replies.c */
void s6cli_add_reply_tests(TCase *tc);

#endif
