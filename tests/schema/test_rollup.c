/*
 * The statistics roll-ups (schema/0083_stats_rollups.sql) against real
 * PostgreSQL: after random counter additions, moves (reclassify, close,
 * reopen), a bulk insert and a deletion, every grouping of one, two and
 * three dimensions (with and without a time dimension) gives exactly the
 * same grouped sums through the roll-up as through stats.counters (the
 * path before 0083); no roll-up cell is negative; each set adds up to the
 * counters' total; groupings with at most three of subtype, province,
 * ground, sector, outcome read a roll-up, the others (0303) a year-grain
 * roll-up when they have no month or quarter and the period is whole
 * years, else the counters -- with the same sums either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

static char	*db;
static PGconn	*su;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(rollup, .init = setup, .fini = teardown, .timeout = 300);

static void
exec(const char *sql)
{
	char	 state[6];

	cr_assert_eq(testdb_exec(su, sql, state), 0, "%s: %s", state, sql);
}

/* Random cells in 18 months over every dimension, '' included. */
#define RANDOM_ADDS \
	"SELECT stats.counter_add(date '2025-01-01' + (random() * 540)::int," \
	" (ARRAY['labour_discrimination', 'foreign_interference', " \
	"'honour_violence'])[1 + floor(random() * 3)::int], " \
	"(ARRAY['', 'st_a', 'st_b', 'st_c'])[1 + floor(random() * 4)::int], " \
	"(ARRAY['', 'utrecht', 'groningen', 'limburg'])[1 + " \
	"floor(random() * 4)::int], (ARRAY['', 'origin', 'age'])[1 + " \
	"floor(random() * 3)::int], (ARRAY['', 'care', 'ict', 'other'])[1 + " \
	"floor(random() * 4)::int], (ARRAY['', '', 'resolved', 'referred'])" \
	"[1 + floor(random() * 4)::int], 1 + floor(random() * 4)::int) " \
	"FROM generate_series(1, %d)"

