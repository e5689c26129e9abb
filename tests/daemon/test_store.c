/*
 * Tests for daemon/store.c against the real PostgreSQL cluster that
 * tests/run.sh starts (PGHOST, PGPORT, PGUSER, PGDATABASE), plus one
 * private cluster of its own for the restart test.  Criterion runs tests
 * in parallel forked workers, so every test uses its own store and table
 * names that carry the process id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>

#include "daemon/log.h"
#include "daemon/store.h"

static struct event_base	*base;
static struct store		*st;

static void
setup(void)
{
	cr_assert_eq(evthread_use_pthreads(), 0);
	base = event_base_new();
	cr_assert_not_null(base);
}

static void
teardown(void)
{
	store_free(st);
	st = NULL;
	if (base != NULL)
		event_base_free(base);
	base = NULL;
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 120);

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Run the loop until *flag >= want or ms pass; 0 when it got there. */
static int
run_until(const int *flag, int want, int ms)
{
	struct event	*t;
	struct timeval	 tv = { 0, 10000 };
	long		 end = now_ms() + ms;

	t = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(t, &tv);
	while (*flag < want && now_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return (*flag >= want ? 0 : -1);
}

static void
run_for(int ms)
{
	int	 never = 0;

	(void)run_until(&never, 1, ms);
}

static struct store *
mkstore(const char *conninfo, int size, int wait_ms, int max_waiters)
{
	struct store_conf	 c;
	struct store		*s;

	memset(&c, 0, sizeof(c));
	c.sc_conninfo = conninfo;	/* "" : the PG* environment */
	c.sc_size = size;
	c.sc_wait_ms = wait_ms;
	c.sc_max_waiters = max_waiters;
	c.sc_stmt_timeout_ms = 10000;
	s = store_new(base, &c);
	cr_assert_not_null(s);
	return (s);
}

static void
wait_connected(struct store *s, int n)
{
	long	 end = now_ms() + 10000;

	while (store_connected(s) < n && now_ms() < end)
		run_for(10);
	cr_assert_geq(store_connected(s), n, "only %d connections up",
	    store_connected(s));
}

/* What a callback saw. */
struct res {
	int			 done;		/* times called */
	enum store_status	 status;
	char			 sqlstate[6];
	int			 nres;
	char			 val[8][128];	/* row 0, col 0 per result */
	int			 len[8];
	int			 rstatus[8];
	long			 at;		/* when, now_ms() */
	int			*counter;	/* bumped too, if set */
};

static void
cb(enum store_status status, const char *sqlstate, PGresult **results,
    int nres, void *arg)
{
	struct res	*r = arg;
	int		 i, l;

	r->done++;
	r->status = status;
	snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", sqlstate);
	r->nres = nres;
	r->at = now_ms();
	for (i = 0; i < nres && i < 8; i++) {
		r->rstatus[i] = results[i] == NULL ? -1 :
		    (int)PQresultStatus(results[i]);
		r->len[i] = -1;
		if (results[i] == NULL || PQntuples(results[i]) < 1 ||
		    PQnfields(results[i]) < 1)
			continue;
		l = PQgetlength(results[i], 0, 0);
		r->len[i] = l;
		if (l > (int)sizeof(r->val[i]) - 1)
			l = sizeof(r->val[i]) - 1;
		memcpy(r->val[i], PQgetvalue(results[i], 0, 0), l);
		r->val[i][l] = '\0';
	}
	if (r->counter != NULL)
		(*r->counter)++;
}

static struct store_stmt
sql(const char *q)
{
	struct store_stmt	 s;

	memset(&s, 0, sizeof(s));
	s.st_sql = q;
	return (s);
}

/* Run one statement synchronously (for the test's own bookkeeping). */
static void
exec1(struct store *s, const char *q, struct res *out)
{
	struct store_stmt	 one = sql(q);

	memset(out, 0, sizeof(*out));
	cr_assert_not_null(store_exec(s, &one, 1, cb, out));
	cr_assert_eq(run_until(&out->done, 1, 15000), 0, "no answer: %s", q);
}

static void
exec_ok(struct store *s, const char *q, struct res *out)
{
	exec1(s, q, out);
	cr_assert_eq(out->status, STORE_OK, "%s: status %d sqlstate %s", q,
	    out->status, out->sqlstate);
}

Test(store, simple_query)
{
	struct res	 r;

	st = mkstore("", 2, 5000, 8);
	exec_ok(st, "SELECT 41 + 1", &r);
	wait_connected(st, 2);
	cr_assert_eq(r.done, 1);
	cr_assert_eq(r.nres, 1);
	cr_assert_eq(r.rstatus[0], PGRES_TUPLES_OK);
	cr_assert_str_eq(r.val[0], "42");
	cr_assert_str_eq(r.sqlstate, "");
	cr_assert_eq(store_connected(st), 2);
}

Test(store, ping)
{
	struct res	 r;

	memset(&r, 0, sizeof(r));
	st = mkstore("", 1, 5000, 8);
	cr_assert_not_null(store_ping(st, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_OK);
	cr_assert_str_eq(r.val[0], "1");
}

/* Parameters are copied: the caller's buffers are scribbled on at once. */
Test(store, parameters_text_null_binary)
{
	struct store_stmt	 s[1];
	struct res		 r;
	char			 text[16], bin[8];
	const char		*vals[3];
	int			 lens[3], fmts[3];

	st = mkstore("", 1, 5000, 8);
	memset(&r, 0, sizeof(r));
	snprintf(text, sizeof(text), "abc");
	memcpy(bin, "a\0b\0c", 5);
	vals[0] = text;
	vals[1] = NULL;
	vals[2] = bin;
	lens[0] = 0;
	lens[1] = 0;
	lens[2] = 5;
	fmts[0] = 0;
	fmts[1] = 0;
	fmts[2] = 1;
	s[0] = sql("SELECT $1::text || '-' || ($2::text IS NULL)::text || "
	    "'-' || octet_length($3::bytea)::text || '-' || "
	    "encode($3::bytea, 'hex')");
	s[0].st_nparams = 3;
	s[0].st_values = vals;
	s[0].st_lengths = lens;
	s[0].st_formats = fmts;
	cr_assert_not_null(store_exec(st, s, 1, cb, &r));
	memset(text, 'X', sizeof(text));
	memset(bin, 'X', sizeof(bin));
	memset(vals, 0, sizeof(vals));
	memset(lens, 0, sizeof(lens));
	memset(fmts, 0, sizeof(fmts));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_OK, "sqlstate %s", r.sqlstate);
	cr_assert_str_eq(r.val[0], "abc-true-5-6100620063");
}

Test(store, binary_result)
{
	struct store_stmt	 s;
	struct res		 r;
	const char		*vals[1] = { "x\0y" };
	int			 lens[1] = { 3 }, fmts[1] = { 1 };

	st = mkstore("", 1, 5000, 8);
	memset(&r, 0, sizeof(r));
	s = sql("SELECT $1::bytea");
	s.st_nparams = 1;
	s.st_values = vals;
	s.st_lengths = lens;
	s.st_formats = fmts;
	s.st_binary_result = 1;
	cr_assert_not_null(store_exec(st, &s, 1, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_OK);
	cr_assert_eq(r.len[0], 3);
	cr_assert_eq(memcmp(r.val[0], "x\0y", 3), 0);
}

/* A table name no other forked test process uses. */
static void
tname(char *buf, size_t sz, const char *what)
{
	snprintf(buf, sz, "store_%s_%ld", what, (long)getpid());
}

Test(store, transaction_commits)
{
	struct store_stmt	 s[3];
	struct res		 r, q;
	char			 t[64], ddl[128], i1[128], i2[128], up[128];
	char			 sel[128], drop[128];
	const char		*v[1] = { "7" };

	st = mkstore("", 2, 5000, 8);
	tname(t, sizeof(t), "commit");
	snprintf(ddl, sizeof(ddl), "CREATE TABLE %s (id int PRIMARY KEY, "
	    "n int)", t);
	snprintf(i1, sizeof(i1), "INSERT INTO %s VALUES (1, 10)", t);
	snprintf(i2, sizeof(i2), "INSERT INTO %s VALUES ($1::int, 20) "
	    "RETURNING id", t);
	snprintf(up, sizeof(up), "UPDATE %s SET n = n + 1", t);
	snprintf(sel, sizeof(sel), "SELECT sum(n) FROM %s", t);
	snprintf(drop, sizeof(drop), "DROP TABLE %s", t);
	exec_ok(st, ddl, &q);

	memset(&r, 0, sizeof(r));
	s[0] = sql(i1);
	s[1] = sql(i2);
	s[1].st_nparams = 1;
	s[1].st_values = v;
	s[2] = sql(up);
	cr_assert_not_null(store_exec(st, s, 3, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_OK, "sqlstate %s", r.sqlstate);
	cr_assert_eq(r.nres, 3);
	cr_assert_eq(r.rstatus[0], PGRES_COMMAND_OK);
	cr_assert_eq(r.rstatus[1], PGRES_TUPLES_OK);
	cr_assert_str_eq(r.val[1], "7");
	cr_assert_eq(r.rstatus[2], PGRES_COMMAND_OK);

	exec_ok(st, sel, &q);
	cr_assert_str_eq(q.val[0], "32");
	exec_ok(st, drop, &q);
}

/*
 * A failing statement rolls back the ones before it in the same
 * transaction, reports its SQLSTATE, and leaves the (only) connection
 * clean for the next request.
 */
Test(store, transaction_error_rolls_back)
{
	struct store_stmt	 s[4];
	struct res		 r, q;
	char			 t[64], ddl[128], i1[128], i2[128], sel[128];
	char			 drop[128];

	st = mkstore("", 1, 5000, 8);
	tname(t, sizeof(t), "rollback");
	snprintf(ddl, sizeof(ddl), "CREATE TABLE %s (id int PRIMARY KEY)", t);
	snprintf(i1, sizeof(i1), "INSERT INTO %s VALUES (1)", t);
	snprintf(i2, sizeof(i2), "INSERT INTO %s VALUES (2)", t);
	snprintf(sel, sizeof(sel), "SELECT count(*) FROM %s", t);
	snprintf(drop, sizeof(drop), "DROP TABLE %s", t);
	exec_ok(st, ddl, &q);

	memset(&r, 0, sizeof(r));
	s[0] = sql(i1);
	s[1] = sql(i2);
	s[2] = sql(i1);		/* duplicate key: 23505 */
	s[3] = sql(i2);		/* never runs */
	cr_assert_not_null(store_exec(st, s, 4, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_QUERY_ERROR);
	cr_assert_str_eq(r.sqlstate, "23505");
	cr_assert_eq(r.rstatus[0], PGRES_COMMAND_OK);
	cr_assert_eq(r.rstatus[1], PGRES_COMMAND_OK);
	cr_assert_eq(r.rstatus[2], PGRES_FATAL_ERROR);
	cr_assert_eq(r.rstatus[3], -1, "a statement after the error ran");

	exec_ok(st, sel, &q);
	cr_assert_str_eq(q.val[0], "0", "rows of a failed transaction stayed");

	/* The same connection runs a clean transaction afterwards. */
	memset(&r, 0, sizeof(r));
	s[0] = sql(i1);
	s[1] = sql(i2);
	cr_assert_not_null(store_exec(st, s, 2, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_OK, "sqlstate %s", r.sqlstate);
	exec_ok(st, sel, &q);
	cr_assert_str_eq(q.val[0], "2");
	exec_ok(st, drop, &q);
}

Test(store, single_statement_error)
{
	struct res	 r;
	char		 xid[128];

	st = mkstore("", 1, 5000, 8);
	exec1(st, "SELECT 1 / 0", &r);
	cr_assert_eq(r.status, STORE_QUERY_ERROR);
	cr_assert_str_eq(r.sqlstate, "22012");
	cr_assert_eq(r.rstatus[0], PGRES_FATAL_ERROR);
	/* A statement that leaves a transaction open is rolled back. */
	exec_ok(st, "BEGIN", &r);
	exec_ok(st, "SELECT txid_current()", &r);
	snprintf(xid, sizeof(xid), "%s", r.val[0]);
	exec_ok(st, "SELECT txid_current()", &r);
	cr_assert_str_neq(r.val[0], xid, "the connection stayed in a "
	    "transaction");
	exec_ok(st, "SHOW statement_timeout", &r);
	cr_assert_str_eq(r.val[0], "10s");
}

/*
 * statement_timeout is set on every connection and reported as such: an
 * operational refusal (nothing ran), with its SQLSTATE.
 */
Test(store, statement_timeout)
{
	struct store_conf	 c;
	struct res		 r;

	memset(&c, 0, sizeof(c));
	c.sc_conninfo = "";
	c.sc_size = 1;
	c.sc_wait_ms = 5000;
	c.sc_max_waiters = 4;
	c.sc_stmt_timeout_ms = 100;
	st = store_new(base, &c);
	cr_assert_not_null(st);
	exec1(st, "SELECT pg_sleep(2)", &r);
	cr_assert_eq(r.status, STORE_UNAVAILABLE);
	cr_assert_str_eq(r.sqlstate, "57014");
	exec_ok(st, "SELECT 6", &r);
	cr_assert_str_eq(r.val[0], "6");
}

/* COPY cannot be driven through this API: the request fails (it was
 * sent, so its outcome is unknown), the pool replaces the connection. */
Test(store, copy_refused_and_healed)
{
	struct res	 r;

	st = mkstore("", 1, 5000, 4);
	exec1(st, "COPY (SELECT 1) TO STDOUT", &r);
	cr_assert_eq(r.status, STORE_UNKNOWN);
	exec_ok(st, "SELECT 7", &r);
	cr_assert_str_eq(r.val[0], "7");
}

Test(store, pool_exhausted_times_out)
{
	struct store_stmt	 slow = sql("SELECT pg_sleep(0.5)");
	struct store_stmt	 fast = sql("SELECT 1");
	struct res		 a, b;
	long			 t0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	st = mkstore("", 1, 100, 8);
	wait_connected(st, 1);
	t0 = now_ms();
	cr_assert_not_null(store_exec(st, &slow, 1, cb, &a));
	cr_assert_not_null(store_exec(st, &fast, 1, cb, &b));
	cr_assert_eq(run_until(&b.done, 1, 5000), 0);
	cr_assert_eq(b.status, STORE_UNAVAILABLE);
	cr_assert_eq(a.done, 0, "the slow query finished first");
	cr_assert_lt(b.at - t0, 450, "waited %ld ms", b.at - t0);
	cr_assert_geq(b.at - t0, 90);
	cr_assert_eq(run_until(&a.done, 1, 5000), 0);
	cr_assert_eq(a.status, STORE_OK);
	cr_assert_eq(b.done, 1);
}

Test(store, wait_queue_bound)
{
	struct store_stmt	 slow = sql("SELECT pg_sleep(0.3)");
	struct store_stmt	 fast = sql("SELECT 2");
	struct res		 a, b, c;
	int			 n = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	a.counter = b.counter = c.counter = &n;
	st = mkstore("", 1, 5000, 2);
	wait_connected(st, 1);
	cr_assert_not_null(store_exec(st, &slow, 1, cb, &a));
	cr_assert_not_null(store_exec(st, &fast, 1, cb, &b));
	cr_assert_not_null(store_exec(st, &fast, 1, cb, &c));
	cr_assert_null(store_exec(st, &fast, 1, cb, &c),
	    "a full wait queue took a request");
	cr_assert_eq(run_until(&n, 3, 10000), 0);
	cr_assert_eq(a.status, STORE_OK);
	cr_assert_eq(b.status, STORE_OK);
	cr_assert_eq(c.status, STORE_OK);
	cr_assert_str_eq(c.val[0], "2");
	/* FIFO: the waiters ran in order after the slow one. */
	cr_assert_leq(a.at, b.at);
	cr_assert_leq(b.at, c.at);
}

Test(store, abandon_waiting_and_in_flight)
{
	struct store_stmt	 slow = sql("SELECT pg_sleep(0.2)");
	struct store_stmt	 fast = sql("SELECT 3");
	struct store_req	*ra, *rb;
	struct res		 a, b, c;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	st = mkstore("", 1, 5000, 8);
	wait_connected(st, 1);
	ra = store_exec(st, &slow, 1, cb, &a);
	rb = store_exec(st, &fast, 1, cb, &b);
	cr_assert_not_null(ra);
	cr_assert_not_null(rb);
	store_abandon(rb);	/* waiting */
	store_abandon(ra);	/* in flight */
	cr_assert_not_null(store_exec(st, &fast, 1, cb, &c));
	cr_assert_eq(run_until(&c.done, 1, 10000), 0);
	cr_assert_eq(c.status, STORE_OK);
	cr_assert_str_eq(c.val[0], "3");
	cr_assert_geq(c.at, 0);
	run_for(100);
	cr_assert_eq(a.done, 0, "an abandoned in-flight request called back");
	cr_assert_eq(b.done, 0, "an abandoned waiting request called back");
}

/*
 * Issue 14: a caller whose deadline passed cancels.  The statement in
 * flight is cancelled by the server (57014: it did not run to the end,
 * nothing of it is kept) well before it would have finished; the waiting
 * one never reaches the server and says so.
 */
Test(store, cancel_in_flight_and_waiting)
{
	struct store_stmt	 slow = sql("SELECT pg_sleep(5)");
	struct store_stmt	 fast = sql("SELECT 3");
	struct store_req	*ra, *rb;
	struct res		 a, b, c;
	long			 t0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	st = mkstore("", 1, 20000, 8);
	wait_connected(st, 1);
	ra = store_exec(st, &slow, 1, cb, &a);
	rb = store_exec(st, &fast, 1, cb, &b);
	cr_assert_not_null(ra);
	cr_assert_not_null(rb);
	run_for(200);
	t0 = now_ms();
	store_cancel(rb);	/* waiting */
	cr_assert_eq(b.done, 0, "store_cancel called back from inside");
	store_cancel(ra);	/* in flight */
	cr_assert_eq(run_until(&a.done, 1, 4000), 0);
	cr_assert_eq(run_until(&b.done, 1, 1000), 0);
	cr_assert_eq(b.status, STORE_UNAVAILABLE);
	cr_assert_str_eq(b.sqlstate, "");
	cr_assert_eq(a.status, STORE_UNAVAILABLE);
	cr_assert_str_eq(a.sqlstate, "57014");
	cr_assert_lt(a.at - t0, 2000, "the cancel took %ld ms", a.at - t0);
	/* The connection is fine afterwards. */
	cr_assert_not_null(store_exec(st, &fast, 1, cb, &c));
	cr_assert_eq(run_until(&c.done, 1, 5000), 0);
	cr_assert_eq(c.status, STORE_OK);
}

/*
 * Operational refusals are STORE_UNAVAILABLE with their SQLSTATE (the
 * HTTP layer answers 503); a serialization failure is retried twice
 * first.  nextval() is not rolled back, so it counts the attempts.
 */
Test(store, refusals_unavailable_and_serialization_retried)
{
	struct store_stmt	 two[2];
	char			 q[512], seq[64];
	struct res		 r;

	st = mkstore("", 1, 5000, 8);
	two[0] = sql("SET TRANSACTION READ ONLY");
	two[1] = sql("CREATE TEMP TABLE t_ro (i int)");
	memset(&r, 0, sizeof(r));
	cr_assert_not_null(store_exec(st, two, 2, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 5000), 0);
	cr_assert_eq(r.status, STORE_UNAVAILABLE);
	cr_assert_str_eq(r.sqlstate, "25006");

	snprintf(seq, sizeof(seq), "t_serial_%ld", (long)getpid());
	snprintf(q, sizeof(q), "CREATE SEQUENCE %s", seq);
	exec_ok(st, q, &r);
	snprintf(q, sizeof(q), "DO $$ BEGIN PERFORM nextval('%s'); "
	    "RAISE EXCEPTION USING ERRCODE = '40001'; END $$", seq);
	exec1(st, q, &r);
	cr_assert_eq(r.status, STORE_UNAVAILABLE);
	cr_assert_str_eq(r.sqlstate, "40001");
	snprintf(q, sizeof(q), "SELECT last_value FROM %s", seq);
	exec_ok(st, q, &r);
	cr_assert_str_eq(r.val[0], "3", "attempts: %s", r.val[0]);
	snprintf(q, sizeof(q), "DROP SEQUENCE %s", seq);
	exec_ok(st, q, &r);

	cr_assert(store_transient("42501") && store_transient("57014") &&
	    store_transient("08006") && store_transient("53300") &&
	    store_transient("40P01"));
	cr_assert(!store_transient("23505") && !store_transient("08P01") &&
	    !store_transient("MP003") && !store_transient("") &&
	    !store_transient(NULL));
}

Test(store, free_calls_nobody)
{
	struct store_stmt	 slow = sql("SELECT pg_sleep(0.2)");
	struct res		 a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	st = mkstore("", 1, 5000, 8);
	wait_connected(st, 1);
	cr_assert_not_null(store_exec(st, &slow, 1, cb, &a));
	cr_assert_not_null(store_exec(st, &slow, 1, cb, &b));
	store_free(st);
	st = NULL;
	run_for(300);
	cr_assert_eq(a.done + b.done, 0);
}

Test(store, bad_arguments)
{
	struct store_conf	 c;
	struct store_stmt	 s = sql("SELECT $1");
	struct res		 r;
	int			 fmts[1] = { 1 };
	const char		*v[1] = { "x" };

	memset(&c, 0, sizeof(c));
	c.sc_conninfo = "this is not a conninfo";
	c.sc_size = 1;
	cr_assert_null(store_new(base, &c));
	c.sc_conninfo = "";
	c.sc_size = 0;
	cr_assert_null(store_new(base, &c));

	st = mkstore("", 1, 5000, 8);
	cr_assert_null(store_exec(st, &s, 0, cb, &r));
	s.st_nparams = 1;		/* no values */
	cr_assert_null(store_exec(st, &s, 1, cb, &r));
	s.st_values = v;
	s.st_formats = fmts;		/* binary without a length */
	cr_assert_null(store_exec(st, &s, 1, cb, &r));
	store_abandon(NULL);
	store_free(NULL);
	cr_assert_str_eq(store_sqlstate(NULL), "");
}

/* Nothing a statement carries reaches the log or stderr. */
static int	 canary_seen;

static void
sink(int level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	if (strstr(line, "CANARY") != NULL)
		canary_seen = 1;
}

Test(store, canary_never_logged)
{
	struct store_stmt	 s[2];
	struct res		 r;
	const char		*v[1] = { "CANARY-4821" };
	char			 path[] = "/tmp/store-stderr-XXXXXX", buf[8192];
	int			 fd, saved;
	ssize_t			 n;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_set_sink(sink, NULL);

	st = mkstore("", 1, 5000, 8);
	s[0] = sql("SELECT $1::int");	/* 22P02 echoes the value */
	s[0].st_nparams = 1;
	s[0].st_values = v;
	memset(&r, 0, sizeof(r));
	cr_assert_not_null(store_exec(st, s, 1, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_QUERY_ERROR);
	cr_assert_str_eq(r.sqlstate, "22P02");

	/* A notice quoting the value, then a failure in a transaction. */
	s[0] = sql("SELECT set_config('mp.x', $1, false)");
	s[0].st_nparams = 1;
	s[0].st_values = v;
	s[1] = sql("DO $$BEGIN RAISE WARNING '%', current_setting('mp.x'); "
	    "RAISE EXCEPTION '%', current_setting('mp.x'); END$$");
	memset(&r, 0, sizeof(r));
	cr_assert_not_null(store_exec(st, s, 2, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 10000), 0);
	cr_assert_eq(r.status, STORE_QUERY_ERROR);
	cr_assert_str_eq(r.sqlstate, "P0001");

	store_free(st);
	st = NULL;
	log_set_sink(NULL, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	cr_assert_null(strstr(buf, "CANARY"), "stderr: %s", buf);
	cr_assert_eq(canary_seen, 0);
}

/*
 * Restart resilience, on a private cluster (the shared one serves the
 * other tests).  The loop is not running while pg_ctl runs.
 */
static char	 pgdir[512];

static int
cluster(const char *cmd, char *out, size_t outsz)
{
	const char	*script = getenv("MELDPUNT_PGCLUSTER");
	char		 line[1024];
	FILE		*f;
	size_t		 used = 0;

	cr_assert_not_null(script, "MELDPUNT_PGCLUSTER unset: use tests/run.sh");
	snprintf(line, sizeof(line), "'%s' %s '%s' 2>&1", script, cmd, pgdir);
	if ((f = popen(line, "r")) == NULL)
		return (-1);
	if (out != NULL)
		out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (out != NULL && used + strlen(line) < outsz) {
			memcpy(out + used, line, strlen(line) + 1);
			used += strlen(line);
		}
	}
	return (pclose(f) == 0 ? 0 : -1);
}

/* Copy the value of NAME='value' from pgcluster.sh's export line. */
static void
envval(const char *out, const char *name, char *val, size_t sz)
{
	char		 key[32];
	const char	*p, *e;

	snprintf(key, sizeof(key), "%s='", name);
	p = strstr(out, key);
	cr_assert_not_null(p, "no %s in: %s", name, out);
	p += strlen(key);
	e = strchr(p, '\'');
	cr_assert_not_null(e);
	cr_assert_lt((size_t)(e - p), sz);
	memcpy(val, p, e - p);
	val[e - p] = '\0';
}

/*
 * pg_ctl daemonizes the postmaster; orphans go to the nearest subreaper.
 * Criterion's runner is one, and reaping a child it never started makes
 * it leak (LeakSanitizer notices).  So this test process adopts them and
 * reaps them itself once they exit.
 */
static void
reap_strays(int wait_ms)
{
	long	 end = now_ms() + wait_ms;
	pid_t	 pid;

	for (;;) {
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0)
			continue;
		if (pid == -1 || now_ms() >= end)
			break;
		usleep(10000);
	}
}

static void
restart_fini(void)
{
	char	 cmd[600];

	teardown();
	if (pgdir[0] != '\0') {
		(void)cluster("stop", NULL, 0);
		reap_strays(3000);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pgdir);
		if (system(cmd) != 0)
			fprintf(stderr, "%s: cannot remove %s\n", __func__,
			    pgdir);
	}
}

static int
ping_once(struct res *r)
{
	memset(r, 0, sizeof(*r));
	cr_assert_not_null(store_ping(st, cb, r));
	cr_assert_eq(run_until(&r->done, 1, 15000), 0);
	return (r->status);
}

/*
 * No per-test .timeout here: Criterion 2.4's runner leaks when one test's
 * timeout differs from its suite's, which fails the ASan run.
 */
Test(store, heals_after_postgres_restart, .fini = restart_fini)
{
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	char		 out[2048], host[512], port[16], user[64];
	char		 conninfo[800];
	struct res	 r;
	long		 t0, end;
	int		 i, ok;

	cr_assert_not_null(tmp, "MELDPUNT_TEST_TMP unset: use tests/run.sh");
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	snprintf(pgdir, sizeof(pgdir), "%s/store-restart-%ld", tmp,
	    (long)getpid());
	cr_assert_eq(cluster("start", out, sizeof(out)), 0, "%s", out);
	envval(out, "PGHOST", host, sizeof(host));
	envval(out, "PGPORT", port, sizeof(port));
	envval(out, "PGUSER", user, sizeof(user));
	snprintf(conninfo, sizeof(conninfo),
	    "host='%s' port=%s user='%s' dbname=postgres", host, port, user);

	st = mkstore(conninfo, 2, 300, 16);
	cr_assert_eq(ping_once(&r), STORE_OK);
	wait_connected(st, 2);

	cr_assert_eq(cluster("stop", out, sizeof(out)), 0, "%s", out);
	/*
	 * Each request fails within its wait deadline, not later: sent on a
	 * connection that then breaks (outcome unknown), or never sent.
	 */
	for (i = 0; i < 3; i++) {
		t0 = now_ms();
		cr_assert(ping_once(&r) == STORE_UNAVAILABLE ||
		    r.status == STORE_UNKNOWN, "attempt %d: status %d", i,
		    r.status);
		cr_assert_lt(r.at - t0, 300 + 1000, "took %ld ms",
		    r.at - t0);
	}
	cr_assert_eq(store_connected(st), 0);

	cr_assert_eq(cluster("start", out, sizeof(out)), 0, "%s", out);
	end = now_ms() + 30000;
	ok = 0;
	while (!ok && now_ms() < end) {
		if (ping_once(&r) == STORE_OK)
			ok = 1;
		else
			run_for(100);
	}
	cr_assert(ok, "the store did not heal after the restart");
	wait_connected(st, 2);
	exec_ok(st, "SELECT 5", &r);
	cr_assert_str_eq(r.val[0], "5");
}

/* How many statements this store's one session has prepared for q. */
static int
prepared_count(struct store *s, const char *q)
{
	struct store_stmt	 one[1];
	const char		*vals[1] = { q };
	struct res		 r;

	memset(&r, 0, sizeof(r));
	one[0] = sql("SELECT count(*) FROM pg_prepared_statements "
	    "WHERE statement = $1 AND name LIKE 'mp%'");
	one[0].st_nparams = 1;
	one[0].st_values = vals;
	cr_assert_not_null(store_exec(s, one, 1, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 15000), 0);
	cr_assert_eq(r.status, STORE_OK, "sqlstate %s", r.sqlstate);
	return (atoi(r.val[0]));
}

/*
 * A text is parsed once per connection and then executed by name: the
 * session shows one prepared statement for it however often it runs,
 * alone or inside a multi-statement request, with the right results.
 */
Test(store, statements_prepared_once_per_connection)
{
	static const char	*q = "SELECT $1::int * 2";
	struct store_stmt	 two[3];
	const char		*v1[1] = { "21" }, *v2[1] = { "5" };
	struct res		 r;
	int			 i;

	st = mkstore("", 1, 5000, 8);
	for (i = 0; i < 3; i++) {
		memset(&two, 0, sizeof(two));
		two[0] = sql(q);
		two[0].st_nparams = 1;
		two[0].st_values = v1;
		memset(&r, 0, sizeof(r));
		cr_assert_not_null(store_exec(st, two, 1, cb, &r));
		cr_assert_eq(run_until(&r.done, 1, 15000), 0);
		cr_assert_eq(r.status, STORE_OK);
		cr_assert_str_eq(r.val[0], "42");
	}
	cr_assert_eq(prepared_count(st, q), 1);
	/* The same text twice in one transaction, between others. */
	two[0] = sql("SELECT 'a'");
	two[1] = sql(q);
	two[1].st_nparams = 1;
	two[1].st_values = v2;
	two[2] = sql(q);
	two[2].st_nparams = 1;
	two[2].st_values = v1;
	memset(&r, 0, sizeof(r));
	cr_assert_not_null(store_exec(st, two, 3, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 15000), 0);
	cr_assert_eq(r.status, STORE_OK, "sqlstate %s", r.sqlstate);
	cr_assert_str_eq(r.val[0], "a");
	cr_assert_str_eq(r.val[1], "10");
	cr_assert_str_eq(r.val[2], "42");
	cr_assert_eq(prepared_count(st, q), 1);
	cr_assert_eq(prepared_count(st, "SELECT 'a'"), 1);
}

/*
 * A text whose Parse fails answers like any failed statement, is not
 * taken for prepared, and the connection serves the next request.
 */
Test(store, failed_parse_is_an_error_and_not_kept)
{
	static const char	*bad = "SELEKT 1";
	struct store_stmt	 two[2];
	struct res		 r;
	int			 i;

	st = mkstore("", 1, 5000, 8);
	for (i = 0; i < 2; i++) {
		exec1(st, bad, &r);
		cr_assert_eq(r.status, STORE_QUERY_ERROR);
		cr_assert_str_eq(r.sqlstate, "42601");
	}
	two[0] = sql("SELECT 1");
	two[1] = sql(bad);
	memset(&r, 0, sizeof(r));
	cr_assert_not_null(store_exec(st, two, 2, cb, &r));
	cr_assert_eq(run_until(&r.done, 1, 15000), 0);
	cr_assert_eq(r.status, STORE_QUERY_ERROR);
	cr_assert_str_eq(r.sqlstate, "42601");
	exec_ok(st, "SELECT 7", &r);
	cr_assert_str_eq(r.val[0], "7");
	cr_assert_eq(prepared_count(st, bad), 0);
}

/*
 * A table changed under a prepared statement ("cached plan must not
 * change result type", 0A000): the connection forgets its statements and
 * runs the request again, parsed afresh; the caller sees the new result.
 */
Test(store, changed_table_reprepares)
{
	char		 q[128], ddl[160];
	struct res	 r;

	st = mkstore("", 1, 5000, 8);
	snprintf(ddl, sizeof(ddl), "CREATE TABLE prep_%d (a int)",
	    (int)getpid());
	exec_ok(st, ddl, &r);
	snprintf(ddl, sizeof(ddl), "INSERT INTO prep_%d VALUES (1)",
	    (int)getpid());
	exec_ok(st, ddl, &r);
	snprintf(q, sizeof(q), "SELECT * FROM prep_%d", (int)getpid());
	exec_ok(st, q, &r);
	exec_ok(st, q, &r);
	cr_assert_eq(prepared_count(st, q), 1);
	snprintf(ddl, sizeof(ddl), "ALTER TABLE prep_%d ADD b int",
	    (int)getpid());
	exec_ok(st, ddl, &r);
	exec_ok(st, q, &r);
	cr_assert_str_eq(r.val[0], "1");
	cr_assert_eq(prepared_count(st, q), 1);
	snprintf(ddl, sizeof(ddl), "DROP TABLE prep_%d", (int)getpid());
	exec_ok(st, ddl, &r);
}
