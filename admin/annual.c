/*
 * meldctl stats annual --year Y: the yearly figures an authority reports
 * (reports received per category, acknowledged within 7 days, first
 * contact by a handler within 7 days, feedback within 3 months, referrals
 * by organisation type, closed by outcome), from the counters that
 * schema/0082_annual_counters.sql maintains, with the same disclosure
 * control as every export: one table per measure (category x level, with
 * every total) protected by stats/disclosure.c, so cells and totals with
 * 0 < n < k are withheld and no withheld value follows from the published
 * ones.  Written as CSV (RFC 4180) and, on request, as one HTML page with
 * an SVG chart.  It goes through stats.cli_annual as mp_research: the
 * budget policy (noise required unless allowed for the actor) and an
 * audit event apply, as for stats export.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/stats.h"
#include "forms/forms.h"
#include "stats/chart.h"
#include "stats/labels.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* A measure and the levels it always shows (zeros included). */
struct annual_measure {
	const char		*am_id;
	const char *const	*am_levels;
	size_t			 am_nlevels;
};

static const char *const lv_none[] = { "" };
static const char *const lv_days[] = { "within_7_days", "later" };
static const char *const lv_months[] = { "within_3_months", "later" };
/* casework.organisation_types (0082), and '' for "not given". */
static const char *const lv_org[] = { "", "police", "public_prosecutor",
    "labour_inspectorate", "human_rights_institute",
    "antidiscrimination_service", "veilig_thuis", "municipality",
    "care_provider", "legal_aid", "trade_union", "other" };
static const char *const lv_outcome[] = { "referred", "resolved",
    "unfounded", "withdrawn" };

static const struct annual_measure measures[] = {
	{ "received", lv_none, N(lv_none) },
	{ "acknowledged", lv_days, N(lv_days) },
	{ "first_contact", lv_days, N(lv_days) },
	{ "feedback", lv_months, N(lv_months) },
	{ "referred", lv_org, N(lv_org) },
	{ "closed", lv_outcome, N(lv_outcome) },
};
#define NMEASURES	N(measures)

/* The protected tables of one report, by measure. */
struct annual {
	struct disclosure_table	*an_t[NMEASURES];
	int			 an_year;
	int			 an_k;
	double			 an_eps;	/* per table */
	const char		*an_left, *an_budget, *an_renews;
};

static void
annual_clear(struct annual *an)
{
	size_t	 i;

	for (i = 0; i < NMEASURES; i++)
		disclosure_table_free(an->an_t[i]);
}

/*
 * Tables seeded with every category and level: axis 0 is the category,
 * axis 1 the level (not for "received").  The dimension given for axis 1
 * only names it; protect does not look at it.
 */
static int
annual_tables(struct annual *an)
{
	static const enum disclosure_dim dims[] = { DISCLOSURE_CATEGORY,
	    DISCLOSURE_OUTCOME };
	size_t	 m, i;
	int	 nd;

	for (m = 0; m < NMEASURES; m++) {
		nd = m == 0 ? 1 : 2;
		if ((an->an_t[m] = disclosure_table_new(dims, nd)) == NULL)
			return (-1);
		for (i = 0; i < forms_ncategories(); i++)
			if (disclosure_table_add_level(an->an_t[m], 0,
			    forms_category_at(i)->c_id) == -1)
				return (-1);
		for (i = 0; nd == 2 && i < measures[m].am_nlevels; i++)
			if (disclosure_table_add_level(an->an_t[m], 1,
			    measures[m].am_levels[i]) == -1)
				return (-1);
	}
	return (0);
}

/* Rows (category, measure, level, n) of stats.cli_annual into tables. */
static int
annual_fill(struct annual *an, PGresult *res)
{
	const char	*lv[2];
	size_t		 m;
	int		 r;

	for (r = 0; r < PQntuples(res); r++) {
		for (m = 0; m < NMEASURES; m++)
			if (strcmp(PQgetvalue(res, r, 1), measures[m].am_id) == 0)
				break;
		if (m == NMEASURES)
			continue;	/* a measure this meldctl does not know */
		lv[0] = PQgetvalue(res, r, 0);
		lv[1] = PQgetvalue(res, r, 2);
		if (disclosure_table_add(an->an_t[m], lv,
		    strtoll(PQgetvalue(res, r, 3), NULL, 10)) == -1)
			return (-1);
	}
	return (0);
}

