/*
 * Research exports against real PostgreSQL (schema/0030_research.sql,
 * 0081_research_budget.sql, admin/stats.c): the epsilon budget ledger
 * refuses the export that would exceed the budget and records nothing
 * for it; epsilon 0 is refused unless an administrator allowed it for
 * that researcher; the budget renews at the period boundary (the day is
 * injected into the internal debit); only a researcher's live session
 * may export through the staff role; every export is audited; and
 * reports stored through intake.submit_report appear in the exported
 * counts and move when casework.case_reclassify runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <criterion/criterion.h>

#include "admin/stats.h"
#include "stats/disclosure.h"
#include "tests/lib/testdb.h"

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

TestSuite(stats_export, .init = setup, .fini = teardown);

#define EXPORT_SQL \
	"SELECT count(*) FROM stats.research_export('{year,category}', " \
	"'2026-01-01', '2026-12-01', 'csv', 10, %s)"

/* A policy row written directly (the meldctl path is tested below). */
static void
policy(const char *key, const char *budget, const char *period,
    int allow_exact)
{
	cr_assert_eq(testdb_execf(su, NULL, "INSERT INTO stats.budget_policy "
	    "(researcher, budget, period, allow_exact) VALUES ('%s', %s, "
	    "'%s', %s) ON CONFLICT (researcher) DO UPDATE SET budget = "
	    "excluded.budget, period = excluded.period, allow_exact = "
	    "excluded.allow_exact", key, budget, period,
	    allow_exact ? "true" : "false"), 0);
}

static PGconn *
researcher_conn(const char *name, const char *kind)
{
	PGconn	*c;
	char	 hex[65];

	cr_assert_gt(testdb_add_user(su, name, kind, NULL), 0);
	cr_assert_eq(testdb_login(db, name, 1, hex), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(c, hex), 0);
	return (c);
}

Test(stats_export, budget_ledger_refuses_the_export_beyond_the_budget)
{
	PGconn	*r = researcher_conn("rita", "researcher");
	char	 key[32];

	snprintf(key, sizeof(key), "user:%lld", testdb_count(su,
	    "SELECT id FROM casework.users WHERE username = 'rita'"));
	policy(key, "1", "year", 1);

	cr_expect_eq(testdb_execf(r, NULL, EXPORT_SQL, "0.4"), 0);
	cr_expect_eq(testdb_execf(r, NULL, EXPORT_SQL, "0.4"), 0);
	/* 0.8 spent of 1.0: 0.4 more would make 1.2. */
	cr_expect(testdb_fails_with(r, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0.4)",
	    "MP050"));
	/* What is left still fits, exactly. */
	cr_expect_eq(testdb_execf(r, NULL, EXPORT_SQL, "0.2"), 0);
	cr_expect(testdb_fails_with(r, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0.01)",
	    "MP050"));
	/* Without noise nothing is spent: allowed, and still recorded. */
	cr_expect_eq(testdb_execf(r, NULL, EXPORT_SQL, "0"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "stats.budget_ledger"), 4);
	cr_expect_eq(testdb_count(su, "SELECT (sum(epsilon) * 10)::int FROM "
	    "stats.budget_ledger"), 10);
	cr_expect_eq(testdb_count(su, "SELECT (spent * 10)::int FROM "
	    "stats.budget_spent"), 10);
	/* Each ledger row says what was left after it. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.budget_ledger "
	    "WHERE remaining IS NOT NULL AND period_start = date_trunc('year', "
	    "current_date)::date"), 4);
	cr_expect_eq(testdb_count(su, "SELECT (min(remaining) * 10)::int FROM "
	    "stats.budget_ledger"), 0);
	cr_expect_eq(testdb_count(su, "SELECT (max(remaining) * 10)::int FROM "
	    "stats.budget_ledger"), 6);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.export' AND actor LIKE 'user:%' AND "
	    "details->>'k' = '10' AND details->'group' = "
	    "'[\"year\", \"category\"]' AND details->>'from' = '2026-01'"), 4);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.export'"), 4, "refused exports leave none");
	PQfinish(r);
}

Test(stats_export, only_a_researcher_session_may_export)
{
	PGconn	*h = researcher_conn("hank", "handler");
	PGconn	*n, *res;

	cr_expect(testdb_fails_with(h, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0)",
	    "MP020"));
	cr_assert_not_null(n = testdb_connect(db, "mp_staff"));
	cr_expect(testdb_fails_with(n, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0)",
	    "MP020"), "no session at all");
	cr_expect(testdb_fails_with(n, "SELECT * FROM stats.cli_export('x', "
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0)",
	    "42501"));
	/* The internal pieces are nobody's to call. */
	cr_expect(testdb_fails_with(n, "SELECT * FROM stats.export_counts("
	    "'{year}', '2026-01-01', '2026-12-01')", "42501"));
	cr_expect(testdb_fails_with(n, "SELECT stats.budget_debit('user:1', "
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0, "
	    "'2030-01-01')",
	    "42501"));
	cr_assert_not_null(res = testdb_connect(db, "mp_research"));
	cr_expect(testdb_fails_with(res, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0)",
	    "42501"));
	cr_expect(testdb_fails_with(res, "SELECT * FROM stats.budget_ledger",
	    "42501"));
	cr_expect(testdb_fails_with(res, "SELECT * FROM stats.cli_export("
	    "'x', '{year,name}', '2026-01-01', '2026-12-01', 'csv', 10, 1)",
	    "MP005"), "a dimension outside the list");
	cr_expect(testdb_fails_with(res, "SELECT * FROM stats.cli_export("
	    "'x', '{year}', '2026-01-01', '2026-12-01', 'csv', 4, 1)",
	    "MP005"), "k below 5");
	/* mp_research cannot raise its own budget or drop the noise. */
	cr_expect(testdb_fails_with(res, "SELECT stats.budget_grant('x', "
	    "'operator', 'x', 1000, 'month', true)", "42501"));
	cr_expect(testdb_fails_with(res, "UPDATE stats.budget_policy SET "
	    "allow_exact = true", "42501"));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "stats.budget_ledger"), 0);
	PQfinish(h);
	PQfinish(n);
	PQfinish(res);
}

