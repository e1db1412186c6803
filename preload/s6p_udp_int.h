/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the UDP association code (s6p_udp*.c): the table's interface. */
#ifndef S6P_UDP_INT_H
#define S6P_UDP_INT_H

#include <errno.h>
#include "s6p_udp.h"

/* What a send reports once the proxy closed the control connection. */
#define S6P_UDP_DEAD_ERRNO ECONNRESET

struct s6p_udp_snap {
	struct s6p_udp_assoc a;
	bool dead;
	bool has_peer;
	struct s6p_target peer;
};

enum s6p_udp_way {
	S6P_UDP_WAY_NONE = 0,         /* blocked, errno set, logged */
	S6P_UDP_WAY_DIRECT,
	S6P_UDP_WAY_PROXY,
};

bool s6p_udp_snapshot(int fd, struct s6p_udp_snap *s);
int s6p_udp_get(int fd, struct s6p_udp_snap *s);
void s6p_udp_set_peer(int fd, const struct s6p_target *t);
int s6p_udp_mark_dead(int fd, uint64_t id);
enum s6p_udp_way s6p_udp_way(int fd, const struct sockaddr *sa, socklen_t len);
/* Same IPv4 or IPv6 address and port. */
bool s6p_udp_same_sa(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* A name destination (placeholder) an unconnected socket sent to. The proxy
 * reports replies as coming from the address it resolved the name to, which
 * the program never saw: the first reply from the placeholder's port, and
 * every later one from that same address, is shown as coming from the
 * placeholder, as programs compare the source with what they sent to.
 * (s6p_udp.c keeps the last S6P_UDP_NAMES per socket.) */
#define S6P_UDP_NAMES 4
void s6p_udp_note_name(int fd, const struct sockaddr_storage *ph, socklen_t len);
/* Rewrite *ss (an address in the socket's family) to the placeholder it
 * answers for, if any. */
void s6p_udp_name_source(int fd, struct sockaddr_storage *ss, socklen_t *len);

#endif
