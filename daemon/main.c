/*
 * meldpuntd: start-up, roles and signals.  One process serves one role
 * (public or staff) with its own database role and keys; everything runs
 * on one libevent loop, with CPU-heavy work on the worker pool.  fatalx()
 * is used here and only here: after start-up, failures become HTTP
 * statuses.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <stdint.h>
#include <sysexits.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "crypto/secret.h"
#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/public.h"
#include "daemon/staff.h"
#include "daemon/store.h"
#include "daemon/tls.h"
#include "daemon/web.h"

#define MELDPUNT_VERSION	"0.1.0"

static struct event	*grace_ev;
static int		 abandoned;	/* connections cut at the grace */

/*
 * jansson's allocator for the whole process: every JSON value may hold a
 * narrative, contact details, a receipt or decrypted content, and jansson
 * frees its strings and growth buffers itself.  Freeing wipes the whole
 * block first (DESIGN §4, secret memory).  Plain malloc underneath, so a
 * string from json_dumps() may still be released with free().
 */
static void *
main_json_malloc(size_t n)
{
	return (malloc(n));
}

static void
main_json_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: meldpuntd -c FILE --role public|staff [-t] [-d]\n"
	    "\n"
	    "  -c, --config FILE   configuration file (see meldpuntd.conf.example)\n"
	    "  -r, --role ROLE     public (reporters) or staff (handlers, research)\n"
	    "  -t, --check         check the configuration and exit\n"
	    "  -d, --debug         log at debug level\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n");
}

static void
main_drained(void *arg)
{
	struct app	*app = arg;

	log_info("all connections closed; exiting");
	event_base_loopexit(app->a_base, NULL);
}

static void
main_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct app	*app = arg;

	(void)fd;
	(void)what;
	/* Requests in flight are cut off: their clients get no answer
	 * (never "not stored") and the exit status says so. */
	abandoned = http_server_connections(app->a_http);
	log_warnx("grace period over with %d connections left; exiting",
	    abandoned);
	event_base_loopexit(app->a_base, NULL);
}

/* SIGTERM/SIGINT: stop accepting, let in-flight requests finish. */
static void
main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct app	*app = arg;
	struct timeval	 tv;

	(void)what;
	if (grace_ev != NULL)
		return;		/* already draining */
	log_info("signal %d: draining", (int)sig);
	tv.tv_sec = app->a_conf->c_shutdown_grace_ms / 1000;
	tv.tv_usec = (app->a_conf->c_shutdown_grace_ms % 1000) * 1000;
	grace_ev = evtimer_new(app->a_base, main_grace_cb, app);
	if (grace_ev != NULL)
		evtimer_add(grace_ev, &tv);
	http_server_drain(app->a_http, main_drained, app);
}

