/*
 * SVG charts of protected tables; see chart.h.  Two shapes: a line chart
 * when the grouping has month or quarter (x = time, one line per level
 * of the next dimension), else horizontal bars (one group per level of
 * the year or first dimension, one bar per level of the next).  Further
 * dimensions are shown at their total.  The layout is computed from
 * measured text: the label column is as wide as the longest label, the
 * time labels are thinned until they do not overlap, the title and the
 * notes wrap to the canvas.  A withheld cell is never drawn as a bar or
 * a point: bars say "withheld" in words next to a hatched stub, lines
 * break and the withheld months are marked in a hatched strip under the
 * axis, so that a reader cannot take one for a zero.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats/chart.h"
#include "stats/labels.h"

#define FONT		12.0
#define TITLE_FONT	15.0
#define LINE_H		16	/* line height at FONT */
#define TITLE_H		20
#define MARGIN		16
#define MIN_W		520
#define TIME_PLOT_H	260
#define TIME_PLOT_W	640
#define BAR_PLOT_W	440
#define BAR_H		14
#define BAR_STEP	18	/* bar height + space */
#define GROUP_GAP	10
#define STRIP_H		10
#define NTICKS		5
#define FONT_FAMILY	"DejaVu Sans, Liberation Sans, Arial, sans-serif"

static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
};
#define NPALETTE	(sizeof(palette) / sizeof(palette[0]))

/* One chart being laid out and written. */
struct chart {
	const struct disclosure_table	*c_t;
	const struct disclosure_query	*c_q;
	const struct disclosure_meta	*c_m;
	struct disclosure_buf		*c_b;
	enum i18n_lang			 c_l;
	int				 c_ax;	/* x or group axis */
	int				 c_as;	/* series axis, -1: none */
	size_t				 c_nx, c_ns;
	size_t				 c_idx[DISCLOSURE_NDIMS];
	long long			 c_vmax;
	int				 c_any_withheld;
	char				 c_title[384];
	char				 c_notes[3][256];
	int				 c_nnotes;
};

/* ------------------------------------------------------------- measuring */

/* Advance width in em, rounded up over common sans-serif faces. */
static double
char_em(unsigned char c)
{
	if (c >= 0x80)
		return (0.80);
	if (strchr("mwMW@", c) != NULL)
		return (1.02);
	if (c >= 'A' && c <= 'Z')
		return (0.80);
	if (c >= '0' && c <= '9')
		return (0.66);
	if (strchr("iljtfrI.,:;'|!() -", c) != NULL)
		return (0.44);
	return (0.64);
}

double
chart_text_width(const char *s, double px)
{
	const unsigned char	*p;
	double			 w = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;	/* UTF-8 continuation byte */
		w += char_em(*p);
	}
	return (ceil(w * px));
}

long long
chart_nice_step(long long vmax, int max_ticks, long long *top)
{
	static const int	 mult[] = { 1, 2, 5 };
	long long		 p10 = 1, step;
	int			 i;

	if (vmax < 1)
		vmax = 1;
	if (max_ticks < 1)
		max_ticks = 1;
	for (;;) {
		for (i = 0; i < 3; i++) {
			step = mult[i] * p10;
			if ((vmax + step - 1) / step <= max_ticks) {
				*top = (vmax + step - 1) / step * step;
				return (step);
			}
		}
		p10 *= 10;
	}
}

/* ----------------------------------------------------------------- text */

static void
text_open(struct chart *ch, double x, double y, const char *anchor,
    double size, const char *extra)
{
	disclosure_buf_fmt(ch->c_b, "<text x=\"%.1f\" y=\"%.1f\"%s%s%s "
	    "font-size=\"%.0f\"%s>", x, y, anchor ? " text-anchor=\"" : "",
	    anchor ? anchor : "", anchor ? "\"" : "", size,
	    extra ? extra : "");
}

static void
text(struct chart *ch, double x, double y, const char *anchor, double size,
    const char *extra, const char *s)
{
	text_open(ch, x, y, anchor, size, extra);
	disclosure_xml_text(ch->c_b, s);
	disclosure_buf_str(ch->c_b, "</text>\n");
}

