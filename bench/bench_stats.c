/*
 * Statistics export benchmark (DESIGN section 8: an export over 1,000,000
 * reports in under 200 ms).  Starts a private PostgreSQL cluster with
 * deploy/pgcluster.sh under a temporary directory, migrates a database
 * with $MELDPUNT_BUILD/meldctl, fills stats.counters with the cells of
 * 1,000,000 simulated reports spread over 36 months x 3 categories x
 * subtypes x 12 provinces x grounds x sectors x outcomes (skewed, as real
 * intake is), and times exports as mp_research: the database call
 * (stats.cli_export: budget debit, audit event, grouped sums) plus
 * disclosure control and rendering.  Each grouping runs RUNS times; the
 * table shows the median and the worst, which source the export read (a
 * roll-up set of 0083 or stats.counters), and the median of the same
 * grouped sums through stats.counters ("raw", the path before 0083) in
 * the same run.  Bounded: one fill, 13 groupings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "stats/disclosure.h"

#define RUNS	7

static char	 dir[256], top[1024], build[1024];

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
sh(const char *cmd)
{
	return (system(cmd) == 0 ? 0 : -1);
}

static PGconn *
conn(const char *db, const char *user)
{
	char	 ci[512];
	PGconn	*c;

	snprintf(ci, sizeof(ci), "host=%s/sock port=%s dbname=%s user=%s", dir,
	    getenv("MELDPUNT_PGPORT") ? getenv("MELDPUNT_PGPORT") : "5432",
	    db, user);
	c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_stats: connect as %s failed\n", user);
		PQfinish(c);
		return (NULL);
	}
	return (c);
}

static int
exec(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
			    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "bench_stats: %s\n", PQresultErrorMessage(r));
	PQclear(r);
	return (ok ? 0 : -1);
}

/* 1,000,000 reports drawn with skew, aggregated into cells. */
static const char fill_sql[] =
    "INSERT INTO stats.counters SELECT month, category, subtype, province,"
    " ground, sector, outcome, count(*) FROM ("
    " SELECT (date '2024-01-01' + (floor(36 * power(random(), 0.8)))::int"
    "   * interval '1 month')::date AS month, c.category,"
    "  c.category || '_' || (floor(5 * power(random(), 2)))::int AS subtype,"
    "  (ARRAY['groningen','friesland','drenthe','overijssel','flevoland',"
    "   'gelderland','utrecht','noord_holland','zuid_holland','zeeland',"
    "   'noord_brabant','limburg'])[1 + floor(12 * power(random(), 1.5))::int]"
    "   AS province,"
    "  CASE WHEN c.category = 'labour_discrimination' THEN (ARRAY['origin',"
    "   'nationality','religion','skin_colour','sex','age','disability',"
    "   'sexual_orientation',''])[1 + floor(9 * power(random(), 1.7))::int]"
    "   ELSE '' END AS ground,"
    "  CASE WHEN c.category = 'labour_discrimination' THEN 'sector_' ||"
    "   floor(10 * power(random(), 1.5))::int ELSE '' END AS sector,"
    "  (ARRAY['','','resolved','referred','unfounded','withdrawn'])"
    "   [1 + floor(6 * random())::int] AS outcome"
    " FROM generate_series(1, 1000000) g,"
    " LATERAL (SELECT CASE WHEN g % 10 < 6 THEN 'labour_discrimination'"
    "  WHEN g % 10 < 8 THEN 'foreign_interference' ELSE 'honour_violence'"
    "  END AS category) c) r"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7";

/*
 * The grouped sums through the path before 0083 (stats.counters, no
 * roll-up), as the owner: the same query an export made until then.
 */
static double
raw_ms(PGconn *su, const char *group)
{
	char		 sql[256];
	PGresult	*res;
	double		 t0 = now_ms();

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
	    "stats.export_counts_raw(string_to_array('%s', ','), '2024-01-01',"
	    " '2026-12-01')", group);
	res = PQexec(su, sql);
	t0 = PQresultStatus(res) == PGRES_TUPLES_OK ? now_ms() - t0 : -1;
	PQclear(res);
	return (t0);
}

