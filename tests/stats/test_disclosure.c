/*
 * Disclosure control (stats/disclosure.c): hand-made tables where
 * primary suppression alone would let a reader recover a cell from the
 * totals, random 1-D to 4-D tables checked for the invariants the module
 * promises, the geometric mechanism's moments against theory with
 * tolerances computed from the sample size, and the three renderings
 * (RFC 4180, JSON, an SVG that parses and rasterises).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "stats/disclosure.h"

static const enum disclosure_dim dims2[] = { DISCLOSURE_PROVINCE,
    DISCLOSURE_GROUND, DISCLOSURE_SECTOR, DISCLOSURE_SUBTYPE };

/*
 * Independent of the module's own search: walk every line and check
 * (1) no line has exactly one withheld entry, (2) a fully shown line adds
 * up, (3) where members are withheld, the shown total is at least the sum
 * of the shown members (consistent with non-negative withheld values).
 */
static void
check_lines(const struct disclosure_table *t)
{
	size_t	 idx[DISCLOSURE_NDIMS], c, tot, i, L, nsup;
	long long sum;
	int	 a, nd = disclosure_table_ndims(t);

	for (a = 0; a < nd; a++) {
		L = disclosure_table_levels(t, a);
		for (c = 0; c < disclosure_table_cells(t); c++) {
			disclosure_table_coords(t, c, idx);
			if (idx[a] != L || L == 0)
				continue;
			tot = c;
			nsup = disclosure_table_status(t, tot) !=
			    DISCLOSURE_SHOWN;
			sum = 0;
			for (i = 0; i < L; i++) {
				size_t	 m;

				idx[a] = i;
				m = disclosure_table_index(t, idx);
				if (disclosure_table_status(t, m) !=
				    DISCLOSURE_SHOWN)
					nsup++;
				else
					sum += disclosure_table_value(t, m);
			}
			cr_assert_neq(nsup, 1, "axis %d: a line with exactly one "
			    "withheld entry", a);
			if (disclosure_table_status(t, tot) != DISCLOSURE_SHOWN)
				continue;
			if (nsup == 0)
				cr_assert_eq(sum, disclosure_table_value(t, tot),
				    "shown total differs from its shown cells");
			else
				cr_assert_leq(sum, disclosure_table_value(t,
				    tot));
		}
	}
}

/* Shown values are 0 or >= k; without noise they are the true counts. */
static void
check_small(const struct disclosure_table *t, int k, int noisy)
{
	size_t		 c;
	long long	 v;

	for (c = 0; c < disclosure_table_cells(t); c++) {
		if (disclosure_table_status(t, c) != DISCLOSURE_SHOWN) {
			continue;
		}
		v = disclosure_table_value(t, c);
		cr_assert(v == 0 || v >= k, "cell %zu shows %lld < k", c, v);
		if (!noisy) {
			cr_assert_eq(v, disclosure_table_raw(t, c));
			cr_assert(!(disclosure_table_raw(t, c) > 0 &&
			    disclosure_table_raw(t, c) < k));
		}
	}
}

static struct disclosure_table *
table1(const char *const *names, const long long *n, size_t len)
{
	struct disclosure_table	*t;
	enum disclosure_dim	 d = DISCLOSURE_CATEGORY;
	size_t			 i;

	cr_assert_not_null(t = disclosure_table_new(&d, 1));
	for (i = 0; i < len; i++)
		cr_assert_eq(disclosure_table_add(t, &names[i], n[i]), 0);
	return (t);
}

static size_t
cell1(const struct disclosure_table *t, const char *name)
{
	size_t	 i;

	for (i = 0; i < disclosure_table_levels(t, 0); i++)
		if (strcmp(disclosure_table_level(t, 0, i), name) == 0)
			return (disclosure_table_index(t, &i));
	cr_assert_fail("no level %s", name);
	return (0);
}