/*
 * Greedy word wrap of s into lines no wider than maxw; writes them as
 * <text> lines from baseline y when emit, and returns the line count.
 * A single word wider than maxw gets a line of its own (the canvas is
 * made wide enough for the longest word by the caller).
 */
/* dst = a (+ " " when a is not empty) + the first n bytes of b, cut to fit. */
static void
join(char *dst, size_t len, const char *a, const char *b, size_t n)
{
	size_t	 la = strlen(a), o;

	if (la > len - 2)
		la = len - 2;
	memcpy(dst, a, la);
	o = la;
	if (la > 0)
		dst[o++] = ' ';
	if (n > len - 1 - o)
		n = len - 1 - o;
	memcpy(dst + o, b, n);
	dst[o + n] = '\0';
}

static int
wrap(struct chart *ch, const char *s, double x, double y, double maxw,
    double size, int lineh, const char *extra, int emit)
{
	char	 line[384], tryl[384];
	const char *p = s, *sp;
	size_t	 wl;
	int	 n = 0;

	line[0] = '\0';
	while (*p != '\0') {
		sp = strchr(p, ' ');
		wl = sp != NULL ? (size_t)(sp - p) : strlen(p);
		join(tryl, sizeof(tryl), line, p, wl);
		if (line[0] != '\0' && chart_text_width(tryl, size) > maxw) {
			if (emit)
				text(ch, x, y + n * lineh, NULL, size, extra,
				    line);
			n++;
			join(line, sizeof(line), "", p, wl);
		} else
			memcpy(line, tryl, sizeof(line));
		p += wl;
		while (*p == ' ')
			p++;
	}
	if (line[0] != '\0') {
		if (emit)
			text(ch, x, y + n * lineh, NULL, size, extra, line);
		n++;
	}
	return (n);
}

/* The widest single word of s, so that wrapping can always fit it. */
static double
longest_word(const char *s, double size)
{
	char		 w[128];
	const char	*p = s, *sp;
	size_t		 len;
	double		 best = 0, x;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		join(w, sizeof(w), "", p, len);
		if ((x = chart_text_width(w, size)) > best)
			best = x;
		p += len;
		while (*p == ' ')
			p++;
	}
	return (best);
}

/* ---------------------------------------------------------------- cells */

static size_t
cell(struct chart *ch, size_t x, size_t s)
{
	ch->c_idx[ch->c_ax] = x;
	if (ch->c_as >= 0)
		ch->c_idx[ch->c_as] = s;
	return (disclosure_table_index(ch->c_t, ch->c_idx));
}

static int
shown(struct chart *ch, size_t c)
{
	return (disclosure_table_status(ch->c_t, c) == DISCLOSURE_SHOWN);
}

static const char *
level(struct chart *ch, int axis, size_t i, char *buf, size_t len)
{
	return (labels_level(disclosure_table_dim(ch->c_t, axis),
	    disclosure_table_level(ch->c_t, axis, i), ch->c_l, buf, len));
}

static const char *
series_label(struct chart *ch, size_t s, char *buf, size_t len)
{
	if (ch->c_as < 0)
		return (labels_text("all_reports", ch->c_l));
	return (level(ch, ch->c_as, s, buf, len));
}

/* "1 January 2027" / "1 januari 2027" from "2027-01-01". */
static void
day_words(const char *iso, enum i18n_lang l, char *buf, size_t len)
{
	unsigned	 y, m, d;
	char		 mon[32];

	if (sscanf(iso, "%4u-%2u-%2u", &y, &m, &d) != 3 || m < 1 || m > 12) {
		snprintf(buf, len, "%s", iso);
		return;
	}
	labels_month((int)(y * 12 + m - 1), l, 1, mon, sizeof(mon));
	snprintf(buf, len, "%u %s", d, mon);
}

