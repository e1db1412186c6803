/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_resq: glibc's res_* API from a C program, for the integration tests of
 * the res_* hooks.
 *
 *   s6_resq query NAME     res_query(NAME, C_IN, T_A)
 *   s6_resq search NAME    res_search(NAME, C_IN, T_A)
 *   s6_resq nquery NAME    res_nquery on a state of its own (res_ninit)
 *   s6_resq send NAME      res_mkquery, then res_send of the prebuilt query
 *
 * Prints "A ADDR" for each A record of the answer, then "ok LEN"; on
 * failure "fail h_errno=N" (1 HOST_NOT_FOUND, 2 TRY_AGAIN, 3 NO_RECOVERY,
 * 4 NO_DATA) and exits 1. For send, the answer's RCODE is printed as
 * "rcode N" (res_send does not judge it). */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

static int print_answer(const unsigned char *ans, int len)
{
	ns_msg msg;
	ns_rr rr;
	char buf[INET_ADDRSTRLEN];

	if (ns_initparse(ans, len, &msg) < 0) {
		printf("fail unparsable answer (%d bytes)\n", len);
		return 1;
	}
	printf("rcode %d\n", (int)ns_msg_getflag(msg, ns_f_rcode));
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return 1;
		if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4)
			printf("A %s\n", inet_ntop(AF_INET, ns_rr_rdata(rr), buf, sizeof buf));
	}
	printf("ok %d\n", len);
	return 0;
}

static int do_send(const char *name, unsigned char *ans, int anslen)
{
	unsigned char q[NS_PACKETSZ];
	int qlen = res_mkquery(ns_o_query, name, ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof q);

	if (qlen < 0)
		return -1;
	return res_send(q, qlen, ans, anslen);
}

int main(int argc, char **argv)
{
	unsigned char ans[NS_PACKETSZ * 4];
	struct __res_state st;
	int n;

	if (argc != 3) {
		fprintf(stderr, "usage: s6_resq query|search|nquery|send NAME\n");
		return 2;
	}
	const char *mode = argv[1], *name = argv[2];
	if (strcmp(mode, "query") == 0) {
		n = res_query(name, ns_c_in, ns_t_a, ans, sizeof ans);
	} else if (strcmp(mode, "search") == 0) {
		n = res_search(name, ns_c_in, ns_t_a, ans, sizeof ans);
	} else if (strcmp(mode, "nquery") == 0) {
		memset(&st, 0, sizeof st);
		if (res_ninit(&st) < 0)
			return 1;
		n = res_nquery(&st, name, ns_c_in, ns_t_a, ans, sizeof ans);
		if (n < 0)
			h_errno = st.res_h_errno;
		res_nclose(&st);
	} else if (strcmp(mode, "send") == 0) {
		n = do_send(name, ans, sizeof ans);
	} else {
		return 2;
	}
	if (n < 0) {
		printf("fail h_errno=%d\n", h_errno);
		return 1;
	}
	return print_answer(ans, n);
}
