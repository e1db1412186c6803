/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TLS 1.3 server context of --socks6-tls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "s6_log.h"
#include "srv_tls_int.h"
#include "srv_tls_util.h"

static bool ssl_why(const char *what, char *why, size_t whylen)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	snprintf(why, whylen, "%s: %s", what, reason ? reason : "failed");
	ERR_clear_error();
	return false;
}

/* Open the key once: the mode is checked on the file that is then read. */
static bool load_key(SSL_CTX *ctx, const char *path, char *why, size_t whylen)
{
	char reason[96];
	struct stat st;
	EVP_PKEY *pk = NULL;
	FILE *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "--key %s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0)
		snprintf(reason, sizeof reason, "%s", strerror(errno));
	else if (srv_tls_key_mode_ok(st.st_mode, reason, sizeof reason))
		reason[0] = '\0';
	if (reason[0]) {
		snprintf(why, whylen, "--key %s: %s", path, reason);
		close(fd);
		return false;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(why, whylen, "--key %s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pk) {
		snprintf(reason, sizeof reason, "--key %s: no PEM private key", path);
		return ssl_why(reason, why, whylen);
	}
	/* Fails when the key is not the certificate's. */
	if (SSL_CTX_use_PrivateKey(ctx, pk) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		EVP_PKEY_free(pk);
		snprintf(reason, sizeof reason, "--key %s does not fit --cert", path);
		return ssl_why(reason, why, whylen);
	}
	EVP_PKEY_free(pk);
	return true;
}

/* Stateless tickets need SSL_OP_NO_ANTI_REPLAY: with early data on and
 * replay protection left to OpenSSL, it would keep every session in its
 * cache and make tickets single-use (stateful). Replays of 0-RTT data are
 * the SOCKS6 layer's business: clients send early data only with a
 * Request that spends an idempotence token, which the session's ledger
 * accepts once. The ticket key is OpenSSL's own, random per context, so
 * tickets die with the process. */
static bool configure(SSL_CTX *ctx, char *why, size_t whylen)
{
	static const unsigned char sid_ctx[] = "socks6ify-server";

	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
		return ssl_why("TLS 1.3", why, whylen);
	SSL_CTX_set_options(ctx, SSL_OP_NO_ANTI_REPLAY | SSL_OP_IGNORE_UNEXPECTED_EOF |
			    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
	/* No SSL_MODE_RELEASE_BUFFERS: freeing and reallocating the record
	 * buffers whenever they run empty costs more than the memory saved. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_set_max_early_data(ctx, SRV_TLS_MAX_EARLY) != 1 ||
	    SSL_CTX_set_recv_max_early_data(ctx, SRV_TLS_MAX_EARLY) != 1)
		return ssl_why("early data", why, whylen);
	/* The traffic secrets, for the fronts that seal a direct CONNECT's
	 * records themselves (srv_tls_seal.c); without them OpenSSL does. */
	if (!s6_tls13_track_ctx(ctx))
		s6_log(S6_LOG_DEBUG, "tls: no key log callback: OpenSSL seals every record");
	return true;
}

static bool load_cert(SSL_CTX *ctx, const char *path, char *why, size_t whylen)
{
	char what[96];

	if (access(path, R_OK) < 0) {
		snprintf(why, whylen, "--cert %s: %s", path, strerror(errno));
		return false;
	}
	snprintf(what, sizeof what, "--cert %s: no PEM certificate chain", path);
	return SSL_CTX_use_certificate_chain_file(ctx, path) == 1 ||
	       ssl_why(what, why, whylen);
}

srv_tls *srv_tls_new(srv_server *s, const char *cert, const char *key,
		     char *why, size_t whylen)
{
	srv_tls *t = calloc(1, sizeof *t);

	if (!t) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	t->srv = s;
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->ctx) {
		ssl_why("SSL_CTX_new", why, whylen);
		free(t);
		return NULL;
	}
	if (!srv_tls_wire_init(t)) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	if (!configure(t->ctx, why, whylen) || !load_cert(t->ctx, cert, why, whylen) ||
	    !load_key(t->ctx, key, why, whylen)) {
fail:
		srv_tls_wire_free(t);
		SSL_CTX_free(t->ctx);
		free(t);
		return NULL;
	}
	return t;
}

void srv_tls_free(srv_tls *t)
{
	if (!t)
		return;
	srv_tls_close_fronts(t);
	SSL_CTX_free(t->ctx);
	srv_tls_wire_free(t);
	free(t);
}