/*
 * The phrases are printf formats from the static table in labels.c (one
 * per language, same conversions), never from input: hence the pragma.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
chart_texts(struct chart *ch)
{
	const struct disclosure_meta	*m = ch->c_m;
	const char			*fmt;
	char				 from[32], to[32], per[80], what[160];
	char				 eps[16], day[48];

	labels_month(ch->c_q->q_from, ch->c_l, 1, from, sizeof(from));
	labels_month(ch->c_q->q_to, ch->c_l, 1, to, sizeof(to));
	snprintf(per, sizeof(per), labels_text("period", ch->c_l), from, to);
	if (ch->c_as >= 0)
		snprintf(what, sizeof(what), labels_text("title_by", ch->c_l),
		    labels_dim_plural(disclosure_table_dim(ch->c_t, ch->c_ax),
		    ch->c_l), labels_dim_plural(disclosure_table_dim(ch->c_t,
		    ch->c_as), ch->c_l));
	else
		snprintf(what, sizeof(what), labels_text("title", ch->c_l),
		    labels_dim_plural(disclosure_table_dim(ch->c_t, ch->c_ax),
		    ch->c_l));
	snprintf(ch->c_title, sizeof(ch->c_title), "%s, %s", what, per);
	fmt = labels_text("k", ch->c_l);
	snprintf(ch->c_notes[0], sizeof(ch->c_notes[0]), fmt, m->dm_k - 1,
	    m->dm_k);
	disclosure_epsilon_str(m->dm_epsilon, eps);
	snprintf(ch->c_notes[1], sizeof(ch->c_notes[1]),
	    labels_text(m->dm_epsilon > 0 ? "noise" : "exact", ch->c_l), eps);
	ch->c_nnotes = 2;
	if (m->dm_left != NULL && m->dm_budget != NULL &&
	    m->dm_renews != NULL) {
		day_words(m->dm_renews, ch->c_l, day, sizeof(day));
		snprintf(ch->c_notes[2], sizeof(ch->c_notes[2]),
		    labels_text("budget", ch->c_l), m->dm_left, m->dm_budget,
		    day);
		ch->c_nnotes = 3;
	}
}
#pragma GCC diagnostic pop

/* Axes: x is the first time axis, else year, else the first; series the
 * first other axis; every other axis at its total. */
static void
chart_axes(struct chart *ch)
{
	const struct disclosure_table	*t = ch->c_t;
	size_t				 x, s, c;
	int				 a, nd = disclosure_table_ndims(t);

	ch->c_ax = 0;
	for (a = nd - 1; a >= 0; a--)
		if (disclosure_dim_is_time(disclosure_table_dim(t, a)))
			ch->c_ax = a;
	ch->c_as = -1;
	for (a = 0; a < nd && ch->c_as < 0; a++)
		if (a != ch->c_ax)
			ch->c_as = a;
	for (a = 0; a < nd; a++)
		ch->c_idx[a] = disclosure_table_levels(t, a);
	ch->c_nx = disclosure_table_levels(t, ch->c_ax);
	ch->c_ns = ch->c_as >= 0 ? disclosure_table_levels(t, ch->c_as) : 1;
	ch->c_vmax = 0;
	for (x = 0; x < ch->c_nx; x++)
		for (s = 0; s < ch->c_ns; s++) {
			c = cell(ch, x, s);
			if (!shown(ch, c))
				ch->c_any_withheld = 1;
			else if (disclosure_table_value(t, c) > ch->c_vmax)
				ch->c_vmax = disclosure_table_value(t, c);
		}
}

static int
is_time_chart(struct chart *ch)
{
	enum disclosure_dim	 d = disclosure_table_dim(ch->c_t, ch->c_ax);

	return (d == DISCLOSURE_MONTH || d == DISCLOSURE_QUARTER);
}

/* ---------------------------------------------------------------- frame */

