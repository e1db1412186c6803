/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the files of the UDP ASSOCIATE module:
 *   srv_s6_udp.c        start, the UDP socket, forwarding both ways, end;
 *   srv_s6_udp_tcp.c    the TCP stream (control and datagram channel);
 *   srv_s6_udp_sock.c   opening the socket (family, Port Parity, reserve);
 *   srv_s6_udp_names.c  per-association cache of resolved domain names;
 *   srv_s6_udp_icmp.c   ICMP errors from the error queue (UDP Error option);
 *   srv_s6_udp_dns.c    datagrams to 0.0.0.0/:: port 53, answered by the
 *                       server's resolver (as the DNS service over TCP).
 *
 * One UDP socket serves both sides: the client sends its datagrams to it
 * (the address in the Operation Reply) and remote hosts answer to it, as the
 * draft wants ("UDP packets bound for the proxy's bind address and port are
 * relayed to the client"). What came from the client is told apart by the
 * source recorded at confirmation. */
#ifndef SRV_S6_UDP_INT_H
#define SRV_S6_UDP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s6_socks6_udp.h"
#include "srv_conn.h"
#include "srv_s6_udp.h"

/* Largest UDP payload we receive; a Datagram message is at most 65535. */
#define S6UDP_RX_MAX 65536
/* Stream buffers are grown to this so a full-size message fits beside
 * others (the connection's default 64 KiB would hold exactly one). */
#define S6UDP_STREAM_BUF (256 * 1024)
#define S6UDP_NAMES_MAX 16          /* cached names per association */
#define S6UDP_NAME_PENDING_MAX 4    /* datagrams waiting per name */
#define S6UDP_PENDING_BYTES_MAX (256 * 1024)
#define S6UDP_NAME_TTL_MS 60000     /* a resolved name is reused this long */
#define S6UDP_NAME_NEG_TTL_MS 5000  /* a failed one is not retried this long */
#define S6UDP_RX_BURST 64           /* datagrams handled per wake-up */
#define S6UDP_DNS_INFLIGHT 8        /* DNS datagrams resolving at once */

enum s6udp_channel { S6UDP_CH_NONE, S6UDP_CH_TCP, S6UDP_CH_UDP };

typedef struct s6udp_pending {
	struct s6udp_pending *next;
	uint16_t port;
	size_t len;
	uint8_t data[];
} s6udp_pending;

enum s6udp_name_state { S6UDP_N_FREE, S6UDP_N_RESOLVING, S6UDP_N_OK, S6UDP_N_FAILED };

typedef struct s6udp_name {
	srv_s6udp *u;
	enum s6udp_name_state state;
	char name[S6_SOCKS6_DOMAIN_MAX + 1];
	struct sockaddr_storage addr;   /* port 0; set per datagram */
	uint64_t expires, last_used;
	srv_lookup lk;
	s6udp_pending *pending;
	size_t npending;
} s6udp_name;

/* A DNS datagram being resolved (srv_s6_udp_dns.c). */
typedef struct s6udp_dns_slot {
	srv_s6udp *u;
	srv_resolve_job *job;           /* NULL: free */
	uint8_t atyp;                   /* the unspecified address it was sent to */
} s6udp_dns_slot;

typedef struct s6udp_stats {
	uint64_t dgrams, bytes, dropped;
} s6udp_stats;

struct srv_s6udp {
	srv_conn *c;
	uint64_t id;
	char idhex[17];
	srv_watch udp;
	int family;                 /* of the UDP socket */
	int reserve_fd;             /* Port Parity counterpart, or -1 */
	uint16_t port, reserve_port;
	bool icmp;                  /* client opted in to Error messages */
	bool has_session;           /* request belonged to a session */
	uint8_t session_id[S6_S6_SESSION_ID_MAX];
	size_t session_id_len;
	enum s6udp_channel channel;
	struct sockaddr_storage client_udp;
	char udp_str[S6_ADDR_STR_MAX];
	srv_timer idle;
	srv_timer kick;             /* serves bytes already in c->up, later;
				     * closes the connection after s6udp_end */
	bool ending;                /* s6udp_end called: stop all work */
	const char *end_why;
	uint64_t last_activity;
	s6udp_stats up, down;       /* client -> remote, remote -> client */
	uint64_t errors_sent;
	uint8_t *rx;                /* S6UDP_RX_MAX bytes */
	s6udp_name names[S6UDP_NAMES_MAX];
	size_t pending_bytes;
	s6udp_dns_slot dns[S6UDP_DNS_INFLIGHT];
	uint64_t dns_queries, dns_failed;
	struct srv_s6udp *next_reserved; /* list of holders of a reservation */
};

/* srv_s6_udp.c */
void s6udp_udp_event(srv_watch *w, uint32_t events);
void s6udp_idle_expired(srv_timer *t);
void s6udp_touch(srv_s6udp *u);
/* Send a payload to a resolved destination (port in host order). */
void s6udp_send_remote(srv_s6udp *u, const struct sockaddr_storage *dst,
		       uint16_t port, const uint8_t *p, size_t n);
/* Handle one client Datagram (from either channel) after the checks. */
void s6udp_client_datagram(srv_s6udp *u, const s6_s6_udp_msg *m);
/* A whole message (header + body) for the client over its channel; false
 * when it had to be dropped. */
bool s6udp_to_client(srv_s6udp *u, const uint8_t *hdr, size_t hlen,
		     const uint8_t *body, size_t blen);
/* The first Datagram from the client: record the channel, send the
 * Association Confirmation over the stream. */
void s6udp_confirm(srv_s6udp *u, enum s6udp_channel ch,
		   const struct sockaddr_storage *from);
/* The association ends. The connection (and with it u) is closed from
 * the kick timer, so no caller ever holds a freed u; until then every
 * handler returns at once. */
void s6udp_end(srv_s6udp *u, const char *why);
void s6udp_close_now(srv_s6udp *u);
void s6udp_update_udp_interest(srv_s6udp *u);

/* srv_s6_udp_tcp.c */
/* Take over the client watch; bytes already in c->up are served from the
 * kick timer, never from inside srv_s6udp_start. */
bool s6udp_tcp_start(srv_s6udp *u);
void s6udp_tcp_kick(srv_timer *t);
/* Queue on the stream; false when it does not fit (the caller drops). */
bool s6udp_tcp_send(srv_s6udp *u, const void *p, size_t n);
size_t s6udp_tcp_room(const srv_s6udp *u);
void s6udp_tcp_update(srv_s6udp *u);

/* srv_s6_udp_sock.c. want: the requested bind address (port in it). On
 * success *parity and *reserve say what was done. */
int s6udp_sock_open(srv_s6udp *u, const struct sockaddr_storage *want,
		    uint8_t parity, bool reserve, uint8_t *got_parity,
		    bool *got_reserve);
void s6udp_sock_release(srv_s6udp *u);

/* srv_s6_udp_names.c */
void s6udp_names_send(srv_s6udp *u, const char *name, uint16_t port,
		      const uint8_t *p, size_t n);
void s6udp_names_free(srv_s6udp *u);

/* srv_s6_udp_icmp.c */
/* S6_SOCKS6_UDP_ERR_* for an ICMP (v6: icmp6 true) type and code, 0 when
 * the draft has no code for it (port unreachable, ...). */
uint8_t s6udp_icmp_code(bool icmp6, uint8_t type, uint8_t code);
bool s6udp_icmp_enable(int fd, int family);
void s6udp_icmp_drain(srv_s6udp *u);

/* srv_s6_udp_dns.c: a Datagram to the unspecified address, port 53. */
void s6udp_dns_query(srv_s6udp *u, const s6_s6_udp_msg *m);
void s6udp_dns_free(srv_s6udp *u);

/* sockaddr (v4-mapped unmapped) to a SOCKS6 address; false for others. */
bool s6udp_addr_from_sa(const struct sockaddr_storage *sa, s6_s6_addr *out,
			uint16_t *port);

#endif
