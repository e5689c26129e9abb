/*
 * Tests for the deadline counters (schema/0071_deadline_counts.sql): for
 * every "today" and "now" over a range of days and hours, the overdue
 * counts read from the counters (casework.overdue_counts for /metrics,
 * casework.deadline_overdue(queue, 'any') for GET /v1/staff/queues) equal
 * a direct count over the cases with the clocks of 0020/0040; the
 * counters follow submissions, first contact, transitions, transfers,
 * deadline changes and deletion exactly (compared with a recomputation
 * after every step); the migration back-fills them; a handler reads only
 * her own queues' rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "admin/migrate.h"
#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;

/* Counter rows that differ from a recomputation over the open cases. */
#define DRIFT_SQL \
    "SELECT (SELECT count(*) FROM (SELECT d.queue_id, d.clock, d.due_on, " \
    "d.due_at, count(*) AS n FROM casework.cases c CROSS JOIN LATERAL " \
    "casework.deadline_rows(c.queue_id, c.state, c.first_contact_on, " \
    "c.ack_due, c.feedback_due, c.first_response_due) d GROUP BY 1, 2, 3, " \
    "4) a FULL JOIN casework.deadline_counts b USING (queue_id, clock, " \
    "due_on, due_at) WHERE a.n IS DISTINCT FROM b.n) + (SELECT count(*) " \
    "FROM (SELECT queue_id, clock, sum(n) AS n FROM " \
    "casework.deadline_counts GROUP BY 1, 2) a FULL JOIN (SELECT * FROM " \
    "casework.deadline_totals WHERE n > 0) b USING (queue_id, clock) " \
    "WHERE a.n IS DISTINCT FROM b.n)"

/*
 * Over 40 days around today and, on each, hours around noon: pairs where
 * the counters' answer differs from a direct count over the cases.
 */
#define MISMATCH_SQL \
    "WITH t AS (SELECT (current_date + d)::date AS today, " \
    "(current_date + d)::timestamptz + make_interval(hours => h) AS now " \
    "FROM generate_series(-3, 40) d, generate_series(-30, 30, 12) h), " \
    "direct AS (SELECT t.today, t.now, q.name::text AS queue, k.clock, " \
    "(SELECT count(*) FROM casework.cases c WHERE c.queue_id = q.id AND " \
    "k.clock = ANY (casework.clocks_overdue(c.state, c.first_contact_on, " \
    "c.ack_due, c.feedback_due, c.first_response_due, t.today, t.now))) " \
    "AS n FROM t, casework.queues q, (VALUES ('first_contact'), " \
    "('feedback'), ('first_response')) k(clock)), " \
    "counted AS (SELECT t.today, t.now, o.queue, o.clock, o.n FROM t, " \
    "casework.overdue_counts(t.today, t.now) o), " \
    "anyd AS (SELECT t.today, t.now, q.id, (SELECT count(*) FROM " \
    "casework.cases c WHERE c.queue_id = q.id AND cardinality(" \
    "casework.clocks_overdue(c.state, c.first_contact_on, c.ack_due, " \
    "c.feedback_due, c.first_response_due, t.today, t.now)) > 0) AS n, " \
    "casework.deadline_overdue(q.id, 'any', t.today, t.now) AS m " \
    "FROM t, casework.queues q) " \
    "SELECT (SELECT count(*) FROM direct FULL JOIN counted USING (today, " \
    "now, queue, clock) WHERE direct.n IS DISTINCT FROM counted.n) + " \
    "(SELECT count(*) FROM anyd WHERE n <> m)"

static void
submit(const char *dbname, const char *category, int danger,
    unsigned char tag)
{
	unsigned char	lookup[16], verifier[32];
	char		state[6];

	memset(lookup, tag, sizeof(lookup));
	memset(verifier, tag, sizeof(verifier));
	cr_assert_eq(testdb_submit(dbname, category, "", "utrecht", "",
	    danger, NULL, lookup, verifier, state), 0, "submit: %s", state);
}

static void
check(const char *why)
{
	cr_expect_eq(testdb_count(su, DRIFT_SQL), 0, "%s: counters drift",
	    why);
	cr_expect_eq(testdb_count(su, MISMATCH_SQL), 0, "%s: overdue counts "
	    "differ from a direct count", why);
}

/* Update the n-th case (by id) of a queue as the superuser. */
static void
update_nth(const char *queue, int nth, const char *set)
{
	char	st[6] = "";

	cr_assert_eq(testdb_execf(su, st, "UPDATE casework.cases SET %s "
	    "WHERE id = (SELECT c.id FROM casework.cases c JOIN "
	    "casework.queues q ON q.id = c.queue_id WHERE q.name = '%s' "
	    "ORDER BY c.id OFFSET %d LIMIT 1)", set, queue, nth), 0, "%s: %s",
	    set, st);
}