static long long
differences(const char *dims, const char *from, const char *to)
{
	char	 sql[1024];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (("
	    "SELECT * FROM stats.export_counts('%s', '%s', '%s') EXCEPT ALL "
	    "SELECT * FROM stats.export_counts_raw('%s', '%s', '%s')) "
	    "UNION ALL (SELECT * FROM stats.export_counts_raw('%s', '%s', "
	    "'%s') EXCEPT ALL SELECT * FROM stats.export_counts('%s', '%s', "
	    "'%s'))) x", dims, from, to, dims, from, to, dims, from, to, dims,
	    from, to);
	return (testdb_count(su, sql));
}

Test(rollup, every_grouping_matches_the_counters)
{
	static const char *const time[] = { NULL, "month", "quarter", "year" };
	static const char *const other[] = { "category", "subtype", "province",
	    "ground", "sector", "outcome" };
	char		 sql[2048], dims[128];
	size_t		 t, a, b, c, n = 0;

	snprintf(sql, sizeof(sql), RANDOM_ADDS, 3000);
	exec(sql);
	/* Moves as reclassify, close and reopen make them: -1 and +1. */
	exec("SELECT stats.counter_move(month, category, subtype, province, "
	    "ground, sector, outcome, category, 'st_b', 'limburg', ground, "
	    "sector, 'withdrawn') FROM (SELECT * FROM stats.counters WHERE "
	    "n > 0 ORDER BY random() LIMIT 300) c");
	exec("SELECT stats.counter_move(month, category, subtype, province, "
	    "ground, sector, outcome, category, subtype, province, ground, "
	    "sector, '') FROM (SELECT * FROM stats.counters WHERE outcome = "
	    "'withdrawn' AND n > 0 ORDER BY random() LIMIT 100) c");
	/* A bulk insert of new cells, and a deletion (as an owner might). */
	exec("INSERT INTO stats.counters SELECT date '2026-09-01', "
	    "'honour_violence', 'st_z' || g, 'zeeland', '', '', '', g FROM "
	    "generate_series(1, 50) g");
	exec("DELETE FROM stats.counters WHERE subtype = 'st_z7'");
	cr_assert_gt(testdb_count(su, "SELECT count(*) FROM stats.counters"),
	    1000);
	for (t = 0; t < 4; t++)
		for (a = 0; a < 6; a++)
			for (b = a; b < 6; b++)
				for (c = b; c < 6; c++) {
					/* (a,a,a), (a,b,b), (a,b,c): sets */
					if (b == a && c != a)
						continue;
					snprintf(dims, sizeof(dims),
					    "{%s%s%s%s%s%s%s}", time[t] ?
					    time[t] : "", time[t] ? "," : "",
					    other[a], b != a ? "," : "",
					    b != a ? other[b] : "",
					    c != b ? "," : "",
					    c != b ? other[c] : "");
					cr_expect_eq(differences(dims,
					    "2025-01-01", "2026-12-01"), 0,
					    "%s", dims);
					n++;
				}
	cr_expect_eq(n, 4 * (6 + 15 + 20));
	/* Four and five of the fine dimensions (0303): year sets over whole
	 * years, the counters otherwise; both periods, every time grain. */
	{
		static const char *const period[][2] = {
		    { "2025-01-01", "2026-12-01" },	/* whole years */
		    { "2025-01-01", "2025-12-31" },	/* one whole year */
		    { "2025-03-01", "2026-12-01" },	/* not */
		};
		size_t	 skip, p, i;

		for (t = 0; t < 4; t++)
			for (skip = 1; skip <= 6; skip++)
				for (p = 0; p < 3; p++) {
					char	 f[64] = "";

					/* other[1..5] without other[skip];
					 * skip 6: all five. */
					for (i = 1; i < 6; i++)
						if (i != skip) {
							if (f[0] != '\0')
								strcat(f, ",");
							strcat(f, other[i]);
						}
					snprintf(dims, sizeof(dims), "{%s%s%s}",
					    time[t] ? time[t] : "", time[t] ?
					    "," : "", f);
					cr_expect_eq(differences(dims,
					    period[p][0], period[p][1]), 0,
					    "%s %s..%s", dims, period[p][0],
					    period[p][1]);
				}
	}
	/* A shorter period, inside the data. */
	cr_expect_eq(differences("{month,province,ground}", "2025-04-01",
	    "2025-09-01"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.rollup "
	    "WHERE n < 0"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM (SELECT dims, "
	    "sum(n) AS s FROM stats.rollup GROUP BY dims) r WHERE r.s <> "
	    "(SELECT sum(n) FROM stats.counters)"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(DISTINCT dims) FROM "
	    "stats.rollup"), 32);
	/* Year sets hold 1 January only. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.rollup "
	    "WHERE dims & 32 <> 0 AND month <> date_trunc('year', month)"), 0);
}

Test(rollup, small_groupings_read_a_rollup)
{
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{year,category}')"), 0);
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{month,province,outcome}')"), 18);
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{quarter,ground,sector}')"), 12);
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{month,subtype,province,ground}')"), 7);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM (SELECT "
	    "stats.export_set('{month,subtype,province,ground,outcome}') s) x "
	    "WHERE s IS NULL"), 1, "four of the five: the counters");
	/* 0303: four or five of them by year over whole years: a year set
	 * (32 | the dimensions); by month, or over a partial year: none. */
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{year,subtype,province,ground,sector}', '2024-01-01', "
	    "'2026-12-01')"), 32 | 15);
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{subtype,province,ground,sector,outcome}', '2024-01-01', "
	    "'2024-12-31')"), 32 | 31);
	cr_expect_eq(testdb_count(su, "SELECT stats.export_set("
	    "'{year,province}', '2024-01-01', '2026-12-01')"), 2,
	    "a month set still wins");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM (SELECT "
	    "stats.export_set('{year,subtype,province,ground,sector}', "
	    "'2024-02-01', '2026-12-01') s UNION ALL SELECT "
	    "stats.export_set('{quarter,subtype,province,ground,sector}', "
	    "'2024-01-01', '2026-12-01')) x WHERE s IS NULL"), 2);
	/* A report stored through intake.submit_report reaches every set. */
	cr_assert_eq(testdb_seed_routing(su), 0);
	{
		unsigned char	 lookup[16] = { 1 }, verifier[32] = { 2 };
		char		 state[6];

		cr_assert_eq(testdb_submit(db, "labour_discrimination",
		    "recruitment", "utrecht", "origin", 0, NULL, lookup,
		    verifier, state), 0, "%s", state);
	}
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM stats.rollup "
	    "WHERE n = 1"), 32);
	cr_expect_eq(testdb_count(su, "SELECT n FROM stats.export_counts("
	    "'{province}', current_date - 31, current_date) WHERE province = "
	    "'utrecht'"), 1);
}
