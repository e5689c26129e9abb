/*
 * End-to-end tests of meldpuntd's HTTPS front: a real daemon process, real
 * TLS, a real PostgreSQL.  They check the limits the foundation promises
 * (DESIGN §2, issue 2): sizes, deadlines, connection cap, no plaintext,
 * readiness across a database restart, clean shutdown, and that neither
 * the client's address nor request bytes reach the log.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

static void
start_or_die(struct tdaemon *d, const char *role, const char *db,
    const char *extra)
{
	cr_assert_eq(tdaemon_start(d, role, db, extra), 0,
	    "meldpuntd did not start (see %s)", d->log);
}

/* Check the JSON error shape and return its code (static buffer). */
static const char *
error_code(const struct tcl_resp *r)
{
	static char	 code[64];
	json_error_t	 jerr;
	json_t		*j;
	const char	*c = NULL, *m = NULL;

	j = json_loads(r->body, 0, &jerr);
	cr_assert_not_null(j, "error body is not JSON: %s", r->body);
	cr_assert_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &c,
	    "message", &m), 0, "not an error document: %s", r->body);
	cr_assert(strlen(m) > 0);
	snprintf(code, sizeof(code), "%s", c);
	json_decref(j);
	return (code);
}

static void
assert_header(const struct tcl_resp *r, const char *name, const char *want)
{
	char	*v = tcl_resp_header(r, name);

	cr_assert_not_null(v, "missing header %s", name);
	if (want != NULL)
		cr_assert(strstr(v, want) != NULL, "%s: %s", name, v);
	free(v);
}

Test(e2e, healthz_json_and_security_headers, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;

	start_or_die(&d, "public", NULL, NULL);
	cr_assert_eq(tcl_request(d.port, "GET", "/healthz", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"status\":\"ok\"") != NULL, "%s", r.body);
	assert_header(&r, "Content-Type", "application/json");
	assert_header(&r, "Cache-Control", "no-store");
	assert_header(&r, "Referrer-Policy", "no-referrer");
	assert_header(&r, "X-Content-Type-Options", "nosniff");
	assert_header(&r, "Strict-Transport-Security", "max-age=");
	assert_header(&r, "Content-Security-Policy", "default-src 'none'");
	tcl_resp_clear(&r);
	cr_assert_eq(tdaemon_stop(&d), 0, "SIGTERM must exit 0");
}

