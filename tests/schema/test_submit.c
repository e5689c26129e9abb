/*
 * Tests for the public path (schema/0005_public.sql): submit_report
 * routes, keeps only the right wraps, counts exactly once and stores
 * nothing when refused; the reporter functions answer only to the right
 * receipt credential; and the counters follow reclassification, closing
 * and purging as DESIGN section 7 requires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

/* Stands for a sealed item (0051): version 1, nonce, one padded block,
 * tag.  SQL cannot check the seal (it holds no key), only the shape. */
#define SEALED	"decode('01' || repeat('00', 300), 'hex')"

static char	*db;
static PGconn	*su;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(submit, .init = setup, .fini = teardown);

static int
submit_tag(const char *category, const char *subtype, int danger,
    const char *travel, unsigned char tag, char *state)
{
	unsigned char	lookup[16], verifier[32];

	memset(lookup, tag, sizeof(lookup));
	memset(verifier, tag, sizeof(verifier));
	return (testdb_submit(db, category, subtype, "gelderland", "origin",
	    danger, travel, lookup, verifier, state));
}

/* Row counts of every table a submission writes, as one string. */
static char *
snapshot(void)
{
	char	*v = testdb_value(su, "SELECT concat_ws(',', "
	    "(SELECT count(*) FROM casework.cases), "
	    "(SELECT count(*) FROM casework.receipts), "
	    "(SELECT count(*) FROM casework.messages), "
	    "(SELECT count(*) FROM intake.envelopes), "
	    "(SELECT count(*) FROM intake.wraps), "
	    "(SELECT count(*) FROM identity.contacts), "
	    "(SELECT coalesce(sum(n), 0) FROM stats.counters))");

	cr_assert_not_null(v);
	return (v);
}

Test(submit, counts_exactly_the_expected_cell)
{
	char	state[6], *cells;

	cr_assert_eq(submit_tag("labour_discrimination", "recruitment", 0,
	    NULL, 1, state), 0, "%s", state);
	cells = testdb_value(su, "SELECT string_agg(concat_ws('|', "
	    "month = date_trunc('month', current_date)::date, category, "
	    "subtype, province, ground, sector, outcome, n), ';') FROM "
	    "stats.counters");
	cr_assert_not_null(cells);
	cr_expect_str_eq(cells, "t|labour_discrimination|recruitment|"
	    "gelderland|origin|||1");
	free(cells);
	cr_assert_eq(submit_tag("labour_discrimination", "recruitment", 0,
	    NULL, 2, state), 0, "%s", state);
	cr_assert_eq(submit_tag("labour_discrimination", "at_work", 0, NULL,
	    3, state), 0, "%s", state);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.counters WHERE "
	    "subtype = 'recruitment'"), 2);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.counters WHERE "
	    "subtype = 'at_work'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.counters"),
	    2);
	/* The view researchers read agrees. */
	cr_expect_eq(testdb_count(su, "SELECT sum(n) FROM stats.counts"), 3);
}

Test(submit, stores_one_case_with_two_wraps_and_the_ack)
{
	char	state[6], *v;

	cr_assert_eq(submit_tag("foreign_interference", "diaspora_tax", 0,
	    NULL, 1, state), 0, "%s", state);
	v = snapshot();
	cr_expect_str_eq(v, "1,1,1,1,2,0,1");
	free(v);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM intake.wraps WHERE "
	    "(kind, key_id) IN (('queue', 'k-obi-1'), "
	    "('recovery', 'k-recovery-1'))"), 2);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.messages "
	    "WHERE direction = 'system' AND text_key = 'ack.received' AND "
	    "sent_on = current_date"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.cases "
	    "WHERE received_on = current_date AND acknowledged_on = "
	    "current_date AND ack_due = current_date + 7 AND feedback_due = "
	    "(current_date + interval '3 months')::date AND "
	    "first_response_due IS NULL AND NOT urgent AND state = 'new'"), 1);
}

