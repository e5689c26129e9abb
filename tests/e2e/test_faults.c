/*
 * End-to-end tests of issue 14 ("honest under faults") against a real
 * meldpuntd --role public over TLS and a real PostgreSQL: idempotent
 * submission (same id and body: same receipt, one case; other body: 409;
 * the record expires), and the acceptance test that stops the database
 * backend with SIGSTOP while a submission is in flight and shows that the
 * client is never told "nothing was stored" for a report that is then
 * committed, and that the retry returns the receipt of that report.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tpow.h"
#include "tests/lib/treporter.h"

struct ft {
	char		*db;
	PGconn		*su;
	char		 keys[512];
	struct tdaemon	 d;
	json_t		*forms;
	pid_t		 stopped;	/* a backend to SIGCONT at teardown */
};

static struct ft	 T;

static void
ft_start(struct ft *t, const char *more)
{
	char	 extra[2048];
	FILE	*null = fopen("/dev/null", "w");

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(t->db = testdb_create());
	cr_assert_not_null(t->su = testdb_connect(t->db, NULL));
	snprintf(t->keys, sizeof(t->keys), "%s/keys-faults-%d",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid());
	cr_assert_eq(init_run(t->su, t->keys, null, stderr, NULL), 0);
	fclose(null);
	snprintf(extra, sizeof(extra), "receipt_lookup_key = %s/%s\n"
	    "contact_link_key = %s/%s\nreceipt_argon2_m_kib = 8192\n"
	    "receipt_argon2_t = 1\nworkers = 2\n%s", t->keys, INIT_F_LOOKUP,
	    t->keys, INIT_F_LINK, more != NULL ? more : "");
	cr_assert_eq(tdaemon_start(&t->d, "public", tdaemon_conninfo(t->db,
	    "mp_public"), extra), 0, "meldpuntd did not start (%s)",
	    t->d.log);
	cr_assert_not_null(t->forms = trep_forms(t->d.port, "en"),
	    "forms never became ready");
}

static void
teardown(void)
{
	if (T.stopped > 0)
		kill(T.stopped, SIGCONT);
	tdaemon_stop(&T.d);
	json_decref(T.forms);
	PQfinish(T.su);
	testdb_drop(T.db);
	free(T.db);
}

TestSuite(faults, .fini = teardown, .timeout = 120);

/* A sealed report body, as the reference page sends it. */
static char *
ft_body(struct ft *t, const char *narrative)
{
	json_t	*env, *root;
	char	*content, *s;

	cr_assert_not_null(content = malloc(strlen(narrative) + 32));
	sprintf(content, "{\"narrative\":\"%s\"}", narrative);
	cr_assert_not_null(env = trep_seal(t->forms, "labour_discrimination",
	    content));
	free(content);
	root = json_pack("{s:s,s:s,s:s,s:o,s:i,s:{s:s}}", "lang", "en",
	    "category", "labour_discrimination", "subtype", "internship",
	    "envelope", env, "form_version", 1, "answers", "ground",
	    "religion");
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return (s);
}

/* POST /v1/reports with an Idempotency-Key (NULL: none). */
static void
ft_submit(struct ft *t, const char *key, const char *body,
    struct tcl_resp *r)
{
	char	 hdrs[256];

	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\n"
	    "%s%s%s", key != NULL ? "Idempotency-Key: " : "",
	    key != NULL ? key : "", key != NULL ? "\r\n" : "");
	cr_assert_eq(tcl_request(t->d.port, "POST", "/v1/reports", hdrs, body,
	    r), 0, "no response");
}

static char *
ft_field(const struct tcl_resp *r, const char *a, const char *b)
{
	json_t	*j = json_loads(r->body, 0, NULL), *v;
	char	*s;

	cr_assert_not_null(j, "%s", r->body);
	v = json_object_get(j, a);
	if (b != NULL)
		v = json_object_get(v, b);
	s = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	json_decref(j);
	return (s);
}

