/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socks6ify-server: start-up, the run, and a shutdown that frees everything
 * (the sanitizer build checks for leaks at exit). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s6_log.h"
#include "srv_cip.h"
#include "srv_conn.h"
#include "srv_listen.h"
#include "srv_loop.h"
#include "srv_options.h"
#include "srv_resolve.h"
#include "srv_s6_session.h"
#include "srv_tls.h"

static int log_fd = -1;
static bool pid_written;

static bool setup_log(const srv_options *o)
{
	s6_log_set_prefix("socks6ify-server");
	s6_log_set_level(srv_options_level(o));
	if (!o->log_file)
		return true;
	log_fd = open(o->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		fprintf(stderr, "socks6ify-server: cannot open log file %s: %s\n",
			o->log_file, strerror(errno));
		return false;
	}
	s6_log_set_fd(log_fd);
	return true;
}

static bool write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");
	bool ok = f && fprintf(f, "%ld\n", (long)getpid()) > 0;

	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		s6_log(S6_LOG_ERROR, "cannot write pid file %s: %s", path, strerror(errno));
		return false;
	}
	pid_written = true;
	return true;
}

static bool start_tls(srv_server *s, const srv_options *o)
{
	char why[512];

	s->tls = srv_tls_new(s, o->tls_cert, o->tls_key, why, sizeof why);
	if (!s->tls)
		s6_log(S6_LOG_ERROR, "cannot set up TLS: %s", why);
	return s->tls != NULL;
}

static bool start(srv_server *s, const srv_options *o)
{
	s->resolver = srv_resolver_new(s->loop, SRV_RESOLVE_THREADS);
	if (!s->resolver) {
		s6_log(S6_LOG_ERROR, "cannot start the resolver threads");
		return false;
	}
	s->s6_sessions = srv_s6_sessions_new(o->s6.max_sessions, o->s6.session_timeout_ms);
	if (!s->s6_sessions) {
		s6_log(S6_LOG_ERROR, "out of memory");
		return false;
	}
	if (o->cfg.misbehave)
		s6_log(S6_LOG_INFO, "misbehave mode: every listener runs a %zu-step "
		       "script (a hostile proxy for tests)", o->misb.n_steps);
	if (o->tls_cert && !start_tls(s, o))
		return false;
	s->cip_pool = srv_cip_pool_new(&o->cip);
	if (!s->cip_pool) {
		s6_log(S6_LOG_ERROR, "out of memory");
		return false;
	}
	for (size_t i = 0; i < o->n_listen; i++)
		if (!srv_listen_add(s, (const struct sockaddr *)&o->listen[i].addr,
				    o->listen[i].proto))
			return false;
	return !o->pid_file || write_pid_file(o->pid_file);
}

static void stop(srv_server *s)
{
	srv_conn_close_all(s);
	srv_tls_free(s->tls);
	s->tls = NULL;
	srv_listen_close_all(s);
	srv_resolver_free(s->resolver); /* after the connections: they cancel jobs */
	s->resolver = NULL;
	srv_s6_sessions_free(s->s6_sessions);
	s->s6_sessions = NULL;
	srv_cip_pool_free(s->cip_pool);
	s->cip_pool = NULL;
}

int main(int argc, char **argv)
{
	srv_options o;
	srv_loop loop;
	srv_server s;
	bool ok;

	switch (srv_options_parse(&o, argc, argv)) {
	case SRV_OPTS_RUN: break;
	case SRV_OPTS_DONE: srv_options_free(&o); return 0;
	default: srv_options_free(&o); return 2;
	}
	if (!setup_log(&o)) {
		srv_options_free(&o);
		return 1;
	}
	if (!srv_loop_init(&loop)) {
		s6_log(S6_LOG_ERROR, "cannot set up the event loop: %s", strerror(errno));
		if (log_fd >= 0)
			close(log_fd);
		srv_options_free(&o);
		return 1;
	}
	memset(&s, 0, sizeof s);
	s.cfg = o.cfg;
	s.loop = &loop;
	ok = start(&s, &o) && srv_loop_run(&loop);
	if (loop.stop_signal)
		s6_log(S6_LOG_INFO, "%s received, exiting",
		       loop.stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	stop(&s);
	srv_loop_fini(&loop);
	if (pid_written)
		unlink(o.pid_file);
	if (log_fd >= 0)
		close(log_fd);
	srv_options_free(&o);
	return ok ? 0 : 1;
}