Test(disclosure, one_small_cell_1d_is_not_recoverable_from_total)
{
	const char *const	 names[] = { "a", "b", "c" };
	const long long		 n[] = { 3, 50, 60 };
	struct disclosure_table	*t = table1(names, n, 3);
	size_t			 L = 3;

	cr_assert_eq(disclosure_table_protect(t, 10, 0, NULL, NULL, 0), 0);
	/* Primary alone: a = 113 - 50 - 60.  So a second cell goes too. */
	cr_expect_neq(disclosure_table_status(t, cell1(t, "a")),
	    DISCLOSURE_SHOWN);
	cr_expect_eq(disclosure_table_status(t, cell1(t, "b")),
	    DISCLOSURE_SECONDARY, "the smallest other cell complements");
	cr_expect_eq(disclosure_table_status(t, cell1(t, "c")),
	    DISCLOSURE_SHOWN);
	cr_expect_eq(disclosure_table_status(t, disclosure_table_index(t, &L)),
	    DISCLOSURE_SHOWN);
	cr_expect_eq(disclosure_table_value(t, disclosure_table_index(t, &L)),
	    113);
	cr_expect_eq(disclosure_table_recoverable(t), 0);
	check_lines(t);
	check_small(t, 10, 0);
	disclosure_table_free(t);
}

Test(disclosure, small_total_is_withheld_with_its_cells)
{
	const char *const	 names[] = { "a", "b", "c" };
	const long long		 n[] = { 2, 0, 4 };
	struct disclosure_table	*t = table1(names, n, 3);
	size_t			 L = 3;

	cr_assert_eq(disclosure_table_protect(t, 10, 0, NULL, NULL, 0), 0);
	cr_expect_neq(disclosure_table_status(t, disclosure_table_index(t, &L)),
	    DISCLOSURE_SHOWN);
	cr_expect_eq(disclosure_table_status(t, cell1(t, "b")),
	    DISCLOSURE_SHOWN, "a zero is not small");
	cr_expect_eq(disclosure_table_recoverable(t), 0);
	check_lines(t);
	disclosure_table_free(t);
}

/* 2-D: one small cell per row would be recoverable from each row total. */
Test(disclosure, two_d_several_suppressed_cells)
{
	static const long long	 grid[4][4] = {
		{ 3, 40, 25, 30 },
		{ 20, 2, 35, 18 },
		{ 15, 22, 1, 40 },
		{ 30, 12, 16, 7 },
	};
	const char		*lv[2];
	char			 r[16], c[16];
	struct disclosure_table	*t;
	int			 i, j;

	cr_assert_not_null(t = disclosure_table_new(dims2, 2));
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			snprintf(r, sizeof(r), "r%d", i);
			snprintf(c, sizeof(c), "c%d", j);
			lv[0] = r;
			lv[1] = c;
			cr_assert_eq(disclosure_table_add(t, lv, grid[i][j]), 0);
		}
	cr_assert_eq(disclosure_table_protect(t, 10, 0, NULL, NULL, 0), 0);
	cr_expect_geq(disclosure_table_suppressed(t), 8,
	    "4 primary cells, each needing a row and a column partner");
	cr_expect_eq(disclosure_table_recoverable(t), 0);
	check_lines(t);
	check_small(t, 10, 0);
	disclosure_table_free(t);
}

/* Random tables, 1-D to 4-D, sparse and dense, k 5..15. */
Test(disclosure, random_tables_hold_every_invariant)
{
	struct disclosure_rng	 rng;
	struct disclosure_table	*t;
	const char		*lv[4];
	char			 names[4][16];
	uint64_t		 x;
	int			 round, nd, a, r, nrec, k, L[4];

	disclosure_rng_init_seed(&rng, 7);
	for (round = 0; round < 300; round++) {
		disclosure_rng_u64(&rng, &x);
		nd = 1 + (int)(x % 4);
		k = 5 + (int)((x >> 8) % 11);
		for (a = 0; a < nd; a++)
			L[a] = 1 + (int)((x >> (16 + 4 * a)) % (nd > 2 ? 5 : 9));
		cr_assert_not_null(t = disclosure_table_new(dims2, nd));
		nrec = 1 + (int)((x >> 40) % 40);
		for (r = 0; r < nrec; r++) {
			disclosure_rng_u64(&rng, &x);
			for (a = 0; a < nd; a++) {
				snprintf(names[a], sizeof(names[a]), "l%d",
				    (int)((x >> (8 * a)) % (uint64_t)L[a]));
				lv[a] = names[a];
			}
			/* Mostly small counts: the hard case. */
			cr_assert_eq(disclosure_table_add(t, lv,
			    (long long)((x >> 40) % ((x >> 60) ? 12 : 80))), 0);
		}
		cr_assert_eq(disclosure_table_protect(t, k, 0, NULL, NULL, 0),
		    0);
		cr_assert_eq(disclosure_table_recoverable(t), 0,
		    "round %d: a withheld value is determined", round);
		check_lines(t);
		check_small(t, k, 0);
		disclosure_table_free(t);
	}
}