Test(submit, urgent_honour_violence_routes_to_urgent_queue)
{
	char		 state[6];
	PGconn		*pub;
	PGresult	*res;

	cr_assert_eq(submit_tag("honour_violence", "forced_marriage", 1,
	    NULL, 1, state), 0, "%s", state);
	cr_assert_eq(submit_tag("honour_violence", "abandonment_abroad", 0,
	    "2999-01-01", 2, state), 0, "%s", state);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.cases c "
	    "JOIN casework.queues q ON q.id = c.queue_id WHERE q.name = "
	    "'honour_urgent' AND c.urgent AND c.priority = 1 AND "
	    "c.first_response_due > now() + interval '55 minutes' AND "
	    "c.first_response_due <= now() + interval '2 hours' AND "
	    "date_part('epoch', c.first_response_due)::bigint % 3600 = 0"),
	    1, "the deadline is to the hour, rounded up (0052)");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.cases c "
	    "JOIN casework.queues q ON q.id = c.queue_id WHERE q.name = "
	    "'honour' AND NOT c.urgent AND c.first_response_due IS NULL"), 1);

	/* Travel within 14 days is urgent too; the reply says so. */
	cr_assert_not_null(pub = testdb_connect(db, "mp_public"));
	res = PQexec(pub, "WITH k AS (SELECT array_agg(key_id) ids FROM "
	    "intake.forms_keys('honour_violence') WHERE purpose <> 'identity'),"
	    "q AS (SELECT array_agg(key_id) ids FROM "
	    "intake.forms_keys('honour_violence') WHERE purpose = 'queue') "
	    "SELECT r.urgent, r.first_response_due IS NOT NULL, "
	    "r.ack_text_key FROM k, q, intake.submit_report('honour_violence',"
	    " 'abandonment_abroad', 'zeeland', '', '', false, current_date + 3,"
	    " 1::smallint, 16, 1, 2, '\\x000102030405060708090a0b', '\\xff', "
	    "k.ids, array_fill('\\x01'::bytea, ARRAY[cardinality(k.ids)]), "
	    "array_fill('\\x02'::bytea, ARRAY[cardinality(k.ids)]), q.ids, "
	    "array_fill('\\x03'::bytea, ARRAY[cardinality(q.ids)]), "
	    "array_fill('\\x04'::bytea, ARRAY[cardinality(q.ids)]), "
	    "'\\x0303030303030303030303030303030f', sha256('s'::bytea), "
	    "sha256('v'::bytea), 19456, 2, 1, '\\x05', NULL, NULL, NULL, NULL,"
	    " NULL) r");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s",
	    PQresultErrorMessage(res));
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "t");
	cr_expect_str_eq(PQgetvalue(res, 0, 1), "t");
	cr_expect_str_eq(PQgetvalue(res, 0, 2), "ack.received");
	/* The reply carries no id that could correlate. */
	cr_expect_eq(PQnfields(res), 3);
	PQclear(res);
	PQfinish(pub);
}

/* Submit with explicit key id arrays; returns the SQLSTATE or "". */
static void
submit_keys(const char *keys, const char *tkeys, char *state)
{
	PGconn	*pub;
	char	*sql;

	cr_assert_not_null(pub = testdb_connect(db, "mp_public"));
	cr_assert(asprintf(&sql, "SELECT * FROM intake.submit_report("
	    "'labour_discrimination', '', '', '', '', false, NULL, "
	    "1::smallint, 16, 1, 2, '\\x000102030405060708090a0b', '\\xff', "
	    "%s::text[], array_fill('\\x01'::bytea, ARRAY[cardinality(%s::text[])]), "
	    "array_fill('\\x02'::bytea, ARRAY[cardinality(%s::text[])]), "
	    "%s::text[], array_fill('\\x03'::bytea, ARRAY[cardinality(%s::text[])]), "
	    "array_fill('\\x04'::bytea, ARRAY[cardinality(%s::text[])]), "
	    "'\\x0101010101010101010101010101010f', sha256('s'::bytea), "
	    "sha256('v'::bytea), 19456, 2, 1, '\\x05', NULL, NULL, NULL, NULL, "
	    "NULL)", keys, keys, keys, tkeys, tkeys, tkeys) > 0);
	if (testdb_exec(pub, sql, state) == 0)
		state[0] = '\0';
	free(sql);
	PQfinish(pub);
}

/*
 * 0052: whoever writes first_response_due, only whole hours are stored
 * (rounded up, TimeZone-independent); with the trigger disabled the CHECK
 * still refuses a finer value.
 */
Test(submit, first_response_due_is_stored_to_the_hour)
{
	char	state[6];

	cr_assert_eq(submit_tag("honour_violence", "forced_marriage", 1,
	    NULL, 1, state), 0, "%s", state);
	cr_assert_eq(testdb_exec(su, "SET TimeZone = 'Asia/Kolkata'; "
	    "UPDATE casework.cases SET first_response_due = "
	    "'2026-03-01 10:17:05.123456+00' WHERE urgent", state), 0, "%s",
	    state);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.cases "
	    "WHERE first_response_due = '2026-03-01 11:00:00+00'"), 1);
	cr_assert_eq(testdb_exec(su, "UPDATE casework.cases SET "
	    "first_response_due = '2026-03-01 12:00:00+00' WHERE urgent",
	    state), 0, "%s", state);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.cases "
	    "WHERE first_response_due = '2026-03-01 12:00:00+00'"), 1,
	    "a whole hour stays as it is");
	cr_expect(testdb_fails_with(su, "ALTER TABLE casework.cases DISABLE "
	    "TRIGGER coarse_times; UPDATE casework.cases SET "
	    "first_response_due = '2026-03-01 10:17:05+00' WHERE urgent",
	    "23514"));
}