/* The concurrent case: two sessions of one researcher cannot overspend. */
Test(stats_export, concurrent_debits_are_serialised)
{
	PGconn	*a = researcher_conn("rosa", "researcher");
	PGconn	*b;
	char	 hex[65], key[32];

	snprintf(key, sizeof(key), "user:%lld", testdb_count(su,
	    "SELECT id FROM casework.users WHERE username = 'rosa'"));
	policy(key, "1", "year", 0);

	cr_assert_eq(testdb_login(db, "rosa", 2, hex), 0);
	cr_assert_not_null(b = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(b, hex), 0);
	cr_assert_eq(testdb_exec(a, "BEGIN", NULL), 0);
	cr_assert_eq(testdb_execf(a, NULL, EXPORT_SQL, "0.6"), 0);
	/* b waits for a's row lock, then sees 0.6 spent and refuses. */
	cr_assert_eq(PQsendQuery(b, "SELECT count(*) FROM "
	    "stats.research_export('{year}', '2026-01-01', '2026-12-01', "
	    "'csv', 10, 0.6)"), 1);
	cr_assert_eq(testdb_exec(a, "COMMIT", NULL), 0);
	{
		PGresult	*res;
		int		 refused = 0;

		while ((res = PQgetResult(b)) != NULL) {
			const char *st = PQresultErrorField(res,
			    PG_DIAG_SQLSTATE);

			refused |= st != NULL && strcmp(st, "MP050") == 0;
			PQclear(res);
		}
		cr_expect(refused);
	}
	PQfinish(a);
	PQfinish(b);
}

static void
submit(const char *cat, const char *sub, const char *prov,
    const char *ground, int tag)
{
	unsigned char	 lookup[16], verifier[32];
	char		 state[6];

	memset(lookup, 0, sizeof(lookup));
	memcpy(lookup, &tag, sizeof(tag));
	memset(verifier, tag & 0xff, sizeof(verifier));
	cr_assert_eq(testdb_submit(db, cat, sub, prov, ground, 0, NULL,
	    lookup, verifier, state), 0, "sqlstate %s", state);
}