/* Height of the title and notes block at width w. */
static double
head_height(struct chart *ch, double w)
{
	double	 h = MARGIN;
	int	 i;

	h += TITLE_H * wrap(ch, ch->c_title, 0, 0, w - 2 * MARGIN,
	    TITLE_FONT, TITLE_H, NULL, 0);
	for (i = 0; i < ch->c_nnotes; i++)
		h += LINE_H * wrap(ch, ch->c_notes[i], 0, 0, w - 2 * MARGIN,
		    FONT, LINE_H, NULL, 0);
	return (h + 12);
}

static void
head_write(struct chart *ch, double w, double h)
{
	double	 y = MARGIN + TITLE_FONT;
	int	 i;

	disclosure_buf_fmt(ch->c_b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\""
	    FONT_FAMILY "\" font-size=\"%.0f\" xml:lang=\"%s\">\n", w, h, w, h,
	    FONT, i18n_code(ch->c_l));
	disclosure_buf_str(ch->c_b, "<title>");
	disclosure_xml_text(ch->c_b, ch->c_title);
	disclosure_buf_str(ch->c_b, "</title>\n<defs><pattern id=\"withheld\" "
	    "width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\"><rect "
	    "width=\"4\" height=\"4\" fill=\"#eee\"/><path d=\"M0 4L4 0\" "
	    "stroke=\"#555\" stroke-width=\"1\"/></pattern></defs>\n");
	disclosure_buf_fmt(ch->c_b, "<rect class=\"background\" x=\"0\" y=\"0\" "
	    "width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", w, h);
	y += TITLE_H * wrap(ch, ch->c_title, MARGIN, y, w - 2 * MARGIN,
	    TITLE_FONT, TITLE_H, " font-weight=\"bold\"", 1) - TITLE_H +
	    LINE_H + 2;
	for (i = 0; i < ch->c_nnotes; i++)
		y += LINE_H * wrap(ch, ch->c_notes[i], MARGIN, y,
		    w - 2 * MARGIN, FONT, LINE_H, " fill=\"#333\"", 1);
}

/* The series legend and the withheld swatch, from y; returns height. */
static double
legend(struct chart *ch, double y, double w, int emit)
{
	char	 buf[64];
	double	 h = 0, tw = w - 2 * MARGIN - 16;
	size_t	 s;
	int	 n;

	if (ch->c_as >= 0) {
		if (emit)
			text(ch, MARGIN, y + FONT, NULL, FONT,
			    " font-weight=\"bold\"", ch->c_as >= 0 ?
			    labels_dim(disclosure_table_dim(ch->c_t,
			    ch->c_as), ch->c_l) : labels_text("reports",
			    ch->c_l));
		h += LINE_H + 2;
		for (s = 0; s < ch->c_ns; s++) {
			if (emit) {
				disclosure_buf_fmt(ch->c_b, "<rect x=\"%d\" "
				    "y=\"%.1f\" width=\"10\" height=\"10\" "
				    "fill=\"%s\"/>\n", MARGIN, y + h + 2,
				    palette[s % NPALETTE]);
				text(ch, MARGIN + 16, y + h + FONT, NULL, FONT,
				    NULL, series_label(ch, s, buf,
				    sizeof(buf)));
			}
			h += LINE_H;
		}
	}
	if (ch->c_any_withheld) {
		if (emit)
			disclosure_buf_fmt(ch->c_b, "<rect x=\"%d\" y=\"%.1f\" "
			    "width=\"10\" height=\"10\" fill=\"url(#withheld)"
			    "\" stroke=\"#555\"/>\n", MARGIN, y + h + 2);
		n = wrap(ch, labels_text("withheld_long", ch->c_l),
		    MARGIN + 16, y + h + FONT, tw, FONT, LINE_H, NULL, emit);
		h += LINE_H * n;
	}
	return (h);
}

/* The widest legend line, so that the canvas holds it. */
static double
legend_width(struct chart *ch)
{
	char	 buf[64];
	double	 w = 0, x;
	size_t	 s;

	for (s = 0; s < ch->c_ns; s++)
		if ((x = chart_text_width(series_label(ch, s, buf,
		    sizeof(buf)), FONT)) > w)
			w = x;
	if (ch->c_as >= 0 && (x = chart_text_width(labels_dim(
	    disclosure_table_dim(ch->c_t, ch->c_as), ch->c_l), FONT)) > w)
		w = x;
	if ((x = longest_word(labels_text("withheld_long", ch->c_l),
	    FONT)) > w)
		w = x;
	return (2 * MARGIN + 16 + w);
}

