/*
 * Disclosure control for statistics exports (DESIGN section 7, issue 7):
 * the parameters of an export, a table of counts grouped by up to nine
 * dimensions with every marginal total, optional noise from the two-sided
 * geometric mechanism, primary and complementary cell suppression, and
 * rendering as CSV (RFC 4180), JSON and SVG.
 *
 * A pure module: no daemon state, no event loop, no logging, no I/O except
 * the OS random source.  meldpuntd (daemon/research.c) and meldctl
 * (admin/stats.c) link it both, so every export path applies exactly the
 * same rules.  docs/research.md explains the rules and why they are sound.
 *
 * Ownership: a table owns everything added to it (strings are copied);
 * rendered output lives in a disclosure_buf the caller frees.
 */
#ifndef MELDPUNT_DISCLOSURE_H
#define MELDPUNT_DISCLOSURE_H

#include <stddef.h>
#include <stdint.h>

#include "forms/i18n.h"

#define DISCLOSURE_K_MIN	5	/* never publish with a smaller k */
#define DISCLOSURE_K_DEFAULT	10
#define DISCLOSURE_K_MAX	1000
#define DISCLOSURE_EPS_MIN	0.01	/* a positive epsilon below is refused */
#define DISCLOSURE_EPS_MAX	10.0
#define DISCLOSURE_MAX_CELLS	200000	/* cells incl. totals, per export */
#define DISCLOSURE_MAX_MONTHS	600	/* longest period: 50 years */
#define DISCLOSURE_ALL		"(all)"		/* a total over a dimension */
#define DISCLOSURE_NOT_GIVEN	"(not given)"	/* stored as '' */

enum disclosure_dim {
	DISCLOSURE_MONTH = 0,
	DISCLOSURE_QUARTER,
	DISCLOSURE_YEAR,
	DISCLOSURE_CATEGORY,
	DISCLOSURE_SUBTYPE,
	DISCLOSURE_PROVINCE,
	DISCLOSURE_GROUND,
	DISCLOSURE_SECTOR,
	DISCLOSURE_OUTCOME,
	DISCLOSURE_NDIMS
};

enum disclosure_format {
	DISCLOSURE_CSV = 0,
	DISCLOSURE_JSON,
	DISCLOSURE_SVG
};

/* What one export asks for; the same options for HTTP and meldctl. */
struct disclosure_query {
	int		 q_ndims;
	enum disclosure_dim q_dims[DISCLOSURE_NDIMS];
	int		 q_from;	/* months: year * 12 + month - 1 */
	int		 q_to;		/* inclusive */
	enum disclosure_format q_format;
	int		 q_k;		/* 0: not given (use the default) */
	double		 q_epsilon;	/* < 0: not given; 0: no noise */
	enum i18n_lang	 q_lang;	/* labels of the SVG chart (nl, en) */
	int		 q_lang_set;
};

const char	*disclosure_dim_name(enum disclosure_dim d);
int		 disclosure_dim_parse(const char *s, enum disclosure_dim *out);
int		 disclosure_dim_is_time(enum disclosure_dim d);
const char	*disclosure_format_name(enum disclosure_format f);
const char	*disclosure_format_type(enum disclosure_format f); /* MIME */

/* Each returns 0, or -1 with a reason (safe to show; no input echoed). */
int		 disclosure_parse_group(const char *s, struct disclosure_query *q,
		    char *err, size_t errlen);
int		 disclosure_parse_month(const char *s, int *out);
int		 disclosure_parse_format(const char *s, enum disclosure_format *out);
int		 disclosure_parse_k(const char *s, int *out);
/* "0" (no noise) or a decimal in [EPS_MIN, EPS_MAX], at most 4 decimals. */
int		 disclosure_parse_epsilon(const char *s, double *out);
/* "YYYY-MM" of a month number into buf (8 bytes). */
void		 disclosure_month_str(int month, char buf[8]);
/* ISO date of the first day ("YYYY-MM-01") into buf (11 bytes). */
void		 disclosure_month_date(int month, char buf[11]);
/* Epsilon as fixed decimal text ("0.5", "0"), deterministic; 16 bytes. */
void		 disclosure_epsilon_str(double eps, char buf[16]);