static int
one_export(PGconn *r, const char *group, double *db_ms, double *total_ms,
    size_t *cells, size_t *withheld)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t = NULL;
	struct disclosure_buf	 b;
	struct disclosure_rng	 rng;
	PGresult		*res;
	const char		*cols[DISCLOSURE_NDIMS], *p[8];
	char			 qs[256], err[160], dims[128];
	double			 t0, t1;
	int			 i, d, rc = -1;

	memset(&b, 0, sizeof(b));
	snprintf(qs, sizeof(qs), "group=%s&from=2024-01&to=2026-12&"
	    "format=csv&epsilon=0.1", group);
	if (disclosure_query_parse(qs, &q, err, sizeof(err)) == -1)
		return (-1);
	disclosure_query_dims_sql(&q, dims, sizeof(dims));
	p[0] = "bench"; p[1] = dims; p[2] = "2024-01-01"; p[3] = "2026-12-01";
	p[4] = "csv"; p[5] = "10"; p[6] = "0.1";
	t0 = now_ms();
	res = PQexecParams(r, "SELECT * FROM stats.cli_export($1, $2::text[],"
	    " $3::date, $4::date, $5, $6::integer, $7::numeric)",
	    7, NULL, p, NULL, NULL, 0);
	t1 = now_ms();
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "bench_stats: %s", PQresultErrorMessage(res));
		goto done;
	}
	if ((t = disclosure_table_for_query(&q)) == NULL)
		goto done;
	for (i = 0; i < PQntuples(res); i++) {
		for (d = 0; d < DISCLOSURE_NDIMS; d++)
			cols[d] = PQgetisnull(res, i, d) ? NULL :
			    PQgetvalue(res, i, d);
		if (disclosure_table_add_row(t, &q, cols,
		    atoll(PQgetvalue(res, i, DISCLOSURE_NDIMS))) == -1)
			goto done;
	}
	disclosure_rng_init_os(&rng);
	if (disclosure_table_protect(t, 10, 0.1, &rng, err, sizeof(err)) == -1 ||
	    disclosure_render(t, &q, &(struct disclosure_meta){ 10, 0.1, NULL,
	    NULL, NULL }, &b) == -1) {
		fprintf(stderr, "bench_stats: %s: %s\n", group, err);
		goto done;
	}
	*db_ms = t1 - t0;
	*total_ms = now_ms() - t0;
	*cells = disclosure_table_cells(t);
	*withheld = disclosure_table_suppressed(t);
	rc = 0;
 done:
	PQclear(res);
	disclosure_table_free(t);
	disclosure_buf_free(&b);
	return (rc);
}