/* Export with stats_export() into a string. */
static char *
export(const char *group, int k, double eps)
{
	struct stats_export_opts o;
	char			 err[160], *out = NULL, *msg = NULL;
	size_t			 outlen = 0, msglen = 0;
	FILE			*fo, *fe;
	PGconn			*r;
	int			 rc;

	memset(&o, 0, sizeof(o));
	disclosure_query_init(&o.se_q);
	cr_assert_eq(disclosure_parse_group(group, &o.se_q, err,
	    sizeof(err)), 0);
	o.se_q.q_from = 2000 * 12;
	o.se_q.q_to = 2000 * 12 + DISCLOSURE_MAX_MONTHS - 1;
	o.se_k = k;
	o.se_epsilon = eps;
	o.se_actor = "tester";
	policy("cli:tester", "10", "year", 1);
	cr_assert_not_null(r = testdb_connect(db, "mp_research"));
	fo = open_memstream(&out, &outlen);
	fe = open_memstream(&msg, &msglen);
	rc = stats_export(r, &o, NULL, fo, fe);
	fclose(fo);
	fclose(fe);
	cr_assert_eq(rc, EX_OK, "%s", msg);
	free(msg);
	PQfinish(r);
	return (out);
}

Test(stats_export, submitted_reports_appear_and_move_on_reclassify)
{
	PGconn	*h;
	char	*csv, hex[65], *id;
	int	 i;

	/* 12 in utrecht/origin, 3 in utrecht/age: "age" must be withheld. */
	for (i = 0; i < 15; i++)
		submit("labour_discrimination", "refusal", "utrecht",
		    i < 12 ? "origin" : "age", i + 1);
	csv = export("ground", 10, 0);
	cr_expect_not_null(strstr(csv, "age,,suppressed,10,0,"), "%s", csv);
	/* Else 15 - 12 gives it away: origin is withheld as complement. */
	cr_expect_not_null(strstr(csv, "origin,,suppressed,10,0,"), "%s",
	    csv);
	cr_expect_not_null(strstr(csv, "(all),15,total,10,0,"), "%s", csv);
	cr_expect_null(strstr(csv, ",3,"), "a small count is visible: %s",
	    csv);
	free(csv);
	/* A handler reclassifies all three "age" reports to "origin". */
	cr_assert_gt(testdb_add_user(su, "hilde", "handler", "labour"), 0);
	cr_assert_eq(testdb_login(db, "hilde", 1, hex), 0);
	cr_assert_not_null(h = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(h, hex), 0);
	for (i = 0; i < 3; i++) {
		id = testdb_value(su, "SELECT id FROM casework.cases WHERE "
		    "ground = 'age' LIMIT 1");
		cr_assert_not_null(id);
		cr_assert_eq(testdb_execf(h, NULL, "SELECT casework."
		    "case_reclassify('%s', 'refusal', 'utrecht', 'origin', "
		    "'')", id), 0);
		free(id);
	}
	csv = export("ground", 10, 0);
	cr_expect_not_null(strstr(csv, "origin,15,shown,10,0,"), "%s", csv);
	cr_expect_not_null(strstr(csv, "(all),15,total,10,0,"), "%s", csv);
	cr_expect_null(strstr(csv, "suppressed"), "%s", csv);
	free(csv);
	/* Through the staff role too: the raw grouped sums move. */
	PQfinish(h);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.export_counts("
	    "'{category,ground}', '2000-01-01', '2049-12-01') WHERE ground = "
	    "'origin'"), 15);
	/* The exports were audited as admin events of the named actor. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.export' AND actor = 'admin:tester'"), 2);
}

Test(stats_export, cli_budget_refusal_is_a_clean_error)
{
	struct stats_export_opts o;
	char			 err[160], *out = NULL, *msg = NULL;
	size_t			 outlen = 0, msglen = 0;
	FILE			*fo, *fe;
	PGconn			*r;

	memset(&o, 0, sizeof(o));
	disclosure_query_init(&o.se_q);
	cr_assert_eq(disclosure_parse_group("year", &o.se_q, err,
	    sizeof(err)), 0);
	o.se_q.q_from = 2026 * 12;
	o.se_q.q_to = 2026 * 12 + 11;
	o.se_k = 10;
	o.se_epsilon = 2;
	o.se_actor = "tester";
	policy("cli:tester", "1", "year", 0);
	cr_assert_not_null(r = testdb_connect(db, "mp_research"));
	fo = open_memstream(&out, &outlen);
	fe = open_memstream(&msg, &msglen);
	cr_expect_eq(stats_export(r, &o, NULL, fo, fe), EX_NOPERM);
	fclose(fo);
	fclose(fe);
	cr_expect_eq(outlen, 0, "nothing exported");
	cr_expect_not_null(strstr(msg, "exceed the budget left"), "%s", msg);
	free(out);
	free(msg);
	PQfinish(r);
}

/*
 * Noise is required by default: epsilon 0 is refused (MP051) with nothing
 * recorded, for researchers and operators alike, until an administrator
 * allows exact counts for that one researcher with meldctl stats budget
 * (audited); another researcher is still refused.
 */
