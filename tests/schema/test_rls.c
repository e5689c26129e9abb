/*
 * Tests for the staff row-level security of schema/0006_staff.sql: a
 * handler sees exactly the cases of her queues, and a made-up, missing,
 * expired or disabled session sees nothing -- in every case table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;

/* Case tables the staff role reads through RLS. */
static const char *const case_tables[] = {
	"casework.cases", "casework.messages", "casework.transitions",
	"casework.notes", "casework.referrals", "intake.envelopes",
	"intake.wraps", NULL
};

static void
submit(const char *category, int danger, unsigned char tag)
{
	unsigned char	lookup[16], verifier[32];
	char		state[6];

	memset(lookup, tag, sizeof(lookup));
	memset(verifier, tag, sizeof(verifier));
	cr_assert_eq(testdb_submit(db, category, "", "utrecht", "", danger,
	    NULL, lookup, verifier, state), 0, "submit: %s", state);
}

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	submit("labour_discrimination", 0, 1);
	submit("labour_discrimination", 0, 2);
	submit("foreign_interference", 0, 3);
	cr_assert_gt(testdb_add_user(su, "anna", "handler", "labour"), 0);
	cr_assert_gt(testdb_add_user(su, "bram", "handler", "obi"), 0);
	/* Some child rows in every table. */
	cr_assert_eq(testdb_exec(su, "INSERT INTO casework.notes (case_id, "
	    "body) SELECT id, '\\x01' FROM casework.cases; INSERT INTO "
	    "casework.transitions (case_id, from_state, to_state) SELECT id, "
	    "'new', 'new' FROM casework.cases; INSERT INTO casework.referrals "
	    "(case_id, organisation, referred_on) SELECT id, 'ADV', "
	    "current_date FROM casework.cases", NULL), 0);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(rls, .init = setup, .fini = teardown);

static long long
count_in(PGconn *c, const char *table)
{
	char		*sql;
	long long	 n;

	cr_assert(asprintf(&sql, "SELECT count(*) FROM %s", table) > 0);
	n = testdb_count(c, sql);
	free(sql);
	return (n);
}

/* Every case table empty for this connection. */
static void
expect_nothing(PGconn *c, const char *why)
{
	int	i;

	for (i = 0; case_tables[i] != NULL; i++)
		cr_expect_eq(count_in(c, case_tables[i]), 0, "%s: %s shows rows",
		    why, case_tables[i]);
}

Test(rls, handler_sees_own_queue_only)
{
	PGconn	*a, *b;
	char	 ha[65], hb[65];

	cr_assert_eq(testdb_login(db, "anna", 100, ha), 0);
	cr_assert_eq(testdb_login(db, "bram", 100, hb), 0);
	cr_assert_not_null(a = testdb_connect(db, "mp_staff"));
	cr_assert_not_null(b = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(a, ha), 0);
	cr_assert_eq(testdb_set_session(b, hb), 0);

	cr_expect_eq(count_in(a, "casework.cases"), 2);
	cr_expect_eq(testdb_count(a, "SELECT count(*) FROM casework.cases c "
	    "JOIN casework.queues q ON q.id = c.queue_id WHERE q.name <> "
	    "'labour'"), 0);
	cr_expect_eq(count_in(a, "casework.messages"), 2);
	cr_expect_eq(count_in(a, "casework.notes"), 2);
	cr_expect_eq(count_in(a, "intake.envelopes"), 2);
	cr_expect_eq(count_in(a, "intake.wraps"), 4);
	cr_expect_eq(count_in(b, "casework.cases"), 1);
	cr_expect_eq(testdb_count(b, "SELECT count(*) FROM casework.cases c "
	    "JOIN casework.queues q ON q.id = c.queue_id WHERE q.name = "
	    "'labour'"), 0);
	cr_expect_eq(count_in(b, "casework.referrals"), 1);
	PQfinish(a);
	PQfinish(b);
}

Test(rls, staff_functions_refuse_other_queue)
{
	PGconn	*b;
	char	 hb[65], *sql, *other;

	cr_assert_not_null(other = testdb_value(su, "SELECT c.id FROM "
	    "casework.cases c JOIN casework.queues q ON q.id = c.queue_id "
	    "WHERE q.name = 'labour' LIMIT 1"));
	cr_assert_eq(testdb_login(db, "bram", 100, hb), 0);
	cr_assert_not_null(b = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(b, hb), 0);
	cr_assert(asprintf(&sql, "SELECT casework.note_add('%s', '\\x01')",
	    other) > 0);
	cr_expect(testdb_fails_with(b, sql, "MP020"));
	free(sql);
	cr_assert(asprintf(&sql, "SELECT casework.case_transition('%s', "
	    "'acknowledged', NULL)", other) > 0);
	cr_expect(testdb_fails_with(b, sql, "MP020"));
	free(sql);
	cr_assert(asprintf(&sql, "SELECT casework.case_assign('%s', true)",
	    other) > 0);
	cr_expect(testdb_fails_with(b, sql, "MP020"));
	free(sql);
	free(other);
	PQfinish(b);
}

Test(rls, no_setting_sees_nothing)
{
	PGconn	*c;

	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	expect_nothing(c, "no session setting");
	cr_expect_eq(testdb_count(c, "SELECT count(*) FROM "
	    "casework.queue_key_wraps"), 0);
	PQfinish(c);
}

