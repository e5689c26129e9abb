/*
 * The yearly figures (schema/0082_annual_counters.sql, admin/annual.c)
 * on a generated year of casework against real PostgreSQL: reports are
 * submitted through intake.submit_report and handled through the staff
 * functions (acknowledge, messages, referrals with an organisation type,
 * outcomes, closing, one reopening).  The maintained counters must equal
 * what the case, transition and referral rows say, computed here
 * independently; the CSV of meldctl stats annual must publish exactly
 * those numbers, withhold every cell and total with 0 < n < k, and add
 * up; epsilon 0 is refused until allowed for the actor; the HTML page is
 * in the language asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <criterion/criterion.h>

#include "admin/stats.h"
#include "stats/disclosure.h"
#include "tests/lib/testdb.h"

/* Stands for a sealed item (0051): version 1, nonce, one padded block,
 * tag.  SQL cannot check the seal (it holds no key), only the shape. */
#define SEALED	"decode('01' || repeat('00', 300), 'hex')"

#define K	5

static char	*db;
static PGconn	*su;
static int	 year;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	year = (int)testdb_count(su, "SELECT date_part('year', "
	    "current_date)::int");
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(annual, .init = setup, .fini = teardown, .timeout = 120);

static void
submit(const char *cat, int tag)
{
	unsigned char	 lookup[16], verifier[32];
	char		 state[6];

	memset(lookup, 0, sizeof(lookup));
	memcpy(lookup, &tag, sizeof(tag));
	memset(verifier, tag & 0xff, sizeof(verifier));
	cr_assert_eq(testdb_submit(db, cat, NULL, "utrecht", NULL, 0, NULL,
	    lookup, verifier, state), 0, "sqlstate %s", state);
}

/* Walk the n oldest cases of cat in state from through the states. */
static void
walk(PGconn *h, const char *cat, const char *from, int n,
    const char *const *to, const char *org_type)
{
	char	*ids, *id, *save;
	int	 i;

	{
		char	 sql[512];

		snprintf(sql, sizeof(sql), "SELECT string_agg(id::text, ' ') "
		    "FROM (SELECT id FROM casework.cases WHERE category = '%s' "
		    "AND state = '%s' ORDER BY id LIMIT %d) s", cat, from, n);
		cr_assert_not_null(ids = testdb_value(su, sql));
	}
	for (id = strtok_r(ids, " ", &save), i = 0; id != NULL;
	    id = strtok_r(NULL, " ", &save), i++) {
		size_t	 t;

		for (t = 0; to[t] != NULL; t++) {
			if (strcmp(to[t], "refer") == 0) {
				cr_assert_eq(testdb_execf(h, NULL, "SELECT "
				    "casework.referral_classify(casework."
				    "referral_add('%s', " SEALED ", "
				    "current_date, NULL), '%s')", id, org_type),
				    0);
				continue;
			}
			if (strcmp(to[t], "message") == 0) {
				cr_assert_eq(testdb_execf(h, NULL, "SELECT "
				    "casework.message_send('%s', '\\x00')",
				    id), 0);
				continue;
			}
			cr_assert_eq(testdb_execf(h, NULL, "SELECT casework."
			    "case_transition('%s', '%s', NULL)", id, to[t]), 0,
			    "%s -> %s", id, to[t]);
		}
	}
	cr_assert_eq(i, n, "only %d cases of %s in %s", i, cat, from);
	free(ids);
}

/* A generated year: 30 + 12 + 3 reports, handled in several ways. */
static void
generate(void)
{
	static const char *const ack_refer_close[] = { "acknowledged",
	    "in_progress", "refer", "referred", "closed", NULL };
	static const char *const ack_resolve_close[] = { "acknowledged",
	    "in_progress", "resolved", "closed", NULL };
	static const char *const msg_unfounded_close[] = { "message",
	    "acknowledged", "unfounded", "closed", NULL };
	static const char *const withdraw_close[] = { "acknowledged",
	    "withdrawn", "closed", NULL };
	static const char *const reopen[] = { "in_progress", NULL };
	static const char *const ack[] = { "acknowledged", NULL };
	PGconn	*h;
	char	 hex[65];
	int	 i, uid;

	for (i = 0; i < 45; i++)
		submit(i < 30 ? "labour_discrimination" : i < 42 ?
		    "foreign_interference" : "honour_violence", i + 1);
	cr_assert_gt(uid = testdb_add_user(su, "hilde", "handler", "labour"),
	    0);
	cr_assert_eq(testdb_execf(su, NULL, "INSERT INTO "
	    "casework.queue_members SELECT q.id, %d FROM casework.queues q "
	    "WHERE q.name <> 'labour'", uid), 0);
	cr_assert_eq(testdb_login(db, "hilde", 1, hex), 0);
	cr_assert_not_null(h = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(h, hex), 0);
	/* Resolved and closed first, so the one reopened is one of them. */
	walk(h, "labour_discrimination", "new", 9, ack_resolve_close, NULL);
	walk(h, "labour_discrimination", "closed", 1, reopen, NULL);
	walk(h, "labour_discrimination", "new", 11, ack_refer_close,
	    "police");
	walk(h, "labour_discrimination", "new", 2, ack_refer_close,
	    "labour_inspectorate");
	walk(h, "labour_discrimination", "new", 3, ack, NULL);
	walk(h, "foreign_interference", "new", 8, msg_unfounded_close, NULL);
	walk(h, "foreign_interference", "new", 2, ack_refer_close,
	    "veilig_thuis");
	walk(h, "honour_violence", "new", 3, withdraw_close, NULL);
	PQfinish(h);
}

