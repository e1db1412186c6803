/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getaddrinfo_a and friends: glibc's worker threads call its internal
 * getaddrinfo, which our hook never sees. With remote DNS the requests are
 * answered here, at once, through the hooked getaddrinfo (placeholders need
 * no network), and the completion is signalled as the caller asked. */
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "s6p_real.h"
#include "s6p_resolve.h"

typedef int (*s6p_gai_a_fn)(int, struct gaicb **, int, struct sigevent *);
typedef int (*s6p_gai_suspend_fn)(const struct gaicb *const[], int, const struct timespec *);
typedef int (*s6p_gai_cancel_fn)(struct gaicb *);

static void *s6p_gai_next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

struct s6p_gai_notify {
	void (*fn)(union sigval);
	union sigval value;
};

static void *s6p_gai_thread(void *arg)
{
	struct s6p_gai_notify n = *(struct s6p_gai_notify *)arg;
	free(arg);
	n.fn(n.value);
	return NULL;
}

static void s6p_gai_signal(struct sigevent *sev)
{
	if (sev->sigev_notify == SIGEV_SIGNAL) {
		sigqueue(getpid(), sev->sigev_signo, sev->sigev_value);
	} else if (sev->sigev_notify == SIGEV_THREAD && sev->sigev_notify_function) {
		struct s6p_gai_notify *n = malloc(sizeof *n);
		pthread_t th;
		pthread_attr_t attr;
		if (!n)
			return;
		n->fn = sev->sigev_notify_function;
		n->value = sev->sigev_value;
		if (sev->sigev_notify_attributes)
			attr = *(pthread_attr_t *)sev->sigev_notify_attributes;
		else
			pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, s6p_gai_thread, n) != 0)
			free(n);
		if (!sev->sigev_notify_attributes)
			pthread_attr_destroy(&attr);
	}
}

S6P_HOOK int getaddrinfo_a(int mode, struct gaicb *list[], int n, struct sigevent *sev)
{
	if (!s6p_resolve_remote_mode()) {
		s6p_gai_a_fn real = (s6p_gai_a_fn)s6p_gai_next("getaddrinfo_a");
		return real ? real(mode, list, n, sev) : EAI_SYSTEM;
	}
	for (int i = 0; i < n; i++) {
		if (list[i])
			list[i]->__return = getaddrinfo(list[i]->ar_name, list[i]->ar_service,
							list[i]->ar_request, &list[i]->ar_result);
	}
	if (mode == GAI_NOWAIT && sev)
		s6p_gai_signal(sev);
	return 0;
}

S6P_HOOK int gai_suspend(const struct gaicb *const list[], int n, const struct timespec *ts)
{
	if (s6p_resolve_remote_mode()) {
		for (int i = 0; i < n; i++) {
			if (list[i] && list[i]->__return != EAI_INPROGRESS)
				return 0;
		}
	}
	s6p_gai_suspend_fn real = (s6p_gai_suspend_fn)s6p_gai_next("gai_suspend");
	return real ? real(list, n, ts) : EAI_SYSTEM;
}

S6P_HOOK int gai_cancel(struct gaicb *req)
{
	if (s6p_resolve_remote_mode())
		return EAI_ALLDONE; /* every request was answered when it was made */
	s6p_gai_cancel_fn real = (s6p_gai_cancel_fn)s6p_gai_next("gai_cancel");
	return real ? real(req) : EAI_SYSTEM;
}
