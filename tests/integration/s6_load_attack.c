/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two attacks of s6_load (see s6_load.c), on N connections that are
 * reopened whenever the server closes one, until SECS seconds have passed:
 *
 *   slowloris KIND PROXY N SECS   each connection sends one byte of a
 *                                 request that never completes per second;
 *                                 prints how long the server let the
 *                                 longest one live
 *   flood KIND PROXY N SECS       each connection sends pseudo-random
 *                                 bytes as fast as the server takes them
 *                                 (every other one after a correct version
 *                                 byte, to get past the first check) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "s6_load.h"

#define ATTACK_MAX 2048
#define CHUNK 16384

struct attacker {
	enum s6l_kind kind;
	uint16_t port;
	unsigned n;
	uint64_t end;
	int ep;
	bool slow;
	/* what happened */
	unsigned opened, closed_by_server, open_failed;
	uint64_t max_life_ms, bytes;
};

struct victim {
	int fd;
	uint64_t born;
	size_t sent;     /* slowloris: request bytes sent */
};

static bool attacker_parse(char **av, struct attacker *a, bool slow)
{
	long port = strtol(av[1], NULL, 10), n = strtol(av[2], NULL, 10);
	long secs = strtol(av[3], NULL, 10);

	memset(a, 0, sizeof *a);
	if (!s6l_kind_parse(av[0], &a->kind) || port <= 0 || port > 65535 ||
	    n < 1 || n > ATTACK_MAX || secs < 1 || secs > 60)
		return false;
	a->port = (uint16_t)port;
	a->n = (unsigned)n;
	a->end = s6l_now_ms() + 1000u * (uint64_t)secs;
	a->slow = slow;
	a->ep = epoll_create1(EPOLL_CLOEXEC);
	return a->ep >= 0;
}

static void victim_open(struct attacker *a, struct victim *v, unsigned i)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = i};

	if (!a->slow)
		ev.events |= EPOLLOUT;
	v->fd = s6l_connect_nb(a->port);
	v->born = s6l_now_ms();
	v->sent = 0;
	if (v->fd >= 0 && epoll_ctl(a->ep, EPOLL_CTL_ADD, v->fd, &ev) == 0) {
		a->opened++;
		return;
	}
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	a->open_failed++;
}

/* The server ended this one: note its life and open the next. */
static void victim_reopen(struct attacker *a, struct victim *v, unsigned i)
{
	uint64_t life = s6l_now_ms() - v->born;

	a->closed_by_server++;
	if (life > a->max_life_ms)
		a->max_life_ms = life;
	close(v->fd);
	victim_open(a, v, i);
}

/* Readable: the server's reply (a refusal) or its close. */
static void victim_input(struct attacker *a, struct victim *v, unsigned i)
{
	char junk[4096];
	ssize_t r = read(v->fd, junk, sizeof junk);

	if (r == 0 || (r < 0 && errno != EAGAIN))
		victim_reopen(a, v, i);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void flood_write(struct attacker *a, struct victim *v, unsigned i,
			const uint8_t *noise, size_t len)
{
	uint8_t first = a->kind == S6L_SOCKS4 ? 4 : 6;
	ssize_t w;

	/* Every other connection starts with the right version byte. */
	if (v->sent == 0 && i % 2 == 0)
		w = write(v->fd, &first, 1);
	else
		w = write(v->fd, noise, len);
	if (w > 0) {
		v->sent += (size_t)w;
		a->bytes += (uint64_t)w;
	} else if (w < 0 && errno != EAGAIN) {
		victim_reopen(a, v, i);
	}
}

static void slow_tick(struct attacker *a, struct victim *vs, const uint8_t *req,
		      size_t req_len)
{
	for (unsigned i = 0; i < a->n; i++) {
		struct victim *v = &vs[i];
		if (v->fd < 0 || v->sent >= req_len)
			continue;
		if (write(v->fd, req + v->sent, 1) == 1) {
			v->sent++;
			a->bytes++;
		}
	}
}

static void attack_loop(struct attacker *a, struct victim *vs)
{
	uint8_t req[S6L_REQ_MAX], noise[CHUNK];
	size_t req_len = s6l_request(a->kind, 80, true, req);
	uint64_t seed = 0x9e3779b97f4a7c15ull, next_tick = 0;
	struct epoll_event evs[256];

	while (s6l_now_ms() < a->end) {
		if (a->slow && s6l_now_ms() >= next_tick) {
			slow_tick(a, vs, req, req_len);
			next_tick = s6l_now_ms() + 1000;
		}
		int k = epoll_wait(a->ep, evs, 256, a->slow ? 100 : 50);
		for (int j = 0; j < k; j++) {
			unsigned i = evs[j].data.u32;
			struct victim *v = &vs[i];
			if (v->fd < 0)
				continue;
			if (evs[j].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
				victim_input(a, v, i);
				continue;
			}
			for (size_t b = 0; b + 8 <= sizeof noise; b += 8) {
				uint64_t x = xorshift(&seed);
				memcpy(noise + b, &x, 8);
			}
			flood_write(a, v, i, noise, sizeof noise);
		}
	}
}

static int attack(char **av, bool slow)
{
	struct attacker a;
	struct victim *vs;

	if (!attacker_parse(av, &a, slow))
		return 2;
	vs = calloc(a.n, sizeof *vs);
	if (!vs)
		return 2;
	for (unsigned i = 0; i < a.n; i++)
		victim_open(&a, &vs[i], i);
	attack_loop(&a, vs);
	for (unsigned i = 0; i < a.n; i++)
		if (vs[i].fd >= 0)
			close(vs[i].fd);
	printf("%s opened %u closed-by-server %u open-failed %u bytes %llu "
	       "max-life %llu ms\n", slow ? "slowloris" : "flood", a.opened,
	       a.closed_by_server, a.open_failed, (unsigned long long)a.bytes,
	       (unsigned long long)a.max_life_ms);
	free(vs);
	close(a.ep);
	return a.opened > 0 ? 0 : 1;
}

int s6l_slowloris(char **av)
{
	return attack(av, true);
}

int s6l_flood(char **av)
{
	return attack(av, false);
}