/*
 * The truth, from the rows: (category, measure, level) -> n, as
 * "cat|measure|level|n" lines.
 */
static char *
truth(void)
{
	char	 sql[4096];

	snprintf(sql, sizeof(sql),
	    "SELECT coalesce(string_agg(category || '|' || measure || '|' || "
	    "level || '|' || n, E'\\n' ORDER BY 1), '') FROM ("
	    "SELECT category, measure, level, count(*) AS n FROM ("
	    "SELECT c.category, 'received' AS measure, '' AS level, "
	    "c.received_on AS d FROM casework.cases c "
	    "UNION ALL SELECT c.category, 'acknowledged', CASE WHEN "
	    "c.acknowledged_on <= c.received_on + 7 THEN 'within_7_days' "
	    "ELSE 'later' END, c.received_on FROM casework.cases c WHERE "
	    "c.acknowledged_on IS NOT NULL "
	    "UNION ALL SELECT c.category, 'first_contact', CASE WHEN "
	    "c.first_contact_on <= c.received_on + 7 THEN 'within_7_days' "
	    "ELSE 'later' END, c.received_on FROM casework.cases c WHERE "
	    "c.first_contact_on IS NOT NULL "
	    "UNION ALL SELECT c.category, 'feedback', CASE WHEN t.f <= "
	    "coalesce(c.acknowledged_on, c.received_on) + interval "
	    "'3 months' THEN 'within_3_months' ELSE 'later' END, "
	    "c.received_on FROM casework.cases c JOIN (SELECT case_id, "
	    "min(at)::date AS f FROM casework.transitions WHERE to_state IN "
	    "('referred', 'resolved', 'unfounded', 'withdrawn') GROUP BY "
	    "case_id) t ON t.case_id = c.id "
	    "UNION ALL SELECT c.category, 'referred', coalesce(r.org_type, ''),"
	    " r.referred_on FROM casework.referrals r JOIN casework.cases c "
	    "ON c.id = r.case_id "
	    "UNION ALL SELECT c.category, 'closed', c.outcome, c.closed_on "
	    "FROM casework.cases c WHERE c.state = 'closed') x "
	    "WHERE date_part('year', d) = %d GROUP BY 1, 2, 3) y", year);
	return (testdb_value(su, sql));
}

static long long
truth_of(const char *t, const char *cat, const char *measure,
    const char *level)
{
	char		 key[256];
	const char	*p;

	snprintf(key, sizeof(key), "%s|%s|%s|", cat, measure, level);
	for (p = t; (p = strstr(p, key)) != NULL; p++)
		if (p == t || p[-1] == '\n')
			return (strtoll(p + strlen(key), NULL, 10));
	return (0);
}

static int
annual(const char *actor, double eps, enum i18n_lang l, char **csv,
    char **html, char **msg)
{
	struct stats_annual_opts o;
	struct disclosure_rng	 rng;
	size_t			 n1 = 0, n2 = 0, n3 = 0;
	FILE			*fc, *fh, *fe;
	PGconn			*r;
	int			 rc;

	memset(&o, 0, sizeof(o));
	o.sa_year = year;
	o.sa_k = K;
	o.sa_epsilon = eps;
	o.sa_lang = l;
	o.sa_actor = actor;
	disclosure_rng_init_seed(&rng, 3);
	cr_assert_not_null(r = testdb_connect(db, "mp_research"));
	fc = open_memstream(csv, &n1);
	fh = open_memstream(html, &n2);
	fe = open_memstream(msg, &n3);
	rc = stats_annual(r, &o, &rng, fc, fh, fe);
	fclose(fc);
	fclose(fh);
	fclose(fe);
	PQfinish(r);
	return (rc);
}