Test(submit, missing_or_unknown_wraps_store_nothing)
{
	char	state[6], *before, *after;

	before = snapshot();
	submit_keys("'{k-labour-1}'", "'{k-labour-1}'", state);
	cr_expect_str_eq(state, "MP004", "no recovery wrap: %s", state);
	submit_keys("'{k-recovery-1}'", "'{k-labour-1}'", state);
	cr_expect_str_eq(state, "MP003", "no queue wrap: %s", state);
	submit_keys("'{k-obi-1,k-recovery-1}'", "'{k-obi-1}'", state);
	cr_expect_str_eq(state, "MP003", "wrong queue's wrap: %s", state);
	submit_keys("'{k-labour-1,k-recovery-1,k-nope-9}'", "'{k-labour-1}'",
	    state);
	cr_expect_str_eq(state, "MP003", "unknown key: %s", state);
	submit_keys("'{k-labour-1,k-recovery-1}'", "'{}'", state);
	cr_expect_str_eq(state, "MP003", "no thread key wrap: %s", state);
	/* A retired key is refused, not half-stored. */
	cr_assert_eq(testdb_exec(su, "UPDATE casework.queue_keys SET current "
	    "= false WHERE key_id = 'k-obi-1'", NULL), 0);
	submit_keys("'{k-labour-1,k-recovery-1,k-obi-1}'", "'{k-labour-1}'",
	    state);
	cr_expect_str_eq(state, "MP003", "retired key: %s", state);
	after = snapshot();
	cr_expect_str_eq(after, before);
	/* The control: the same call with both wraps succeeds. */
	submit_keys("'{k-labour-1,k-recovery-1}'", "'{k-labour-1}'", state);
	cr_expect_str_eq(state, "", "%s", state);
	free(before);
	free(after);
}

Test(submit, unknown_category_and_no_route_refused)
{
	char	state[6];

	cr_expect_eq(submit_tag("tax_fraud", "", 0, NULL, 1, state), -1);
	cr_expect_str_eq(state, "MP001");
	cr_assert_eq(testdb_exec(su, "DELETE FROM casework.routing_rules "
	    "WHERE category = 'foreign_interference'", NULL), 0);
	cr_expect_eq(submit_tag("foreign_interference", "", 0, NULL, 1,
	    state), -1);
	cr_expect_str_eq(state, "MP002");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.routing_check()"), 1);
}

Test(submit, reporter_functions_need_the_credential)
{
	PGconn	*pub;
	char	 state[6];

	cr_assert_eq(submit_tag("labour_discrimination", "", 0, NULL, 7,
	    state), 0, "%s", state);
	cr_assert_not_null(pub = testdb_connect(db, "mp_public"));
	cr_expect_eq(testdb_count(pub, "SELECT argon2_m_kib FROM "
	    "casework.receipt_salt('\\x07070707070707070707070707070707')"),
	    19456);
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "casework.receipt_salt('\\x08080808080808080808080808080808')"),
	    0);
#define L7 "'\\x07070707070707070707070707070707'"
#define V7 "'\\x0707070707070707070707070707070707070707070707070707070707070707'"
#define V8 "'\\x0808080808080808080808080808080808080808080808080808080808080808'"
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "casework.reporter_case(" L7 ", " V7 ") WHERE state = 'new'"), 1);
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "casework.reporter_case(" L7 ", " V8 ")"), 0);
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "casework.reporter_messages(" L7 ", " V8 ")"), 0);
	cr_expect_eq(testdb_count(pub, "SELECT casework.reporter_add_message("
	    L7 ", " V7 ", '\\xdeadbeef')"), 2);
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "casework.reporter_add_message(" L7 ", " V8 ", '\\xdeadbeef') m "
	    "WHERE m IS NOT NULL"), 0);
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "casework.reporter_messages(" L7 ", " V7 ") WHERE "
	    "(seq, direction) IN ((1, 'system'), (2, 'reporter'))"), 2);
	PQfinish(pub);
}

