/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "s6_log.h"
#include "srv_resolve.h"

#define NAME_MAX_LEN 255
#define CNAME_ANSWER_MAX 4096    /* a longer answer is cut; the chain is usually first */

/* Lookups that want the CNAME chain call back with it. */
typedef void (*resolve_cn_fn)(void *owner, const srv_addrs *res, const srv_cnames *cn);

/* Ownership: a queued job belongs to the queue (cancel frees it there); a
 * running job belongs to its worker; a finished job belongs to the loop,
 * which calls back unless cancelled and then frees it. All hand-overs happen
 * under the mutex. */
enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct srv_resolve_job {
	srv_resolve_job *next;
	enum job_state state;
	bool cancelled;         /* loop thread only */
	int gai_err;
	uint16_t port;
	char name[NAME_MAX_LEN + 1];
	srv_addrs result;
	srv_resolve_fn fn;
	void *owner;
	srv_cnames *cn;         /* wanted: the chain, filled by the worker */
	resolve_cn_fn fn_cn;
	/* srv_resolve_run jobs: work(arg) instead of getaddrinfo, then
	 * done(owner, arg), which takes arg over. */
	srv_job_work_fn work;
	srv_job_done_fn done;
	void *arg;
};

typedef struct job_list {
	srv_resolve_job *head, *tail;
} job_list;

struct srv_resolver {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	job_list queue, done;
	bool stopping;
	pthread_t threads[SRV_RESOLVE_THREADS];
	unsigned nthreads;
	int efd;
	srv_watch watch;
	srv_loop *loop;
};

static void list_push(job_list *l, srv_resolve_job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static srv_resolve_job *list_pop(job_list *l)
{
	srv_resolve_job *j = l->head;

	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
	}
	return j;
}

static bool list_remove(job_list *l, srv_resolve_job *j)
{
	srv_resolve_job *prev = NULL;

	for (srv_resolve_job *p = l->head; p; prev = p, p = p->next) {
		if (p != j)
			continue;
		if (prev)
			prev->next = p->next;
		else
			l->head = p->next;
		if (l->tail == p)
			l->tail = prev;
		return true;
	}
	return false;
}

/* A job and what it owns (arg is NULL for lookups, or was taken over). */
static void job_free(srv_resolve_job *j)
{
	free(j->cn);
	free(j->arg);
	free(j);
}

static void copy_results(srv_resolve_job *j, const struct addrinfo *ai)
{
	j->result.n = 0;
	for (; ai && j->result.n < SRV_ADDRS_MAX; ai = ai->ai_next) {
		struct sockaddr_storage *ss = &j->result.a[j->result.n];
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			memcpy(ss, ai->ai_addr, sizeof(struct sockaddr_in));
			((struct sockaddr_in *)ss)->sin_port = htons(j->port);
		} else if (ai->ai_family == AF_INET6 &&
			   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			memcpy(ss, ai->ai_addr, sizeof(struct sockaddr_in6));
			((struct sockaddr_in6 *)ss)->sin6_port = htons(j->port);
		} else {
			continue;
		}
		j->result.n++;
	}
}

/* The name's CNAME chain from one type A query: a CNAME owns its node for
 * every type, so an A query shows the chain even when the last name has
 * only AAAA records. No search list (res_nquery): the name as asked. */
static void cname_query(srv_resolve_job *j)
{
	struct __res_state rs;
	uint8_t *ans = malloc(CNAME_ANSWER_MAX);
	int n = -1;

	j->cn->why = "no DNS answer";
	memset(&rs, 0, sizeof rs);
	if (ans && res_ninit(&rs) == 0) {
		n = res_nquery(&rs, j->name, ns_c_in, ns_t_a, ans, CNAME_ANSWER_MAX);
		res_nclose(&rs);
	}
	if (n > 0 && s6_dns_cname_chain(ans, n < CNAME_ANSWER_MAX ? (size_t)n : CNAME_ANSWER_MAX,
				       j->cn->name, S6_DNS_CNAME_MAX, &j->cn->n,
				       &j->cn->why) == S6_OK)
		j->cn->known = true;
	free(ans);
}

static void run_job(srv_resolve_job *j)
{
	/* No AI_ADDRCONFIG: it hides every address on a host (or network
	 * namespace) whose only interface is loopback. */
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;

	if (j->work) {
		j->work(j->arg);
		return;
	}
	j->gai_err = getaddrinfo(j->name, NULL, &hints, &ai);
	if (j->gai_err == 0) {
		copy_results(j, ai);
		freeaddrinfo(ai);
		if (j->cn)
			cname_query(j);
	}
}

