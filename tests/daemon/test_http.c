/*
 * The HTTPS server in-process: its loop runs on a thread of the test while
 * the test plays the client.  Checks that /healthz is answered while every
 * worker is busy with a slow job, and that nothing a client sends (path,
 * query, headers, body) reaches the log even at debug level.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/tls.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"

#define CANARY	"zq7CANARYzq7"

struct fixture {
	struct app	 app;
	pthread_t	 loop;
};

static atomic_int	slow_done;
static atomic_int	canary_seen;
static atomic_int	lines_seen;

/* Echo the body size back: a handler that reads a body. */
static void
echo_len(struct http_request *req, void *arg)
{
	size_t	 len;

	(void)arg;
	(void)http_req_body(req, &len);
	http_reply_json(req, 200, json_pack("{s:I}", "len", (json_int_t)len));
}

/* A handler that overruns the request deadline, then replies into the
 * void; the request lives until then. */
static void
stall_reply(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_reply_json(arg, 200, json_pack("{s:b}", "late", 1));
}

static void
stall(struct http_request *req, void *arg)
{
	struct app	*app = arg;
	struct timeval	 tv = { 6, 0 };

	event_base_once(app->a_base, -1, EV_TIMEOUT, stall_reply, req, &tv);
}

static const struct http_route routes[] = {
	{ HTTP_GET, "/healthz", health_healthz, 0 },
	{ HTTP_POST, "/echo", echo_len, HTTP_ROUTE_JSON_BODY },
	{ HTTP_GET, "/stall", stall, 0 },
};

static void *
loop_main(void *arg)
{
	struct fixture	*f = arg;

	event_base_loop(f->app.a_base, EVLOOP_NO_EXIT_ON_EMPTY);
	return (NULL);
}

static void
fixture_start(struct fixture *f, int workers)
{
	struct http_limits	 lim = {
		.hl_header_max = 8192, .hl_body_max = 65536,
		.hl_request_timeout_ms = 5000, .hl_idle_timeout_ms = 5000,
		.hl_write_timeout_ms = 5000, .hl_max_connections = 64,
		.hl_hsts_max_age = 600,
	};
	char	 dir[512], cert[600], key[600], err[256];

	memset(f, 0, sizeof(*f));
	snprintf(dir, sizeof(dir), "%s/inproc-%d", getenv("MELDPUNT_TEST_TMP") ?
	    getenv("MELDPUNT_TEST_TMP") : "/tmp", (int)getpid());
	mkdir(dir, 0700);
	cr_assert_eq(tdaemon_make_cert(dir), 0);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	cr_assert_eq(evthread_use_pthreads(), 0);
	f->app.a_conf = config_new(ROLE_PUBLIC);
	f->app.a_base = event_base_new();
	f->app.a_tls = tls_ctx_new(cert, key, err, sizeof(err));
	cr_assert_not_null(f->app.a_tls, "%s", err);
	f->app.a_pool = pool_new(f->app.a_base, workers, 16);
	cr_assert_not_null(f->app.a_pool);
	f->app.a_http = http_server_new(f->app.a_base, f->app.a_tls, &lim,
	    routes, sizeof(routes) / sizeof(routes[0]), &f->app);
	cr_assert_eq(http_server_listen(f->app.a_http, "127.0.0.1", 0), 0);
	cr_assert_eq(pthread_create(&f->loop, NULL, loop_main, f), 0);
}

static void
fixture_stop(struct fixture *f)
{
	event_base_loopexit(f->app.a_base, NULL);
	pthread_join(f->loop, NULL);
	http_server_free(f->app.a_http);
	pool_free(f->app.a_pool);
	SSL_CTX_free(f->app.a_tls);
	event_base_free(f->app.a_base);
	config_free(f->app.a_conf);
}

static void
slow_work(void *arg)
{
	(void)arg;
	sleep(3);
}

static void
slow_finish(void *arg)
{
	(void)arg;
	atomic_fetch_add(&slow_done, 1);
}

