/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sans-I/O handshake machines and the driver that runs them on a socket.
 *
 * A machine exposes the bytes it wants sent (out[]) and the exact number of
 * bytes it wants next (in_want): the driver never reads past a reply, so data
 * the target sends right after it stays in the socket for the program. When
 * in[] holds in_want bytes the driver calls proto->on_input(), which parses,
 * may queue more output, asks for more input, or finishes.
 *
 * The driver works on blocking and non-blocking sockets alike (every call is
 * MSG_DONTWAIT); s6_hs_step() returns when it would block, s6_hs_run() polls
 * until done or the deadline. The I/O functions are a table so the preload
 * library passes the real libc functions and tests pass canned ones. */
#ifndef S6_HANDSHAKE_H
#define S6_HANDSHAKE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "s6_error.h"
#include "s6_socks4.h"

#define S6_HS_BUF 1024
#define S6_HS_WHY_MAX 160

typedef enum s6_hs_status {
	S6_HS_WANT_WRITE = 0,
	S6_HS_WANT_READ,
	S6_HS_DONE,
	S6_HS_FAILED,
} s6_hs_status;

typedef struct s6_io {
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms);
} s6_io;

typedef struct s6_hs s6_hs;

typedef struct s6_hs_proto {
	const char *name;                 /* "socks4a", ... for logs */
	/* in[] holds in_want bytes. Return S6_OK to go on (the machine set new
	 * out/in_want or called s6_hs_finish), or an error to fail. */
	s6_err (*on_input)(s6_hs *hs);
} s6_hs_proto;

struct s6_hs {
	const s6_hs_proto *proto;
	uint8_t out[S6_HS_BUF];
	size_t out_len, out_off;
	uint8_t in[S6_HS_BUF];
	size_t in_len, in_want;
	bool done;
	s6_err err;                      /* S6_OK unless failed */
	int sys_errno;                   /* for S6_ERR_IO: the failing call's errno */
	char why[S6_HS_WHY_MAX];         /* one-line reason on failure */
	union {
		struct {
			uint8_t command;
			uint8_t code;        /* last reply code */
			uint16_t bound_port; /* BIND: from the first reply */
			uint8_t bound_ip[4];
			int replies_left;    /* CONNECT 1, BIND 2 */
		} s4;
	} u;
};

/* Queue bytes for sending; fails with S6_ERR_TOO_LONG if out[] overflows. */
s6_err s6_hs_queue(s6_hs *hs, const void *data, size_t len);

/* Ask for exactly n more bytes of input (resets in_len). */
void s6_hs_expect(s6_hs *hs, size_t n);

/* Mark success. */
void s6_hs_finish(s6_hs *hs);

/* Mark failure with a formatted reason (kept in hs->why). */
void s6_hs_fail(s6_hs *hs, s6_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Do as much as possible without blocking. */
s6_hs_status s6_hs_step(s6_hs *hs, int fd, const s6_io *io);

/* Step and poll until done, failed, or timeout_ms elapsed (S6_ERR_PROXY_TIMEOUT).
 * EINTR is retried with the remaining time. */
s6_hs_status s6_hs_run(s6_hs *hs, int fd, const s6_io *io, int timeout_ms);

/* Events the driver is waiting for (POLLIN or POLLOUT), 0 when finished. */
short s6_hs_events(const s6_hs *hs);

/* Monotonic milliseconds, for deadlines. */
int64_t s6_now_ms(void);

#endif