static void *worker(void *arg)
{
	srv_resolver *r = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		srv_resolve_job *j;
		while (!r->stopping && !r->queue.head)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stopping)
			break;
		j = list_pop(&r->queue);
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&r->mu);
		run_job(j);
		pthread_mutex_lock(&r->mu);
		j->state = JOB_DONE;
		list_push(&r->done, j);
		/* Wakes the loop; a full counter is impossible in practice. */
		if (write(r->efd, &one, sizeof one) < 0)
			(void)0;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Loop side: run the callbacks of finished jobs. */
static void on_done(srv_watch *w, uint32_t events)
{
	srv_resolver *r = w->owner;
	uint64_t count;
	job_list done;

	if (read(r->efd, &count, sizeof count) < 0)
		(void)0; /* EAGAIN: another wake-up already drained it */
	pthread_mutex_lock(&r->mu);
	done = r->done;
	r->done.head = r->done.tail = NULL;
	pthread_mutex_unlock(&r->mu);
	/* A callback may cancel a job further down this private list; the
	 * flag is checked when that job's turn comes. */
	for (srv_resolve_job *j; (j = list_pop(&done));) {
		if (!j->cancelled && j->work) {
			void *arg = j->arg;
			j->arg = NULL;
			j->done(j->owner, arg);
		} else if (!j->cancelled) {
			const srv_addrs *res = j->gai_err == 0 && j->result.n > 0 ?
					       &j->result : NULL;

			if (j->fn_cn)
				j->fn_cn(j->owner, res, res ? j->cn : NULL);
			else
				j->fn(j->owner, res);
		}
		job_free(j);
	}
}

static bool start_threads(srv_resolver *r, unsigned threads)
{
	sigset_t all, old;
	bool ok = true;

	/* Workers take no signals at all: the loop's signalfd gets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (r->nthreads = 0; r->nthreads < threads; r->nthreads++) {
		if (pthread_create(&r->threads[r->nthreads], NULL, worker, r) != 0) {
			ok = false;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok && r->nthreads > 0;
}

srv_resolver *srv_resolver_new(srv_loop *loop, unsigned threads)
{
	srv_resolver *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	if (threads == 0 || threads > SRV_RESOLVE_THREADS)
		threads = SRV_RESOLVE_THREADS;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->loop = loop;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	srv_watch_init(&r->watch, on_done, r);
	srv_watch_attach(&r->watch, r->efd);
	if (r->efd < 0 || !srv_watch_set(loop, &r->watch, EPOLLIN) ||
	    !start_threads(r, threads)) {
		srv_resolver_free(r);
		return NULL;
	}
	return r;
}

static void free_list(job_list *l)
{
	for (srv_resolve_job *j; (j = list_pop(l));)
		job_free(j);
}

void srv_resolver_free(srv_resolver *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; i < r->nthreads; i++)
		pthread_join(r->threads[i], NULL);
	free_list(&r->queue);
	free_list(&r->done);
	srv_watch_close(r->loop, &r->watch);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void enqueue(srv_resolver *r, srv_resolve_job *j)
{
	pthread_mutex_lock(&r->mu);
	j->state = JOB_QUEUED;
	list_push(&r->queue, j);
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static srv_resolve_job *job_new(const char *name, uint16_t port, void *owner)
{
	size_t len = strlen(name);
	srv_resolve_job *j;

	if (len > NAME_MAX_LEN || !(j = calloc(1, sizeof *j)))
		return NULL;
	memcpy(j->name, name, len + 1);
	j->port = port;
	j->owner = owner;
	return j;
}

srv_resolve_job *srv_resolve_submit(srv_resolver *r, const char *name,
				    uint16_t port, srv_resolve_fn fn, void *owner)
{
	srv_resolve_job *j = job_new(name, port, owner);

	if (!j)
		return NULL;
	j->fn = fn;
	enqueue(r, j);
	return j;
}

/* A lookup that also wants the CNAME chain. */
static srv_resolve_job *submit_cn(srv_resolver *r, const char *name, uint16_t port,
				  resolve_cn_fn fn, void *owner)
{
	srv_resolve_job *j = job_new(name, port, owner);

	if (!j)
		return NULL;
	j->cn = calloc(1, sizeof *j->cn);
	if (!j->cn) {
		job_free(j);
		return NULL;
	}
	j->fn_cn = fn;
	enqueue(r, j);
	return j;
}

srv_resolve_job *srv_resolve_run(srv_resolver *r, srv_job_work_fn work, void *arg,
				 srv_job_done_fn done, void *owner)
{
	srv_resolve_job *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	j->work = work;
	j->arg = arg;
	j->done = done;
	j->owner = owner;
	enqueue(r, j);
	return j;
}

void srv_resolve_cancel(srv_resolver *r, srv_resolve_job *j)
{
	bool unqueued = false;

	pthread_mutex_lock(&r->mu);
	if (j->state == JOB_QUEUED)
		unqueued = list_remove(&r->queue, j);
	else
		j->cancelled = true; /* worker or loop frees it later */
	pthread_mutex_unlock(&r->mu);
	if (unqueued)
		job_free(j);
}

bool srv_resolve_literal(const char *host, uint16_t port, struct sockaddr_storage *out)
{
	struct sockaddr_in *in = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	char buf[INET6_ADDRSTRLEN];
	size_t len = strlen(host);

	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		return true;
	}
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		if (len - 2 >= sizeof buf)
			return false;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return true;
	}
	return false;
}

