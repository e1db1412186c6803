/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ciphertext a TLS front sends. OpenSSL writes its records into the
 * front's wire buffer, through a BIO of ours, instead of into the socket;
 * the front sends the buffer with one send(2). A bulk transfer thus costs
 * one system call per 256 KiB instead of one per 16 KiB record, which on
 * loopback was most of the front's time. A full buffer is "retry" to
 * OpenSSL (SSL_ERROR_WANT_WRITE), and the front then waits for the socket
 * to take the buffer, never for OpenSSL. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>

#include "srv_tls_int.h"

static int wire_write(BIO *b, const char *p, int len)
{
	srv_tls_conn *tc = BIO_get_data(b);
	srv_buf *w = &tc->wire;
	size_t room = srv_buf_room(w);
	size_t n = (size_t)len < room ? (size_t)len : room;

	BIO_clear_retry_flags(b);
	/* The front seals the records itself (srv_tls_seal.c): what OpenSSL
	 * writes now carries a stale sequence number, and must not reach
	 * the client. */
	if (tc->sealing) {
		tc->dropped += (uint64_t)len;
		return len;
	}
	/* OpenSSL offers the rest of its pending record each time: all of
	 * it taken means OpenSSL holds nothing back. */
	tc->wire_short = n < (size_t)len;
	if (n == 0) {
		BIO_set_retry_write(b);
		return -1;
	}
	srv_buf_append(w, p, n);
	return (int)n;
}

static long wire_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	/* OpenSSL flushes after each handshake flight: the front sends the
	 * buffer after every step anyway. Nothing else applies. */
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int wire_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

bool srv_tls_wire_init(srv_tls *t)
{
	t->wire_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "srv_tls_wire");
	return t->wire_meth && BIO_meth_set_write(t->wire_meth, wire_write) == 1 &&
	       BIO_meth_set_ctrl(t->wire_meth, wire_ctrl) == 1 &&
	       BIO_meth_set_create(t->wire_meth, wire_create) == 1;
}

void srv_tls_wire_free(srv_tls *t)
{
	BIO_meth_free(t->wire_meth);
	t->wire_meth = NULL;
}

bool srv_tls_wire_attach(srv_tls_conn *tc, int fd)
{
	BIO *r = BIO_new_socket(fd, BIO_NOCLOSE), *w = BIO_new(tc->t->wire_meth);

	if (!r || !w) {
		BIO_free(r);
		BIO_free(w);
		return false;
	}
	BIO_set_data(w, tc);
	SSL_set_bio(tc->ssl, r, w);
	return true;
}

bool srv_tls_flush(srv_tls_conn *tc)
{
	ssize_t n;

	if (tc->closed || tc->net_wr_blocked || srv_buf_len(&tc->wire) == 0)
		return false;
	n = srv_buf_write(&tc->wire, tc->net.fd);
	/* Not all taken: the socket is full, EPOLLOUT says when it is not. */
	tc->net_wr_blocked = srv_buf_len(&tc->wire) > 0;
	if (n < 0 && !srv_errno_transient(errno)) {
		snprintf(tc->why, sizeof tc->why, "%s", strerror(errno));
		srv_buf_clear(&tc->wire); /* nobody takes it: do not try again */
		srv_tls_front_fail(tc, tc->why);
		return false;
	}
	return n > 0;
}