static void
main_load_config(struct app *app, const char *path, enum config_role role,
    int check_only)
{
	char	 err[CONFIG_ERRLEN];

	if ((app->a_conf = config_new(role)) == NULL)
		fatalx(EX_OSERR, "out of memory");
	if (config_load(app->a_conf, path, err, sizeof(err)) == -1 ||
	    config_check(app->a_conf, err, sizeof(err)) == -1)
		fatalx(EX_CONFIG, "config %s", err);
	if ((app->a_tls = tls_ctx_new(app->a_conf->c_tls_cert,
	    app->a_conf->c_tls_key, err, sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "config %s", err);
	if (check_only) {
		printf("configuration ok\n");
		exit(0);
	}
}

static void
main_block_signals(int how)
{
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(how, &set, NULL);
}

/*
 * Every connection needs a descriptor; raise the soft limit to the hard
 * one and warn when the configured cap cannot be met, rather than meet
 * EMFILE under load.
 */
static void
main_raise_nofile(const struct config *c)
{
	struct rlimit	 rl;
	rlim_t		 need;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	need = (rlim_t)c->c_max_connections + (rlim_t)c->c_db_pool_size + 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warnx("descriptor limit %llu is below max_connections + "
		    "db_pool_size + 64 = %llu; lower max_connections or raise "
		    "LimitNOFILE", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)need);
}

static void
main_start(struct app *app)
{
	const struct config	*c = app->a_conf;
	struct store_conf	 sc;
	struct http_limits	 lim;
	const struct http_route	*routes;
	const char		*root;
	size_t			 nroutes;

	main_raise_nofile(c);
	if (evthread_use_pthreads() == -1)
		fatalx(EX_OSERR, "libevent threads unavailable");
	if ((app->a_base = event_base_new()) == NULL)
		fatalx(EX_OSERR, "cannot create event loop");
	/* Workers inherit a mask that blocks the shutdown signals, so only
	 * the loop thread ever sees them. */
	main_block_signals(SIG_BLOCK);
	if ((app->a_pool = pool_new(app->a_base, c->c_workers,
	    c->c_worker_queue)) == NULL)
		fatalx(EX_OSERR, "cannot start worker threads");
	pool_set_nice(app->a_pool, c->c_worker_nice);
	main_block_signals(SIG_UNBLOCK);
	memset(&sc, 0, sizeof(sc));
	sc.sc_conninfo = c->c_database;
	sc.sc_size = c->c_db_pool_size;
	sc.sc_wait_ms = c->c_db_wait_ms;
	sc.sc_max_waiters = c->c_db_max_waiters;
	sc.sc_stmt_timeout_ms = c->c_db_statement_timeout_ms;
	if ((app->a_store = store_new(app->a_base, &sc)) == NULL)
		fatalx(EX_CONFIG, "config database: invalid connection string");

	memset(&lim, 0, sizeof(lim));
	lim.hl_header_max = c->c_header_max;
	lim.hl_body_max = c->c_body_max;
	lim.hl_request_timeout_ms = c->c_request_timeout_ms;
	lim.hl_idle_timeout_ms = c->c_idle_timeout_ms;
	lim.hl_write_timeout_ms = c->c_write_timeout_ms;
	lim.hl_max_connections = c->c_max_connections;
	lim.hl_hsts_max_age = c->c_hsts_max_age;
	lim.hl_proxy_protocol = c->c_proxy_protocol;
	lim.hl_reuse_port = c->c_reuse_port;
	if (c->c_role == ROLE_STAFF) {
		staff_init(app);
		routes = staff_routes(&nroutes);
	} else {
		public_init(app);
		routes = public_routes(&nroutes);
	}
	if ((app->a_http = http_server_new(app->a_base, app->a_tls, &lim,
	    routes, nroutes, app)) == NULL)
		fatalx(EX_OSERR, "out of memory");
	/* Static files read once, here: the reporter page (public role,
	 * web_root) or the staff console (staff role, console_root), each
	 * process only its own, under the same strict CSP.  Two keys, so a
	 * top-level web_root never puts the reporter page on the staff port
	 * nor a console_root the console on the public one. */
	root = c->c_role == ROLE_STAFF ? c->c_console_root : c->c_web_root;
	if (root != NULL) {
		char	 werr[CONFIG_ERRLEN];

		if (web_load(root, werr, sizeof(werr)) == -1)
			fatalx(EX_CONFIG, "config %s: %s", c->c_role ==
			    ROLE_STAFF ? "console_root" : "web_root", werr);
		http_server_set_fallback(app->a_http, web_serve);
	}
	if (http_server_listen(app->a_http, c->c_listen_host,
	    c->c_listen_port) == -1)
		fatalx(errno == EINVAL ? EX_CONFIG : EX_UNAVAILABLE,
		    "config listen: cannot listen on %s:%d: %s",
		    c->c_listen_host, c->c_listen_port, strerror(errno));
	/* The bound port is not secret; scripts and tests read this line. */
	log_info("%s role listening on https://%s:%d/",
	    config_role_name(c->c_role), c->c_listen_host,
	    http_server_port(app->a_http));
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "role",	required_argument,	NULL, 'r' },
		{ "check",	no_argument,		NULL, 't' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct app	 app;
	struct event	*sigterm, *sigint;
	const char	*cfile = NULL, *rname = NULL;
	enum config_role role;
	int		 ch, check = 0, debug = 0;

	memset(&app, 0, sizeof(app));
	/* Before any thread exists: libsodium picks its Argon2 code. */
	if (secret_init() == -1) {
		fprintf(stderr, "meldpuntd: libsodium cannot initialise\n");
		return (EX_OSERR);
	}
	/* Before any JSON value exists: allocators must never be mixed. */
	json_set_alloc_funcs(main_json_malloc, main_json_free);
	log_init(LOG_LVL_INFO, 0, "meldpuntd");
	while ((ch = getopt_long(argc, argv, "c:r:tdhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfile = optarg; break;
		case 'r': rname = optarg; break;
		case 't': check = 1; break;
		case 'd': debug = 1; break;
		case 'h': usage(stdout); return (0);
		case 'V': printf("meldpuntd %s\n", MELDPUNT_VERSION); return (0);
		default: usage(stderr); return (EX_USAGE);
		}
	}
	if (optind != argc || cfile == NULL || rname == NULL) {
		usage(stderr);
		return (EX_USAGE);
	}
	if (config_parse_role(rname, &role) == -1) {
		fprintf(stderr, "meldpuntd: --role must be public or staff\n");
		return (EX_USAGE);
	}
	main_load_config(&app, cfile, role, check);
	log_init(debug ? LOG_LVL_DEBUG : (enum log_level)app.a_conf->c_log_level,
	    app.a_conf->c_syslog, "meldpuntd");

	/* A peer that closes early must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	main_start(&app);
	sigterm = evsignal_new(app.a_base, SIGTERM, main_signal_cb, &app);
	sigint = evsignal_new(app.a_base, SIGINT, main_signal_cb, &app);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL))
		fatalx(EX_OSERR, "cannot install signal handlers");

	event_base_dispatch(app.a_base);

	/*
	 * Draining is over: a second SIGTERM must not cut short the cleanup
	 * that wipes keys (SIGKILL still works).  Block first: event_free()
	 * restores the default handlers libevent replaced, and a signal in
	 * between would kill us.  Ignoring then discards what is pending.
	 */
	main_block_signals(SIG_BLOCK);
	event_free(sigterm);
	event_free(sigint);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if (grace_ev != NULL)
		event_free(grace_ev);
	if (app.a_conf->c_role == ROLE_STAFF)
		staff_free(&app);
	else
		public_free(&app);
	store_free(app.a_store);
	pool_free(app.a_pool);
	/* Last: it frees requests that handlers abandoned. */
	http_server_free(app.a_http);
	SSL_CTX_free(app.a_tls);
	event_base_free(app.a_base);
	config_free(app.a_conf);
	log_info("stopped");
	/* A supervisor must know that requests were abandoned. */
	return (abandoned > 0 ? EX_TEMPFAIL : 0);
}