Test(rls, made_up_hash_sees_nothing)
{
	PGconn	*c;
	char	 h[65];

	cr_assert_eq(testdb_login(db, "anna", 100, h), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	/* A well-formed guess, a malformed value, and SQL-ish junk. */
	cr_assert_eq(testdb_set_session(c, "00000000000000000000000000000000"
	    "00000000000000000000000000000000"), 0);
	expect_nothing(c, "made-up hash");
	cr_assert_eq(testdb_set_session(c, "zz' OR true --"), 0);
	expect_nothing(c, "malformed value");
	/* The real token itself (not its hash) is no credential either. */
	h[0] = h[0] == 'a' ? 'b' : 'a';
	cr_assert_eq(testdb_set_session(c, h), 0);
	expect_nothing(c, "one hex digit off");
	PQfinish(c);
}

Test(rls, expired_and_disabled_sessions_see_nothing)
{
	PGconn	*c;
	char	 h[65], *sql;

	cr_assert_eq(testdb_login(db, "anna", 100, h), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(c, h), 0);
	cr_assert_eq(count_in(c, "casework.cases"), 2);

	/* Absolute expiry passed. */
	cr_assert(asprintf(&sql, "UPDATE casework.sessions SET expires_at = "
	    "now() - interval '1 second' WHERE token_hash = decode('%s', "
	    "'hex')", h) > 0);
	cr_assert_eq(testdb_exec(su, sql, NULL), 0);
	free(sql);
	expect_nothing(c, "expired session");

	/* Idle timeout passed. */
	cr_assert(asprintf(&sql, "UPDATE casework.sessions SET expires_at = "
	    "now() + interval '1 hour', last_seen_at = now() - interval "
	    "'31 minutes' WHERE token_hash = decode('%s', 'hex')", h) > 0);
	cr_assert_eq(testdb_exec(su, sql, NULL), 0);
	free(sql);
	expect_nothing(c, "idle session");

	/* Live again, then the user is disabled. */
	cr_assert(asprintf(&sql, "UPDATE casework.sessions SET last_seen_at "
	    "= now() WHERE token_hash = decode('%s', 'hex')", h) > 0);
	cr_assert_eq(testdb_exec(su, sql, NULL), 0);
	free(sql);
	cr_assert_eq(count_in(c, "casework.cases"), 2);
	cr_assert_eq(testdb_exec(su, "UPDATE casework.users SET disabled = "
	    "true WHERE username = 'anna'", NULL), 0);
	expect_nothing(c, "disabled user");
	PQfinish(c);
}

Test(rls, staff_cannot_harvest_secrets)
{
	PGconn	*c;
	char	 h[65];

	cr_assert_eq(testdb_login(db, "anna", 100, h), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(c, h), 0);
	cr_expect(testdb_fails_with(c, "SELECT token_hash FROM "
	    "casework.sessions", "42501"));
	cr_expect(testdb_fails_with(c, "SELECT * FROM casework.receipts",
	    "42501"));
	cr_expect(testdb_fails_with(c, "SELECT pw_verifier FROM "
	    "casework.users", "42501"));
	cr_expect(testdb_fails_with(c, "SELECT totp_secret FROM "
	    "casework.users", "42501"));
	cr_expect(testdb_fails_with(c, "SELECT sealed_private_key FROM "
	    "casework.users", "42501"));
	cr_expect(testdb_fails_with(c, "SELECT recovery_wrapped FROM "
	    "casework.queue_keys", "42501"));
	cr_expect(testdb_fails_with(c, "SELECT * FROM identity.contacts",
	    "42501"));
	cr_expect(testdb_fails_with(c, "SELECT * FROM stats.counters",
	    "42501"));
	cr_expect(testdb_fails_with(c, "SELECT * FROM audit.events",
	    "42501"));
	/* Writes only through functions. */
	cr_expect(testdb_fails_with(c, "UPDATE casework.cases SET state = "
	    "'closed'", "42501"));
	cr_expect(testdb_fails_with(c, "DELETE FROM casework.notes",
	    "42501"));
	cr_expect(testdb_fails_with(c, "SET ROLE mp_owner", "42501"));
	cr_expect_eq(testdb_exec(c, "SELECT id, username, kind FROM "
	    "casework.users", NULL), 0);
	PQfinish(c);
}

Test(rls, transfer_moves_visibility)
{
	PGconn	*a, *b;
	char	 ha[65], hb[65], *id, *sql;

	cr_assert_eq(testdb_login(db, "anna", 100, ha), 0);
	cr_assert_eq(testdb_login(db, "bram", 100, hb), 0);
	cr_assert_not_null(a = testdb_connect(db, "mp_staff"));
	cr_assert_not_null(b = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(a, ha), 0);
	cr_assert_eq(testdb_set_session(b, hb), 0);
	cr_assert_not_null(id = testdb_value(a, "SELECT id FROM "
	    "casework.cases LIMIT 1"));
	cr_assert(asprintf(&sql, "SELECT casework.case_transfer('%s', "
	    "(SELECT id FROM casework.queues WHERE name = 'obi'), "
	    "'k-obi-1', '\\x01', '\\x02', '\\x03', '\\x04', NULL)", id) > 0);
	cr_assert_eq(testdb_exec(a, sql, NULL), 0);
	free(sql);
	cr_expect_eq(count_in(a, "casework.cases"), 1);
	cr_expect_eq(count_in(b, "casework.cases"), 2);
	cr_assert(asprintf(&sql, "SELECT count(*) FROM intake.wraps WHERE "
	    "case_id = '%s' AND kind = 'queue' AND key_id = 'k-obi-1'",
	    id) > 0);
	cr_expect_eq(testdb_count(b, sql), 1);
	free(sql);
	cr_assert(asprintf(&sql, "SELECT count(*) FROM intake.wraps WHERE "
	    "case_id = '%s'", id) > 0);
	cr_expect_eq(testdb_count(su, sql), 2, "queue wrap + recovery wrap");
	free(sql);
	free(id);
	PQfinish(a);
	PQfinish(b);
}