/* Which table the export of group reads: "rollup:N" or "counters". */
static const char *
source(PGconn *su, const char *group)
{
	static char	 buf[32];
	char		 sql[256];
	PGresult	*res;

	/* The period of the exports below: whole years, so the year-grain
	 * sets of 0303 count. */
	snprintf(sql, sizeof(sql), "SELECT coalesce('rollup:' || "
	    "stats.export_set(string_to_array('%s', ','), '2024-01-01', "
	    "'2026-12-01'), 'counters')", group);
	res = PQexec(su, sql);
	snprintf(buf, sizeof(buf), "%s", PQresultStatus(res) ==
	    PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?");
	PQclear(res);
	return (buf);
}

static int
cmp_d(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(void)
{
	/* The five of issue 19, then more: up to three of subtype,
	 * province, ground, sector, outcome read a roll-up (0083); four or
	 * five of them, the last row, still read stats.counters. */
	static const char *const groups[] = { "year,category",
	    "quarter,category,province", "month,category",
	    "year,category,ground", "month,province,outcome",
	    "month,subtype", "quarter,sector,outcome", "year,province,ground",
	    "month,category,ground,sector", "year,subtype,province",
	    "year,subtype,province,ground", "quarter,province,ground,sector",
	    "year,subtype,province,ground,sector" };
	PGconn		*su = NULL, *r = NULL;
	double		 db[RUNS], tot[RUNS], raw[RUNS], t0;
	size_t		 cells = 0, wh = 0, g;
	int		 i, rc = 1, over = 0;
	char		*tmpl, cmd[4096];

	snprintf(top, sizeof(top), "%s", getenv("MELDPUNT_TOP") ?
	    getenv("MELDPUNT_TOP") : ".");
	snprintf(build, sizeof(build), "%s", getenv("MELDPUNT_BUILD") ?
	    getenv("MELDPUNT_BUILD") : "build");
	tmpl = strdup("/tmp/meldpunt-bench.XXXXXX");
	if (tmpl == NULL || mkdtemp(tmpl) == NULL)
		return (1);
	snprintf(dir, sizeof(dir), "%s/pg", tmpl);
	snprintf(cmd, sizeof(cmd), "chmod 0755 %s && MELDPUNT_PG_FSYNC=off "
	    "%s/deploy/pgcluster.sh start %s >/dev/null", tmpl, top, dir);
	if (sh(cmd) == -1) {
		fprintf(stderr, "bench_stats: cannot start PostgreSQL\n");
		goto out;
	}
	if ((su = conn("postgres", getuid() == 0 ? "postgres" :
	    getenv("USER"))) == NULL || exec(su, "CREATE DATABASE bench") == -1)
		goto out;
	PQfinish(su);
	snprintf(cmd, sizeof(cmd), "%s/meldctl -d 'host=%s/sock "
	    "dbname=bench user=%s' migrate --schema-dir %s/schema >/dev/null 2>&1",
	    build, dir, getuid() == 0 ? "postgres" : getenv("USER"), top);
	su = NULL;
	if (sh(cmd) == -1) {
		fprintf(stderr, "bench_stats: migrate failed\n");
		goto out;
	}
	if ((su = conn("bench", getuid() == 0 ? "postgres" :
	    getenv("USER"))) == NULL)
		goto out;
	t0 = now_ms();
	/* Enough budget for every run (the default is 10 per year). */
	if (exec(su, fill_sql) == -1 || exec(su, "ANALYZE stats.counters") == -1 ||
	    exec(su, "ANALYZE stats.rollup") == -1 ||
	    exec(su, "INSERT INTO stats.budget_policy (researcher, budget) "
	    "VALUES ('cli:bench', 1000)") == -1)
		goto out;
	{
		PGresult	*res = PQexec(su, "SELECT sum(n), count(*), "
				    "(SELECT count(*) FROM stats.rollup) FROM "
				    "stats.counters");

		printf("filled stats.counters: %s reports in %s cells, %s "
		    "roll-up rows (%.0f ms)\n", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		    now_ms() - t0);
		PQclear(res);
	}
	if ((r = conn("bench", "mp_research")) == NULL)
		goto out;
	printf("%-32s %-9s %7s %8s %9s %10s %10s %9s\n", "grouping (36 months)",
	    "reads", "cells", "withheld", "db p50 ms", "all p50 ms",
	    "all max ms", "raw p50");
	rc = 0;
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (i = 0; i < RUNS; i++) {
			if (one_export(r, groups[g], &db[i], &tot[i], &cells,
			    &wh) == -1) {
				rc = 1;
				goto out;
			}
			raw[i] = raw_ms(su, groups[g]);
		}
		qsort(raw, RUNS, sizeof(raw[0]), cmp_d);
		qsort(db, RUNS, sizeof(db[0]), cmp_d);
		qsort(tot, RUNS, sizeof(tot[0]), cmp_d);
		printf("%-32s %-9s %7zu %8zu %9.1f %10.1f %10.1f %9.1f%s\n",
		    groups[g], source(su, groups[g]), cells, wh, db[RUNS / 2],
		    tot[RUNS / 2], tot[RUNS - 1], raw[RUNS / 2],
		    tot[RUNS - 1] < 200 ? "" : "  (max over 200 ms)");
		if (tot[RUNS - 1] >= 200)
			over++;
	}
	printf("\nbudget (DESIGN section 8, issue 19): every export max < 200 ms:"
	    " %s (%d over)\n", over ? "NO" : "yes", over);
 out:
	PQfinish(r);
	PQfinish(su);
	snprintf(cmd, sizeof(cmd), "%s/deploy/pgcluster.sh stop %s >/dev/null "
	    "2>&1; rm -rf %s", top, dir, tmpl);
	sh(cmd);
	free(tmpl);
	return (rc);
}