/* ------------------------------------------------------------------ CSV */

static void
annual_csv(const struct annual *an, struct disclosure_buf *b)
{
	const struct disclosure_table	*t;
	size_t				 m, c, idx[2];
	const char			*lvl;
	char				 eps[16];

	disclosure_epsilon_str(an->an_eps, eps);
	disclosure_buf_str(b, "measure,category,level,n,status,k,epsilon,year,"
	    "epsilon_left,budget_renews\r\n");
	for (m = 0; m < NMEASURES; m++) {
		t = an->an_t[m];
		for (c = 0; c < disclosure_table_cells(t); c++) {
			disclosure_table_coords(t, c, idx);
			disclosure_buf_fmt(b, "%s,", measures[m].am_id);
			disclosure_csv_field(b, disclosure_table_level(t, 0,
			    idx[0]));
			lvl = m == 0 ? "" : disclosure_table_level(t, 1, idx[1]);
			disclosure_buf_str(b, ",");
			disclosure_csv_field(b, m > 0 && *lvl == '\0' ?
			    DISCLOSURE_NOT_GIVEN : lvl);
			if (disclosure_table_status(t, c) != DISCLOSURE_SHOWN)
				disclosure_buf_str(b, ",,suppressed");
			else
				disclosure_buf_fmt(b, ",%lld,%s",
				    disclosure_table_value(t, c),
				    disclosure_table_is_total(t, c) ? "total" :
				    "shown");
			disclosure_buf_fmt(b, ",%d,%s,%d,%s,%s\r\n", an->an_k, eps,
			    an->an_year, an->an_left, an->an_renews);
		}
	}
}

/* ----------------------------------------------------------------- HTML */

static void
html_text(struct disclosure_buf *b, const char *s)
{
	disclosure_xml_text(b, s);
}

static void
html_cell(struct disclosure_buf *b, const struct disclosure_table *t,
    size_t c, int total)
{
	if (disclosure_table_status(t, c) != DISCLOSURE_SHOWN)
		disclosure_buf_str(b, "<td class=\"withheld\">&#8211;</td>");
	else
		disclosure_buf_fmt(b, "<td%s>%lld</td>", total ?
		    " class=\"total\"" : "", disclosure_table_value(t, c));
}

/* One measure as an HTML table: categories down, levels across. */
static void
html_measure(const struct annual *an, size_t m, enum i18n_lang l,
    struct disclosure_buf *b)
{
	const struct disclosure_table	*t = an->an_t[m];
	const struct forms_category	*fc;
	size_t				 i, j, nc, nl, idx[2];

	nc = disclosure_table_levels(t, 0);
	nl = m == 0 ? 0 : disclosure_table_levels(t, 1);
	disclosure_buf_str(b, "<h2>");
	html_text(b, labels_annual(measures[m].am_id, l));
	disclosure_buf_str(b, "</h2>\n<table><tr><th></th>");
	for (j = 0; j < nl; j++) {
		disclosure_buf_str(b, "<th>");
		html_text(b, labels_annual(disclosure_table_level(t, 1, j), l));
		disclosure_buf_str(b, "</th>");
	}
	disclosure_buf_str(b, "<th>");
	html_text(b, labels_text("all", l));
	disclosure_buf_str(b, "</th></tr>\n");
	for (i = 0; i <= nc; i++) {
		fc = i < nc ? forms_category(disclosure_table_level(t, 0, i)) :
		    NULL;
		disclosure_buf_str(b, "<tr><th>");
		html_text(b, fc != NULL ? fc->c_label.t[l] : i < nc ?
		    disclosure_table_level(t, 0, i) : labels_text("all", l));
		disclosure_buf_str(b, "</th>");
		idx[0] = i;
		for (j = 0; j <= nl; j++) {
			idx[1] = j;
			html_cell(b, t, disclosure_table_index(t, idx),
			    i == nc || j == nl);
		}
		disclosure_buf_str(b, "</tr>\n");
	}
	disclosure_buf_str(b, "</table>\n");
}

