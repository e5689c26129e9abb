/*
 * Tests for stats/chart.c and stats/labels.c: the SVG chart of every
 * grouping fits its canvas, checked on the rendered pixels, not on the
 * layout's own arithmetic: the SVG is given a transparent margin around
 * its canvas, everything but text is hidden, rsvg-convert rasterises it,
 * and no text pixel may lie in the margin.  The same check is shown to
 * fail on a label placed past the edge.  Labels come from the form
 * vocabulary in the requested language; ticks are 1-2-5 steps; withheld
 * cells are drawn apart from zeros; the title states k, epsilon, the
 * budget and the period in words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <png.h>

#include "stats/chart.h"
#include "stats/disclosure.h"
#include "stats/labels.h"

#define PAD	40	/* transparent margin added around the canvas */

/* Every level of every dimension the data can have (long ones too). */
static const char *const subtypes[] = { "recruitment", "funding_influence",
    "restriction_of_freedom", "abandonment_abroad", "" };
static const char *const provinces[] = { "noord_brabant", "zuid_holland",
    "friesland", "" };
static const char *const grounds[] = { "sexual_orientation", "disability",
    "origin", "" };
static const char *const sectors[] = { "temp_agency", "hospitality",
    "agriculture", "" };

/*
 * A table for group over 2025-01..2026-12 with deterministic counts:
 * some large, some small (withheld), some zero.
 */
static struct disclosure_table *
chart_table(const char *group, struct disclosure_query *q, double eps)
{
	struct disclosure_table	*t;
	struct disclosure_rng	 rng;
	const char		*cols[DISCLOSURE_NDIMS];
	char			 err[160], month[8], quarter[16], year[16];
	static const char *const cats[] = { "labour_discrimination",
	    "foreign_interference", "honour_violence" };
	static const char *const outs[] = { "", "referred", "withdrawn" };
	int			 m, i;

	disclosure_query_init(q);
	cr_assert_eq(disclosure_parse_group(group, q, err, sizeof(err)), 0,
	    "%s", err);
	q->q_from = 2025 * 12;
	q->q_to = 2026 * 12 + 11;
	q->q_format = DISCLOSURE_SVG;
	cr_assert_not_null(t = disclosure_table_for_query(q));
	for (m = q->q_from; m <= q->q_to; m++) {
		if (m % 7 == 3)
			continue;	/* months without any report */
		disclosure_month_str(m, month);
		snprintf(quarter, sizeof(quarter), "%04d-Q%d", m / 12,
		    m % 12 / 3 + 1);
		snprintf(year, sizeof(year), "%04d", m / 12);
		for (i = 0; i < 12; i++) {
			cols[DISCLOSURE_MONTH] = month;
			cols[DISCLOSURE_QUARTER] = quarter;
			cols[DISCLOSURE_YEAR] = year;
			cols[DISCLOSURE_CATEGORY] = cats[i % 3];
			cols[DISCLOSURE_SUBTYPE] = subtypes[i % 5];
			cols[DISCLOSURE_PROVINCE] = provinces[i % 4];
			cols[DISCLOSURE_GROUND] = grounds[(i + m) % 4];
			cols[DISCLOSURE_SECTOR] = sectors[i % 4];
			cols[DISCLOSURE_OUTCOME] = outs[i % 3];
			cr_assert_eq(disclosure_table_add_row(t, q, cols,
			    (m + i) % 5 == 0 ? 2 : 3 + (m * 7 + i * 13) % 40),
			    0);
		}
	}
	disclosure_rng_init_seed(&rng, 7);
	cr_assert_eq(disclosure_table_protect(t, 10, eps, &rng, err,
	    sizeof(err)), 0, "%s", err);
	return (t);
}

static char *
render(const char *group, enum i18n_lang l, double eps, size_t *withheld)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t = chart_table(group, &q, eps);
	struct disclosure_meta	 m = { 10, eps, "7.5", "10", "2027-01-01" };
	struct disclosure_buf	 b;

	memset(&b, 0, sizeof(b));
	q.q_lang = l;
	cr_assert_eq(disclosure_render(t, &q, &m, &b), 0);
	if (withheld != NULL)
		*withheld = disclosure_table_suppressed(t);
	disclosure_table_free(t);
	return (b.b_data);
}

/*
 * The canvas test.  Returns the number of text pixels outside the
 * canvas, and sets *inside to those within it (> 0: text was drawn).
 */
