/*
 * Tests for casework.queue_state_counts (schema/0041_queue_state_counts.sql):
 * the counters follow submissions, transitions, transfers and purges
 * exactly (compared with a recount after every step), never go below
 * zero, are back-filled by the migration, and a handler sees only her own
 * queues' counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "admin/migrate.h"
#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;

/* Counters above zero as "queue:state=n,...", read by c. */
#define COUNTS_SQL \
    "SELECT coalesce(string_agg(q.name || ':' || k.state || '=' || k.n, " \
    "',' ORDER BY q.name, k.state), '') FROM casework.queue_state_counts k " \
    "JOIN casework.queues q ON q.id = k.queue_id WHERE k.n > 0"

/* Rows where counters and a recount of casework.cases differ. */
#define DRIFT_SQL \
    "SELECT count(*) FROM (SELECT queue_id, state, count(*) AS n " \
    "FROM casework.cases GROUP BY 1, 2) a FULL JOIN (SELECT queue_id, " \
    "state, n FROM casework.queue_state_counts WHERE n > 0) b " \
    "USING (queue_id, state) WHERE a.n IS DISTINCT FROM b.n"

static void
submit_to(const char *dbname, const char *category, unsigned char tag)
{
	unsigned char	lookup[16], verifier[32];
	char		state[6];

	memset(lookup, tag, sizeof(lookup));
	memset(verifier, tag, sizeof(verifier));
	cr_assert_eq(testdb_submit(dbname, category, "", "utrecht", "", 0,
	    NULL, lookup, verifier, state), 0, "submit: %s", state);
}

static void
expect_counts(PGconn *c, const char *want, const char *why)
{
	char	*v = testdb_value(c, COUNTS_SQL);

	cr_assert_not_null(v, "%s: no value", why);
	cr_expect_str_eq(v, want, "%s: counts %s, expected %s", why, v, want);
	free(v);
	cr_expect_eq(testdb_count(su, DRIFT_SQL), 0, "%s: counters drift",
	    why);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.queue_state_counts WHERE n < 0"), 0, "%s", why);
}

/* A case id of the queue, as the superuser (NULL: none). */
static char *
case_of(const char *queue)
{
	char	*sql, *id;

	cr_assert(asprintf(&sql, "SELECT c.id FROM casework.cases c JOIN "
	    "casework.queues q ON q.id = c.queue_id WHERE q.name = '%s' "
	    "ORDER BY c.id LIMIT 1", queue) > 0);
	id = testdb_value(su, sql);
	free(sql);
	return (id);
}

static PGconn *
staff(const char *username)
{
	PGconn	*c;
	char	 h[65];

	cr_assert_eq(testdb_login(db, username, 100, h), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(c, h), 0);
	return (c);
}

static void
transition(PGconn *c, const char *id, const char *to)
{
	char	*sql, state[6];

	cr_assert(asprintf(&sql, "SELECT casework.case_transition('%s', '%s', "
	    "NULL)", id, to) > 0);
	cr_assert_eq(testdb_exec(c, sql, state), 0, "-> %s: %s", to, state);
	free(sql);
}

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_gt(testdb_add_user(su, "anna", "handler", "labour"), 0);
	cr_assert_gt(testdb_add_user(su, "bram", "handler", "obi"), 0);
	submit_to(db, "labour_discrimination", 1);
	submit_to(db, "labour_discrimination", 2);
	submit_to(db, "labour_discrimination", 3);
	submit_to(db, "foreign_interference", 4);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(queue_counts, .init = setup, .fini = teardown);

Test(queue_counts, submissions_counted)
{
	expect_counts(su, "labour:new=3,obi:new=1", "after submit_report");
	submit_to(db, "foreign_interference", 5);
	expect_counts(su, "labour:new=3,obi:new=2", "one more");
}