Test(annual, counters_match_the_rows_and_the_report_withholds_small_cells)
{
	char		*t, *csv, *html, *msg, *line, *save, *c;
	char		 f[10][64];
	long long	 want;
	int		 nf, shown = 0, withheld = 0, small = 0;

	generate();
	cr_assert_not_null(t = truth());
	/* The maintained counters equal the rows, cell by cell. */
	nf = 0;
	for (line = strtok_r(c = strdup(t), "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), nf++) {
		char	 sql[512], *fld[4], *p = line;
		int	 i;

		for (i = 0; i < 4; i++)
			fld[i] = strsep(&p, "|");
		cr_assert_not_null(fld[3], "%s", line);
		snprintf(sql, sizeof(sql), "SELECT n FROM stats.annual WHERE "
		    "year = %d AND category = '%s' AND measure = '%s' AND "
		    "level = '%s'", year, fld[0], fld[1], fld[2]);
		cr_expect_eq(testdb_count(su, sql), strtoll(fld[3], NULL, 10),
		    "%s|%s|%s", fld[0], fld[1], fld[2]);
	}
	free(c);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.annual "
	    "WHERE n > 0"), nf, "no counter beyond the rows");
	cr_expect_eq(truth_of(t, "labour_discrimination", "closed",
	    "referred"), 13);
	cr_expect_eq(truth_of(t, "labour_discrimination", "closed",
	    "resolved"), 8, "one of nine reopened");
	cr_expect_eq(truth_of(t, "labour_discrimination", "referred",
	    "labour_inspectorate"), 2);

	/* Exact counts are refused until allowed for the actor. */
	cr_expect_eq(annual("auditor", 0, I18N_EN, &csv, &html, &msg),
	    EX_NOPERM);
	cr_expect_not_null(strstr(msg, "--allow-exact"), "%s", msg);
	free(csv);
	free(html);
	free(msg);
	cr_assert_eq(testdb_exec(su, "INSERT INTO stats.budget_policy "
	    "(researcher, budget, allow_exact) VALUES ('cli:auditor', 10, "
	    "true)", NULL), 0);
	cr_assert_eq(annual("auditor", 0, I18N_NL, &csv, &html, &msg), EX_OK,
	    "%s", msg);

	/* Every published interior cell is the truth; small ones withheld. */
	for (line = strtok_r(csv, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		char	*p = line;

		for (nf = 0; nf < 10 && p != NULL; nf++) {
			char	*comma = strchr(p, ',');

			snprintf(f[nf], sizeof(f[nf]), "%.*s", comma ?
			    (int)(comma - p) : (int)strlen(p), p);
			p = comma ? comma + 1 : NULL;
		}
		if (strcmp(f[0], "measure") == 0 || strcmp(f[1], "(all)") == 0 ||
		    strcmp(f[2], "(all)") == 0)
			continue;
		want = truth_of(t, f[1], f[0], strcmp(f[2], "(not given)") ==
		    0 ? "" : f[2]);
		if (strcmp(f[4], "suppressed") == 0)
			withheld++;
		else {
			cr_expect_eq(strtoll(f[3], NULL, 10), want, "%s", line);
			shown++;
		}
		if (want > 0 && want < K) {
			small++;
			cr_expect_str_eq(f[4], "suppressed", "%s", line);
		}
		cr_expect_eq(atoi(f[5]), K);
		cr_expect_eq(atoi(f[7]), year);
	}
	cr_expect_gt(shown, 10);
	cr_expect_gt(small, 0, "the generated year has small cells");
	cr_expect_geq(withheld, small);
	/* The labour line of "received" is published: 30. */
	cr_expect_eq(truth_of(t, "labour_discrimination", "received", ""), 30);
	cr_expect_not_null(strstr(html, "<html lang=\"nl\">"));
	cr_expect_not_null(strstr(html, "Jaarcijfers meldpunt"));
	cr_expect_not_null(strstr(html, "Discriminatie op de arbeidsmarkt"));
	cr_expect_not_null(strstr(html, "politie"));
	cr_expect_not_null(strstr(html, "<svg"));
	cr_expect_not_null(strstr(html, "class=\"withheld\""));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.annual' AND actor = 'admin:auditor'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.budget_ledger "
	    "WHERE researcher = 'cli:auditor' AND grouping = 'annual'"), 1);
	free(csv);
	free(html);
	free(msg);
	free(t);
}

/* The organisation type is validated; the free-text name is not counted. */
Test(annual, referral_types_are_enumerated)
{
	PGconn	*h;
	char	 hex[65], *id;
	int	 uid;

	submit("labour_discrimination", 1);
	cr_assert_gt(uid = testdb_add_user(su, "hugo", "handler", "labour"),
	    0);
	cr_assert_eq(testdb_login(db, "hugo", 1, hex), 0);
	cr_assert_not_null(h = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(h, hex), 0);
	cr_assert_not_null(id = testdb_value(su, "SELECT id FROM "
	    "casework.cases"));
	cr_expect(testdb_fails_with(h, "SELECT casework.referral_classify("
	    "casework.referral_add((SELECT id FROM casework.cases), " SEALED
	    ", current_date, NULL), 'Politie Utrecht')", "MP005"));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.referrals"), 0, "refused as a whole");
	cr_expect_eq(testdb_execf(h, NULL, "SELECT casework.referral_add('%s',"
	    " " SEALED ", current_date, NULL)", id), 0);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.annual WHERE "
	    "measure = 'referred' AND level = ''"), 1);
	cr_expect_eq(testdb_exec(h, "SELECT casework.referral_classify("
	    "(SELECT id FROM casework.referrals), 'police')", NULL), 0);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.annual WHERE "
	    "measure = 'referred' AND level = 'police'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.annual WHERE "
	    "measure = 'referred' AND level = ''"), 0, "moved, not added");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.annual "
	    "WHERE level LIKE '%olitie%'"), 0);
	free(id);
	PQfinish(h);
}