Test(disclosure, noisy_tables_hold_every_invariant)
{
	struct disclosure_rng	 rng;
	struct disclosure_table	*t;
	const char		*lv[2];
	char			 a[16], b[16];
	int			 round, i;

	disclosure_rng_init_seed(&rng, 11);
	for (round = 0; round < 50; round++) {
		cr_assert_not_null(t = disclosure_table_new(dims2, 2));
		for (i = 0; i < 30; i++) {
			snprintf(a, sizeof(a), "p%d", i % 5);
			snprintf(b, sizeof(b), "g%d", (i * 7 + round) % 6);
			lv[0] = a;
			lv[1] = b;
			cr_assert_eq(disclosure_table_add(t, lv, i % 13), 0);
		}
		cr_assert_eq(disclosure_table_protect(t, 10, 0.5, &rng, NULL,
		    0), 0);
		cr_assert_eq(disclosure_table_recoverable(t), 0);
		check_lines(t);
		check_small(t, 10, 1);
		disclosure_table_free(t);
	}
}

Test(disclosure, protect_refuses_small_k_and_huge_grids)
{
	enum disclosure_dim	 d[3] = { DISCLOSURE_MONTH, DISCLOSURE_SUBTYPE,
				    DISCLOSURE_PROVINCE };
	struct disclosure_table	*t;
	char			 err[128], l[3][16];
	const char		*lv[3] = { l[0], l[1], l[2] };
	int			 i;

	cr_assert_not_null(t = disclosure_table_new(d, 1));
	cr_expect_eq(disclosure_table_protect(t, 4, 0, NULL, err,
	    sizeof(err)), -1);
	disclosure_table_free(t);
	cr_assert_not_null(t = disclosure_table_new(d, 3));
	for (i = 0; i < 100; i++) {
		snprintf(l[0], 16, "m%d", i);
		snprintf(l[1], 16, "s%d", i);
		snprintf(l[2], 16, "p%d", i);
		cr_assert_eq(disclosure_table_add(t, lv, 1), 0);
	}
	cr_expect_eq(disclosure_table_protect(t, 10, 0, NULL, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "too fine") != NULL, "%s", err);
	disclosure_table_free(t);
	disclosure_table_free(NULL);
}

/*
 * The two-sided geometric mechanism with a = exp(-eps):
 * mean 0, variance 2a/(1-a)^2, P(0) = (1-a)/(1+a), fourth central moment
 * from the cumulants of a geometric G (failures, q = a, p = 1-a):
 * k2 = q/p^2, k4 = q(1+4q+q^2)/p^4; Z = G1 - G2 has k2 and k4 doubled.
 * Tolerances are 5 standard errors for N draws (false alarm < 1e-6; the
 * seed is fixed, so the run is reproducible anyway).
 */
Test(disclosure, geometric_noise_has_the_promised_moments)
{
	static const double	 epss[] = { 0.1, 0.5, 1.0, 2.0 };
	const size_t		 N = 400000;
	struct disclosure_rng	 rng;
	long long		 z;
	double			 a, var, mu4, p0, sum, sum2, zeros, mean;
	double			 svar, se_mean, se_var, se_p0, q, p;
	size_t			 i, e;

	disclosure_rng_init_seed(&rng, 20260101);
	for (e = 0; e < sizeof(epss) / sizeof(epss[0]); e++) {
		a = exp(-epss[e]);
		q = a;
		p = 1 - a;
		var = 2 * a / ((1 - a) * (1 - a));
		mu4 = 2 * q * (1 + 4 * q + q * q) / pow(p, 4) + 3 * var * var;
		p0 = (1 - a) / (1 + a);
		sum = sum2 = zeros = 0;
		for (i = 0; i < N; i++) {
			cr_assert_eq(disclosure_geometric(&rng, epss[e], &z), 0);
			sum += (double)z;
			sum2 += (double)z * (double)z;
			zeros += z == 0;
		}
		mean = sum / N;
		svar = sum2 / N - mean * mean;
		se_mean = sqrt(var / N);
		se_var = sqrt((mu4 - var * var) / N);
		se_p0 = sqrt(p0 * (1 - p0) / N);
		cr_expect_leq(fabs(mean), 5 * se_mean, "eps %g: mean %g",
		    epss[e], mean);
		cr_expect_leq(fabs(svar - var), 5 * se_var,
		    "eps %g: variance %g, theory %g (se %g)", epss[e], svar,
		    var, se_var);
		cr_expect_leq(fabs(zeros / N - p0), 5 * se_p0,
		    "eps %g: P(0) %g, theory %g", epss[e], zeros / N, p0);
		/* And not trivially: the spread is really there. */
		cr_expect_gt(svar, 0.5 * var);
	}
}