static void
annual_html(const struct annual *an, enum i18n_lang l,
    struct disclosure_buf *b)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t = an->an_t[0];
	struct disclosure_meta	 dm;
	size_t			 m;
	int			 nl = l == I18N_NL;

	disclosure_buf_fmt(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
	    "<meta charset=\"utf-8\"><title>%s %d</title><style>"
	    "body{font-family:sans-serif;max-width:60em;margin:1em auto}"
	    "table{border-collapse:collapse;margin-bottom:1em}"
	    "td,th{border:1px solid #999;padding:2px 8px;text-align:right}"
	    "th{text-align:left}td.total{font-weight:bold}"
	    "td.withheld{color:#555;background:#eee}</style></head><body>\n",
	    i18n_code(l), nl ? "Jaarcijfers meldpunt" : "Annual figures",
	    an->an_year);
	disclosure_buf_fmt(b, "<h1>%s %d</h1>\n<p>", nl ?
	    "Jaarcijfers meldpunt" : "Annual figures", an->an_year);
	disclosure_buf_fmt(b, nl ? "Aantallen van 1 t/m %d zijn achtergehouden, "
	    "en zo nodig meer, zodat geen achtergehouden aantal uit de "
	    "totalen volgt (k = %d); achtergehouden: &#8211;. " :
	    "Counts from 1 to %d are withheld, and more where needed so "
	    "that no withheld count follows from the totals (k = %d); "
	    "withheld: &#8211;. ", an->an_k - 1, an->an_k);
	disclosure_buf_str(b, nl ? "Ontvangst, eerste contact en terugkoppeling "
	    "tellen naar het jaar van ontvangst; doorverwijzingen en sluitingen "
	    "naar het jaar waarin ze plaatsvonden.</p>\n" :
	    "Acknowledgement, first contact and feedback count by the year a "
	    "report was received; referrals and closures by the year they "
	    "happened.</p>\n");
	memset(&q, 0, sizeof(q));
	q.q_ndims = 1;
	q.q_dims[0] = DISCLOSURE_CATEGORY;
	q.q_from = an->an_year * 12;
	q.q_to = an->an_year * 12 + 11;
	q.q_format = DISCLOSURE_SVG;
	q.q_lang = l;
	memset(&dm, 0, sizeof(dm));
	dm.dm_k = an->an_k;
	dm.dm_epsilon = an->an_eps;
	dm.dm_left = an->an_left;
	dm.dm_budget = an->an_budget;
	dm.dm_renews = an->an_renews;
	/* The chart of reports received, inline (no XML declaration). */
	{
		struct disclosure_buf	 svg;
		const char		*p;

		memset(&svg, 0, sizeof(svg));
		chart_svg(t, &q, &dm, &svg);
		if (svg.b_err)
			b->b_err = 1;
		else if ((p = strstr(svg.b_data, "<svg")) != NULL)
			disclosure_buf_str(b, p);
		disclosure_buf_free(&svg);
	}
	for (m = 0; m < NMEASURES; m++)
		html_measure(an, m, l, b);
	disclosure_buf_str(b, "</body></html>\n");
}

/* ------------------------------------------------------------- database */

static int
annual_read(PGconn *conn, const struct stats_annual_opts *o,
    PGresult **rows, PGresult **left, FILE *err)
{
	const char	*p[4];
	char		 year[16], k[16], eps[16], state[6];

	snprintf(year, sizeof(year), "%d", o->sa_year);
	snprintf(k, sizeof(k), "%d", o->sa_k);
	/* Each of the six tables is an epsilon-DP release: they add up. */
	disclosure_epsilon_str(o->sa_epsilon * NMEASURES, eps);
	p[0] = o->sa_actor;
	p[1] = year;
	p[2] = k;
	p[3] = eps;
	if (adb_exec(conn, "BEGIN", state) == -1)
		goto dberr;
	*rows = PQexecParams(conn, "SELECT * FROM stats.cli_annual($1, "
	    "$2::integer, $3::integer, $4::numeric)", 4, NULL, p, NULL, NULL,
	    0);
	if (PQresultStatus(*rows) != PGRES_TUPLES_OK) {
		snprintf(state, sizeof(state), "%s", adb_sqlstate(*rows));
		goto dberr;
	}
	*left = PQexecParams(conn, "SELECT trim_scale(remaining)::text, "
	    "trim_scale(budget)::text, period_end::text FROM "
	    "stats.cli_budget($1)", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(*left) != PGRES_TUPLES_OK ||
	    PQntuples(*left) != 1) {
		snprintf(state, sizeof(state), "%s", adb_sqlstate(*left));
		goto dberr;
	}
	if (adb_exec(conn, "COMMIT", state) == -1)
		goto dberr;
	return (EX_OK);
 dberr:
	adb_exec(conn, "ROLLBACK", NULL);
	if (strcmp(state, "MP050") == 0)
		fprintf(err, "meldctl: stats annual: refused: epsilon %s would "
		    "exceed the budget left to %s in this period\n", eps,
		    o->sa_actor);
	else if (strcmp(state, "MP051") == 0)
		fprintf(err, "meldctl: stats annual: refused: epsilon 0 (exact "
		    "counts) is not allowed for %s; give --epsilon, or have an "
		    "administrator run meldctl stats budget --operator %s "
		    "--allow-exact\n", o->sa_actor, o->sa_actor);
	else if (strcmp(state, "42501") == 0)
		fprintf(err, "meldctl: stats annual: permission denied "
		    "(connect as mp_research)\n");
	else
		fprintf(err, "meldctl: stats annual: database error, sqlstate "
		    "%s\n", state);
	return (strcmp(state, "MP050") == 0 || strcmp(state, "MP051") == 0 ||
	    strcmp(state, "42501") == 0 ? EX_NOPERM : EX_UNAVAILABLE);
}