Test(queue_counts, transitions_move_counts)
{
	PGconn	*a = staff("anna"), *m;
	char	*id = case_of("labour"), *v;

	cr_assert_not_null(id);
	transition(a, id, "acknowledged");
	expect_counts(su, "labour:acknowledged=1,labour:new=2,obi:new=1",
	    "new -> acknowledged");
	transition(a, id, "in_progress");
	transition(a, id, "resolved");
	transition(a, id, "closed");
	expect_counts(su, "labour:closed=1,labour:new=2,obi:new=1",
	    "-> closed");
	transition(a, id, "in_progress");
	expect_counts(su, "labour:in_progress=1,labour:new=2,obi:new=1",
	    "reopened");
	/* Touching the columns without changing them moves nothing. */
	cr_assert_eq(testdb_exec(su, "UPDATE casework.cases SET state = state, "
	    "queue_id = queue_id", NULL), 0);
	expect_counts(su, "labour:in_progress=1,labour:new=2,obi:new=1",
	    "no-op update");
	/* /metrics: every queue, without a session, as before. */
	cr_assert_not_null(m = testdb_connect(db, "mp_staff"));
	v = testdb_value(m, "SELECT string_agg(queue || ':' || state || '=' "
	    "|| n, ',') FROM casework.state_counts()");
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "labour:in_progress=1,labour:new=2,obi:new=1");
	free(v);
	free(id);
	PQfinish(m);
	PQfinish(a);
}

Test(queue_counts, transfers_move_counts)
{
	PGconn	*a = staff("anna");
	char	*id = case_of("labour"), *sql;

	cr_assert_not_null(id);
	transition(a, id, "acknowledged");
	cr_assert(asprintf(&sql, "SELECT casework.case_transfer('%s', "
	    "(SELECT id FROM casework.queues WHERE name = 'obi'), "
	    "'k-obi-1', '\\x01', '\\x02', '\\x03', '\\x04', NULL)", id) > 0);
	cr_assert_eq(testdb_exec(a, sql, NULL), 0);
	free(sql);
	expect_counts(su, "labour:new=2,obi:acknowledged=1,obi:new=1",
	    "transferred to obi");
	/* Queue and state changed in one statement. */
	cr_assert(asprintf(&sql, "UPDATE casework.cases SET queue_id = "
	    "(SELECT id FROM casework.queues WHERE name = 'honour'), "
	    "state = 'in_progress' WHERE id = '%s'", id) > 0);
	cr_assert_eq(testdb_exec(su, sql, NULL), 0);
	free(sql);
	expect_counts(su, "honour:in_progress=1,labour:new=2,obi:new=1",
	    "queue and state at once");
	free(id);
	PQfinish(a);
}

Test(queue_counts, purge_uncounts)
{
	PGconn	*adm;
	char	*id, *sql, *v;

	cr_assert_not_null(adm = testdb_connect(db, "mp_admin"));
	cr_assert_not_null(id = case_of("obi"));
	cr_assert(asprintf(&sql, "SELECT casework.purge_case('ops', '%s', "
	    "NULL)", id) > 0);
	cr_assert_not_null(v = testdb_value(adm, sql));
	cr_expect_str_eq(v, "t");
	free(v);
	free(sql);
	free(id);
	expect_counts(su, "labour:new=3", "obi case purged");
	/* Purging everything leaves zeros, never less. */
	while ((id = case_of("labour")) != NULL) {
		cr_assert(asprintf(&sql, "SELECT casework.purge_case('ops', "
		    "'%s', NULL)", id) > 0);
		cr_assert_eq(testdb_exec(adm, sql, NULL), 0);
		free(sql);
		free(id);
	}
	expect_counts(su, "", "all purged");
	cr_expect_eq(testdb_count(su, "SELECT sum(n) FROM "
	    "casework.queue_state_counts"), 0);
	PQfinish(adm);
}

Test(queue_counts, never_below_zero)
{
	PGconn	*a = staff("anna");
	char	*id = case_of("labour"), *sql;

	cr_assert_not_null(id);
	cr_expect(testdb_fails_with(su, "UPDATE casework.queue_state_counts "
	    "SET n = -1", "23514"));
	/* Counters out of step (cases written with triggers off): the
	 * decrement refuses, and the transition with it. */
	cr_assert_eq(testdb_exec(su, "UPDATE casework.queue_state_counts "
	    "SET n = 0", NULL), 0);
	cr_assert(asprintf(&sql, "SELECT casework.case_transition('%s', "
	    "'acknowledged', NULL)", id) > 0);
	cr_expect(testdb_fails_with(a, sql, "MP040"));
	free(sql);
	cr_assert(asprintf(&sql, "SELECT count(*) FROM casework.cases WHERE "
	    "id = '%s' AND state = 'new'", id) > 0);
	cr_expect_eq(testdb_count(su, sql), 1);
	free(sql);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.queue_state_counts WHERE n <> 0"), 0);
	free(id);
	PQfinish(a);
}

