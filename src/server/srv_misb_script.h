/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scripts of socks6ify-server --misbehave: a hostile proxy for tests.
 * One step per line ('#' comments, blank lines skipped); an argument
 * "inline:STEPS" is a script on the command line with ';' between steps.
 *
 *   expect N          wait for N more bytes from the client
 *   expect request    wait for one whole request (SOCKS6: with its initial
 *                     data; CONNECT-IP: the HTTP Upgrade head), parsed by
 *                     the real codec
 *   send HEX...       bytes: hex pairs, spaces anywhere between pairs
 *   send auth-ok [HEX...]   SOCKS6 Authentication Reply, success, with the
 *                     option bytes HEX (packed by the codec: a multiple of 4)
 *   send auth-fail    SOCKS6 Authentication Reply, failure
 *   send op-ok [HEX...]     Operation Reply success (SOCKS4: reply 90)
 *   send reply CODE [HEX...] Operation Reply with any code 0..255
 *                     (SOCKS4: the 8-byte reply with CD = CODE)
 *   send http-101     CONNECT-IP: "HTTP/1.1 101" head with Connection,
 *                     Upgrade: connect-ip and Capsule-Protocol: ?1
 *   send capsule TYPE [HEX...]  CONNECT-IP: a capsule of type TYPE
 *                     (decimal) whose payload is HEX, type and length as
 *                     minimal varints (bad varints are plain send bytes)
 *   text WORDS...     the rest of the line and "\n" (data for the program)
 *   split N [MS]      send later bytes N per segment, MS (default 5) apart;
 *                     split 0 ends it
 *   sleep MS          pause
 *   silence           never answer; hold the connection until the client
 *                     closes it
 *   rst               reset the connection (SO_LINGER 0)
 *   close             close it gracefully (FIN); also the end of a script
 *   flood [zero|random]  send bytes until the client goes away
 *   relay             hand the connection to the listener's protocol, which
 *                     sees the client's bytes from the beginning
 *
 * Steps after silence, rst, close, flood or relay are an error. Pure: no
 * I/O besides reading the file in srv_misb_load. */
#ifndef SRV_MISB_SCRIPT_H
#define SRV_MISB_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_MISB_STEPS_MAX 1024
#define SRV_MISB_BYTES_MAX (1024 * 1024)  /* all send/text bytes together */
#define SRV_MISB_FILE_MAX (4 * 1024 * 1024)
#define SRV_MISB_MS_MAX 600000u
#define SRV_MISB_SPLIT_MS 5u

enum srv_misb_kind {
	SRV_MISB_EXPECT,          /* arg: bytes */
	SRV_MISB_EXPECT_REQUEST,
	SRV_MISB_SEND,            /* bytes[] */
	SRV_MISB_SPLIT,           /* arg: bytes per segment, arg2: ms */
	SRV_MISB_SLEEP,           /* arg: ms */
	SRV_MISB_SILENCE,
	SRV_MISB_RST,
	SRV_MISB_CLOSE,
	SRV_MISB_FLOOD,           /* arg: 1 random, 0 zeros */
	SRV_MISB_RELAY,
};

/* Which protocol's bytes a send step carries: helpers differ. */
enum srv_misb_flavour { SRV_MISB_S6, SRV_MISB_S4, SRV_MISB_CIP, SRV_MISB_FLAVOURS };

typedef struct srv_misb_range {
	size_t off, len;
	bool valid;               /* false: the helper has no such form */
} srv_misb_range;

typedef struct srv_misb_step {
	enum srv_misb_kind kind;
	unsigned arg, arg2;
	unsigned line;
	srv_misb_range bytes[SRV_MISB_FLAVOURS]; /* into script->bytes */
} srv_misb_step;

typedef struct srv_misb_script {
	srv_misb_step *steps;
	size_t n_steps;
	uint8_t *bytes;
	size_t n_bytes;
	bool has_relay;
	bool s6_only;             /* uses a SOCKS6-only helper */
	bool s4_only;             /* uses a SOCKS4-only helper (none yet) */
	bool cip_only;            /* uses a CONNECT-IP helper */
} srv_misb_script;

/* Parse text[0..len) (NUL bytes are an error). name is used in messages:
 * "NAME:LINE: problem" (inline scripts count steps). False with why set;
 * *out is then empty. */
bool srv_misb_parse(const char *text, size_t len, bool inline_form,
		    const char *name, srv_misb_script *out, char *why, size_t whylen);
/* "inline:STEPS" or a file name. */
bool srv_misb_load(const char *arg, srv_misb_script *out, char *why, size_t whylen);
void srv_misb_free(srv_misb_script *s);
const char *srv_misb_kind_name(enum srv_misb_kind kind);

#endif
