/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tls_front's command line (see s6_tls_front.c for what it does). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_tls_front.h"

/* "A.B.C.D:PORT" (IPv4 is all the test needs). */
bool fr_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : 0;
	char *end;
	long port;

	if (!colon || hl == 0 || hl >= sizeof host)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return *end == '\0' && port >= 0 && port <= 65535 &&
	       inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

static bool fr_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

/* "B[,B...]", ascending. */
static bool fr_ku_list(char *s, struct fr_opts *o)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_ku == FR_MAX_KU || !fr_u64(tok, &o->ku_at[o->n_ku]) ||
		    (o->n_ku > 0 && o->ku_at[o->n_ku] < o->ku_at[o->n_ku - 1]))
			return false;
		o->n_ku++;
	}
	return o->n_ku > 0;
}

/* Post-handshake messages either way, with the counts at that moment. */
static void fr_usage(void)
{
	fprintf(stderr, "usage: s6_tls_front --cert FILE --key FILE --upstream ADDR:PORT\n"
		"  [--listen ADDR:PORT] [--suite NAME] [--key-update-at B[,B...]]\n"
		"  [--ticket-at B] [--corrupt-at B] [--corrupt-kind tag|header] [--pause-at B]\n"
		"  [--alert-at B] [--timeout S]\n");
}

static bool fr_option(int ch, char *arg, struct fr_opts *o)
{
	uint64_t v;

	switch (ch) {
	case 'c': o->cert = arg; return true;
	case 'k': o->key = arg; return true;
	case 'u': o->upstream = arg; return true;
	case 'l': o->listen = arg; return true;
	case 's': o->suite = arg; return true;
	case 'K': return fr_ku_list(arg, o);
	case 'T': return fr_u64(arg, &o->ticket_at);
	case 'C': return fr_u64(arg, &o->corrupt_at);
	case 'P': return fr_u64(arg, &o->pause_at);
	case 'A': return fr_u64(arg, &o->alert_at);
	case 'D':
		o->corrupt_header = strcmp(arg, "header") == 0;
		return o->corrupt_header || strcmp(arg, "tag") == 0;
	case 't':
		if (!fr_u64(arg, &v) || v == 0 || v > 3600)
			return false;
		o->timeout_s = (unsigned)v;
		return true;
	default:
		return false;
	}
}

bool fr_parse_args(int argc, char **argv, struct fr_opts *o)
{
	static const struct option opts[] = {
		{"cert", required_argument, NULL, 'c'}, {"key", required_argument, NULL, 'k'},
		{"upstream", required_argument, NULL, 'u'}, {"listen", required_argument, NULL, 'l'},
		{"suite", required_argument, NULL, 's'},
		{"key-update-at", required_argument, NULL, 'K'},
		{"ticket-at", required_argument, NULL, 'T'},
		{"corrupt-at", required_argument, NULL, 'C'},
		{"corrupt-kind", required_argument, NULL, 'D'},
		{"pause-at", required_argument, NULL, 'P'},
		{"alert-at", required_argument, NULL, 'A'},
		{"timeout", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
	};
	int ch;

	*o = (struct fr_opts){.listen = "127.0.0.1:0", .ticket_at = FR_NONE,
			      .corrupt_at = FR_NONE, .pause_at = FR_NONE,
			      .alert_at = FR_NONE, .timeout_s = 120};

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (!fr_option(ch, optarg, o)) {
			fr_usage();
			return false;
		}
	}
	if (optind != argc || !o->cert || !o->key || !o->upstream) {
		fr_usage();
		return false;
	}
	return true;
}