static int
write_buf(const struct disclosure_buf *b, FILE *fp)
{
	return (fwrite(b->b_data, 1, b->b_len, fp) != b->b_len ||
	    fflush(fp) != 0 ? -1 : 0);
}

int
stats_annual(PGconn *conn, const struct stats_annual_opts *o,
    struct disclosure_rng *rng, FILE *csv, FILE *html, FILE *err)
{
	struct annual		 an;
	struct disclosure_rng	 osrng;
	struct disclosure_buf	 bc, bh;
	PGresult		*rows = NULL, *left = NULL;
	char			 why[128];
	size_t			 m, withheld = 0;
	int			 rc;

	memset(&an, 0, sizeof(an));
	memset(&bc, 0, sizeof(bc));
	memset(&bh, 0, sizeof(bh));
	if ((rc = annual_read(conn, o, &rows, &left, err)) != EX_OK)
		goto done;
	rc = EX_OSERR;
	an.an_year = o->sa_year;
	an.an_k = o->sa_k;
	an.an_eps = o->sa_epsilon;
	an.an_left = PQgetvalue(left, 0, 0);
	an.an_budget = PQgetvalue(left, 0, 1);
	an.an_renews = PQgetvalue(left, 0, 2);
	if (annual_tables(&an) == -1 || annual_fill(&an, rows) == -1)
		goto nomem;
	if (rng == NULL) {
		disclosure_rng_init_os(&osrng);
		rng = &osrng;
	}
	for (m = 0; m < NMEASURES; m++) {
		if (disclosure_table_protect(an.an_t[m], o->sa_k,
		    o->sa_epsilon, rng, why, sizeof(why)) == -1) {
			fprintf(err, "meldctl: stats annual: %s\n", why);
			rc = EX_DATAERR;
			goto done;
		}
		withheld += disclosure_table_suppressed(an.an_t[m]);
	}
	annual_csv(&an, &bc);
	if (html != NULL)
		annual_html(&an, o->sa_lang, &bh);
	if (bc.b_err || bh.b_err)
		goto nomem;
	if ((csv != NULL && write_buf(&bc, csv) == -1) ||
	    (html != NULL && write_buf(&bh, html) == -1)) {
		fprintf(err, "meldctl: stats annual: write failed\n");
		rc = EX_IOERR;
		goto done;
	}
	fprintf(err, "meldctl: stats annual: %d, k=%d, %zu cells withheld, "
	    "epsilon left for %s: %s of %s until %s\n", o->sa_year, o->sa_k,
	    withheld, o->sa_actor, an.an_left, an.an_budget, an.an_renews);
	rc = EX_OK;
	goto done;
 nomem:
	fprintf(err, "meldctl: stats annual: out of memory\n");
	rc = EX_OSERR;
 done:
	PQclear(rows);
	PQclear(left);
	annual_clear(&an);
	disclosure_buf_free(&bc);
	disclosure_buf_free(&bh);
	return (rc);
}