Test(disclosure, rng_seeded_is_reproducible_os_is_not_constant)
{
	struct disclosure_rng	 a, b;
	uint64_t		 x, y;
	int			 i, same = 0;

	disclosure_rng_init_seed(&a, 42);
	disclosure_rng_init_seed(&b, 42);
	for (i = 0; i < 100; i++) {
		disclosure_rng_u64(&a, &x);
		disclosure_rng_u64(&b, &y);
		cr_assert_eq(x, y);
	}
	disclosure_rng_init_os(&a);
	disclosure_rng_init_os(&b);
	for (i = 0; i < 100; i++) {
		cr_assert_eq(disclosure_rng_u64(&a, &x), 0);
		cr_assert_eq(disclosure_rng_u64(&b, &y), 0);
		same += x == y;
	}
	cr_expect_lt(same, 2);
	{
		long long	 zz;

		cr_expect_eq(disclosure_geometric(&a, 0, &zz), -1,
		    "epsilon 0 is not a mechanism");
	}
}

Test(disclosure, csv_fields_follow_rfc4180)
{
	struct disclosure_buf	 b;

	memset(&b, 0, sizeof(b));
	disclosure_csv_field(&b, "plain");
	disclosure_csv_field(&b, "|a,b|");
	disclosure_csv_field(&b, "say \"hi\"");
	disclosure_csv_field(&b, "two\r\nlines");
	cr_assert_str_eq(b.b_data, "plain\"|a,b|\"\"say \"\"hi\"\"\"\""
	    "two\r\nlines\"");
	disclosure_buf_free(&b);
	disclosure_buf_free(NULL);
}

static struct disclosure_table *
sample_table(struct disclosure_query *q, const char *odd)
{
	struct disclosure_table	*t;
	char			 err[128];
	const char		*cols[DISCLOSURE_NDIMS] = { NULL };
	static const char *const cats[] = { "labour_discrimination",
	    "foreign_interference", "honour_violence" };
	int			 m, c;

	cr_assert_eq(disclosure_query_parse("group=quarter,category&"
	    "from=2025-01&to=2025-12&k=10&epsilon=0", q, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_not_null(t = disclosure_table_for_query(q));
	for (m = 0; m < 4; m++)
		for (c = 0; c < 3; c++) {
			char	 qs[24];

			snprintf(qs, sizeof(qs), "2025-Q%d", (m & 3) + 1);
			cols[DISCLOSURE_QUARTER] = qs;
			cols[DISCLOSURE_CATEGORY] = cats[c];
			cr_assert_eq(disclosure_table_add_row(t, q, cols,
			    (m * 3 + c) % 5 == 0 ? 4 : 20 + 7 * m + c), 0);
		}
	if (odd != NULL) {
		cols[DISCLOSURE_QUARTER] = "2025-Q1";
		cols[DISCLOSURE_CATEGORY] = odd;
		cr_assert_eq(disclosure_table_add_row(t, q, cols, 33), 0);
	}
	cr_assert_eq(disclosure_table_protect(t, 10, 0, NULL, err,
	    sizeof(err)), 0, "%s", err);
	return (t);
}

/* k = 10, no noise, no budget figures. */
static const struct disclosure_meta meta10 = { 10, 0, NULL, NULL, NULL };

Test(disclosure, csv_export_states_parameters_and_marks_cells)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t = sample_table(&q, NULL);
	struct disclosure_buf	 b;
	char			*line, *save, *copy;
	int			 nlines = 0, nsup = 0;

	memset(&b, 0, sizeof(b));
	cr_assert_eq(disclosure_render(t, &q, &meta10, &b), 0);
	cr_assert(strncmp(b.b_data, "quarter,category,n,status,k,epsilon,"
	    "period,epsilon_left,budget_renews\r\n", 69) == 0, "%.80s",
	    b.b_data);
	cr_assert_eq(b.b_data[b.b_len - 1], '\n');
	cr_assert_eq(b.b_data[b.b_len - 2], '\r');
	copy = strdup(b.b_data);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char	*p;
		int		 commas = 0;

		cr_assert_eq(line[strlen(line) - 1], '\r', "bare LF");
		for (p = line; *p; p++)
			commas += *p == ',';
		cr_assert_eq(commas, 8, "%s", line);
		if (strstr(line, ",,suppressed,10,0,2025-01..2025-12") != NULL)
			nsup++;
		cr_assert(strstr(line, ",10,0,2025-01..2025-12,,\r") != NULL ||
		    nlines == 0, "%s", line);
		nlines++;
	}
	cr_expect_eq(nlines, 1 + 5 * 4);	/* (4 quarters + all) x (3 + all) */
	cr_expect_eq((size_t)nsup, disclosure_table_suppressed(t));
	cr_expect_gt(nsup, 0);
	free(copy);
	disclosure_buf_free(&b);
	disclosure_table_free(t);
}