static long
text_outside_canvas(const char *svg, long *inside)
{
	png_image	 img;
	const char	*tmp = getenv("MELDPUNT_TEST_TMP");
	char		 in[512], out[520], cmd[1200], *body, *p;
	unsigned char	*px;
	long		 outside = 0;
	double		 w, h;
	FILE		*fp;
	unsigned	 x, y;

	cr_assert_not_null(p = strstr(svg, "<svg "));
	cr_assert_eq(sscanf(strstr(p, "width=\""), "width=\"%lf\"", &w), 1);
	cr_assert_eq(sscanf(strstr(p, "height=\""), "height=\"%lf\"", &h), 1);
	cr_assert_not_null(body = strchr(p, '>'));
	snprintf(in, sizeof(in), "%s/canvas-%d.svg", tmp ? tmp : "/tmp",
	    (int)getpid());
	snprintf(out, sizeof(out), "%s.png", in);
	cr_assert_not_null(fp = fopen(in, "w"));
	/* Same drawing, PAD more room on every side, only text visible. */
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"%d %d %.0f %.0f\" font-family=\"DejaVu "
	    "Sans, Liberation Sans, Arial, sans-serif\" font-size=\"12\">"
	    "<style>rect, line, polyline, circle, path { display: none } "
	    "text { fill: #000 }</style>%s", w + 2 * PAD, h + 2 * PAD, -PAD,
	    -PAD, w + 2 * PAD, h + 2 * PAD, body + 1);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "rsvg-convert -b none -o '%s' '%s'", out,
	    in);
	cr_assert_eq(system(cmd), 0, "rsvg-convert failed");
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	cr_assert(png_image_begin_read_from_file(&img, out), "%s",
	    img.message);
	img.format = PNG_FORMAT_RGBA;
	cr_assert_not_null(px = malloc(PNG_IMAGE_SIZE(img)));
	cr_assert(png_image_finish_read(&img, NULL, px, 0, NULL));
	cr_assert_eq(img.width, (unsigned)(w + 2 * PAD));
	*inside = 0;
	for (y = 0; y < img.height; y++)
		for (x = 0; x < img.width; x++) {
			if (px[(y * img.width + x) * 4 + 3] == 0)
				continue;
			if (x < PAD || y < PAD || x >= PAD + w || y >= PAD + h)
				outside++;
			else
				(*inside)++;
		}
	free(px);
	unlink(in);
	unlink(out);
	return (outside);
}

Test(chart, the_check_sees_text_past_the_edge)
{
	long	 inside;

	cr_expect_gt(text_outside_canvas("<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"200\" height=\"100\"><text x=\"150\" y=\"50\">"
	    "labour_discrimination</text></svg>", &inside), 0);
	cr_expect_gt(text_outside_canvas("<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"200\" height=\"100\"><text x=\"40\" y=\"60\" "
	    "text-anchor=\"end\" transform=\"rotate(-45 40 60)\">Discriminatie "
	    "op de arbeidsmarkt</text></svg>", &inside), 0);
	cr_expect_eq(text_outside_canvas("<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"200\" height=\"100\"><text x=\"10\" y=\"50\">"
	    "fits</text></svg>", &inside), 0);
	cr_expect_gt(inside, 0);
}

/* Every grouping of one and two dimensions, both languages, +/- noise. */
Test(chart, every_grouping_fits_its_canvas, .timeout = 300)
{
	static const char *const dims[] = { "month", "quarter", "year",
	    "category", "subtype", "province", "ground", "sector", "outcome" };
	char		 group[64];
	char		*svg;
	long		 out, inside;
	size_t		 i, j, n = 0;
	int		 l;

	for (i = 0; i < 9; i++)
		for (j = i; j < 9; j++) {
			if (j != i && i < 3 && j < 3)
				continue;	/* one time dimension only */
			if (j == i)
				snprintf(group, sizeof(group), "%s", dims[i]);
			else
				snprintf(group, sizeof(group), "%s,%s",
				    dims[i], dims[j]);
			for (l = 0; l < 2; l++) {
				svg = render(group, l ? I18N_EN : I18N_NL,
				    (i + j + l) % 2 ? 0.5 : 0, NULL);
				out = text_outside_canvas(svg, &inside);
				cr_expect_eq(out, 0, "%s (%s): %ld text pixels "
				    "outside the canvas", group, l ? "en" : "nl",
				    out);
				cr_expect_gt(inside, 500, "%s: no text?", group);
				free(svg);
				n++;
			}
		}
	/* Three dimensions: the others at their total. */
	svg = render("month,category,ground", I18N_NL, 0, NULL);
	cr_expect_eq(text_outside_canvas(svg, &inside), 0);
	free(svg);
	cr_expect_eq(n, 2 * (9 + 36 - 3));
}