/* ---- srv_lookup */

static void lookup_finish(srv_lookup *lk, const srv_addrs *res, const char *reason)
{
	lk->active = false;
	lk->job = NULL;
	srv_timer_stop(lk->loop, &lk->timer);
	lk->fn(lk, res, reason);
}

static void lookup_resolved(void *owner, const srv_addrs *res)
{
	srv_lookup *lk = owner;

	lk->job = NULL; /* the resolver frees it after this call */
	if (res)
		lk->addrs = *res;
	lookup_finish(lk, res ? &lk->addrs : NULL, "name not resolved");
}

static void lookup_resolved_cn(void *owner, const srv_addrs *res, const srv_cnames *cn)
{
	srv_lookup *lk = owner;

	/* The job's, freed after this call; lk itself may be gone after
	 * lookup_resolved, so nothing here touches it afterwards. */
	lk->cnames = cn;
	lookup_resolved(owner, res);
}

/* Literals are answered from a zero-delay timer so the caller never sees its
 * callback run inside srv_lookup_start; otherwise this is the deadline. */
static void lookup_timer(srv_timer *t)
{
	srv_lookup *lk = t->owner;

	if (lk->literal) {
		lookup_finish(lk, &lk->addrs, NULL);
		return;
	}
	srv_resolve_cancel(lk->resolver, lk->job);
	lookup_finish(lk, NULL, "timeout");
}

void srv_lookup_init(srv_lookup *lk)
{
	memset(lk, 0, sizeof *lk);
	srv_timer_init(&lk->timer, lookup_timer, lk);
}

static bool lookup_start(srv_lookup *lk, srv_loop *l, srv_resolver *r,
			 const char *host, uint16_t port, unsigned timeout_ms,
			 srv_lookup_fn fn, void *owner)
{
	lk->loop = l;
	lk->resolver = r;
	lk->fn = fn;
	lk->owner = owner;
	lk->addrs.n = 0;
	lk->cnames = NULL;
	lk->literal = srv_resolve_literal(host, port, &lk->addrs.a[0]);
	if (lk->literal) {
		lk->addrs.n = 1;
		srv_timer_arm(l, &lk->timer, 0);
	} else {
		lk->job = lk->want_cnames ? submit_cn(r, host, port, lookup_resolved_cn, lk)
					  : srv_resolve_submit(r, host, port, lookup_resolved, lk);
		if (!lk->job)
			return false;
		if (timeout_ms)
			srv_timer_arm(l, &lk->timer, timeout_ms);
	}
	lk->active = true;
	return true;
}

bool srv_lookup_start(srv_lookup *lk, srv_loop *l, srv_resolver *r,
		      const char *host, uint16_t port, unsigned timeout_ms,
		      srv_lookup_fn fn, void *owner)
{
	srv_lookup_cancel(lk);
	lk->want_cnames = false;
	return lookup_start(lk, l, r, host, port, timeout_ms, fn, owner);
}

bool srv_lookup_start_cnames(srv_lookup *lk, srv_loop *l, srv_resolver *r,
			     const char *host, uint16_t port, unsigned timeout_ms,
			     srv_lookup_fn fn, void *owner)
{
	srv_lookup_cancel(lk);
	lk->want_cnames = true;
	return lookup_start(lk, l, r, host, port, timeout_ms, fn, owner);
}

void srv_lookup_cancel(srv_lookup *lk)
{
	if (!lk->active)
		return;
	if (lk->job)
		srv_resolve_cancel(lk->resolver, lk->job);
	lk->job = NULL;
	srv_timer_stop(lk->loop, &lk->timer);
	lk->active = false;
}