Test(disclosure, json_export_is_valid_and_marks_withheld_cells)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t = sample_table(&q, NULL);
	struct disclosure_buf	 b;
	json_t			*j, *cells, *cell;
	json_error_t		 je;
	size_t			 i, nnull = 0;

	memset(&b, 0, sizeof(b));
	q.q_format = DISCLOSURE_JSON;
	cr_assert_eq(disclosure_render(t, &q, &meta10, &b), 0);
	cr_assert_not_null(j = json_loads(b.b_data, 0, &je), "%s", je.text);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j,
	    "parameters"), "k")), 10);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "parameters"), "mechanism")), "none");
	cells = json_object_get(j, "cells");
	cr_assert_eq(json_array_size(cells), 20);
	json_array_foreach(cells, i, cell) {
		if (json_is_true(json_object_get(cell, "suppressed"))) {
			cr_expect(json_is_null(json_object_get(cell, "n")));
			nnull++;
		} else
			cr_expect(json_is_integer(json_object_get(cell, "n")));
	}
	cr_expect_eq(nnull, disclosure_table_suppressed(t));
	cr_expect_eq((size_t)json_integer_value(json_object_get(j,
	    "suppressed")), nnull);
	json_decref(j);
	disclosure_buf_free(&b);
	disclosure_table_free(t);
}

static int
run(const char *cmd)
{
	int	 rc = system(cmd);

	return (rc == -1 ? -1 : WEXITSTATUS(rc));
}

