/*
 * Tests for the staff login functions of schema/0006_staff.sql: nothing
 * attackable offline before the password proof, TOTP step replay refused,
 * failures back off, sessions touch and end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;
static PGconn	*st;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_gt(testdb_add_user(su, "eva", "handler", "labour"), 0);
	cr_assert_not_null(st = testdb_connect(db, "mp_staff"));
}

static void
teardown(void)
{
	PQfinish(st);
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(login, .init = setup, .fini = teardown);

static char *
create(const char *proof, long long step, const char *hash)
{
	char	*sql, *v;

	cr_assert(asprintf(&sql, "SELECT casework.session_create('eva', "
	    "convert_to('%s', 'UTF8'), %lld, sha256('%s'::bytea), "
	    "'30 minutes', '8 hours')", proof, step, hash) > 0);
	v = testdb_value(st, sql);
	free(sql);
	cr_assert_not_null(v);
	return (v);
}

static void
expect_create(const char *proof, long long step, const char *hash,
    const char *want)
{
	char	*v = create(proof, step, hash);

	cr_expect_str_eq(v, want, "step %lld: %s", step, v);
	free(v);
}

Test(login, totp_replay_refused)
{
	expect_create("proof-eva", 1000, "t1", "ok");
	expect_create("proof-eva", 1000, "t2", "replay");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.sessions"),
	    1);
	/* The replay counted as a failure and set a backoff. */
	cr_expect_eq(testdb_count(su, "SELECT failures FROM casework.users"),
	    1);
	cr_assert_eq(testdb_exec(su, "UPDATE casework.users SET "
	    "backoff_until = NULL", NULL), 0);
	expect_create("proof-eva", 999, "t3", "replay");
	cr_assert_eq(testdb_exec(su, "UPDATE casework.users SET "
	    "backoff_until = NULL", NULL), 0);
	expect_create("proof-eva", 1001, "t4", "ok");
	cr_expect_eq(testdb_count(su, "SELECT failures FROM casework.users"),
	    0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'login.totp_replay'"), 2);
}

Test(login, wrong_proof_denied_and_backs_off)
{
	expect_create("guess", 5, "t1", "denied");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.users "
	    "WHERE failures = 1 AND backoff_until > now()"), 1);
	/* During the backoff even the right proof is not considered. */
	expect_create("proof-eva", 6, "t2", "backoff");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.sessions"),
	    0);
	expect_create("proof-eva", 6, "t2", "backoff");
	cr_expect_eq(testdb_count(su, "SELECT failures FROM casework.users"),
	    1, "backoff answers are not counted");
}

Test(login, unknown_or_disabled_user_denied)
{
	char	*v;

	v = testdb_value(st, "SELECT casework.session_create('nobody', "
	    "'\\x00', 1, sha256('x'::bytea), '1 minute', '1 hour')");
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "denied");
	free(v);
	cr_assert_eq(testdb_exec(su, "UPDATE casework.users SET disabled = "
	    "true", NULL), 0);
	expect_create("proof-eva", 5, "t1", "denied");
	cr_expect_eq(testdb_count(st, "SELECT count(*) FROM "
	    "casework.login_salt('nobody')"), 0);
}

Test(login, secrets_only_after_the_proof)
{
	PGresult	*res;

	res = PQexec(st, "SELECT status, totp_secret IS NULL, "
	    "sealed_private_key IS NULL, user_id IS NULL FROM "
	    "casework.login_check('eva', '\\x00')");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "denied");
	cr_expect_str_eq(PQgetvalue(res, 0, 1), "t");
	cr_expect_str_eq(PQgetvalue(res, 0, 3), "t");
	PQclear(res);
	cr_assert_eq(testdb_exec(su, "UPDATE casework.users SET "
	    "backoff_until = NULL", NULL), 0);
	res = PQexec(st, "SELECT status, totp_secret, totp_last_step FROM "
	    "casework.login_check('eva', convert_to('proof-eva', 'UTF8'))");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "ok");
	cr_expect_str_eq(PQgetvalue(res, 0, 1), "\\x746f7470");
	cr_expect_str_eq(PQgetvalue(res, 0, 2), "0");
	PQclear(res);
	/* login_salt gives only what is public in any Argon2id scheme. */
	cr_expect_eq(testdb_count(st, "SELECT pw_m_kib FROM "
	    "casework.login_salt('eva')"), 19456);
}

Test(login, touch_and_end)
{
	char	*v;

	expect_create("proof-eva", 10, "tok", "ok");
	v = testdb_value(st, "SELECT username FROM "
	    "casework.session_touch(sha256('tok'::bytea))");
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "eva");
	free(v);
	cr_expect_eq(testdb_count(st, "SELECT count(*) FROM "
	    "casework.session_touch(sha256('other'::bytea))"), 0);
	v = testdb_value(st, "SELECT casework.session_end("
	    "sha256('tok'::bytea))");
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "t");
	free(v);
	cr_expect_eq(testdb_count(st, "SELECT count(*) FROM "
	    "casework.session_touch(sha256('tok'::bytea))"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action IN ('login', 'logout')"), 2);
}