Test(chart, labels_come_from_the_form_in_the_language_asked)
{
	char	*nl = render("category,sector", I18N_NL, 0, NULL);
	char	*en = render("category,sector", I18N_EN, 0, NULL);

	cr_expect_not_null(strstr(nl, "Discriminatie op de arbeidsmarkt"));
	cr_expect_not_null(strstr(nl, "Eergerelateerd geweld"));
	cr_expect_not_null(strstr(nl, "Uitzendbureau"));
	cr_expect_not_null(strstr(nl, "niet opgegeven"));
	cr_expect_not_null(strstr(nl, "xml:lang=\"nl\""));
	cr_expect_null(strstr(nl, "labour_discrimination"));
	cr_expect_null(strstr(nl, "temp_agency"));
	cr_expect_not_null(strstr(en, "Discrimination in work"));
	cr_expect_not_null(strstr(en, "Temporary employment agency"));
	cr_expect_null(strstr(en, "Uitzendbureau"));
	free(nl);
	free(en);
	nl = render("month,outcome", I18N_NL, 0, NULL);
	cr_expect_not_null(strstr(nl, "ingetrokken"));
	cr_expect_not_null(strstr(nl, "nog open"));
	cr_expect_not_null(strstr(nl, ">jan 2025<"), "month ticks in Dutch");
	free(nl);
}

Test(chart, title_and_notes_state_k_epsilon_budget_and_period_in_words)
{
	char	*nl = render("quarter,category", I18N_NL, 0.5, NULL);
	char	*en = render("year,ground", I18N_EN, 0, NULL);

	cr_expect_not_null(strstr(nl, "<title>Meldingen per kwartaal en "
	    "categorie, januari 2025 t/m december 2026</title>"), "%.600s", nl);
	cr_expect_not_null(strstr(nl, "(k = 10)"));
	cr_expect_not_null(strstr(nl, "epsilon = 0.5"));
	cr_expect_not_null(strstr(nl, "nog 7.5 van 10 tot 1 januari 2027"));
	cr_expect_not_null(strstr(nl, ">K1 2025<"));
	cr_expect_not_null(strstr(en, "Reports per year by ground of "
	    "discrimination, January 2025 to December 2026"));
	cr_expect_not_null(strstr(en, "No noise added (epsilon = 0)."));
	cr_expect_not_null(strstr(en, "Counts from 1 to 9 are not shown"));
	cr_expect_not_null(strstr(en, "7.5 of 10 left until 1 January 2027"));
	free(nl);
	free(en);
}

/* Time groupings are line charts; withheld is marked, never a zero. */
Test(chart, time_series_and_withheld_drawn_apart_from_zero)
{
	size_t	 withheld;
	char	*svg = render("month,subtype", I18N_EN, 0, &withheld), *p;
	int	 nmark = 0;

	cr_expect_not_null(strstr(svg, "<polyline"), "a line chart");
	cr_expect_gt(withheld, 0);
	for (p = svg; (p = strstr(p, "class=\"withheld\"")) != NULL; p++)
		nmark++;
	cr_expect_gt(nmark, 0, "withheld months are marked");
	cr_expect_not_null(strstr(svg, "withheld: fewer than k reports"));
	free(svg);
	/* A month without reports is a point at 0, not a withheld mark. */
	svg = render("month", I18N_EN, 0, &withheld);
	cr_expect_eq(withheld, 0);
	cr_expect_not_null(strstr(svg, "<title>0</title>"));
	cr_expect_null(strstr(svg, "class=\"withheld\""));
	free(svg);
	svg = render("category", I18N_EN, 0, NULL);
	cr_expect_null(strstr(svg, "<polyline"), "bars without time");
	free(svg);
	svg = render("outcome", I18N_EN, 0, &withheld);
	/* A withheld bar says so in words next to its hatched stub. */
	if (withheld > 0)
		cr_expect_not_null(strstr(svg, "font-style=\"italic\" "
		    "fill=\"#555\">withheld</text>"));
	free(svg);
}

Test(chart, ticks_are_one_two_five_steps)
{
	long long	 top;

	cr_expect_eq(chart_nice_step(122, 5, &top), 50);
	cr_expect_eq(top, 150);
	cr_expect_eq(chart_nice_step(9, 5, &top), 2);
	cr_expect_eq(top, 10);
	cr_expect_eq(chart_nice_step(1, 5, &top), 1);
	cr_expect_eq(top, 1);
	cr_expect_eq(chart_nice_step(0, 5, &top), 1);
	cr_expect_eq(chart_nice_step(377688, 5, &top), 100000);
	cr_expect_eq(top, 400000);
	cr_expect_eq(chart_nice_step(1001, 5, &top), 500);
	cr_expect_eq(top, 1500);
}

Test(chart, text_width_bounds_grow_with_text)
{
	cr_expect_gt(chart_text_width("Discriminatie op de arbeidsmarkt", 12),
	    chart_text_width("Discriminatie", 12));
	/* One code point per UTF-8 sequence, not per byte. */
	cr_expect_lt(chart_text_width("é", 12),
	    1.5 * chart_text_width("e", 12));
	cr_expect_lt(chart_text_width("ééé", 12), 3 * 12.0);
}