Test(disclosure, svg_parses_renders_and_escapes)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t = sample_table(&q, "x&<y>\"'");
	struct disclosure_buf	 b, b2;
	char			 path[512], png[520], cmd[1200];
	const char		*tmp = getenv("MELDPUNT_TEST_TMP");
	FILE			*fp;

	memset(&b, 0, sizeof(b));
	memset(&b2, 0, sizeof(b2));
	q.q_format = DISCLOSURE_SVG;
	cr_assert_eq(disclosure_render(t, &q, &meta10, &b), 0);
	cr_assert_eq(disclosure_render(t, &q, &meta10, &b2), 0);
	cr_expect_str_eq(b.b_data, b2.b_data, "deterministic output");
	cr_expect_null(strstr(b.b_data, "x&<y>"), "unescaped text");
	cr_expect_not_null(strstr(b.b_data, "x&amp;&lt;y&gt;&quot;&apos;"));
	cr_expect_not_null(strstr(b.b_data, "<title>Reports per quarter by "
	    "category, January 2025 to December 2025</title>"));
	cr_expect_not_null(strstr(b.b_data, "(k = 10)"));
	cr_expect_not_null(strstr(b.b_data, "(epsilon = 0)"));
	cr_expect_not_null(strstr(b.b_data, "class=\"withheld\""));
	snprintf(path, sizeof(path), "%s/chart-%d.svg", tmp ? tmp : "/tmp",
	    (int)getpid());
	snprintf(png, sizeof(png), "%s.png", path);
	cr_assert_not_null(fp = fopen(path, "w"));
	fwrite(b.b_data, 1, b.b_len, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s' 2>&1", path);
	cr_expect_eq(run(cmd), 0, "xmllint rejects the SVG");
	snprintf(cmd, sizeof(cmd), "rsvg-convert -o '%s' '%s' 2>&1", png,
	    path);
	cr_expect_eq(run(cmd), 0, "rsvg-convert failed");
	cr_assert_not_null(fp = fopen(png, "rb"));
	{
		unsigned char	 sig[8];

		cr_expect_eq(fread(sig, 1, 8, fp), 8);
		cr_expect(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
	}
	fclose(fp);
	unlink(path);
	unlink(png);
	disclosure_buf_free(&b);
	disclosure_buf_free(&b2);
	disclosure_table_free(t);
}

Test(disclosure, query_parse_accepts_and_refuses)
{
	struct disclosure_query	 q;
	char			 err[160];

	cr_assert_eq(disclosure_query_parse("group=year%2Ccategory&from="
	    "2026-01&to=2026-12&format=json&k=12&epsilon=0.5", &q, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(q.q_ndims, 2);
	cr_expect_eq(q.q_dims[0], DISCLOSURE_YEAR);
	cr_expect_eq(q.q_dims[1], DISCLOSURE_CATEGORY);
	cr_expect_eq(q.q_format, DISCLOSURE_JSON);
	cr_expect_eq(q.q_k, 12);
	cr_expect(fabs(q.q_epsilon - 0.5) < 1e-12);
	cr_expect_eq(q.q_to - q.q_from, 11);
	cr_assert_eq(disclosure_query_parse("group=province&from=2026-01&"
	    "to=2026-01", &q, err, sizeof(err)), 0);
	cr_expect_eq(q.q_k, 0);
	cr_expect(q.q_epsilon < 0);
	static const char *const bad[] = {
		"", "group=year", "group=year&from=2026-01",
		"group=year,month&from=2026-01&to=2026-02",
		"group=year,year&from=2026-01&to=2026-02",
		"group=name&from=2026-01&to=2026-02",
		"group=year&from=2026-13&to=2026-02",
		"group=year&from=2026-03&to=2026-02",
		"group=year&from=2026-01&to=2026-02&k=4",
		"group=year&from=2026-01&to=2026-02&k=1e3",
		"group=year&from=2026-01&to=2026-02&epsilon=-1",
		"group=year&from=2026-01&to=2026-02&epsilon=nan",
		"group=year&from=2026-01&to=2026-02&epsilon=0.001",
		"group=year&from=2026-01&to=2026-02&epsilon=11",
		"group=year&from=2026-01&to=2026-02&format=xml",
		"group=year&from=2026-01&to=2026-02&x=1",
		"group=year&from=2026-01&to=2026-02&k=10&k=10",
		"group=year&from=2026-01&to=2026-02&format=csv&format=csv",
		"group=year&from=2000-01&to=2099-01",
		"group=year%&from=2026-01&to=2026-02",
		"group=year%0a&from=2026-01&to=2026-02",
		"group&from=2026-01&to=2026-02",
		"group=year&&from=2026-01&to=2026-02",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(disclosure_query_parse(bad[i], &q, err,
		    sizeof(err)), -1, "accepted: %s", bad[i]);
		cr_expect_neq(err[0], '\0', "no reason for %s", bad[i]);
	}
}

Test(disclosure, epsilon_text_is_exact)
{
	char	 b[16];
	double	 e;

	disclosure_epsilon_str(0.5, b);
	cr_expect_str_eq(b, "0.5");
	disclosure_epsilon_str(0, b);
	cr_expect_str_eq(b, "0");
	disclosure_epsilon_str(1.25, b);
	cr_expect_str_eq(b, "1.25");
	cr_assert_eq(disclosure_parse_epsilon("0.0125", &e), 0);
	disclosure_epsilon_str(e, b);
	cr_expect_str_eq(b, "0.0125");
}