Test(stats_export, epsilon_zero_refused_unless_allowed_per_researcher)
{
	PGconn			*r = researcher_conn("ruud", "researcher");
	PGconn			*o = researcher_conn("roel", "researcher");
	PGconn			*adm;
	struct stats_budget_opts b;
	char			*msg = NULL;
	size_t			 msglen = 0;
	FILE			*fe;

	cr_expect(testdb_fails_with(r, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0)", "MP051"));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "stats.budget_ledger"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.export'"), 0);
	/* With noise it is accepted and debited from the default 10. */
	cr_expect_eq(testdb_execf(r, NULL, EXPORT_SQL, "0.5"), 0);
	cr_assert_not_null(adm = testdb_connect(db, "mp_admin"));
	memset(&b, 0, sizeof(b));
	b.sb_actor = "opa";
	b.sb_kind = "researcher";
	b.sb_name = "ruud";
	b.sb_allow_exact = "true";
	fe = open_memstream(&msg, &msglen);
	cr_expect_eq(stats_budget_grant(adm, &b, fe), EX_OK);
	b.sb_name = "nobody";
	cr_expect_eq(stats_budget_grant(adm, &b, fe), EX_NOUSER);
	fclose(fe);
	cr_expect_not_null(strstr(msg, "no such researcher"), "%s", msg);
	free(msg);
	cr_expect_eq(testdb_execf(r, NULL, EXPORT_SQL, "0"), 0);
	cr_expect(testdb_fails_with(o, "SELECT * FROM stats.research_export("
	    "'{year}', '2026-01-01', '2026-12-01', 'csv', 10, 0)", "MP051"),
	    "the opt-out is per researcher");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.budget' AND actor = 'admin:opa' AND "
	    "details->>'allow_exact' = 'true'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT (remaining * 10)::int FROM "
	    "stats.budget_ledger ORDER BY id DESC LIMIT 1"), 95);
	PQfinish(adm);
	PQfinish(r);
	PQfinish(o);
}

/*
 * The budget is per period and renews at the boundary.  The day is
 * injected into the internal debit (superuser only; the login roles'
 * entry points pass current_date): spent up on 31 December, refused,
 * fresh on 1 January; with a quarterly policy, fresh on 1 April.
 */
Test(stats_export, budget_renews_at_the_period_boundary)
{
#define DEBIT(eps, day) \
	"SELECT stats.budget_debit('user:77', '{year}', '2026-01-01', " \
	"'2026-12-01', 'csv', 10, " eps ", '" day "')"

	policy("user:77", "2", "year", 0);
	cr_expect_eq(testdb_exec(su, DEBIT("1.5", "2026-01-01"), NULL), 0);
	cr_expect_eq(testdb_exec(su, DEBIT("0.5", "2026-12-31"), NULL), 0);
	cr_expect(testdb_fails_with(su, DEBIT("0.01", "2026-12-31"),
	    "MP050"));
	cr_expect_eq(testdb_count(su, "SELECT (remaining * 10)::int FROM "
	    "stats.budget_status('user:77', '2026-12-31')"), 0);
	cr_expect_eq(testdb_count(su, "SELECT (remaining * 10)::int FROM "
	    "stats.budget_status('user:77', '2027-01-01')"), 20);
	cr_expect_eq(testdb_exec(su, DEBIT("2", "2027-01-01"), NULL), 0);
	cr_expect(testdb_fails_with(su, DEBIT("0.01", "2027-06-30"),
	    "MP050"));
	/* A day in the old period does not reopen it. */
	cr_expect(testdb_fails_with(su, DEBIT("0.01", "2026-12-31"),
	    "MP050"));
	cr_expect_eq(testdb_count(su, "SELECT count(DISTINCT period_start) "
	    "FROM stats.budget_ledger WHERE researcher = 'user:77'"), 2);
	/* Quarterly: 2027-Q1 is spent, 2027-Q2 is fresh. */
	policy("user:77", "2", "quarter", 0);
	cr_expect_eq(testdb_exec(su, DEBIT("2", "2027-04-01"), NULL), 0);
	cr_expect(testdb_fails_with(su, DEBIT("0.01", "2027-06-30"),
	    "MP050"));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.budget_status("
	    "'user:77', '2027-06-30') WHERE period_end = '2027-07-01'"), 1);
#undef DEBIT
}
