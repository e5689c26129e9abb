/*
 * casework.session_touch() (0300): requests of one staff session never
 * wait for each other's transactions, and the session's validity is
 * checked as before (absolute expiry, idle timeout, disabled user).
 *
 * Two connections stand for two concurrent requests of the same session:
 * the first touches inside an open transaction, the second, with a short
 * lock_timeout, must be answered at once.  Before 0300 every touch
 * UPDATEd the row, so the second waited for the first's commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;
static char	 h[65];

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_gt(testdb_add_user(su, "anna", "handler", "labour"), 0);
	cr_assert_eq(testdb_login(db, "anna", 100, h), 0);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(session, .init = setup, .fini = teardown);

/* Set the session's last_seen_at to now() minus the given interval. */
static void
seen_ago(const char *ago)
{
	cr_assert_eq(testdb_execf(su, NULL, "UPDATE casework.sessions SET "
	    "last_seen_at = now() - interval '%s' WHERE token_hash = "
	    "decode('%s', 'hex')", ago, h), 0);
}

/* The user name the touch returns on c, or NULL (no row, or an error,
 * whose SQLSTATE goes to state). */
static char *
touch(PGconn *c, char state[6])
{
	PGresult	*r;
	char		*sql, *name = NULL;

	cr_assert(asprintf(&sql, "SELECT username FROM "
	    "casework.session_touch(decode('%s', 'hex'))", h) > 0);
	r = PQexec(c, sql);
	free(sql);
	state[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		name = strdup(PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_TUPLES_OK)
		snprintf(state, 6, "%s", PQresultErrorField(r, PG_DIAG_SQLSTATE));
	PQclear(r);
	return (name);
}

static void
concurrent_touch_does_not_wait(const char *ago)
{
	PGconn	*a, *b;
	char	 st[6], *n;

	seen_ago(ago);
	cr_assert_not_null(a = testdb_connect(db, "mp_staff"));
	cr_assert_not_null(b = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_exec(a, "BEGIN", NULL), 0);
	n = touch(a, st);
	cr_assert_str_eq(n, "anna", "first touch: %s", st);
	free(n);
	/* The first request's transaction is still open. */
	cr_assert_eq(testdb_exec(b, "SET lock_timeout = '300ms'", NULL), 0);
	n = touch(b, st);
	cr_assert_not_null(n, "second touch of the same session waited for "
	    "the first (SQLSTATE %s)", st);
	cr_assert_str_eq(n, "anna");
	free(n);
	cr_assert_eq(testdb_exec(a, "COMMIT", NULL), 0);
	PQfinish(a);
	PQfinish(b);
}

Test(session, concurrent_requests_of_a_session_do_not_wait_recent)
{
	concurrent_touch_does_not_wait("5 seconds");
}

/* The first touch writes last_seen_at (older than 30 s) and holds the
 * row; the second skips the write instead of waiting for it. */
Test(session, concurrent_requests_of_a_session_do_not_wait_stale)
{
	concurrent_touch_does_not_wait("10 minutes");
}

Test(session, touch_records_activity_at_most_one_step_late)
{
	char	 st[6], *n, *age;

	seen_ago("10 minutes");
	n = touch(su, st);
	cr_assert_str_eq(n, "anna");
	free(n);
	age = testdb_value(su, "SELECT extract(epoch FROM now() - "
	    "last_seen_at)::int FROM casework.sessions");
	cr_assert_str_eq(age, "0", "a stale last_seen_at was not renewed");
	free(age);
	/* Within 30 s nothing is written. */
	seen_ago("20 seconds");
	n = touch(su, st);
	free(n);
	age = testdb_value(su, "SELECT extract(epoch FROM now() - "
	    "last_seen_at)::int FROM casework.sessions");
	cr_assert_str_eq(age, "20");
	free(age);
	/* The step is idle_timeout / 30 when that is shorter: with a 30 s
	 * timeout, a last_seen_at 5 s old is renewed. */
	cr_assert_eq(testdb_exec(su, "UPDATE casework.sessions SET "
	    "idle_timeout = interval '30 seconds'", NULL), 0);
	seen_ago("5 seconds");
	n = touch(su, st);
	cr_assert_str_eq(n, "anna");
	free(n);
	age = testdb_value(su, "SELECT extract(epoch FROM now() - "
	    "last_seen_at)::int FROM casework.sessions");
	cr_assert_str_eq(age, "0", "a short idle timeout's step is shorter");
	free(age);
}

Test(session, expired_idle_and_disabled_are_refused)
{
	char	 st[6], *n;

	seen_ago("31 minutes");
	cr_assert_null(n = touch(su, st), "idle session touched");
	seen_ago("1 second");
	cr_assert_eq(testdb_execf(su, NULL, "UPDATE casework.sessions SET "
	    "expires_at = now() - interval '1 second' WHERE token_hash = "
	    "decode('%s', 'hex')", h), 0);
	cr_assert_null(n = touch(su, st), "expired session touched");
	cr_assert_eq(testdb_execf(su, NULL, "UPDATE casework.sessions SET "
	    "expires_at = now() + interval '1 hour'"), 0);
	n = touch(su, st);
	cr_assert_str_eq(n, "anna");
	free(n);
	cr_assert_eq(testdb_exec(su, "UPDATE casework.users SET disabled = "
	    "true WHERE username = 'anna'", NULL), 0);
	cr_assert_null(n = touch(su, st), "disabled user touched");
}