/*
 * Parse a URL query string ("group=year,category&from=2026-01&..."):
 * percent-decoding, unknown or repeated keys refused.  group, from and to
 * are required; format defaults to csv.  Returns 0 or -1 with err set.
 */
int		 disclosure_query_parse(const char *query,
		    struct disclosure_query *q, char *err, size_t errlen);
/* Set a key of q from a decoded value (shared with meldctl's options). */
int		 disclosure_query_set(struct disclosure_query *q,
		    const char *key, const char *value, char *err,
		    size_t errlen);
/* Checks after all keys are set: required keys, from <= to, length. */
int		 disclosure_query_check(const struct disclosure_query *q,
		    char *err, size_t errlen);
void		 disclosure_query_init(struct disclosure_query *q);

/*
 * Randomness.  Production uses the OS CSPRNG (getrandom); tests may seed
 * a deterministic xoshiro256** generator, which must never be used for a
 * real export (nothing outside tests calls disclosure_rng_init_seed).
 */
struct disclosure_rng {
	int		 r_seeded;
	uint64_t	 r_s[4];
	unsigned char	 r_buf[512];
	size_t		 r_avail;
};
void		 disclosure_rng_init_os(struct disclosure_rng *r);
void		 disclosure_rng_init_seed(struct disclosure_rng *r,
		    uint64_t seed);
/* 0 or -1 when the OS source fails. */
int		 disclosure_rng_u64(struct disclosure_rng *r, uint64_t *out);
/*
 * One draw of the two-sided geometric distribution
 * P(Z = z) = (1 - a) / (1 + a) * a^|z|, a = exp(-epsilon) (sensitivity 1).
 * Mean 0, variance 2a / (1 - a)^2.  Returns 0, or -1 (random source).
 */
int		 disclosure_geometric(struct disclosure_rng *r, double epsilon,
		    long long *out);

/* ---------------------------------------------------------------- tables */

struct disclosure_table;

enum disclosure_cell {
	DISCLOSURE_SHOWN = 0,
	DISCLOSURE_PRIMARY,	/* 0 < n < k */
	DISCLOSURE_SECONDARY,	/* withheld so that totals reveal no cell */
};

struct disclosure_table *disclosure_table_new(const enum disclosure_dim *dims,
		    int ndims);
void		 disclosure_table_free(struct disclosure_table *t);
/*
 * Make level a member of axis's domain even when no count names it
 * (categories, every period of the export): a zero is then published,
 * and with noise on it is noised like every other cell.  0 or -1.
 */
int		 disclosure_table_add_level(struct disclosure_table *t, int axis,
		    const char *level);
/* Add n (>= 0) to the cell named by levels[0..ndims-1].  0 or -1. */
int		 disclosure_table_add(struct disclosure_table *t,
		    const char *const *levels, long long n);

/*
 * Build the grid with every marginal total, add noise when epsilon > 0
 * (then clamp to >= 0 and sum the totals from the noisy cells), then
 * suppress: primary on every cell and total with 0 < n < k, complementary
 * until no withheld value can be computed from what is published.
 * Call once.  Returns 0, or -1 with err set (too many cells, memory,
 * random source).
 */
int		 disclosure_table_protect(struct disclosure_table *t, int k,
		    double epsilon, struct disclosure_rng *rng, char *err,
		    size_t errlen);

/*
 * A table for q: axes in q's order, and the domains that do not depend on
 * the data seeded (every month, quarter or year of the period, the three
 * categories, the outcomes).  NULL on memory.
 */
struct disclosure_table *disclosure_table_for_query(
		    const struct disclosure_query *q);
/*
 * Add one row of stats.export_counts(): cols[d] is the value of dimension
 * d in enum order (NULL for dimensions not grouped).  0 or -1.
 */