static long long
ft_cases(struct ft *t)
{
	return (testdb_count(t->su, "SELECT count(*) FROM casework.cases"));
}

Test(faults, same_id_same_receipt_other_body_refused)
{
	struct tcl_resp	 r;
	char		*b1, *b2, *rc1, *rc2, *code, *tok;
	const char	*key = "\"Vb7Q0cQm2kq4rT9wX1yZ3a\"";
	char		*hex;
	json_t		*c;
	int		 st, i;

	ft_start(&T, "forms_refresh_s = 1\n");
	b1 = ft_body(&T, "first");
	b2 = ft_body(&T, "second");

	ft_submit(&T, key, b1, &r);
	cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
	rc1 = ft_field(&r, "receipt", NULL);
	tcl_resp_clear(&r);

	/* The same body again: the same receipt, no second case. */
	ft_submit(&T, key, b1, &r);
	cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
	rc2 = ft_field(&r, "receipt", NULL);
	cr_assert_str_eq(rc1, rc2);
	cr_assert_not_null(ft_field(&r, "ack_due", NULL));
	tcl_resp_clear(&r);
	cr_assert_eq(ft_cases(&T), 1);
	tok = trep_login(T.d.port, rc2);
	cr_assert_not_null(tok, "the replayed receipt does not log in");
	c = trep_case(T.d.port, tok, &st);
	cr_assert_eq(st, 200);
	json_decref(c);

	/* Another body under the same id: refused, nothing stored. */
	ft_submit(&T, key, b2, &r);
	cr_assert_eq(r.status, 409, "%d %s", r.status, r.body);
	cr_assert_str_eq(ft_field(&r, "error", "code"), "submission_conflict");
	tcl_resp_clear(&r);
	cr_assert_eq(ft_cases(&T), 1);

	/* Malformed ids: 400, nothing stored. */
	ft_submit(&T, "short", b2, &r);
	cr_assert_eq(r.status, 400, "%d %s", r.status, r.body);
	code = ft_field(&r, "error", "code");
	cr_assert_str_eq(code, "invalid_idempotency_key");
	tcl_resp_clear(&r);
	ft_submit(&T, "Vb7Q0cQm2kq4rT9wX1yZ3a!!", b2, &r);
	cr_assert_eq(r.status, 400, "%d %s", r.status, r.body);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(T.d.port, "POST", "/v1/reports",
	    "Content-Type: application/json\r\nIdempotency-Key: "
	    "Vb7Q0cQm2kq4rT9wX1yZ3a\r\nIdempotency-Key: "
	    "Wb7Q0cQm2kq4rT9wX1yZ3a\r\n", b2, &r), 0);
	cr_assert_eq(r.status, 400, "%d %s", r.status, r.body);
	tcl_resp_clear(&r);
	cr_assert_eq(ft_cases(&T), 1);

	/* The stored record holds neither the id nor the receipt. */
	hex = testdb_value(T.su, "SELECT encode(lookup, 'hex') || "
	    "encode(body_check, 'hex') || encode(sealed, 'hex') || "
	    "encode(convert_to(lookup::text || sealed::text, 'UTF8'), 'hex') "
	    "FROM intake.submissions");
	cr_assert_not_null(hex);
	{
		char	 digits[32], dhex[64];
		size_t	 k, n = 0;

		for (k = 0; rc1[k] != '\0'; k++)
			if (rc1[k] >= '0' && rc1[k] <= '9')
				digits[n++] = rc1[k];
		digits[n] = '\0';
		for (k = 0; k < n; k++)
			sprintf(dhex + 2 * k, "%02x", digits[k]);
		cr_assert(strstr(hex, dhex) == NULL);
		cr_assert(strstr(hex, "566237") == NULL);	/* "Vb7" */
	}
	free(hex);

	/* Erased after its time: the id then stores a new report. */
	cr_assert_eq(testdb_exec(T.su, "UPDATE intake.submissions SET "
	    "expires_at = now() - interval '1 second'", NULL), 0);
	ft_submit(&T, key, b1, &r);
	cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
	rc2 = ft_field(&r, "receipt", NULL);
	cr_assert_str_neq(rc1, rc2);
	tcl_resp_clear(&r);
	cr_assert_eq(ft_cases(&T), 2);
	/* ...and the daemon erases expired records by itself. */
	cr_assert_eq(testdb_exec(T.su, "UPDATE intake.submissions SET "
	    "expires_at = now() - interval '1 second'", NULL), 0);
	for (i = 0; i < 50 && testdb_count(T.su, "SELECT count(*) FROM "
	    "intake.submissions") != 0; i++)
		usleep(100000);
	cr_assert_eq(testdb_count(T.su, "SELECT count(*) FROM "
	    "intake.submissions"), 0, "expired records were not erased");
	free(b1);
	free(b2);
}

