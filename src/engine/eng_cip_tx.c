/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT-IP transport to the proxy: TLS (eng_tls.c) or, when the
 * configuration says connect-ip-plain (tests only), plain TCP; both used
 * non-blocking. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include "eng_cip.h"
#include "s6_handshake.h"

static ssize_t eng_cip_ssl_result(struct eng_cip_tx *t, int n, bool reading)
{
	switch (SSL_get_error(t->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		if (!reading)
			t->wr_wants_in = true;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		if (reading)
			t->rd_wants_out = true;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (reading && errno == 0)
			return 0; /* closed without close_notify */
		/* fall through */
	default:
		if (errno == 0 || errno == EAGAIN)
			errno = ECONNRESET;
		return -1;
	}
}

ssize_t eng_cip_tx_read(struct eng_cip_tx *t, void *buf, size_t len)
{
	int n;

	if (!t->ssl)
		return recv(t->fd, buf, len, MSG_DONTWAIT);
	t->rd_wants_out = false;
	errno = 0;
	n = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	return n > 0 ? n : eng_cip_ssl_result(t, n, true);
}

ssize_t eng_cip_tx_write(struct eng_cip_tx *t, const void *buf, size_t len)
{
	int n;

	if (!t->ssl)
		return send(t->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	t->wr_wants_in = false;
	errno = 0;
	n = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	return n > 0 ? n : eng_cip_ssl_result(t, n, false);
}

short eng_cip_tx_events(const struct eng_cip_tx *t, bool in, bool out)
{
	short ev = 0;

	if (in)
		ev |= t->rd_wants_out ? POLLOUT : POLLIN;
	if (out)
		ev |= t->wr_wants_in ? POLLIN : POLLOUT;
	return ev;
}

bool eng_cip_tx_write_all(struct eng_cip_tx *t, const void *buf, size_t len, int64_t deadline)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = eng_cip_tx_write(t, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return false;
		struct pollfd pf = {.fd = t->fd, .events = eng_cip_tx_events(t, false, true)};
		int64_t left = deadline - s6_now_ms();
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return false;
	}
	return true;
}
