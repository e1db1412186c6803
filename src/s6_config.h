/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: `key value` lines, `#` comments (see socks6ify.conf(5)).
 * Parsing is pure (a buffer in, a struct out); loading adds the file read and
 * the permission check. */
#ifndef S6_CONFIG_H
#define S6_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "s6_cidr.h"
#include "s6_error.h"
#include "s6_log.h"
#include "s6_url.h"

#define S6_CONFIG_EXCLUDE_MAX 128
#define S6_CONFIG_FILE_MAX (256 * 1024)   /* larger files are refused */
#define S6_CONFIG_LINE_MAX 4096
#define S6_CONFIG_TIMEOUT_MAX_S 3600

typedef enum s6_dns_mode { S6_DNS_REMOTE = 0, S6_DNS_LOCAL } s6_dns_mode;
/* `hosts`: localhost and /etc/hosts names answered locally, or by the proxy. */
typedef enum s6_hosts_mode { S6_HOSTS_LOCAL = 0, S6_HOSTS_REMOTE } s6_hosts_mode;
typedef enum s6_fail_mode { S6_FAIL_CLOSED = 0, S6_FAIL_OPEN } s6_fail_mode;
/* udp: through a SOCKS6 UDP ASSOCIATE (blocked with SOCKS4a), directly, or never. */
typedef enum s6_udp_mode { S6_UDP_PROXY = 0, S6_UDP_DIRECT, S6_UDP_BLOCK } s6_udp_mode;
/* dns-udp: a program's own DNS datagrams to a nameserver of resolv.conf or
 * to loopback port 53: answered by the proxy's resolver, carried to that
 * address in the association like other UDP, or sent directly. */
typedef enum s6_dns_udp_mode {
	S6_DNS_UDP_PROXY = 0, S6_DNS_UDP_ASSOCIATE, S6_DNS_UDP_DIRECT
} s6_dns_udp_mode;

/* SOCKS6 Stack options the client asks for (draft-11 "Stack options"). */
typedef enum s6_leg {
	S6_LEG_PROXY = 1,   /* client-proxy leg */
	S6_LEG_REMOTE = 2,  /* proxy-remote leg */
	S6_LEG_BOTH = 3,
} s6_leg;

typedef struct s6_stack_pref {
	bool set;           /* the key appeared: send the option */
	uint8_t value;      /* TOS or TTL; 1 (on) / 0 (off) for the switches */
	s6_leg leg;
} s6_stack_pref;

typedef struct s6_stack_config {
	s6_stack_pref tos, ttl, no_fragment, happy_eyeballs, mptcp;
	bool tfo;             /* ask for TCP Fast Open toward the target (default) */
	uint16_t tfo_payload; /* largest SYN payload the proxy may use; 0: any */
} s6_stack_config;

/* SOCKS6 authentication, sessions and idempotence tokens. */
typedef enum s6_s6_auth_mode {
	S6_S6AUTH_0RTT = 0,   /* username/password inside the Request */
	S6_S6AUTH_SLOW,       /* advertise it, let the proxy ask for it */
} s6_s6_auth_mode;

typedef enum s6_spend_mode {
	S6_SPEND_REPLAYABLE = 0, /* only requests that could be replayed */
	S6_SPEND_ALWAYS,
	S6_SPEND_NEVER,
} s6_spend_mode;

/* TCP Fast Open toward the proxy (tfo-proxy). */
typedef enum s6_tfo_proxy_mode {
	S6_TFO_PROXY_AUTO = 0,   /* the draft's replay rule (s6_tfo.h) */
	S6_TFO_PROXY_ALWAYS,     /* the application tolerates replays */
	S6_TFO_PROXY_NEVER,
} s6_tfo_proxy_mode;

#define S6_CONFIG_TOKEN_WINDOW_MAX 65536u

typedef struct s6_socks6_config {
	s6_s6_auth_mode auth;
	bool session;          /* default yes */
	uint32_t token_window; /* requested with the session; 0: none; default 16 */
	s6_spend_mode spend;
	s6_tfo_proxy_mode tfo_proxy;  /* tfo-proxy, default auto */
	bool optimistic;       /* socks6-optimistic, default yes */
	bool shared_store;     /* session-store shared (default) or process */
	uint32_t session_idle_s; /* session-idle: drop a shared session unused this long */
} s6_socks6_config;

#define S6_CONFIG_SESSION_IDLE_MAX 86400u

/* socks6+tls (s6_config_tls.c): how the engine checks the proxy. */
#define S6_CONFIG_PINS_MAX 8
#define S6_CONFIG_PIN_LEN 32            /* SHA-256 */
#define S6_CONFIG_PATH_MAX 4095
#define S6_CONFIG_ENGINE_IDLE_MAX 86400u

