/*
 * Tests for the audit chain (schema/0003_audit.sql) and its verifier
 * (admin/audit.c, `meldctl audit verify`): appends chain, every way to
 * change history is refused, and a superuser who goes around the triggers
 * is caught with the row named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "admin/audit.h"
#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	/* Five events, some with details and non-ASCII text. */
	cr_assert_eq(testdb_exec(su, "SELECT audit.append('admin:t', "
	    "'user.add', 'user:' || g, jsonb_build_object('n', g, 'who', "
	    "'Zoë Ünal')) FROM generate_series(1, 5) g", NULL), 0);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(audit, .init = setup, .fini = teardown);

static int
run_verify(char *out, size_t outsz)
{
	const char	*build = getenv("MELDPUNT_BUILD");
	char		*cmd;
	FILE		*p;
	size_t		 n;
	int		 st;

	cr_assert(asprintf(&cmd, "%s/meldctl -d 'dbname=%s user=mp_admin' "
	    "audit verify 2>&1", build ? build : "build", db) > 0);
	cr_assert_not_null(p = popen(cmd, "r"));
	n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	free(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

Test(audit, intact_chain_verifies)
{
	struct audit_report	ar;
	PGconn			*a;
	char			out[1024];

	cr_assert_not_null(a = testdb_connect(db, "mp_admin"));
	cr_assert_eq(testdb_exec(a, "SELECT audit.admin_event('t', "
	    "'queue.add', 'queue:x', '{}')", NULL), 0);
	cr_assert_eq(audit_verify(a, &ar), 0, "%s", ar.ar_reason);
	cr_expect_eq(ar.ar_events, 6);
	PQfinish(a);
	cr_assert_eq(run_verify(out, sizeof(out)), 0, "%s", out);
	cr_expect_not_null(strstr(out, "audit chain ok: 6 events"), "%s", out);
}

Test(audit, changes_refused_for_everyone)
{
	PGconn		*a;
	const char	*roles[] = { "mp_admin", "mp_staff", "mp_public",
			    "mp_research" };
	int		 i;

	/* The owner and superuser hit the triggers. */
	cr_expect(testdb_fails_with(su, "UPDATE audit.events SET actor = 'x' "
	    "WHERE id = 2", "MP030"));
	cr_expect(testdb_fails_with(su, "DELETE FROM audit.events WHERE "
	    "id = 2", "MP030"));
	cr_expect(testdb_fails_with(su, "TRUNCATE audit.events", "MP030"));
	cr_expect(testdb_fails_with(su, "DELETE FROM audit.head", "MP030"));
	cr_expect(testdb_fails_with(su, "SET ROLE mp_owner; UPDATE "
	    "audit.events SET actor = 'x'", "MP030"));
	testdb_exec(su, "RESET ROLE", NULL);
	/* Login roles have no privilege at all. */
	for (i = 0; i < 4; i++) {
		cr_assert_not_null(a = testdb_connect(db, roles[i]));
		cr_expect(testdb_fails_with(a, "UPDATE audit.events SET "
		    "actor = 'x'", "42501"), "%s", roles[i]);
		cr_expect(testdb_fails_with(a, "DELETE FROM audit.events",
		    "42501"), "%s", roles[i]);
		cr_expect(testdb_fails_with(a, "TRUNCATE audit.events",
		    "42501"), "%s", roles[i]);
		cr_expect(testdb_fails_with(a, "SELECT audit.append('x', 'y', "
		    "'', '{}')", "42501"), "%s", roles[i]);
		PQfinish(a);
	}
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events"), 5);
}

Test(audit, superuser_update_detected)
{
	struct audit_report	ar;
	char			out[1024];

	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "UPDATE audit.events SET details = '{\"n\": 99}' WHERE id = 3;"
	    "SET session_replication_role = origin", NULL), 0);
	cr_assert_eq(audit_verify(su, &ar), 1);
	cr_expect_eq(ar.ar_bad_id, 3);
	cr_expect_eq(ar.ar_events, 2);
	cr_assert_eq(run_verify(out, sizeof(out)), EX_DATAERR, "%s", out);
	cr_expect_not_null(strstr(out, "event 3"), "%s", out);
}

Test(audit, superuser_rehash_of_one_row_detected_at_next)
{
	struct audit_report	ar;

	/* Rewrite row 2 and fix its own hash: row 3's prev_hash breaks. */
	cr_assert_eq(testdb_exec(su, "ALTER TABLE audit.events DISABLE "
	    "TRIGGER events_no_update;"
	    "UPDATE audit.events SET actor = 'admin:mallory' WHERE id = 2;"
	    "UPDATE audit.events SET hash = sha256(prev_hash || "
	    "audit.canonical(id, at, actor, action, object, details)) "
	    "WHERE id = 2;"
	    "ALTER TABLE audit.events ENABLE TRIGGER events_no_update", NULL),
	    0);
	cr_assert_eq(audit_verify(su, &ar), 1);
	cr_expect_eq(ar.ar_bad_id, 3);
}

Test(audit, removed_tail_detected)
{
	struct audit_report	ar;
	char			out[1024];

	cr_assert_eq(testdb_exec(su, "SET session_replication_role = replica;"
	    "DELETE FROM audit.events WHERE id = 5;"
	    "SET session_replication_role = origin", NULL), 0);
	cr_assert_eq(audit_verify(su, &ar), 1);
	cr_expect_eq(ar.ar_bad_id, 5);
	cr_assert_eq(run_verify(out, sizeof(out)), EX_DATAERR, "%s", out);
}

Test(audit, staff_events_take_actor_from_session)
{
	PGconn	*s;
	char	 h[65], *actor;

	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_gt(testdb_add_user(su, "carla", "handler", "labour"), 0);
	cr_assert_not_null(s = testdb_connect(db, "mp_staff"));
	cr_expect(testdb_fails_with(s, "SELECT audit.staff_event('case.read', "
	    "'case:x', '{}')", "MP020"));
	cr_assert_eq(testdb_login(db, "carla", 7, h), 0);
	cr_assert_eq(testdb_set_session(s, h), 0);
	cr_assert_eq(testdb_exec(s, "SELECT audit.staff_event('case.read', "
	    "'case:x', '{}')", NULL), 0);
	actor = testdb_value(su, "SELECT actor FROM audit.events ORDER BY id "
	    "DESC LIMIT 1");
	cr_assert_not_null(actor);
	cr_expect_str_eq(actor, "user:1");
	free(actor);
	PQfinish(s);
}