/* Canvas width that holds w_needed, the legend and the title's words. */
static double
canvas_width(struct chart *ch, double w_needed)
{
	double	 w = w_needed, x;
	int	 i;

	if (w < MIN_W)
		w = MIN_W;
	if ((x = legend_width(ch)) > w)
		w = x;
	if ((x = 2 * MARGIN + longest_word(ch->c_title, TITLE_FONT)) > w)
		w = x;
	for (i = 0; i < ch->c_nnotes; i++)
		if ((x = 2 * MARGIN + longest_word(ch->c_notes[i], FONT)) > w)
			w = x;
	return (ceil(w));
}

/* Value axis ticks with grid lines; vertical: a y axis (line chart). */
static void
value_ticks(struct chart *ch, double x0, double y0, double len,
    double across, int vertical, long long step, long long top)
{
	long long	 v;
	double		 p;
	char		 num[32];

	for (v = 0; v <= top; v += step) {
		p = len * (double)v / (double)top;
		snprintf(num, sizeof(num), "%lld", v);
		if (vertical) {
			disclosure_buf_fmt(ch->c_b, "<line x1=\"%.1f\" "
			    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
			    "\n", x0, y0 - p, x0 + across, y0 - p,
			    v ? "#ddd" : "#000");
			text(ch, x0 - 6, y0 - p + 4, "end", FONT, NULL, num);
		} else {
			disclosure_buf_fmt(ch->c_b, "<line x1=\"%.1f\" "
			    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
			    "\n", x0 + p, y0 - across, x0 + p, y0 + 4,
			    v ? "#ddd" : "#000");
			text(ch, x0 + p, y0 + 4 + FONT, "middle", FONT, NULL,
			    num);
		}
	}
}

/* ----------------------------------------------------------- line chart */

/* One series as line segments between consecutive shown points. */
static void
time_series(struct chart *ch, size_t s, double x0, double dx, double y0,
    long long top)
{
	const char	*col = palette[s % NPALETTE];
	double		 px, py;
	size_t		 x, c;
	int		 open = 0;

	for (x = 0; x < ch->c_nx; x++) {
		c = cell(ch, x, s);
		if (!shown(ch, c)) {
			if (open)
				disclosure_buf_str(ch->c_b, "\"/>\n");
			open = 0;
			continue;
		}
		px = x0 + dx * ((double)x + 0.5);
		py = y0 - TIME_PLOT_H * (double)disclosure_table_value(ch->c_t,
		    c) / (double)top;
		if (!open)
			disclosure_buf_fmt(ch->c_b, "<polyline fill=\"none\" "
			    "stroke=\"%s\" stroke-width=\"2\" points=\"", col);
		disclosure_buf_fmt(ch->c_b, "%s%.1f,%.1f", open ? " " : "", px,
		    py);
		open = 1;
	}
	if (open)
		disclosure_buf_str(ch->c_b, "\"/>\n");
	for (x = 0; x < ch->c_nx; x++) {
		c = cell(ch, x, s);
		if (!shown(ch, c))
			continue;
		disclosure_buf_fmt(ch->c_b, "<circle cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"2.5\" fill=\"%s\"><title>%lld</title></circle>\n",
		    x0 + dx * ((double)x + 0.5), y0 - TIME_PLOT_H *
		    (double)disclosure_table_value(ch->c_t, c) / (double)top,
		    col, disclosure_table_value(ch->c_t, c));
	}
}