typedef struct s6_tls_config {
	char ca_file[S6_CONFIG_PATH_MAX + 1]; /* "": the system store */
	uint8_t pins[S6_CONFIG_PINS_MAX][S6_CONFIG_PIN_LEN];
	unsigned n_pins;                 /* pin-sha256, repeatable */
	bool verify;                     /* tls-verify, default on */
	uint32_t engine_idle_s;          /* engine-idle, default 300 */
} s6_tls_config;

/* CONNECT-IP (s6_config_cip.c). */
#define S6_CONFIG_BLOCK_ALIAS_MAX 16
#define S6_CONFIG_BLOCK_ALIAS_LEN 255

typedef struct s6_cip_config {
	uint8_t mode;                    /* s6_cip_mode: rfc9484 (default) or draft00 */
	bool plain;                      /* connect-ip-plain: HTTP without TLS (tests) */
	unsigned n_block;                /* block-alias, repeatable */
	char block[S6_CONFIG_BLOCK_ALIAS_MAX][S6_CONFIG_BLOCK_ALIAS_LEN + 1];
} s6_cip_config;

typedef struct s6_config {
	bool has_proxy;
	s6_proxy_url proxy;
	s6_cidr exclude[S6_CONFIG_EXCLUDE_MAX];
	size_t n_exclude;
	s6_dns_mode dns;
	s6_hosts_mode hosts;          /* default local */
	unsigned connect_timeout_ms;  /* default 10000 */
	bool has_log_level;           /* set only when the file says so */
	s6_log_level log_level;       /* default S6_LOG_ERROR */
	s6_fail_mode fail;
	s6_udp_mode udp;               /* default proxy */
	s6_dns_udp_mode dns_udp;       /* default proxy */
	/* `username` / `password` keys: used when the URL carries none. */
	bool has_user;
	char user[S6_URL_CRED_MAX + 1];
	bool has_pass;
	char pass[S6_URL_CRED_MAX + 1];
	bool holds_secret;            /* a password came from the file */
	s6_stack_config stack;        /* SOCKS6 only */
	s6_socks6_config s6;          /* SOCKS6 only */
	s6_tls_config tls;            /* socks6+tls only */
	s6_cip_config cip;            /* connect-ip and https only */
} s6_config;

void s6_config_defaults(s6_config *cfg);

/* Parse text (len bytes, need not be NUL-terminated). On error returns
 * S6_ERR_CONFIG and writes "FILENAME:LINE: problem" into err. Later lines
 * override earlier ones; `exclude` accumulates. */
s6_err s6_config_parse(s6_config *cfg, const char *text, size_t len,
		       const char *filename, char *err, size_t errlen);

/* Read and parse a file. A file holding a password that is readable or
 * writable by group or others is refused (S6_ERR_CONFIG_PERMS), as is one not
 * owned by the user or root. err gets "FILENAME: problem" or "FILENAME:LINE: problem".
 * When the file was read but refused, cfg's credentials are wiped. */
s6_err s6_config_load(s6_config *cfg, const char *path, char *err, size_t errlen);

/* Which file to read: explicit (from -f or SOCKS6IFY_CONF) when given, else
 * $XDG_CONFIG_HOME/socks6ify/socks6ify.conf (or ~/.config/...) when it exists,
 * else SYSCONFDIR/socks6ify.conf when it exists. xdg_home and home come from
 * the environment (NULL when unset or under AT_SECURE). Returns buf, or NULL
 * when no file applies (defaults only). */
const char *s6_config_find(const char *explicit_path, const char *xdg_home,
			   const char *home, const char *etc_path,
			   char *buf, size_t len);

/* Set the proxy from a URL given on the command line or in the environment.
 * Returns S6_ERR_URL or S6_ERR_TOO_LONG (unparsable) or
 * S6_ERR_UNSUPPORTED_SCHEME (recognised, not implemented) with
 * "proxy URL: reason" in err, leaving cfg unchanged. Does not touch
 * holds_secret (the password did not come from a file). */
s6_err s6_config_set_proxy(s6_config *cfg, const char *url, char *err, size_t errlen);

/* Encode the Stack options cfg asks for into buf (an Options field
 * fragment, appended to a Request as it is). S6_ERR_TOO_LONG when cap is
 * too small (S6_CONFIG_STACK_OPTS_MAX always suffices). */
#define S6_CONFIG_STACK_OPTS_MAX 64
s6_err s6_config_stack_encode(const s6_stack_config *st, uint8_t *buf, size_t cap,
			      size_t *len);

/* True when a destination matches an exclude rule (goes direct). */
bool s6_config_excluded(const s6_config *cfg, const struct sockaddr *sa);

/* Wipe credentials. */
void s6_config_wipe(s6_config *cfg);

#endif