Test(e2e, staff_role_serves_too, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;

	start_or_die(&d, "staff", NULL, NULL);
	cr_assert_eq(tcl_request(d.port, "GET", "/healthz", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"role\":\"staff\"") != NULL, "%s", r.body);
	tcl_resp_clear(&r);
	/* Without metrics_token_file there are no metrics at all. */
	cr_assert_eq(tcl_request(d.port, "GET", "/metrics", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 403, "%s", r.body);
	cr_assert_str_eq(error_code(&r), "metrics_disabled");
	tcl_resp_clear(&r);
	cr_assert_eq(tdaemon_stop(&d), 0);
}

/* Ready once the published keys are loaded from a migrated database. */
Test(e2e, readyz_with_database, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	char		*db;
	int		 i;

	cr_assert_not_null(db = testdb_create());
	start_or_die(&d, "public", tdaemon_conninfo(db, "mp_public"), NULL);
	for (i = 0; i < 100; i++) {
		cr_assert_eq(tcl_request(d.port, "GET", "/readyz", NULL, NULL,
		    &r), 0);
		if (r.status == 200)
			break;
		tcl_resp_clear(&r);
		usleep(100000);
	}
	cr_assert_eq(r.status, 200, "%s", r.body);
	tcl_resp_clear(&r);
	tdaemon_stop(&d);
	testdb_drop(db);
	free(db);
}

Test(e2e, status_codes, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;

	start_or_die(&d, "public", NULL, "body_max = 1024\n");

	cr_assert_eq(tcl_request(d.port, "GET", "/nope", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 404);
	cr_assert_str_eq(error_code(&r), "not_found");
	assert_header(&r, "Content-Type", "application/json");
	assert_header(&r, "Cache-Control", "no-store");
	tcl_resp_clear(&r);

	cr_assert_eq(tcl_request(d.port, "DELETE", "/healthz", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 405);
	cr_assert_str_eq(error_code(&r), "method_not_allowed");
	assert_header(&r, "Allow", "GET, HEAD");
	tcl_resp_clear(&r);

	/* A body where none is taken. */
	cr_assert_eq(tcl_request(d.port, "GET", "/healthz",
	    "Content-Type: text/plain\r\n", "hello", &r), 0);
	cr_assert_eq(r.status, 415);
	cr_assert_str_eq(error_code(&r), "unsupported_media_type");
	tcl_resp_clear(&r);
	tdaemon_stop(&d);
}

/* Send raw bytes on a new TLS connection and read one response. */
static int
raw_exchange(int port, const char *req, size_t len, struct tcl_resp *r)
{
	struct tcl_conn	*c;
	int		 rc;

	if ((c = tcl_connect(port, 1)) == NULL)
		return (-1);
	rc = tcl_write(c, req, len) == 0 ? tcl_read_resp(c, 10000, r) : -1;
	tcl_close(c);
	return (rc);
}

Test(e2e, oversized_body_413, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	const char	*req = "POST /v1/reports HTTP/1.1\r\nHost: localhost\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n";

	start_or_die(&d, "public", NULL, "body_max = 65536\n");
	/* Refused from the head alone: no need to send the body. */
	cr_assert_eq(raw_exchange(d.port, req, strlen(req), &r), 0);
	cr_assert_eq(r.status, 413);
	cr_assert_str_eq(error_code(&r), "body_too_large");
	assert_header(&r, "Connection", "close");
	tcl_resp_clear(&r);
	tdaemon_stop(&d);
}

Test(e2e, oversized_headers_431, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	char		*req;
	size_t		 n = 20000;

	start_or_die(&d, "public", NULL, "header_max = 4096\n");
	req = malloc(n + 64);
	cr_assert_not_null(req);
	strcpy(req, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Pad: ");
	memset(req + strlen(req), 'a', n);
	req[n + 40] = '\0';
	strcat(req, "\r\n\r\n");
	cr_assert_eq(raw_exchange(d.port, req, strlen(req), &r), 0);
	cr_assert_eq(r.status, 431);
	cr_assert_str_eq(error_code(&r), "headers_too_large");
	tcl_resp_clear(&r);
	free(req);
	tdaemon_stop(&d);
}

Test(e2e, missing_length_411_and_chunked_411, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	const char	*nolen = "POST /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	const char	*chunked = "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
	const char	*smuggle = "POST /healthz HTTP/1.1\r\nHost: localhost\r\n"
	    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

	start_or_die(&d, "public", NULL, NULL);
	cr_assert_eq(raw_exchange(d.port, nolen, strlen(nolen), &r), 0);
	cr_assert_eq(r.status, 411);
	tcl_resp_clear(&r);
	cr_assert_eq(raw_exchange(d.port, chunked, strlen(chunked), &r), 0);
	cr_assert_eq(r.status, 411);
	tcl_resp_clear(&r);
	cr_assert_eq(raw_exchange(d.port, smuggle, strlen(smuggle), &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(error_code(&r), "bad_request");
	tcl_resp_clear(&r);
	tdaemon_stop(&d);
}

Test(e2e, byte_drip_cut_at_total_deadline, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;
	const char	*req = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
	    "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	size_t		 i;
	long		 t0, cut = -1;
	char		 buf[4096];

	/* Idle timer far longer than the deadline: only the total
	 * deadline can explain the cut. */
	start_or_die(&d, "public", NULL,
	    "request_timeout_ms = 1500\nidle_timeout_ms = 60000\n");
	c = tcl_connect(d.port, 1);
	cr_assert_not_null(c);
	t0 = now_ms();
	for (i = 0; i < strlen(req); i++) {
		if (tcl_write(c, req + i, 1) == -1) {
			cut = now_ms() - t0;
			break;
		}
		usleep(200000);	/* one byte every 200 ms: 20 s in all */
		if (now_ms() - t0 > 6000)
			break;
	}
	if (cut == -1) {
		/* Writes may still be accepted by the kernel; the server
		 * must have closed: reading shows EOF. */
		long n = tcl_read_until_close(c, 3000, buf, sizeof(buf));

		cr_assert(n >= 0, "connection still open after the deadline");
		cut = now_ms() - t0;
	}
	cr_assert(cut < 6000, "dripping client kept alive for %ld ms", cut);
	cr_assert(i < strlen(req), "the whole request was accepted");
	tcl_close(c);
	tdaemon_stop(&d);
}

Test(e2e, plaintext_to_tls_port_gets_no_http, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;
	const char	*req = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	char		 buf[4096];
	long		 n;

	start_or_die(&d, "public", NULL, NULL);
	c = tcl_connect(d.port, 0);
	cr_assert_not_null(c);
	cr_assert_eq(tcl_write(c, req, strlen(req)), 0);
	n = tcl_read_until_close(c, 5000, buf, sizeof(buf) - 1);
	cr_assert(n >= 0, "server kept a plaintext connection open");
	buf[n > 0 ? n : 0] = '\0';
	cr_assert(n == 0 || memcmp(buf, "HTTP/", 5) != 0,
	    "plaintext got an HTTP response");
	tcl_close(c);
	/* And the daemon still serves TLS. */
	{
		struct tcl_resp	 r;

		cr_assert_eq(tcl_request(d.port, "GET", "/healthz", NULL,
		    NULL, &r), 0);
		cr_assert_eq(r.status, 200);
		tcl_resp_clear(&r);
	}
	tdaemon_stop(&d);
}

Test(e2e, connection_cap_refuses_excess, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*a, *b, *c;
	char		 buf[256];
	struct tcl_resp	 r;

	start_or_die(&d, "public", NULL, "max_connections = 2\n");
	a = tcl_connect(d.port, 1);
	b = tcl_connect(d.port, 1);
	cr_assert(a != NULL && b != NULL);
	/* The third is closed at once: the handshake fails. */
	c = tcl_connect(d.port, 1);
	if (c != NULL) {
		cr_assert(tcl_read_until_close(c, 3000, buf, sizeof(buf)) >= 0,
		    "third connection was served");
		tcl_close(c);
	}
	tcl_close(a);
	tcl_close(b);
	usleep(200000);
	cr_assert_eq(tcl_request(d.port, "GET", "/healthz", NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	tcl_resp_clear(&r);
	tdaemon_stop(&d);
}

Test(e2e, keepalive_serves_several_requests, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;
	struct tcl_resp	 r;
	const char	*req = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	int		 i;

	start_or_die(&d, "public", NULL, NULL);
	c = tcl_connect(d.port, 1);
	cr_assert_not_null(c);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(tcl_write(c, req, strlen(req)), 0);
		cr_assert_eq(tcl_read_resp(c, 5000, &r), 0, "request %d", i);
		cr_assert_eq(r.status, 200);
		assert_header(&r, "Connection", "keep-alive");
		tcl_resp_clear(&r);
	}
	tcl_close(c);
	tdaemon_stop(&d);
}

Test(e2e, idle_keepalive_closed, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;
	struct tcl_resp	 r;
	const char	*req = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	char		 buf[256];
	long		 t0;

	start_or_die(&d, "public", NULL, "idle_timeout_ms = 500\n");
	c = tcl_connect(d.port, 1);
	cr_assert_not_null(c);
	cr_assert_eq(tcl_write(c, req, strlen(req)), 0);
	cr_assert_eq(tcl_read_resp(c, 5000, &r), 0);
	tcl_resp_clear(&r);
	t0 = now_ms();
	cr_assert(tcl_read_until_close(c, 5000, buf, sizeof(buf)) >= 0);
	cr_assert(now_ms() - t0 < 4000);
	tcl_close(c);
	tdaemon_stop(&d);
}

/* Start a private cluster in dir; fills conninfo.  0 or -1. */
static int
private_cluster(const char *cmd, const char *dir, char *conninfo, size_t len)
{
	char	 line[2048], host[1024] = "", user[128] = "";
	FILE	*p;

	snprintf(line, sizeof(line), "MELDPUNT_PG_FSYNC=off '%s' %s '%s'",
	    getenv("MELDPUNT_PGCLUSTER"), cmd, dir);
	if ((p = popen(line, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), p) != NULL) {
		char	*h = strstr(line, "PGHOST='"), *u = strstr(line, "PGUSER='");

		if (h != NULL)
			sscanf(h, "PGHOST='%1023[^']'", host);
		if (u != NULL)
			sscanf(u, "PGUSER='%127[^']'", user);
	}
	if (pclose(p) != 0)
		return (-1);
	if (conninfo != NULL)
		snprintf(conninfo, len, "host=%s dbname=postgres user=%s",
		    host, user);
	return (0);
}

static int
readyz_status(int port)
{
	struct tcl_resp	 r;
	int		 st;

	if (tcl_request(port, "GET", "/readyz", NULL, NULL, &r) == -1)
		return (-1);
	st = r.status;
	tcl_resp_clear(&r);
	return (st);
}

Test(e2e, readyz_follows_postgres_restart, .timeout = 120)
{
	struct tdaemon	 d;
	char		 dir[512], conninfo[1500];
	long		 t0;
	int		 st = -1;

	snprintf(dir, sizeof(dir), "%s/pg-restart-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	cr_assert_eq(private_cluster("start", dir, conninfo, sizeof(conninfo)), 0);
	{
		/* Migrated, so that the public role loads its keys. */
		char	 cmd[2500];

		snprintf(cmd, sizeof(cmd), "'%s/meldctl' -d '%s' migrate "
		    "--schema-dir '%s/schema' >/dev/null",
		    getenv("MELDPUNT_BUILD"), conninfo, getenv("MELDPUNT_TOP"));
		cr_assert_eq(system(cmd), 0, "%s", cmd);
	}
	start_or_die(&d, "public", conninfo, "db_wait_ms = 500\n");
	for (t0 = 0; t0 < 100 && readyz_status(d.port) != 200; t0++)
		usleep(100000);
	cr_assert_eq(readyz_status(d.port), 200);

	cr_assert_eq(private_cluster("stop", dir, NULL, 0), 0);
	cr_assert_eq(readyz_status(d.port), 503, "readyz while PostgreSQL is down");
	/* /healthz never depends on the database. */
	{
		struct tcl_resp	 r;

		cr_assert_eq(tcl_request(d.port, "GET", "/healthz", NULL, NULL,
		    &r), 0);
		cr_assert_eq(r.status, 200);
		assert_header(&r, "Content-Type", "application/json");
		tcl_resp_clear(&r);
	}
	cr_assert_eq(private_cluster("start", dir, NULL, 0), 0);
	for (t0 = now_ms(); now_ms() - t0 < 30000; usleep(200000))
		if ((st = readyz_status(d.port)) == 200)
			break;
	cr_assert_eq(st, 200, "readyz did not recover after the restart");
	cr_assert_eq(tdaemon_stop(&d), 0);
	private_cluster("stop", dir, NULL, 0);
}

Test(e2e, log_has_no_client_address, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_resp	 r;
	char		*log;

	start_or_die(&d, "public", NULL, NULL);
	cr_assert_eq(tcl_request(d.port, "GET", "/healthz?canary=zq7CANARYzq7",
	    "X-Canary: zq7CANARYzq7\r\n", NULL, &r), 0);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(d.port, "GET", "/no/such/zq7CANARYzq7", NULL,
	    NULL, &r), 0);
	tcl_resp_clear(&r);
	tdaemon_stop(&d);
	log = tdaemon_log(&d);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "listening on") != NULL, "log not captured");
	cr_assert(strstr(log, TCL_CLIENT_ADDR) == NULL, "client address logged");
	cr_assert(strstr(log, "zq7CANARYzq7") == NULL, "request bytes logged");
	free(log);
}

Test(e2e, bad_config_exits_78_naming_the_key, .timeout = 30)
{
	char	 dir[512], cmd[2048], out[1024] = "";
	FILE	*fp;
	int	 st;

	snprintf(dir, sizeof(dir), "%s/badconf-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && printf 'listen = "
	    "127.0.0.1:0\\nmax_connections = lots\\n' > '%s/c.conf'", dir, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "'%s/meldpuntd' -c '%s/c.conf' --role public "
	    "-t 2>&1", getenv("MELDPUNT_BUILD"), dir);
	fp = popen(cmd, "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(out, sizeof(out), fp));
	st = pclose(fp);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 78, "exit status %d", st);
	cr_assert(strstr(out, "max_connections") != NULL, "%s", out);
	cr_assert(strstr(out, ":2:") != NULL, "line number missing: %s", out);
}

Test(e2e, tls_policy_refuses_old_and_weak, .timeout = 30)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;

	start_or_die(&d, "public", NULL, NULL);
	cr_assert_null(tcl_connect_tls(d.port, TLS1_1_VERSION, NULL),
	    "TLS 1.1 accepted");
	cr_assert_null(tcl_connect_tls(d.port, TLS1_VERSION, NULL),
	    "TLS 1.0 accepted");
	/* TLS 1.2 without forward secrecy or without AEAD. */
	cr_assert_null(tcl_connect_tls(d.port, TLS1_2_VERSION, "AES128-GCM-SHA256"),
	    "static-RSA key exchange accepted");
	cr_assert_null(tcl_connect_tls(d.port, TLS1_2_VERSION,
	    "ECDHE-ECDSA-AES128-SHA256"), "CBC suite accepted");
	c = tcl_connect_tls(d.port, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
	cr_assert_not_null(c, "TLS 1.2 ECDHE-AESGCM refused");
	tcl_close(c);
	c = tcl_connect_tls(d.port, TLS1_3_VERSION, NULL);
	cr_assert_not_null(c, "TLS 1.3 refused");
	cr_assert_null(SSL_get_current_compression(c->ssl));
	tcl_close(c);
	tdaemon_stop(&d);
}

Test(e2e, sigterm_lets_inflight_request_finish, .timeout = 60)
{
	struct tdaemon	 d;
	struct tcl_conn	*c;
	struct tcl_resp	 r;
	int		 st;
	const char	*req = "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n";

	/* A database that never answers keeps /readyz in flight for
	 * db_wait_ms; SIGTERM during that time must not cut it off.  (The
	 * staff role: the public one is not ready without its keys and
	 * would answer at once.) */
	start_or_die(&d, "staff", "host=/nonexistent dbname=x user=y",
	    "db_wait_ms = 1500\nshutdown_grace_ms = 10000\n");
	c = tcl_connect(d.port, 1);
	cr_assert_not_null(c);
	cr_assert_eq(tcl_write(c, req, strlen(req)), 0);
	usleep(300000);
	kill(d.pid, SIGTERM);
	cr_assert_eq(tcl_read_resp(c, 10000, &r), 0, "in-flight request dropped");
	cr_assert_eq(r.status, 503);
	assert_header(&r, "Connection", "close");
	assert_header(&r, "Retry-After", "1");
	tcl_resp_clear(&r);
	tcl_close(c);
	st = tdaemon_stop(&d);
	cr_assert_eq(st, 0, "exit status after draining: %d", st);
}