/* The pid of the daemon's one database backend. */
static pid_t
ft_backend(struct ft *t)
{
	long long	 pid = -1;
	int		 i;

	for (i = 0; i < 100 && pid <= 0; i++) {
		pid = testdb_count(t->su, "SELECT min(pid) FROM "
		    "pg_stat_activity WHERE usename = 'mp_public' AND "
		    "datname = current_database() HAVING count(*) = 1");
		if (pid <= 0)
			usleep(100000);
	}
	cr_assert_gt(pid, 0, "no single mp_public backend");
	return ((pid_t)pid);
}

Test(faults, stopped_backend_never_not_stored_and_retry_same_receipt)
{
	struct tcl_resp	 r;
	char		*body, *code, *ra, *rc1, *rc2, *tok;
	const char	*key = "0f3d6c1e-9a7b-4c2d-8e5f-a1b2c3d4e5f6";
	struct timespec	 t0, t1;
	long long	 n = 0, ms;
	int		 i, st;
	json_t		*c;

	/* One database connection, so the stopped backend is the one the
	 * submission meets; a request deadline of 2 s; keys not re-read. */
	ft_start(&T, "db_pool_size = 1\nrequest_timeout_ms = 2000\n"
	    "db_statement_timeout_ms = 30000\nforms_refresh_s = 3600\n");
	body = ft_body(&T, "stalled");
	T.stopped = ft_backend(&T);
	cr_assert_eq(kill(T.stopped, SIGSTOP), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ft_submit(&T, key, body, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	/* The statement was in the server's socket: its fate is unknown,
	 * and the client is told exactly that -- never "not stored". */
	cr_assert_eq(r.status, 503, "%d %s", r.status, r.body);
	code = ft_field(&r, "error", "code");
	cr_assert_str_eq(code, "outcome_unknown", "%s", r.body);
	cr_assert_not_null(ra = tcl_resp_header(&r, "Retry-After"));
	free(ra);
	free(code);
	tcl_resp_clear(&r);
	cr_assert_lt(ms, 2000 + 2000 + 1500, "answered after %lld ms", ms);

	/* The backend resumes and commits the report it had received. */
	cr_assert_eq(kill(T.stopped, SIGCONT), 0);
	T.stopped = 0;
	for (i = 0; i < 100 && (n = ft_cases(&T)) < 1; i++)
		usleep(100000);
	cr_assert_eq(n, 1, "the stalled submission was not committed");

	/* The retry with the same id and body: the receipt of that case. */
	for (i = 0; i < 50; i++) {
		ft_submit(&T, key, body, &r);
		if (r.status != 503)
			break;
		tcl_resp_clear(&r);
		usleep(200000);
	}
	cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
	rc1 = ft_field(&r, "receipt", NULL);
	tcl_resp_clear(&r);
	cr_assert_eq(ft_cases(&T), 1, "the retry stored a second case");
	cr_assert_not_null(tok = trep_login(T.d.port, rc1),
	    "the receipt does not open the committed case");
	c = trep_case(T.d.port, tok, &st);
	cr_assert_eq(st, 200);
	json_decref(c);
	ft_submit(&T, key, body, &r);
	cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
	rc2 = ft_field(&r, "receipt", NULL);
	cr_assert_str_eq(rc1, rc2);
	tcl_resp_clear(&r);
	cr_assert_eq(ft_cases(&T), 1);
	free(body);
}

/*
 * Without an id the outcome is as honest: a deadline with the statement
 * queued (never sent) answers "unavailable", and nothing is stored.
 */
Test(faults, queued_statement_at_deadline_is_not_stored)
{
	struct tcl_resp	 r;
	char		*body, *code;

	ft_start(&T, "db_pool_size = 1\nrequest_timeout_ms = 1500\n"
	    "db_wait_ms = 60000\ndb_statement_timeout_ms = 30000\n"
	    "forms_refresh_s = 3600\n");
	body = ft_body(&T, "queued");
	T.stopped = ft_backend(&T);
	cr_assert_eq(kill(T.stopped, SIGSTOP), 0);
	{
		/* The first request takes the connection and stalls... */
		struct tcl_conn	*c1 = tcl_connect(T.d.port, 1);
		char		 req[8192];
		int		 n;

		cr_assert_not_null(c1);
		char		 pow[TPOW_LINE_MAX];

		cr_assert_eq(tpow_fetch_solve(NULL, T.d.port, pow, NULL,
		    NULL), 200);
		n = snprintf(req, sizeof(req), "POST /v1/reports HTTP/1.1\r\n"
		    "Host: x\r\nContent-Type: application/json\r\n%s"
		    "Content-Length: %zu\r\n\r\n%s", pow, strlen(body), body);
		cr_assert_lt((size_t)n, sizeof(req));
		cr_assert_eq(tcl_write(c1, req, (size_t)n), 0);
		usleep(300000);
		/* ...the second waits for it and never reaches the server. */
		ft_submit(&T, NULL, body, &r);
		cr_assert_eq(r.status, 503, "%d %s", r.status, r.body);
		code = ft_field(&r, "error", "code");
		cr_assert_str_eq(code, "unavailable", "%s", r.body);
		free(code);
		tcl_resp_clear(&r);
		cr_assert_eq(tcl_read_resp(c1, 10000, &r), 0);
		code = ft_field(&r, "error", "code");
		cr_assert_str_eq(code, "outcome_unknown", "%s", r.body);
		free(code);
		tcl_resp_clear(&r);
		tcl_close(c1);
	}
	cr_assert_eq(kill(T.stopped, SIGCONT), 0);
	T.stopped = 0;
	/* Only the first (sent) report can have been committed. */
	usleep(1000000);
	cr_assert_leq(ft_cases(&T), 1);
	free(body);
}

/* GET path until it answers want (and, if not NULL, error code
 * want_code; 10 s at most); the code of the last answer's error
 * (malloc'd) or NULL. */
static char *
ft_wait(struct ft *t, const char *path, int want, const char *want_code)
{
	struct tcl_resp	 r;
	char		*code = NULL;
	int		 i, st = 0;

	for (i = 0; i < 100; i++) {
		cr_assert_eq(tcl_request(t->d.port, "GET", path, NULL, NULL,
		    &r), 0);
		st = r.status;
		free(code);
		code = st >= 400 ? ft_field(&r, "error", "code") : NULL;
		tcl_resp_clear(&r);
		if (st == want && (want_code == NULL || (code != NULL &&
		    strcmp(code, want_code) == 0)))
			break;
		usleep(100000);
	}
	cr_assert_eq(st, want, "%s: %d (%s)", path, st, code ? code : "");
	return (code);
}

static char *
ft_wait_status(struct ft *t, const char *path, int want)
{
	return (ft_wait(t, path, want, NULL));
}

/* A submission that the database refuses: 503 + Retry-After, never 500,
 * and nothing stored. */
static void
ft_submit_refused(struct ft *t, const char *body, const char *why)
{
	struct tcl_resp	 r;
	char		*ra, *code;

	ft_submit(t, "Zz9Q0cQm2kq4rT9wX1yZ3a", body, &r);
	cr_assert_eq(r.status, 503, "%s: %d %s", why, r.status, r.body);
	cr_assert_not_null(ra = tcl_resp_header(&r, "Retry-After"), "%s", why);
	code = ft_field(&r, "error", "code");
	cr_assert_str_eq(code, "unavailable", "%s: %s", why, r.body);
	free(code);
	free(ra);
	tcl_resp_clear(&r);
}

/* Drop the daemon's database sessions; its pool reconnects by itself. */
static void
ft_reconnect(struct ft *t)
{
	cr_assert_eq(testdb_exec(t->su, "SELECT pg_terminate_backend(pid) "
	    "FROM pg_stat_activity WHERE usename = 'mp_public' AND "
	    "datname = current_database()", NULL), 0);
}

static const char ft_revoke[] =
    "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'intake' AND p.proname = '%s' LOOP "
    "EXECUTE format('%s EXECUTE ON FUNCTION %%s %s mp_public', f); "
    "END LOOP; END $$";

/*
 * Issue 14 part 2: read-only (25006), missing privilege (42501) and a
 * statement timeout (57014) are 503 with Retry-After, never 500; /readyz
 * says 503 while the database is read-only or the role may not write,
 * and before the published keys are loaded.
 */
Test(faults, database_refusals_503_and_readyz)
{
	char	 q[1024], *body, *code;
	PGconn	*lock;

	/* Keys cannot load: the role may not read them. */
	memset(&T, 0, sizeof(T));
	cr_assert_not_null(T.db = testdb_create());
	cr_assert_not_null(T.su = testdb_connect(T.db, NULL));
	snprintf(q, sizeof(q), ft_revoke, "forms_keys", "REVOKE", "FROM");
	cr_assert_eq(testdb_exec(T.su, q, NULL), 0);
	{
		char	 extra[256];

		snprintf(extra, sizeof(extra), "db_statement_timeout_ms = 500\n");
		cr_assert_eq(tdaemon_start(&T.d, "public",
		    tdaemon_conninfo(T.db, "mp_public"), extra), 0);
	}
	usleep(1500000);
	code = ft_wait(&T, "/readyz", 503, "keys_not_loaded");
	cr_assert_str_eq(code, "keys_not_loaded");
	free(code);
	snprintf(q, sizeof(q), ft_revoke, "forms_keys", "GRANT", "TO");
	cr_assert_eq(testdb_exec(T.su, q, NULL), 0);
	free(ft_wait_status(&T, "/readyz", 200));
	tdaemon_stop(&T.d);
	PQfinish(T.su);
	testdb_drop(T.db);
	free(T.db);

	ft_start(&T, "db_statement_timeout_ms = 500\ndb_pool_size = 1\n");
	free(ft_wait_status(&T, "/readyz", 200));
	body = ft_body(&T, "refused");

	/* 57014: a lock the insert waits for past statement_timeout. */
	cr_assert_not_null(lock = testdb_connect(T.db, NULL));
	cr_assert_eq(testdb_exec(lock, "BEGIN; LOCK TABLE casework.cases IN "
	    "ACCESS EXCLUSIVE MODE", NULL), 0);
	ft_submit_refused(&T, body, "statement timeout");
	cr_assert_eq(testdb_exec(lock, "ROLLBACK", NULL), 0);
	PQfinish(lock);
	cr_assert_eq(ft_cases(&T), 0);

	/* 42501: the role lost its right to submit. */
	snprintf(q, sizeof(q), ft_revoke, "submit_report", "REVOKE", "FROM");
	cr_assert_eq(testdb_exec(T.su, q, NULL), 0);
	ft_submit_refused(&T, body, "privilege");
	cr_assert_eq(ft_cases(&T), 0);
	code = ft_wait(&T, "/readyz", 503, "database_privilege");
	cr_assert_str_eq(code, "database_privilege");
	free(code);
	snprintf(q, sizeof(q), ft_revoke, "submit_report", "GRANT", "TO");
	cr_assert_eq(testdb_exec(T.su, q, NULL), 0);
	free(ft_wait_status(&T, "/readyz", 200));

	/* 25006: the database is made read-only. */
	snprintf(q, sizeof(q), "ALTER DATABASE %s SET "
	    "default_transaction_read_only = on", T.db);
	cr_assert_eq(testdb_exec(T.su, q, NULL), 0);
	ft_reconnect(&T);
	code = ft_wait(&T, "/readyz", 503, "database_read_only");
	cr_assert_str_eq(code, "database_read_only");
	free(code);
	ft_submit_refused(&T, body, "read-only");
	cr_assert_eq(ft_cases(&T), 0);
	snprintf(q, sizeof(q), "ALTER DATABASE %s RESET "
	    "default_transaction_read_only", T.db);
	cr_assert_eq(testdb_exec(T.su, q, NULL), 0);
	ft_reconnect(&T);
	free(ft_wait_status(&T, "/readyz", 200));

	/* And afterwards it simply works. */
	{
		struct tcl_resp	 r;
		int		 i;

		for (i = 0; i < 20; i++) {
			ft_submit(&T, "Zz9Q0cQm2kq4rT9wX1yZ3a", body, &r);
			if (r.status != 503)
				break;
			tcl_resp_clear(&r);
			usleep(200000);
		}
		cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
		tcl_resp_clear(&r);
	}
	cr_assert_eq(ft_cases(&T), 1);
	free(body);
}

/* A plain TCP connect to the daemon's port: 0, or the errno. */
static int
ft_tcp_connect(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, rc = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		rc = errno;
	close(fd);
	return (rc);
}

/* A GET /readyz that will hang on the stopped backend. */
static struct tcl_conn *
ft_inflight(struct ft *t)
{
	struct tcl_conn	*c;
	const char	*req = "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n";

	cr_assert_not_null(c = tcl_connect(t->d.port, 1));
	cr_assert_eq(tcl_write(c, req, strlen(req)), 0);
	usleep(300000);
	return (c);
}

/*
 * Issue 14 part 3: on SIGTERM the listening socket closes at once (a new
 * connection is refused, not parked in the backlog), a request in flight
 * that finishes within the grace is answered and the exit status is 0;
 * one still in flight when the grace ends is abandoned and the exit
 * status says so.  HEAD is served for GET routes.
 */
Test(faults, drain_refuses_at_once_and_reports_abandoned)
{
	struct tcl_conn	*c;
	struct tcl_resp	 r;
	char		 buf[4096];
	const char	*conf = "db_pool_size = 1\nshutdown_grace_ms = 2000\n"
	    "request_timeout_ms = 30000\nforms_refresh_s = 3600\n";
	struct timespec	 t0, t1;
	long		 n, ms;
	char		*conn;

	ft_start(&T, conf);

	/* HEAD of a GET route: the head, its length, no body. */
	cr_assert_not_null(c = tcl_connect(T.d.port, 1));
	{
		const char	*h = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n"
		    "Connection: close\r\n\r\n";

		cr_assert_eq(tcl_write(c, h, strlen(h)), 0);
	}
	n = tcl_read_until_close(c, 5000, buf, sizeof(buf) - 1);
	tcl_close(c);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
	cr_assert(strstr(buf, "Content-Length: ") != NULL, "%s", buf);
	cr_assert_str_eq(strstr(buf, "\r\n\r\n") + 4, "", "%s", buf);

	/* A request in flight finishes within the grace: exit 0. */
	T.stopped = ft_backend(&T);
	cr_assert_eq(kill(T.stopped, SIGSTOP), 0);
	c = ft_inflight(&T);
	cr_assert_eq(kill(T.d.pid, SIGTERM), 0);
	usleep(200000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(ft_tcp_connect(T.d.port), ECONNREFUSED,
	    "a connection during the drain was not refused");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	cr_assert_lt(ms, 200, "refusing took %ld ms", ms);
	cr_assert_eq(kill(T.stopped, SIGCONT), 0);
	T.stopped = 0;
	cr_assert_eq(tcl_read_resp(c, 5000, &r), 0);
	cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
	cr_assert_not_null(conn = tcl_resp_header(&r, "Connection"));
	cr_assert_str_eq(conn, "close");
	free(conn);
	tcl_resp_clear(&r);
	tcl_close(c);
	cr_assert_eq(tdaemon_stop(&T.d), 0, "a clean drain exits 0");

	/* The grace runs out with a request in flight: non-zero. */
	cr_assert_eq(tdaemon_start(&T.d, "public", tdaemon_conninfo(T.db,
	    "mp_public"), conf), 0);
	json_decref(trep_forms(T.d.port, "en"));
	T.stopped = ft_backend(&T);
	cr_assert_eq(kill(T.stopped, SIGSTOP), 0);
	c = ft_inflight(&T);
	cr_assert_eq(kill(T.d.pid, SIGTERM), 0);
	usleep(200000);
	cr_assert_eq(ft_tcp_connect(T.d.port), ECONNREFUSED);
	cr_assert_eq(tdaemon_stop(&T.d), 75,
	    "abandoned requests must give a non-zero exit (EX_TEMPFAIL)");
	tcl_close(c);
	cr_assert_eq(kill(T.stopped, SIGCONT), 0);
	T.stopped = 0;
}

/* Send raw bytes on a fresh TLS connection and read until it closes. */
static char *
ft_raw(struct ft *t, const char *head, const char *body, int pause_ms)
{
	struct tcl_conn	*c;
	char		*buf;
	long		 n;

	cr_assert_not_null(buf = calloc(1, 16384));
	cr_assert_not_null(c = tcl_connect(t->d.port, 1));
	cr_assert_eq(tcl_write(c, head, strlen(head)), 0);
	if (body != NULL) {
		usleep(pause_ms * 1000);
		cr_assert_eq(tcl_write(c, body, strlen(body)), 0);
	}
	n = tcl_read_until_close(c, 5000, buf, 16383);
	tcl_close(c);
	cr_assert_gt(n, 0, "no answer to %s", head);
	buf[n] = '\0';
	return (buf);
}

/*
 * Issue 14 part 4: duplicate Authorization is 400; JSON in a charset
 * other than UTF-8 is 415; Expect: 100-continue is answered with 100
 * before the body is sent, any other expectation with 417.
 */
Test(faults, strict_http_headers)
{
	char	*out, pow[TPOW_LINE_MAX], head[512];

	ft_start(&T, NULL);
	out = ft_raw(&T, "GET /v1/reporter/case HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer aaaa\r\nAuthorization: Bearer bbbb\r\n"
	    "Connection: close\r\n\r\n", NULL, 0);
	cr_assert(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s", out);
	free(out);

	out = ft_raw(&T, "POST /v1/reports HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json; charset=utf-16\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", NULL, 0);
	cr_assert(strncmp(out, "HTTP/1.1 415", 12) == 0, "%s", out);
	cr_assert(strstr(out, "UTF-8") != NULL, "%s", out);
	free(out);

	/* The 100 comes while the client still holds the body back (with
	 * a proof of work, so that the body is what gets refused). */
	cr_assert_eq(tpow_fetch_solve(NULL, T.d.port, pow, NULL, NULL), 200);
	snprintf(head, sizeof(head), "POST /v1/reports HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nExpect: 100-continue\r\n%s"
	    "Content-Length: 5\r\nConnection: close\r\n\r\n", pow);
	out = ft_raw(&T, head, "{bad}", 500);
	{
		const char	*want = "HTTP/1.1 100 Continue\r\n\r\n"
		    "HTTP/1.1 400";

		cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);
	}
	free(out);

	out = ft_raw(&T, "POST /v1/reports HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nExpect: something\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", NULL, 0);
	cr_assert(strncmp(out, "HTTP/1.1 417", 12) == 0, "%s", out);
	free(out);
	cr_assert_eq(ft_cases(&T), 0);
}
