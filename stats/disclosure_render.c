/*
 * Rendering of a protected disclosure table as CSV (RFC 4180) and JSON,
 * and the dispatch to the SVG chart (stats/chart.c).  Split from the
 * suppression code (disclosure.c) so that changing how an export looks
 * cannot touch what it withholds: everything here reads the table
 * through its public accessors only, after disclosure_table_protect().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/chart.h"
#include "stats/disclosure.h"

void
disclosure_buf_free(struct disclosure_buf *b)
{
	if (b == NULL)
		return;
	free(b->b_data);
	memset(b, 0, sizeof(*b));
}

void
disclosure_buf_add(struct disclosure_buf *b, const char *s, size_t len)
{
	size_t	 ncap;
	char	*nd;

	if (b->b_err)
		return;
	if (b->b_len + len + 1 > b->b_cap) {
		ncap = b->b_cap ? b->b_cap : 4096;
		while (ncap < b->b_len + len + 1)
			ncap *= 2;
		if ((nd = realloc(b->b_data, ncap)) == NULL) {
			b->b_err = 1;
			return;
		}
		b->b_data = nd;
		b->b_cap = ncap;
	}
	memcpy(b->b_data + b->b_len, s, len);
	b->b_len += len;
	b->b_data[b->b_len] = '\0';
}

void
disclosure_buf_str(struct disclosure_buf *b, const char *s)
{
	disclosure_buf_add(b, s, strlen(s));
}

void
disclosure_buf_fmt(struct disclosure_buf *b, const char *fmt, ...)
{
	char	 tmp[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->b_err = 1;
		return;
	}
	disclosure_buf_add(b, tmp, (size_t)n);
}

void
disclosure_csv_field(struct disclosure_buf *b, const char *s)
{
	const char	*p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		disclosure_buf_str(b, s);
		return;
	}
	disclosure_buf_add(b, "\"", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			disclosure_buf_add(b, "\"", 1);
		disclosure_buf_add(b, p, 1);
	}
	disclosure_buf_add(b, "\"", 1);
}

void
disclosure_xml_text(struct disclosure_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			disclosure_buf_str(b, "&amp;");
			break;
		case '<':
			disclosure_buf_str(b, "&lt;");
			break;
		case '>':
			disclosure_buf_str(b, "&gt;");
			break;
		case '"':
			disclosure_buf_str(b, "&quot;");
			break;
		case '\'':
			disclosure_buf_str(b, "&apos;");
			break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			if ((unsigned char)*s < 0x20)
				disclosure_buf_str(b, " ");
			else
				disclosure_buf_add(b, s, 1);
		}
	}
}

static void
json_str(struct disclosure_buf *b, const char *s)
{
	disclosure_buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			disclosure_buf_add(b, "\\", 1);
			disclosure_buf_add(b, s, 1);
		} else if ((unsigned char)*s < 0x20)
			disclosure_buf_fmt(b, "\\u%04x", (unsigned char)*s);
		else
			disclosure_buf_add(b, s, 1);
	}
	disclosure_buf_add(b, "\"", 1);
}

/* A level as shown: '' is "(not given)", the total level "(all)". */
static const char *
level_label(const struct disclosure_table *t, int a, size_t idx)
{
	const char	*s = disclosure_table_level(t, a, idx);

	return (*s == '\0' ? DISCLOSURE_NOT_GIVEN : s);
}

/* The parameters as text, shared by both formats. */
struct meta {
	char	 m_from[8], m_to[8], m_eps[16];
	const char *m_left, *m_renews;
};

static void
meta_init(struct meta *mt, const struct disclosure_query *q,
    const struct disclosure_meta *m)
{
	disclosure_month_str(q->q_from, mt->m_from);
	disclosure_month_str(q->q_to, mt->m_to);
	disclosure_epsilon_str(m->dm_epsilon, mt->m_eps);
	mt->m_left = m->dm_left != NULL ? m->dm_left : "";
	mt->m_renews = m->dm_renews != NULL ? m->dm_renews : "";
}

static void
render_csv(const struct disclosure_table *t, const struct meta *mt, int k,
    struct disclosure_buf *b)
{
	size_t	 c, n, idx[DISCLOSURE_NDIMS];
	char	 period[20];
	int	 a, nd = disclosure_table_ndims(t);