int		 disclosure_table_add_row(struct disclosure_table *t,
		    const struct disclosure_query *q,
		    const char *const cols[DISCLOSURE_NDIMS], long long n);
/* q's dimensions as a PostgreSQL array literal "{year,category}". */
void		 disclosure_query_dims_sql(const struct disclosure_query *q,
		    char *buf, size_t len);

/* Introspection, for rendering and tests (after protect). */
size_t		 disclosure_table_cells(const struct disclosure_table *t);
int		 disclosure_table_ndims(const struct disclosure_table *t);
size_t		 disclosure_table_levels(const struct disclosure_table *t,
		    int axis);	/* without the total */
/* Level name in sorted order; index == levels(axis) is DISCLOSURE_ALL. */
const char	*disclosure_table_level(const struct disclosure_table *t,
		    int axis, size_t idx);
enum disclosure_dim disclosure_table_dim(const struct disclosure_table *t,
		    int axis);
int		 disclosure_table_protected(const struct disclosure_table *t);
/* 1 when the cell is a total on some axis. */
int		 disclosure_table_is_total(const struct disclosure_table *t,
		    size_t cell);
/* Cell by coordinates (idx[a] == levels(a) selects the total). */
size_t		 disclosure_table_index(const struct disclosure_table *t,
		    const size_t *idx);
void		 disclosure_table_coords(const struct disclosure_table *t,
		    size_t cell, size_t *idx);
long long	 disclosure_table_value(const struct disclosure_table *t,
		    size_t cell);	/* what would be published */
long long	 disclosure_table_raw(const struct disclosure_table *t,
		    size_t cell);	/* true count: never published */
enum disclosure_cell disclosure_table_status(const struct disclosure_table *t,
		    size_t cell);
size_t		 disclosure_table_suppressed(const struct disclosure_table *t);
/*
 * 1 when some withheld cell is uniquely determined by the published
 * cells and the linear relations between cells and totals, else 0
 * (-1 on memory).  What protect guarantees; exposed for the tests.
 */
int		 disclosure_table_recoverable(const struct disclosure_table *t);

/* ---------------------------------------------------------------- output */

struct disclosure_buf {
	char	*b_data;
	size_t	 b_len;
	size_t	 b_cap;
	int	 b_err;		/* an allocation failed */
};
void		 disclosure_buf_free(struct disclosure_buf *b);

/* RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
void		 disclosure_csv_field(struct disclosure_buf *b, const char *s);
/* Text with &, <, >, " and ' escaped for XML content and attributes. */
void		 disclosure_xml_text(struct disclosure_buf *b, const char *s);

/*
 * What an output states besides the cells: the parameters, and where the
 * exporter's privacy budget stands after this export.  Strings are
 * borrowed; NULL budget strings are left out (tests, the fuzzer).
 */
struct disclosure_meta {
	int		 dm_k;
	double		 dm_epsilon;
	const char	*dm_left;	/* epsilon left in the period ("9.5") */
	const char	*dm_budget;	/* the period's budget ("10") */
	const char	*dm_renews;	/* first day of the next period */
};

/*
 * Render a protected table (stats/disclosure_render.c; the SVG chart is
 * stats/chart.c).  The output states the grouping, the period, k,
 * epsilon, the mechanism and the budget left, and marks every withheld
 * cell (primary and secondary alike: the mark does not say which, since
 * "primary" would reveal 0 < n < k).  Output depends only on its
 * inputs.  0 or -1.
 */
int		 disclosure_render(const struct disclosure_table *t,
		    const struct disclosure_query *q,
		    const struct disclosure_meta *m, struct disclosure_buf *out);

/* Buffer appends shared by the renderers; errors latch in b_err. */
void		 disclosure_buf_add(struct disclosure_buf *b, const char *s,
		    size_t len);
void		 disclosure_buf_str(struct disclosure_buf *b, const char *s);
void		 disclosure_buf_fmt(struct disclosure_buf *b, const char *fmt,
		    ...) __attribute__((__format__(__printf__, 2, 3)));

#endif /* MELDPUNT_DISCLOSURE_H */