/* Under the axis: one row per series, a hatched box where withheld. */
static void
time_strip(struct chart *ch, double x0, double dx, double y)
{
	size_t	 s, x;

	text(ch, x0, y + FONT, NULL, FONT, " fill=\"#333\"",
	    labels_text("withheld", ch->c_l));
	y += LINE_H + 2;
	for (s = 0; s < ch->c_ns; s++, y += STRIP_H + 2) {
		disclosure_buf_fmt(ch->c_b, "<rect x=\"%.1f\" y=\"%.1f\" "
		    "width=\"4\" height=\"%d\" fill=\"%s\"/>\n", x0 - 8, y,
		    STRIP_H, palette[s % NPALETTE]);
		for (x = 0; x < ch->c_nx; x++)
			if (!shown(ch, cell(ch, x, s)))
				disclosure_buf_fmt(ch->c_b, "<rect class=\""
				    "withheld\" x=\"%.1f\" y=\"%.1f\" width=\""
				    "%.1f\" height=\"%d\" fill=\"url(#withheld)"
				    "\" stroke=\"#555\" stroke-width=\"0.5\"/>"
				    "\n", x0 + dx * (double)x + 0.5, y,
				    dx - 1, STRIP_H);
	}
}

static void
time_chart(struct chart *ch)
{
	char		 buf[64], num[32];
	double		 lw = 0, x, dx, left, pw, w, h, y0, top_y, sy, ly;
	long long	 step, top;
	size_t		 i, every;

	step = chart_nice_step(ch->c_vmax, NTICKS, &top);
	snprintf(num, sizeof(num), "%lld", top);
	for (i = 0; i < ch->c_nx; i++)
		if ((x = chart_text_width(level(ch, ch->c_ax, i, buf,
		    sizeof(buf)), FONT)) > lw)
			lw = x;
	left = MARGIN + LINE_H + chart_text_width(num, FONT) + 8;
	if (left < MARGIN + lw / 2)
		left = MARGIN + lw / 2;
	dx = floor(TIME_PLOT_W / (double)ch->c_nx);
	dx = dx < 4 ? 4 : dx > 48 ? 48 : dx;
	pw = dx * (double)ch->c_nx;
	every = (size_t)ceil((lw + 10) / dx);
	w = canvas_width(ch, left + pw + lw / 2 + MARGIN);
	top_y = head_height(ch, w) + 6;
	y0 = top_y + TIME_PLOT_H;
	sy = y0 + 4 + FONT + 12;
	ly = sy + (ch->c_any_withheld ? LINE_H + 2 +
	    (double)ch->c_ns * (STRIP_H + 2) + 12 : 0);
	h = ceil(ly + legend(ch, ly, w, 0) + MARGIN);
	head_write(ch, w, h);
	disclosure_buf_fmt(ch->c_b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor="
	    "\"middle\" font-size=\"%.0f\" transform=\"rotate(-90 %.1f %.1f)\">",
	    (double)MARGIN + FONT, top_y + TIME_PLOT_H / 2.0, FONT,
	    (double)MARGIN + FONT, top_y + TIME_PLOT_H / 2.0);
	disclosure_xml_text(ch->c_b, labels_text("reports", ch->c_l));
	disclosure_buf_str(ch->c_b, "</text>\n");
	value_ticks(ch, left, y0, TIME_PLOT_H, pw, 1, step, top);
	for (i = 0; i < ch->c_nx; i += every)
		text(ch, left + dx * ((double)i + 0.5), y0 + 4 + FONT,
		    "middle", FONT, NULL, level(ch, ch->c_ax, i, buf,
		    sizeof(buf)));
	for (i = 0; i < ch->c_ns; i++)
		time_series(ch, i, left, dx, y0, top);
	if (ch->c_any_withheld)
		time_strip(ch, left, dx, sy);
	legend(ch, ly, w, 1);
	disclosure_buf_str(ch->c_b, "</svg>\n");
}

/* ------------------------------------------------------------ bar chart */

