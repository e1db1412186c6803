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

/* Buffers start inline (enough for SOCKS4 and most SOCKS6 exchanges) and
 * grow on the heap up to S6_HS_MAX, which covers the largest SOCKS6 message
 * (16 KiB of options plus address) with initial data after a request. */
#define S6_HS_INLINE 512
#define S6_HS_MAX (64 * 1024)
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
struct s6_s6_client_result;

typedef struct s6_hs_proto {
	const char *name;                 /* "socks4a", ... for logs */
	/* in[] holds in_want bytes. Return S6_OK to go on (the machine set new
	 * out/in_want or called s6_hs_finish), or an error to fail. */
	s6_err (*on_input)(s6_hs *hs);
} s6_hs_proto;

struct s6_hs {
	const s6_hs_proto *proto;
	/* Use s6_hs_input() to read in[]; the storage is inline or heap. */
	uint8_t out_inline[S6_HS_INLINE], in_inline[S6_HS_INLINE];
	uint8_t *out_heap, *in_heap;   /* NULL until a message outgrows inline */
	size_t out_cap, in_cap;        /* 0 means the inline size */
	size_t out_len, out_off;
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
		struct {             /* s6_socks6_client.h */
			struct s6_s6_client_result *out;
			const char *user, *pass; /* for the slow path */
			uint8_t command;
			uint8_t phase;       /* which reply is awaited */
			uint8_t replies_left; /* operation replies: CONNECT 1, BIND 2 */
			bool creds_sent;
		} s6;
	} u;
};

/* Start a machine: zeroes hs and sets its protocol. Every machine's start
 * function calls this first. */
void s6_hs_init(s6_hs *hs, const s6_hs_proto *proto);

/* Free what the buffers allocated; hs must be initialised again to reuse. */
void s6_hs_release(s6_hs *hs);

/* Queue bytes for sending; S6_ERR_TOO_LONG beyond S6_HS_MAX, S6_ERR_NOMEM. */
s6_err s6_hs_queue(s6_hs *hs, const void *data, size_t len);

/* Ask for exactly n bytes of a new message part (what in[] held is dropped). */
s6_err s6_hs_expect(s6_hs *hs, size_t n);

/* Ask for n more bytes after what in[] already holds (a header was read,
 * its lengths say how much follows). */
s6_err s6_hs_expect_more(s6_hs *hs, size_t n);

/* The bytes received for the current message part (in_len of them). */
const uint8_t *s6_hs_input(const s6_hs *hs);

/* Mark success. */
void s6_hs_finish(s6_hs *hs);

/* Mark failure with a formatted reason (kept in hs->why). */
void s6_hs_fail(s6_hs *hs, s6_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Do as much as possible without blocking. */
s6_hs_status s6_hs_step(s6_hs *hs, int fd, const s6_io *io);

/* Send at most limit bytes of the queued output without blocking and
 * without reading: a message boundary on the wire (a TCP Fast Open SYN that
 * may carry the request but not the application bytes queued behind it).
 * S6_HS_WANT_WRITE while output is left, S6_HS_FAILED on a send error. */
s6_hs_status s6_hs_send_upto(s6_hs *hs, int fd, const s6_io *io, size_t limit);

/* Step and poll until done, failed, or timeout_ms elapsed (S6_ERR_PROXY_TIMEOUT).
 * EINTR is retried with the remaining time. */
s6_hs_status s6_hs_run(s6_hs *hs, int fd, const s6_io *io, int timeout_ms);

/* Events the driver is waiting for (POLLIN or POLLOUT), 0 when finished. */
short s6_hs_events(const s6_hs *hs);

/* Monotonic milliseconds, for deadlines. */
int64_t s6_now_ms(void);

#endif