Test(submit, forms_keys_lists_what_a_category_needs)
{
	PGconn	*pub;
	char	*v;

	cr_assert_not_null(pub = testdb_connect(db, "mp_public"));
	v = testdb_value(pub, "SELECT string_agg(purpose || ':' || key_id, "
	    "',' ORDER BY purpose, key_id) FROM "
	    "intake.forms_keys('honour_violence')");
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "identity:k-identity-1,queue:k-honour-1,"
	    "queue:k-honour_urgent-1,recovery:k-recovery-1");
	free(v);
	cr_expect_eq(testdb_count(pub, "SELECT count(*) FROM "
	    "intake.forms_keys('nonsense')"), 0);
	PQfinish(pub);
}

Test(submit, close_and_reclassify_move_counters)
{
	PGconn	*s;
	char	 state[6], h[65], *sql, *id;

	cr_assert_eq(submit_tag("labour_discrimination", "recruitment", 0,
	    NULL, 1, state), 0, "%s", state);
	cr_assert_gt(testdb_add_user(su, "dina", "handler", "labour"), 0);
	cr_assert_eq(testdb_login(db, "dina", 1, h), 0);
	cr_assert_not_null(s = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(s, h), 0);
	cr_assert_not_null(id = testdb_value(s, "SELECT id FROM "
	    "casework.cases"));
	cr_assert(asprintf(&sql, "SELECT casework.case_reclassify('%s', "
	    "'dismissal', 'gelderland', 'religion', 'care')", id) > 0);
	cr_assert_eq(testdb_exec(s, sql, state), 0, "%s", state);
	free(sql);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.counters "
	    "WHERE n > 0 AND subtype = 'dismissal' AND ground = 'religion' AND "
	    "sector = 'care' AND n = 1"), 1);
	cr_expect_eq(testdb_count(su, "SELECT sum(n) FROM stats.counters"), 1);
	/* Illegal jump refused; the legal path closes with an outcome. */
	cr_assert(asprintf(&sql, "SELECT casework.case_transition('%s', "
	    "'closed', NULL)", id) > 0);
	cr_expect(testdb_fails_with(s, sql, "MP021"));
	free(sql);
	cr_assert(asprintf(&sql, "SELECT casework.case_transition('%s', "
	    "'acknowledged', " SEALED "); SELECT "
	    "casework.case_transition('%s', 'in_progress', NULL); SELECT "
	    "casework.case_transition('%s', 'referred', " SEALED "); SELECT "
	    "casework.case_transition('%s', 'closed', NULL)", id, id, id, id) > 0);
	cr_assert_eq(testdb_exec(s, sql, state), 0, "%s", state);
	free(sql);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.counters WHERE "
	    "outcome = 'referred'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT sum(n) FROM stats.counters"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.transitions"), 4);
	/* Reopen: back to no outcome. */
	cr_assert(asprintf(&sql, "SELECT casework.case_transition('%s', "
	    "'in_progress', " SEALED ")", id) > 0);
	cr_assert_eq(testdb_exec(s, sql, state), 0, "%s", state);
	free(sql);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.counters WHERE "
	    "outcome = '' AND subtype = 'dismissal'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT sum(n) FROM stats.counters"), 1);
	free(id);
	PQfinish(s);
}

Test(submit, purge_removes_wraps_and_rows_not_counters)
{
	PGconn	*a;
	char	 state[6], *id, *sql, *v;

	cr_assert_eq(submit_tag("labour_discrimination", "recruitment", 0,
	    NULL, 1, state), 0, "%s", state);
	cr_assert_eq(submit_tag("labour_discrimination", "recruitment", 0,
	    NULL, 2, state), 0, "%s", state);
	cr_assert_not_null(a = testdb_connect(db, "mp_admin"));
	cr_assert_not_null(id = testdb_value(a, "SELECT id FROM "
	    "casework.cases ORDER BY id LIMIT 1"));
	cr_assert(asprintf(&sql, "SELECT casework.purge_case('ops', '%s', "
	    "NULL)", id) > 0);
	v = testdb_value(a, sql);
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "t");
	free(v);
	free(sql);
	v = snapshot();
	cr_expect_str_eq(v, "1,1,1,1,2,0,2", "after purge: %s", v);
	free(v);
	cr_assert(asprintf(&sql, "SELECT (SELECT count(*) FROM intake.wraps "
	    "WHERE case_id = '%s') + (SELECT count(*) FROM casework.messages "
	    "WHERE case_id = '%s')", id, id) > 0);
	cr_expect_eq(testdb_count(su, sql), 0);
	free(sql);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'case.purge' AND actor = 'admin:ops'"), 1);
	/* mp_admin cannot read what it purges. */
	cr_expect(testdb_fails_with(a, "SELECT ciphertext FROM "
	    "intake.envelopes", "42501"));
	cr_expect(testdb_fails_with(a, "SELECT thread_key_wrapped FROM "
	    "casework.cases", "42501"));
	free(id);
	PQfinish(a);
}
