/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <sys/stat.h>

#include "srv_tls_util.h"

const char *srv_tls_first_byte_verdict(unsigned char b, char *buf, size_t cap)
{
	if (b == SRV_TLS_HANDSHAKE_BYTE)
		return NULL;
	/* SOCKS6 Requests and Version Mismatch replies start with 6,
	 * SOCKS4 with 4, SOCKS5 with 5: name the usual mistake. */
	if (b == 6)
		return "plaintext SOCKS6 on the TLS listener";
	if (b == 4 || b == 5)
		snprintf(buf, cap, "plaintext SOCKS%u on the TLS listener", b);
	else
		snprintf(buf, cap, "not a TLS handshake (first byte 0x%02x)", b);
	return buf;
}

bool srv_tls_key_mode_ok(mode_t mode, char *why, size_t whylen)
{
	if (!S_ISREG(mode)) {
		snprintf(why, whylen, "not a regular file");
		return false;
	}
	if (mode & 077) {
		snprintf(why, whylen, "private key accessible by group or others "
			 "(mode %03o; chmod 600)", (unsigned)(mode & 0777));
		return false;
	}
	return true;
}

int srv_tls_format_line(char *buf, size_t cap, const char *peer,
			const srv_tls_hsinfo *hi)
{
	return snprintf(buf, cap, "tls %s tls=%s early=%zu syn=%s version=%s cipher=%s",
			peer, hi->resumed ? "resumed" : "full", hi->early,
			hi->syn_data ? "data" : "plain",
			hi->version ? hi->version : "-", hi->cipher ? hi->cipher : "-");
}