Test(http_server, healthz_answers_while_workers_are_busy, .timeout = 60)
{
	struct fixture	 f;
	struct tcl_resp	 r;
	int		 i, port;

	fixture_start(&f, 2);
	port = http_server_port(f.app.a_http);
	/* Occupy both workers and queue more behind them (pool_submit
	 * takes the pool's lock, so the test thread may call it). */
	for (i = 0; i < 4; i++)
		cr_assert_eq(pool_submit(f.app.a_pool, slow_work, slow_finish,
		    NULL), 0);
	usleep(100000);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(tcl_request(port, "GET", "/healthz", NULL, NULL,
		    &r), 0);
		cr_assert_eq(r.status, 200);
		tcl_resp_clear(&r);
	}
	/* Ten round trips happened while the first slow jobs still ran. */
	cr_assert_eq(atomic_load(&slow_done), 0,
	    "healthz waited for the worker jobs");
	while (atomic_load(&slow_done) < 4)
		usleep(100000);
	fixture_stop(&f);
}

/*
 * A handler that overruns request_timeout_ms gets the server's own 503,
 * and like every 503 it says when to come back (Retry-After); the
 * handler's late reply is discarded.
 */
Test(http_server, handler_overrun_is_503_with_retry_after, .timeout = 60)
{
	struct fixture	 f;
	struct tcl_resp	 r;
	char		*ra;

	fixture_start(&f, 1);
	cr_assert_eq(tcl_request(http_server_port(f.app.a_http), "GET",
	    "/stall", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 503);
	cr_assert_not_null(ra = tcl_resp_header(&r, "retry-after"));
	cr_assert_eq(atoi(ra), 1);
	free(ra);
	tcl_resp_clear(&r);
	sleep(3);	/* the handler's reply goes into the void */
	fixture_stop(&f);
}

static void
canary_sink(int level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	atomic_fetch_add(&lines_seen, 1);
	if (strstr(line, CANARY) != NULL || strstr(line, TCL_CLIENT_ADDR))
		atomic_store(&canary_seen, 1);
}

Test(http_server, canary_never_reaches_the_log, .timeout = 60)
{
	struct fixture	 f;
	struct tcl_resp	 r;
	int		 port;

	log_set_level(LOG_LVL_DEBUG);
	log_set_sink(canary_sink, NULL);
	fixture_start(&f, 1);
	port = http_server_port(f.app.a_http);

	cr_assert_eq(tcl_request(port, "POST", "/echo",
	    "Content-Type: application/json\r\nX-Secret: " CANARY "\r\n",
	    "{\"narrative\":\"" CANARY "\"}", &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "\"len\":") != NULL);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(port, "GET", "/" CANARY "?q=" CANARY, NULL,
	    NULL, &r), 0);
	cr_assert_eq(r.status, 404);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(port, "POST", "/echo",
	    "Content-Type: text/" CANARY "\r\n", "{}", &r), 0);
	cr_assert_eq(r.status, 415);
	tcl_resp_clear(&r);

	fixture_stop(&f);
	log_set_sink(NULL, NULL);
	cr_assert(atomic_load(&lines_seen) > 0, "the sink saw nothing at all");
	cr_assert_eq(atomic_load(&canary_seen), 0, "request bytes were logged");
}

Test(http_server, pipelined_requests_answered_in_order, .timeout = 60)
{
	struct fixture	 f;
	struct tcl_conn	*c;
	struct tcl_resp	 r;
	const char	*two = "POST /echo HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nContent-Length: 3\r\n\r\n{ }"
	    "POST /echo HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{   }";

	fixture_start(&f, 1);
	c = tcl_connect(http_server_port(f.app.a_http), 1);
	cr_assert_not_null(c);
	cr_assert_eq(tcl_write(c, two, strlen(two)), 0);
	cr_assert_eq(tcl_read_resp(c, 5000, &r), 0);
	cr_assert_str_eq(r.body, "{\"len\":3}");
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_read_resp(c, 5000, &r), 0);
	cr_assert_str_eq(r.body, "{\"len\":5}");
	tcl_resp_clear(&r);
	tcl_close(c);
	fixture_stop(&f);
}
