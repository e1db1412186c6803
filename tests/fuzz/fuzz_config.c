/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration parser on the input as a file body (not NUL-terminated:
 * libFuzzer and the replay driver both hand over an exactly sized block).
 * An error names the file and line; whatever was parsed stays within its
 * limits and can be used (formatted, matched) and wiped. */
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "s6_config.h"

#define FILENAME "fuzz.conf"

static void check_error_text(const char *err, size_t errlen)
{
	FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
	FUZZ_CHECK(strncmp(err, FILENAME ":", strlen(FILENAME ":")) == 0);
}

static void use_config(const s6_config *cfg)
{
	static char text[4096];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	FUZZ_CHECK(cfg->n_exclude <= S6_CONFIG_EXCLUDE_MAX);
	FUZZ_CHECK(cfg->connect_timeout_ms <= S6_CONFIG_TIMEOUT_MAX_S * 1000u);
	FUZZ_CHECK(!cfg->has_user || memchr(cfg->user, '\0', sizeof cfg->user));
	FUZZ_CHECK(!cfg->has_pass || memchr(cfg->pass, '\0', sizeof cfg->pass));
	/* The SOCKS6 and socks6+tls keys keep their documented ranges. */
	FUZZ_CHECK(cfg->dns_udp <= S6_DNS_UDP_DIRECT);
	FUZZ_CHECK(cfg->s6.token_window <= S6_CONFIG_TOKEN_WINDOW_MAX);
	FUZZ_CHECK(cfg->s6.session_idle_s <= S6_CONFIG_SESSION_IDLE_MAX);
	FUZZ_CHECK(cfg->tls.n_pins <= S6_CONFIG_PINS_MAX);
	FUZZ_CHECK(cfg->tls.engine_idle_s >= 1 &&
		   cfg->tls.engine_idle_s <= S6_CONFIG_ENGINE_IDLE_MAX);
	FUZZ_CHECK(memchr(cfg->tls.ca_file, '\0', sizeof cfg->tls.ca_file) != NULL);
	FUZZ_CHECK(cfg->tls.ca_file[0] == '\0' || cfg->tls.ca_file[0] == '/');
	if (cfg->has_proxy)
		s6_url_format(&cfg->proxy, text, sizeof text);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(631);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(22);
	sin6.sin6_addr.s6_addr[15] = 1;
	(void)s6_config_excluded(cfg, (struct sockaddr *)&sin);
	(void)s6_config_excluded(cfg, (struct sockaddr *)&sin6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static s6_config cfg;
	char err[512];
	s6_err e;

	s6_config_defaults(&cfg);
	e = s6_config_parse(&cfg, (const char *)data, size, FILENAME, err, sizeof err);
	if (e != S6_OK) {
		FUZZ_CHECK(e == S6_ERR_CONFIG);
		check_error_text(err, sizeof err);
	}
	use_config(&cfg);
	/* Tiny and absent error buffers are allowed. */
	s6_config_defaults(&cfg);
	s6_config_parse(&cfg, (const char *)data, size, FILENAME, err, 1);
	FUZZ_CHECK(err[0] == '\0');
	s6_config_defaults(&cfg);
	s6_config_parse(&cfg, (const char *)data, size, NULL, NULL, 0);
	s6_config_wipe(&cfg);
	FUZZ_CHECK(!cfg.has_user && !cfg.has_pass && cfg.pass[0] == '\0');
	return 0;
}