Test(queue_counts, handler_sees_own_queues_only)
{
	PGconn	*a = staff("anna"), *b = staff("bram"), *x, *p;

	expect_counts(a, "labour:new=3", "anna");
	expect_counts(b, "obi:new=1", "bram");
	cr_expect_eq(testdb_count(a, "SELECT count(*) FROM "
	    "casework.queue_state_counts k JOIN casework.queues q ON "
	    "q.id = k.queue_id WHERE q.name <> 'labour'"), 0);
	/* No session, or a made-up one: nothing. */
	cr_assert_not_null(x = testdb_connect(db, "mp_staff"));
	cr_expect_eq(testdb_count(x, "SELECT count(*) FROM "
	    "casework.queue_state_counts"), 0);
	cr_assert_eq(testdb_set_session(x, "00000000000000000000000000000000"
	    "00000000000000000000000000000000"), 0);
	cr_expect_eq(testdb_count(x, "SELECT count(*) FROM "
	    "casework.queue_state_counts"), 0);
	/* Read-only for staff; invisible to the public role. */
	cr_expect(testdb_fails_with(a, "UPDATE casework.queue_state_counts "
	    "SET n = n + 1", "42501"));
	cr_expect(testdb_fails_with(a, "INSERT INTO casework.queue_state_counts"
	    " VALUES (1, 'new', 1)", "42501"));
	cr_assert_not_null(p = testdb_connect(db, "mp_public"));
	cr_expect(testdb_fails_with(p, "SELECT * FROM "
	    "casework.queue_state_counts", "42501"));
	/* The trigger function is no one's to call. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM (VALUES "
	    "('mp_public'), ('mp_staff'), ('mp_admin'), ('mp_research')) r(n) "
	    "WHERE has_function_privilege(r.n, "
	    "'casework.queue_state_count_move()', 'EXECUTE')"), 0);
	PQfinish(p);
	PQfinish(x);
	PQfinish(a);
	PQfinish(b);
}

/* The migration counts the cases already stored. */
Test(queue_counts, migration_backfills)
{
	char		*old, *dir, *cmd, *mdb;
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	PGconn		*c;

	cr_assert_not_null(mdb = testdb_create_empty());
	cr_assert_not_null(c = testdb_connect(mdb, NULL));
	cr_assert(asprintf(&dir, "%s/schema-qsc-%s", tmp ? tmp : "/tmp",
	    mdb) > 0);
	/* The schema as it was before 0041: every later file goes too, so
	 * new migrations need no edit here. */
	cr_assert(asprintf(&cmd, "rm -rf '%s' && cp -R '%s' '%s' && "
	    "for f in '%s'/[0-9][0-9][0-9][0-9]_*.sql; do "
	    "n=$(basename \"$f\" | cut -c1-4); "
	    "[ \"$n\" -lt 41 ] || rm \"$f\"; done", dir, testdb_schema_dir(),
	    dir, dir) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	cr_assert_eq(migrate_apply(c, dir, NULL, NULL), 0);
	cr_assert_eq(testdb_seed_routing(c), 0);
	submit_to(mdb, "labour_discrimination", 1);
	submit_to(mdb, "labour_discrimination", 2);
	submit_to(mdb, "foreign_interference", 3);
	cr_assert_eq(testdb_exec(c, "UPDATE casework.cases SET state = "
	    "'closed' WHERE id = (SELECT c.id FROM casework.cases c JOIN "
	    "casework.queues q ON q.id = c.queue_id WHERE q.name = 'labour' "
	    "ORDER BY c.id LIMIT 1)",
	    NULL), 0);
	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	old = testdb_value(c, COUNTS_SQL);
	cr_assert_not_null(old);
	cr_expect_str_eq(old, "labour:closed=1,labour:new=1,obi:new=1");
	free(old);
	cr_expect_eq(testdb_count(c, DRIFT_SQL), 0);
	cr_assert(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(dir);
	PQfinish(c);
	testdb_drop(mdb);
	free(mdb);
}