static void
setup(void)
{
	int	i;

	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_gt(testdb_add_user(su, "anna", "handler", "labour"), 0);
	for (i = 0; i < 6; i++)
		submit(db, "labour_discrimination", 0, (unsigned char)(1 + i));
	for (i = 0; i < 4; i++)
		submit(db, "honour_violence", 1, (unsigned char)(20 + i));
	submit(db, "foreign_interference", 0, 40);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(deadline_counts, .init = setup, .fini = teardown, .timeout = 120);

Test(deadline_counts, submissions_counted)
{
	cr_expect_gt(testdb_count(su, "SELECT count(*) FROM "
	    "casework.deadline_counts WHERE clock = 'first_response'"), 0);
	check("after submissions");
}

Test(deadline_counts, every_change_moves_the_counters)
{
	/* Spread the deadlines: some past, some ahead. */
	update_nth("labour", 0, "ack_due = current_date - 3, feedback_due = "
	    "current_date + 5");
	check("ack moved");
	update_nth("labour", 1, "ack_due = current_date + 2, feedback_due = "
	    "current_date + 20");
	update_nth("labour", 2, "first_contact_on = current_date, "
	    "feedback_due = current_date + 10");
	check("first contact");
	update_nth("labour", 3, "state = 'acknowledged'");
	update_nth("labour", 4, "state = 'closed', closed_on = current_date");
	check("transitions");
	update_nth("labour", 4, "state = 'in_progress', closed_on = NULL");
	check("reopened");
	update_nth("honour_urgent", 0, "first_response_due = now() - "
	    "interval '5 hours'");
	update_nth("honour_urgent", 1, "first_response_due = now() + "
	    "interval '20 hours'");
	check("first response moved");
	update_nth("honour_urgent", 2, "first_contact_on = current_date");
	check("urgent contacted");
	update_nth("labour", 5, "queue_id = (SELECT id FROM casework.queues "
	    "WHERE name = 'obi')");
	check("transfer");
	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica; "
	    "DELETE FROM casework.cases WHERE id = (SELECT c.id FROM "
	    "casework.cases c JOIN casework.queues q ON q.id = c.queue_id "
	    "WHERE q.name = 'honour_urgent' ORDER BY c.id LIMIT 1); SET "
	    "session_replication_role = origin", NULL), 0);
	/* With triggers off the counters drift -- the check must see it. */
	cr_expect_gt(testdb_count(su, DRIFT_SQL), 0);
}

Test(deadline_counts, deletes_uncount_and_never_below_zero)
{
	char	st[6] = "";

	cr_assert_eq(testdb_exec(su, "SELECT casework.purge_case('t', x.id, "
	    "NULL) FROM (SELECT id FROM casework.cases ORDER BY id LIMIT 3) x",
	    st), 0, "%s", st);
	check("deleted");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.deadline_counts WHERE n <= 0"), 0);
	/* A decrement of a counter that is not there is refused. */
	cr_assert_eq(testdb_exec(su, "DELETE FROM casework.deadline_counts",
	    NULL), 0);
	cr_expect(testdb_fails_with(su, "UPDATE casework.cases SET state = "
	    "'closed'", "MP040"));
}

Test(deadline_counts, handler_sees_own_queues_only)
{
	PGconn	*c;
	char	 h[65];

	cr_assert_eq(testdb_login(db, "anna", 100, h), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM "
	    "casework.deadline_totals"), 0);
	cr_assert_eq(testdb_set_session(c, h), 0);
	cr_expect_gt(testdb_count(c, "SELECT count(*) FROM "
	    "casework.deadline_totals"), 0);
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM "
	    "casework.deadline_counts k JOIN casework.queues q ON q.id = "
	    "k.queue_id WHERE q.name <> 'labour'"), 0);
	cr_expect_eq(testdb_count(c, "SELECT casework.deadline_overdue(q.id, "
	    "'any', current_date + 400, now() + interval '400 days') FROM "
	    "casework.queues q WHERE q.name = 'honour_urgent'"), 0);
	cr_expect_eq(testdb_count(c, "SELECT casework.deadline_overdue(q.id, "
	    "'any', current_date + 400, now() + interval '400 days') FROM "
	    "casework.queues q WHERE q.name = 'labour'"), 6);
	cr_expect(testdb_fails_with(c, "DELETE FROM casework.deadline_counts",
	    "42501"));
	cr_expect(testdb_fails_with(c, "SELECT casework.deadline_apply('[]')",
	    "42501"));
	PQfinish(c);
}

Test(deadline_counts, migration_backfills)
{
	char		*dir, *cmd, *mdb;
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	PGconn		*c, *keep = su;

	cr_assert_not_null(mdb = testdb_create_empty());
	cr_assert_not_null(c = testdb_connect(mdb, NULL));
	cr_assert(asprintf(&dir, "%s/schema-dlc-%s", tmp ? tmp : "/tmp",
	    mdb) > 0);
	/* The schema as it was before 0071. */
	cr_assert(asprintf(&cmd, "rm -rf '%s' && cp -R '%s' '%s' && "
	    "for f in '%s'/[0-9][0-9][0-9][0-9]_*.sql; do "
	    "n=$(basename \"$f\" | cut -c1-4); "
	    "[ \"$n\" -lt 71 ] || rm \"$f\"; done", dir, testdb_schema_dir(),
	    dir, dir) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	cr_assert_eq(migrate_apply(c, dir, NULL, NULL), 0);
	cr_assert_eq(testdb_seed_routing(c), 0);
	submit(mdb, "labour_discrimination", 0, 1);
	submit(mdb, "honour_violence", 1, 2);
	submit(mdb, "foreign_interference", 0, 3);
	cr_assert_eq(testdb_exec(c, "UPDATE casework.cases SET ack_due = "
	    "current_date - 9 WHERE id = (SELECT id FROM "
	    "casework.cases ORDER BY id LIMIT 1)", NULL), 0);
	cr_assert_eq(migrate_apply(c, testdb_schema_dir(), NULL, NULL), 0);
	su = c;
	check("back-filled");
	su = keep;
	cr_expect_gt(testdb_count(c, "SELECT sum(n) FROM "
	    "casework.deadline_totals WHERE clock = 'any'"), 2);
	cr_assert(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(dir);
	PQfinish(c);
	testdb_drop(mdb);
	free(mdb);
}