	snprintf(period, sizeof(period), "%s..%s", mt->m_from, mt->m_to);
	for (a = 0; a < nd; a++) {
		disclosure_csv_field(b,
		    disclosure_dim_name(disclosure_table_dim(t, a)));
		disclosure_buf_add(b, ",", 1);
	}
	disclosure_buf_str(b, "n,status,k,epsilon,period,epsilon_left,"
	    "budget_renews\r\n");
	n = disclosure_table_cells(t);
	for (c = 0; c < n; c++) {
		disclosure_table_coords(t, c, idx);
		for (a = 0; a < nd; a++) {
			disclosure_csv_field(b, level_label(t, a, idx[a]));
			disclosure_buf_add(b, ",", 1);
		}
		if (disclosure_table_status(t, c) != DISCLOSURE_SHOWN)
			disclosure_buf_str(b, ",suppressed");
		else
			disclosure_buf_fmt(b, "%lld,%s",
			    disclosure_table_value(t, c),
			    disclosure_table_is_total(t, c) ? "total" :
			    "shown");
		disclosure_buf_fmt(b, ",%d,%s,%s,%s,%s\r\n", k, mt->m_eps,
		    period, mt->m_left, mt->m_renews);
	}
}

static void
render_json_params(const struct disclosure_table *t, const struct meta *mt,
    const struct disclosure_meta *m, struct disclosure_buf *b)
{
	int	 a;

	disclosure_buf_str(b, "{\"parameters\":{\"group\":[");
	for (a = 0; a < disclosure_table_ndims(t); a++) {
		disclosure_buf_str(b, a ? "," : "");
		json_str(b, disclosure_dim_name(disclosure_table_dim(t, a)));
	}
	disclosure_buf_fmt(b, "],\"from\":\"%s\",\"to\":\"%s\",\"k\":%d,"
	    "\"epsilon\":%s,", mt->m_from, mt->m_to, m->dm_k, mt->m_eps);
	disclosure_buf_fmt(b, "\"mechanism\":\"%s\",\"sensitivity\":1,",
	    m->dm_epsilon > 0 ? "two-sided geometric" : "none");
	if (m->dm_left != NULL && m->dm_budget != NULL &&
	    m->dm_renews != NULL)
		disclosure_buf_fmt(b, "\"budget\":{\"epsilon_left\":%s,"
		    "\"epsilon_per_period\":%s,\"renews\":\"%s\"},",
		    m->dm_left, m->dm_budget, m->dm_renews);
	disclosure_buf_str(b, "\"suppression\":\"cells and totals with 0 < n "
	    "< k are withheld, and further cells so that no withheld value "
	    "follows from the published ones; withheld values are null\","
	    "\"total_label\":\"" DISCLOSURE_ALL "\"},");
}

static void
render_json(const struct disclosure_table *t, const struct meta *mt,
    const struct disclosure_meta *m, struct disclosure_buf *b)
{
	size_t	 c, i, n, idx[DISCLOSURE_NDIMS];
	int	 a, nd = disclosure_table_ndims(t);

	render_json_params(t, mt, m, b);
	disclosure_buf_str(b, "\"levels\":{");
	for (a = 0; a < nd; a++) {
		disclosure_buf_str(b, a ? "," : "");
		json_str(b, disclosure_dim_name(disclosure_table_dim(t, a)));
		disclosure_buf_str(b, ":[");
		for (i = 0; i < disclosure_table_levels(t, a); i++) {
			disclosure_buf_str(b, i ? "," : "");
			json_str(b, level_label(t, a, i));
		}
		disclosure_buf_str(b, "]");
	}
	disclosure_buf_str(b, "},\"cells\":[");
	n = disclosure_table_cells(t);
	for (c = 0; c < n; c++) {
		disclosure_table_coords(t, c, idx);
		disclosure_buf_str(b, c ? ",{" : "{");
		for (a = 0; a < nd; a++) {
			json_str(b, disclosure_dim_name(
			    disclosure_table_dim(t, a)));
			disclosure_buf_add(b, ":", 1);
			json_str(b, level_label(t, a, idx[a]));
			disclosure_buf_add(b, ",", 1);
		}
		if (disclosure_table_status(t, c) != DISCLOSURE_SHOWN)
			disclosure_buf_str(b, "\"n\":null,\"suppressed\":true");
		else
			disclosure_buf_fmt(b, "\"n\":%lld,\"suppressed\":false",
			    disclosure_table_value(t, c));
		disclosure_buf_str(b, disclosure_table_is_total(t, c) ?
		    ",\"total\":true}" : "}");
	}
	disclosure_buf_fmt(b, "],\"suppressed\":%zu}\n",
	    disclosure_table_suppressed(t));
}

int
disclosure_render(const struct disclosure_table *t,
    const struct disclosure_query *q, const struct disclosure_meta *m,
    struct disclosure_buf *out)
{
	struct meta	 mt;

	if (!disclosure_table_protected(t))
		return (-1);
	meta_init(&mt, q, m);
	switch (q->q_format) {
	case DISCLOSURE_JSON:
		render_json(t, &mt, m, out);
		break;
	case DISCLOSURE_SVG:
		chart_svg(t, q, m, out);
		break;
	default:
		render_csv(t, &mt, m->dm_k, out);
		break;
	}
	return (out->b_err ? -1 : 0);
}