/* One bar: a value, a zero, or a hatched stub that says "withheld". */
static void
bar(struct chart *ch, size_t c, size_t s, double x0, double y, double pw,
    long long top)
{
	long long	 v = disclosure_table_value(ch->c_t, c);
	double		 bw;
	char		 num[32];

	if (!shown(ch, c)) {
		disclosure_buf_fmt(ch->c_b, "<rect class=\"withheld\" x=\"%.1f\" "
		    "y=\"%.1f\" width=\"24\" height=\"%d\" fill=\"url(#withheld)"
		    "\" stroke=\"%s\"/>\n", x0, y, BAR_H, palette[s % NPALETTE]);
		text(ch, x0 + 28, y + BAR_H - 3, NULL, FONT,
		    " font-style=\"italic\" fill=\"#555\"",
		    labels_text("withheld", ch->c_l));
		return;
	}
	bw = pw * (double)v / (double)top;
	if (v > 0)
		disclosure_buf_fmt(ch->c_b, "<rect x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", x0, y, bw,
		    BAR_H, palette[s % NPALETTE]);
	snprintf(num, sizeof(num), "%lld", v);
	text(ch, x0 + bw + 4, y + BAR_H - 3, NULL, FONT, NULL, num);
}

static void
bar_chart(struct chart *ch)
{
	char		 buf[64], num[32];
	double		 lw = 0, x, left, right, w, h, y, top_y, ay, ly;
	long long	 step, top;
	size_t		 g, s;
	const double	 bold = ch->c_as >= 0 ? 1.1 : 1.0;

	step = chart_nice_step(ch->c_vmax, NTICKS, &top);
	snprintf(num, sizeof(num), "%lld", top);
	for (g = 0; g < ch->c_nx; g++)
		if ((x = bold * chart_text_width(level(ch, ch->c_ax, g, buf,
		    sizeof(buf)), FONT)) > lw)
			lw = x;
	left = MARGIN + ceil(lw) + 10;
	right = chart_text_width(labels_text("withheld", ch->c_l), FONT) + 32;
	if ((x = chart_text_width(num, FONT) / 2 + 4) > right)
		right = x;
	w = canvas_width(ch, left + BAR_PLOT_W + right + MARGIN);
	top_y = head_height(ch, w) + 4;
	ay = top_y + (double)(ch->c_nx * ch->c_ns) * BAR_STEP +
	    (double)(ch->c_nx - 1) * GROUP_GAP + 4;
	ly = ay + 4 + FONT + LINE_H + 14;
	h = ceil(ly + legend(ch, ly, w, 0) + MARGIN);
	head_write(ch, w, h);
	value_ticks(ch, left, ay, BAR_PLOT_W, ay - top_y, 0, step, top);
	text(ch, left + BAR_PLOT_W / 2.0, ay + 4 + FONT + LINE_H, "middle",
	    FONT, NULL, labels_text("reports", ch->c_l));
	for (g = 0, y = top_y; g < ch->c_nx; g++, y += GROUP_GAP) {
		text(ch, left - 10, y + (double)ch->c_ns * BAR_STEP / 2 + 4,
		    "end", FONT, ch->c_as >= 0 ? " font-weight=\"bold\"" : NULL,
		    level(ch, ch->c_ax, g, buf, sizeof(buf)));
		for (s = 0; s < ch->c_ns; s++, y += BAR_STEP)
			bar(ch, cell(ch, g, s), s, left, y + 2, BAR_PLOT_W,
			    top);
	}
	disclosure_buf_fmt(ch->c_b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\" stroke=\"#000\"/>\n", left, top_y, left, ay);
	legend(ch, ly, w, 1);
	disclosure_buf_str(ch->c_b, "</svg>\n");
}

void
chart_svg(const struct disclosure_table *t, const struct disclosure_query *q,
    const struct disclosure_meta *m, struct disclosure_buf *b)
{
	struct chart	 ch;

	memset(&ch, 0, sizeof(ch));
	ch.c_t = t;
	ch.c_q = q;
	ch.c_m = m;
	ch.c_b = b;
	ch.c_l = q->q_lang;
	chart_axes(&ch);
	chart_texts(&ch);
	if (is_time_chart(&ch))
		time_chart(&ch);
	else
		bar_chart(&ch);
}
