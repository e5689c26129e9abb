/*
 * Disclosure control for statistics exports; see disclosure.h for the
 * interface and docs/research.md for the rules and the reasoning.
 *
 * The table is a dense grid over the levels seen (or seeded) per axis,
 * extended by one "total" level per axis, so that every marginal total
 * is a cell too and each additive relation is a "line": along axis a, the
 * cells at levels 0..L-1 sum to the cell at level L (the total).  Noise
 * goes on the interior cells only; totals are sums of the published
 * (noisy, clamped) interior values, so they stay consistent with the
 * hidden full table.  Suppression then works on lines: a line with
 * exactly one withheld entry gives it away, so a second one is withheld
 * (the heuristic), and a linear-algebra audit over all lines together
 * catches what the per-line rule misses (e.g. a withheld cell that is a
 * bridge between two rings of withheld cells in 2-D).  Components too
 * large for the audit get the conservative rule: every total above a
 * withheld cell is withheld too, which provably leaves each withheld
 * value free (add d to it and to all its totals: every line still adds
 * up).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "stats/disclosure.h"

#define AUDIT_MAX_UNKNOWNS	160	/* dense elimination per component */
#define AUDIT_MAX_ROUNDS	64
#define AUDIT_EPS		1e-9

static const char *const dim_names[DISCLOSURE_NDIMS] = {
	"month", "quarter", "year", "category", "subtype", "province",
	"ground", "sector", "outcome"
};

struct axis {
	enum disclosure_dim a_dim;
	char		**a_names;	/* by id, in insertion order */
	size_t		*a_sorted;	/* ids in name order */
	size_t		*a_rank;	/* id -> sorted position (protect) */
	size_t		 a_n, a_cap;
};

struct disclosure_table {
	int		 t_nd;
	struct axis	 t_ax[DISCLOSURE_NDIMS];
	/* Counts as added: t_nrec records of t_nd level ids and a count. */
	size_t		*t_rec_ids;
	long long	*t_rec_n;
	size_t		 t_nrec, t_reccap;
	/* The grid, after protect. */
	int		 t_protected;
	size_t		 t_ext[DISCLOSURE_NDIMS];	/* levels + 1 */
	size_t		 t_stride[DISCLOSURE_NDIMS];
	size_t		 t_ncells;
	long long	*t_raw;
	long long	*t_val;
	unsigned char	*t_sup;
	size_t		 t_nsup;
};

/* ---------------------------------------------------------------- names */

const char *
disclosure_dim_name(enum disclosure_dim d)
{
	return ((unsigned)d < DISCLOSURE_NDIMS ? dim_names[d] : "?");
}

int
disclosure_dim_parse(const char *s, enum disclosure_dim *out)
{
	int	 i;

	for (i = 0; i < DISCLOSURE_NDIMS; i++)
		if (strcmp(s, dim_names[i]) == 0) {
			*out = (enum disclosure_dim)i;
			return (0);
		}
	return (-1);
}

int
disclosure_dim_is_time(enum disclosure_dim d)
{
	return (d == DISCLOSURE_MONTH || d == DISCLOSURE_QUARTER ||
	    d == DISCLOSURE_YEAR);
}

const char *
disclosure_format_name(enum disclosure_format f)
{
	return (f == DISCLOSURE_JSON ? "json" : f == DISCLOSURE_SVG ? "svg" :
	    "csv");
}

const char *
disclosure_format_type(enum disclosure_format f)
{
	switch (f) {
	case DISCLOSURE_JSON:
		return ("application/json");
	case DISCLOSURE_SVG:
		return ("image/svg+xml");
	default:
		return ("text/csv; charset=utf-8; header=present");
	}
}

/* ---------------------------------------------------------------- parsing */

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
disclosure_query_init(struct disclosure_query *q)
{
	memset(q, 0, sizeof(*q));
	q->q_from = q->q_to = -1;
	q->q_format = DISCLOSURE_CSV;
	q->q_epsilon = -1;
	q->q_lang = I18N_EN;
}

int
disclosure_parse_group(const char *s, struct disclosure_query *q, char *err,
    size_t errlen)
{
	char			 word[16];
	const char		*p = s, *e;
	enum disclosure_dim	 d;
	size_t			 len;
	int			 i, seen_time = 0;

	q->q_ndims = 0;
	for (;;) {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len == 0 || len >= sizeof(word))
			goto bad;
		memcpy(word, p, len);
		word[len] = '\0';
		if (disclosure_dim_parse(word, &d) == -1)
			goto bad;
		for (i = 0; i < q->q_ndims; i++)
			if (q->q_dims[i] == d) {
				seterr(err, errlen, "group: a dimension is named "
				    "twice");
				return (-1);
			}
		/* Month, quarter and year nest: two of them add nothing. */
		if (disclosure_dim_is_time(d) && seen_time++) {
			seterr(err, errlen, "group: at most one of month, "
			    "quarter, year");
			return (-1);
		}
		q->q_dims[q->q_ndims++] = d;
		if (e == NULL)
			return (0);
		p = e + 1;
	}
 bad:
	seterr(err, errlen, "group: a comma-separated list of month, quarter, "
	    "year, category, subtype, province, ground, sector, outcome");
	return (-1);
}

int
disclosure_parse_month(const char *s, int *out)
{
	int	 y, m, i;

	if (strlen(s) != 7 || s[4] != '-')
		return (-1);
	for (i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return (-1);
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (y < 2000 || y > 2999 || m < 1 || m > 12)
		return (-1);
	*out = y * 12 + m - 1;
	return (0);
}

int
disclosure_parse_format(const char *s, enum disclosure_format *out)
{
	if (strcmp(s, "csv") == 0)
		*out = DISCLOSURE_CSV;
	else if (strcmp(s, "json") == 0)
		*out = DISCLOSURE_JSON;
	else if (strcmp(s, "svg") == 0)
		*out = DISCLOSURE_SVG;
	else
		return (-1);
	return (0);
}

int
disclosure_parse_k(const char *s, int *out)
{
	int	 n = 0;
	size_t	 i, len = strlen(s);

	if (len == 0 || len > 4)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	if (n < DISCLOSURE_K_MIN || n > DISCLOSURE_K_MAX)
		return (-1);
	*out = n;
	return (0);
}

/* Strict decimal: digits, optionally '.' and 1..4 digits; no sign/exponent. */
int
disclosure_parse_epsilon(const char *s, double *out)
{
	long	 ip = 0, fp = 0, scale = 1;
	size_t	 i = 0, nd = 0;

	while (isdigit((unsigned char)s[i]) && nd < 3) {
		ip = ip * 10 + (s[i++] - '0');
		nd++;
	}
	if (nd == 0)
		return (-1);
	if (s[i] == '.') {
		i++;
		for (nd = 0; isdigit((unsigned char)s[i]) && nd < 4; nd++) {
			fp = fp * 10 + (s[i++] - '0');
			scale *= 10;
		}
		if (nd == 0)
			return (-1);
	}
	if (s[i] != '\0')
		return (-1);
	*out = (double)ip + (double)fp / (double)scale;
	if (*out == 0)
		return (0);
	if (*out < DISCLOSURE_EPS_MIN - 1e-12 || *out > DISCLOSURE_EPS_MAX)
		return (-1);
	return (0);
}

void
disclosure_month_str(int month, char buf[8])
{
	unsigned	 m = month < 0 ? 0 : (unsigned)month;

	snprintf(buf, 8, "%04u-%02u", (m / 12) % 10000, m % 12 + 1);
}

void
disclosure_month_date(int month, char buf[11])
{
	unsigned	 m = month < 0 ? 0 : (unsigned)month;

	snprintf(buf, 11, "%04u-%02u-01", (m / 12) % 10000, m % 12 + 1);
}

void
disclosure_epsilon_str(double eps, char buf[16])
{
	char	*e;

	if (!(eps > 0) || eps > 1e6) {
		snprintf(buf, 16, "0");
		return;
	}
	snprintf(buf, 16, "%.4f", eps);
	e = buf + strlen(buf);
	while (e[-1] == '0')
		*--e = '\0';
	if (e[-1] == '.')
		e[-1] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Decode a www-form component into out (outlen bytes); -1 if malformed. */
static int
query_decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	 i, o = 0;
	int	 h, l;

	for (i = 0; i < len; i++) {
		char	 c = s[i];

		if (c == '%') {
			if (i + 2 >= len || (h = hexval(s[i + 1])) < 0 ||
			    (l = hexval(s[i + 2])) < 0)
				return (-1);
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+')
			c = ' ';
		/* Only printable ASCII is meaningful in any of our values. */
		if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
			return (-1);
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = c;
	}
	out[o] = '\0';
	return (0);
}

int
disclosure_query_set(struct disclosure_query *q, const char *key,
    const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "group") == 0) {
		if (q->q_ndims != 0)
			goto twice;
		return (disclosure_parse_group(value, q, err, errlen));
	} else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
		int	*m = key[0] == 'f' ? &q->q_from : &q->q_to;

		if (*m != -1)
			goto twice;
		if (disclosure_parse_month(value, m) == -1) {
			seterr(err, errlen, "%s: a month YYYY-MM", key);
			return (-1);
		}
	} else if (strcmp(key, "format") == 0) {
		if (disclosure_parse_format(value, &q->q_format) == -1) {
			seterr(err, errlen, "format: csv, json or svg");
			return (-1);
		}
	} else if (strcmp(key, "k") == 0) {
		if (q->q_k != 0)
			goto twice;
		if (disclosure_parse_k(value, &q->q_k) == -1) {
			seterr(err, errlen, "k: an integer from %d to %d",
			    DISCLOSURE_K_MIN, DISCLOSURE_K_MAX);
			return (-1);
		}
	} else if (strcmp(key, "epsilon") == 0) {
		if (q->q_epsilon >= 0)
			goto twice;
		if (disclosure_parse_epsilon(value, &q->q_epsilon) == -1) {
			seterr(err, errlen, "epsilon: 0 (no noise) or a decimal "
			    "from %.2f to %.0f", DISCLOSURE_EPS_MIN,
			    DISCLOSURE_EPS_MAX);
			return (-1);
		}
	} else if (strcmp(key, "lang") == 0) {
		if (q->q_lang_set++)
			goto twice;
		/* The chart's own texts exist in Dutch and English. */
		if (i18n_parse(value, &q->q_lang) == -1 ||
		    (q->q_lang != I18N_NL && q->q_lang != I18N_EN)) {
			seterr(err, errlen, "lang: nl or en");
			return (-1);
		}
	} else {
		seterr(err, errlen, "unknown parameter");
		return (-1);
	}
	return (0);
 twice:
	seterr(err, errlen, "%s: given twice", key);
	return (-1);
}

int
disclosure_query_check(const struct disclosure_query *q, char *err,
    size_t errlen)
{
	if (q->q_ndims == 0) {
		seterr(err, errlen, "group: required");
		return (-1);
	}
	if (q->q_from == -1 || q->q_to == -1) {
		seterr(err, errlen, "from, to: required (YYYY-MM)");
		return (-1);
	}
	if (q->q_from > q->q_to) {
		seterr(err, errlen, "from: after to");
		return (-1);
	}
	if (q->q_to - q->q_from + 1 > DISCLOSURE_MAX_MONTHS) {
		seterr(err, errlen, "period: at most %d months",
		    DISCLOSURE_MAX_MONTHS);
		return (-1);
	}
	return (0);
}

int
disclosure_query_parse(const char *query, struct disclosure_query *q,
    char *err, size_t errlen)
{
	char		 key[16], val[128];
	const char	*p, *amp, *eq;
	size_t		 len;
	int		 seen_format = 0;

	disclosure_query_init(q);
	p = query != NULL ? query : "";
	while (*p != '\0') {
		amp = strchr(p, '&');
		len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', len);
		if (len == 0 || eq == NULL ||
		    query_decode(p, (size_t)(eq - p), key, sizeof(key)) == -1 ||
		    query_decode(eq + 1, len - (size_t)(eq - p) - 1, val,
		    sizeof(val)) == -1) {
			seterr(err, errlen, "malformed query string");
			return (-1);
		}
		if (strcmp(key, "format") == 0 && seen_format++) {
			seterr(err, errlen, "format: given twice");
			return (-1);
		}
		if (disclosure_query_set(q, key, val, err, errlen) == -1)
			return (-1);
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return (disclosure_query_check(q, err, errlen));
}

/* ---------------------------------------------------------------- random */

void
disclosure_rng_init_os(struct disclosure_rng *r)
{
	memset(r, 0, sizeof(*r));
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

void
disclosure_rng_init_seed(struct disclosure_rng *r, uint64_t seed)
{
	int	 i;

	memset(r, 0, sizeof(*r));
	r->r_seeded = 1;
	for (i = 0; i < 4; i++)
		r->r_s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

int
disclosure_rng_u64(struct disclosure_rng *r, uint64_t *out)
{
	uint64_t	*s = r->r_s, t;
	ssize_t		 n;

	if (r->r_seeded) {	/* xoshiro256**: tests only */
		*out = rotl(s[1] * 5, 7) * 9;
		t = s[1] << 17;
		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = rotl(s[3], 45);
		return (0);
	}
	if (r->r_avail < sizeof(*out)) {
		do
			n = getrandom(r->r_buf, sizeof(r->r_buf), 0);
		while (n == -1 && errno == EINTR);
		if (n != (ssize_t)sizeof(r->r_buf))
			return (-1);
		r->r_avail = sizeof(r->r_buf);
	}
	r->r_avail -= sizeof(*out);
	memcpy(out, r->r_buf + r->r_avail, sizeof(*out));
	/* Used bytes are not kept around for anyone reading memory later. */
	memset(r->r_buf + r->r_avail, 0, sizeof(*out));
	return (0);
}

/*
 * Geometric number of failures before a success of probability 1 - a, by
 * inversion: floor(ln U / ln a) with U uniform on (0, 1].  U has 53
 * random bits, so draws are bounded by 53 ln 2 / epsilon (< 3700 for the
 * smallest epsilon allowed).
 */
static int
geometric_one(struct disclosure_rng *r, double ln_a, long long *out)
{
	uint64_t	 x;
	double		 u;

	if (disclosure_rng_u64(r, &x) == -1)
		return (-1);
	u = ((double)(x >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	*out = (long long)floor(log(u) / ln_a);
	return (0);
}

/* The difference of two i.i.d. geometric draws is two-sided geometric. */
int
disclosure_geometric(struct disclosure_rng *r, double epsilon, long long *out)
{
	long long	 g1, g2;
	double		 ln_a = -epsilon;	/* a = exp(-epsilon / 1) */

	if (!(epsilon > 0))
		return (-1);
	if (geometric_one(r, ln_a, &g1) == -1 ||
	    geometric_one(r, ln_a, &g2) == -1)
		return (-1);
	*out = g1 - g2;
	return (0);
}

/* ---------------------------------------------------------------- tables */

struct disclosure_table *
disclosure_table_new(const enum disclosure_dim *dims, int ndims)
{
	struct disclosure_table	*t;
	int			 i;

	if (ndims < 1 || ndims > DISCLOSURE_NDIMS)
		return (NULL);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->t_nd = ndims;
	for (i = 0; i < ndims; i++)
		t->t_ax[i].a_dim = dims[i];
	return (t);
}

void
disclosure_table_free(struct disclosure_table *t)
{
	size_t	 j;
	int	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->t_nd; i++) {
		for (j = 0; j < t->t_ax[i].a_n; j++)
			free(t->t_ax[i].a_names[j]);
		free(t->t_ax[i].a_names);
		free(t->t_ax[i].a_sorted);
		free(t->t_ax[i].a_rank);
	}
	free(t->t_rec_ids);
	free(t->t_rec_n);
	free(t->t_raw);
	free(t->t_val);
	free(t->t_sup);
	free(t);
}

/* Binary search in sorted order: 1 and the id when found, else 0 and
 * the insertion position in *pos. */
static int
axis_find(const struct axis *a, const char *name, size_t *pos)
{
	size_t	 lo = 0, hi = a->a_n, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(a->a_names[a->a_sorted[mid]], name);
		if (c == 0) {
			*pos = a->a_sorted[mid];
			return (1);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return (0);
}

static int
axis_intern(struct axis *a, const char *name, size_t *id)
{
	size_t	 pos, ncap;
	char	**nn;
	size_t	*ns;

	if (axis_find(a, name, &pos)) {
		*id = pos;
		return (0);
	}
	if (a->a_n == a->a_cap) {
		ncap = a->a_cap ? a->a_cap * 2 : 16;
		if ((nn = reallocarray(a->a_names, ncap, sizeof(*nn))) == NULL)
			return (-1);
		a->a_names = nn;
		if ((ns = reallocarray(a->a_sorted, ncap, sizeof(*ns))) == NULL)
			return (-1);
		a->a_sorted = ns;
		a->a_cap = ncap;
	}
	if ((a->a_names[a->a_n] = strdup(name)) == NULL)
		return (-1);
	memmove(a->a_sorted + pos + 1, a->a_sorted + pos,
	    (a->a_n - pos) * sizeof(*a->a_sorted));
	a->a_sorted[pos] = a->a_n;
	*id = a->a_n++;
	return (0);
}

int
disclosure_table_add_level(struct disclosure_table *t, int axis,
    const char *level)
{
	size_t	 id;

	if (t->t_protected || axis < 0 || axis >= t->t_nd)
		return (-1);
	return (axis_intern(&t->t_ax[axis], level, &id));
}

int
disclosure_table_add(struct disclosure_table *t, const char *const *levels,
    long long n)
{
	size_t		 ncap, *ni;
	long long	*nn;
	int		 i;

	if (t->t_protected || n < 0 || n > (1LL << 40))
		return (-1);
	if (t->t_nrec == t->t_reccap) {
		ncap = t->t_reccap ? t->t_reccap * 2 : 64;
		if ((ni = reallocarray(t->t_rec_ids, ncap * t->t_nd,
		    sizeof(*ni))) == NULL)
			return (-1);
		t->t_rec_ids = ni;
		if ((nn = reallocarray(t->t_rec_n, ncap, sizeof(*nn))) == NULL)
			return (-1);
		t->t_rec_n = nn;
		t->t_reccap = ncap;
	}
	for (i = 0; i < t->t_nd; i++)
		if (axis_intern(&t->t_ax[i], levels[i] != NULL ? levels[i] : "",
		    &t->t_rec_ids[t->t_nrec * t->t_nd + i]) == -1)
			return (-1);
	t->t_rec_n[t->t_nrec++] = n;
	return (0);
}

static const char *const categories[] = {
	"labour_discrimination", "foreign_interference", "honour_violence"
};
/* '' is "still open"; the others are the states a case closes from. */
static const char *const outcomes[] = {
	"", "referred", "resolved", "unfounded", "withdrawn"
};

struct disclosure_table *
disclosure_table_for_query(const struct disclosure_query *q)
{
	struct disclosure_table	*t;
	char			 lvl[16];
	size_t			 i;
	int			 a, m;
	unsigned		 um;

	if ((t = disclosure_table_new(q->q_dims, q->q_ndims)) == NULL)
		return (NULL);
	for (a = 0; a < q->q_ndims; a++) {
		switch (q->q_dims[a]) {
		case DISCLOSURE_MONTH:
		case DISCLOSURE_QUARTER:
		case DISCLOSURE_YEAR:
			for (m = q->q_from; m <= q->q_to; m++) {
				um = (unsigned)m;
				if (q->q_dims[a] == DISCLOSURE_MONTH)
					disclosure_month_str(m, lvl);
				else if (q->q_dims[a] == DISCLOSURE_QUARTER)
					snprintf(lvl, sizeof(lvl), "%04u-Q%u",
					    (um / 12) % 10000, um % 12 / 3 + 1);
				else
					snprintf(lvl, sizeof(lvl), "%04u",
					    (um / 12) % 10000);
				if (disclosure_table_add_level(t, a, lvl) == -1)
					goto fail;
			}
			break;
		case DISCLOSURE_CATEGORY:
			for (i = 0; i < 3; i++)
				if (disclosure_table_add_level(t, a,
				    categories[i]) == -1)
					goto fail;
			break;
		case DISCLOSURE_OUTCOME:
			for (i = 0; i < 5; i++)
				if (disclosure_table_add_level(t, a,
				    outcomes[i]) == -1)
					goto fail;
			break;
		default:
			break;
		}
	}
	return (t);
 fail:
	disclosure_table_free(t);
	return (NULL);
}

int
disclosure_table_add_row(struct disclosure_table *t,
    const struct disclosure_query *q, const char *const cols[DISCLOSURE_NDIMS],
    long long n)
{
	const char	*lv[DISCLOSURE_NDIMS];
	int		 a;

	for (a = 0; a < q->q_ndims; a++)
		lv[a] = cols[q->q_dims[a]] != NULL ? cols[q->q_dims[a]] : "";
	return (disclosure_table_add(t, lv, n));
}

void
disclosure_query_dims_sql(const struct disclosure_query *q, char *buf,
    size_t len)
{
	size_t	 o;
	int	 a;

	o = (size_t)snprintf(buf, len, "{");
	for (a = 0; a < q->q_ndims && o < len; a++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", a ? "," : "",
		    disclosure_dim_name(q->q_dims[a]));
	if (o < len)
		snprintf(buf + o, len - o, "}");
}

size_t
disclosure_table_cells(const struct disclosure_table *t)
{
	return (t->t_ncells);
}

int
disclosure_table_ndims(const struct disclosure_table *t)
{
	return (t->t_nd);
}

size_t
disclosure_table_levels(const struct disclosure_table *t, int axis)
{
	return (t->t_ax[axis].a_n);
}

const char *
disclosure_table_level(const struct disclosure_table *t, int axis, size_t idx)
{
	const struct axis	*a = &t->t_ax[axis];

	if (idx >= a->a_n)
		return (DISCLOSURE_ALL);
	return (a->a_names[a->a_sorted[idx]]);
}

size_t
disclosure_table_index(const struct disclosure_table *t, const size_t *idx)
{
	size_t	 c = 0;
	int	 i;

	for (i = 0; i < t->t_nd; i++)
		c += idx[i] * t->t_stride[i];
	return (c);
}

void
disclosure_table_coords(const struct disclosure_table *t, size_t cell,
    size_t *idx)
{
	int	 i;

	for (i = 0; i < t->t_nd; i++) {
		idx[i] = cell / t->t_stride[i];
		cell %= t->t_stride[i];
	}
}

long long
disclosure_table_value(const struct disclosure_table *t, size_t cell)
{
	return (t->t_val[cell]);
}

long long
disclosure_table_raw(const struct disclosure_table *t, size_t cell)
{
	return (t->t_raw[cell]);
}

enum disclosure_cell
disclosure_table_status(const struct disclosure_table *t, size_t cell)
{
	return ((enum disclosure_cell)t->t_sup[cell]);
}

size_t
disclosure_table_suppressed(const struct disclosure_table *t)
{
	return (t->t_nsup);
}

enum disclosure_dim
disclosure_table_dim(const struct disclosure_table *t, int axis)
{
	return (t->t_ax[axis].a_dim);
}

int
disclosure_table_protected(const struct disclosure_table *t)
{
	return (t->t_protected && t->t_val != NULL);
}

/* Coordinate of cell on axis a. */
static size_t
coord(const struct disclosure_table *t, size_t cell, int a)
{
	return ((cell / t->t_stride[a]) % t->t_ext[a]);
}

static int
is_total_on(const struct disclosure_table *t, size_t cell, int a)
{
	return (coord(t, cell, a) == t->t_ext[a] - 1);
}

/*
 * Totals by passes in axis order: after pass a, every cell whose total
 * axes are all <= a holds its sum (its members' total axes are a subset
 * of the earlier ones).  Cells with later total axes are recomputed in
 * their own pass.
 */
static void
sum_totals(const struct disclosure_table *t, long long *v)
{
	size_t		 c, i, L, st;
	long long	 s;
	int		 a;

	for (a = 0; a < t->t_nd; a++) {
		L = t->t_ext[a] - 1;
		st = t->t_stride[a];
		for (c = 0; c < t->t_ncells; c++) {
			if (!is_total_on(t, c, a))
				continue;
			s = 0;
			for (i = 0; i < L; i++)
				s += v[c - (L - i) * st];
			v[c] = s;
		}
	}
}

static int
is_interior(const struct disclosure_table *t, size_t cell)
{
	int	 a;

	for (a = 0; a < t->t_nd; a++)
		if (is_total_on(t, cell, a))
			return (0);
	return (1);
}

int
disclosure_table_is_total(const struct disclosure_table *t, size_t cell)
{
	return (!is_interior(t, cell));
}

static void
suppress(struct disclosure_table *t, size_t cell, enum disclosure_cell why)
{
	if (t->t_sup[cell] == DISCLOSURE_SHOWN) {
		t->t_sup[cell] = (unsigned char)why;
		t->t_nsup++;
	}
}

/*
 * Best complement in the line along axis a whose total is cell tot:
 * the smallest non-zero member shown (it hides the most), else a zero
 * member, else the total itself.  (size_t)-1 when all are withheld.
 */
static size_t
line_pick(const struct disclosure_table *t, int a, size_t tot)
{
	size_t		 L = t->t_ext[a] - 1, st = t->t_stride[a], i, c;
	size_t		 best = (size_t)-1;
	int		 bestcls = 3, cls;

	for (i = 0; i < L; i++) {
		c = tot - (L - i) * st;
		if (t->t_sup[c] != DISCLOSURE_SHOWN)
			continue;
		cls = t->t_val[c] > 0 ? 0 : 1;
		if (cls < bestcls || (cls == bestcls &&
		    t->t_val[c] < t->t_val[best])) {
			best = c;
			bestcls = cls;
		}
	}
	if (best == (size_t)-1 && t->t_sup[tot] == DISCLOSURE_SHOWN)
		best = tot;
	return (best);
}

/* Withheld entries of a line (members and total). */
static size_t
line_count(const struct disclosure_table *t, int a, size_t tot)
{
	size_t	 L = t->t_ext[a] - 1, st = t->t_stride[a], i, n;

	n = t->t_sup[tot] != DISCLOSURE_SHOWN;
	for (i = 0; i < L; i++)
		n += t->t_sup[tot - (L - i) * st] != DISCLOSURE_SHOWN;
	return (n);
}

/* Per-line rule to its fixed point: no line with exactly one withheld. */
static void
heuristic(struct disclosure_table *t)
{
	size_t	 c, pick;
	int	 a, changed;

	do {
		changed = 0;
		for (a = 0; a < t->t_nd; a++) {
			if (t->t_ext[a] < 2)
				continue;
			for (c = 0; c < t->t_ncells; c++) {
				if (!is_total_on(t, c, a) ||
				    line_count(t, a, c) != 1)
					continue;
				if ((pick = line_pick(t, a, c)) != (size_t)-1) {
					suppress(t, pick, DISCLOSURE_SECONDARY);
					changed = 1;
				}
			}
		}
	} while (changed);
}

/* The total of the line along axis a through cell. */
static size_t
line_total(const struct disclosure_table *t, size_t cell, int a)
{
	return (cell + (t->t_ext[a] - 1 - coord(t, cell, a)) * t->t_stride[a]);
}

struct lineref {
	size_t	 l_line;	/* total cell * nd + axis */
	size_t	 l_unk;		/* index into the unknown list */
};

static int
lineref_cmp(const void *x, const void *y)
{
	const struct lineref	*p = x, *q = y;

	if (p->l_line != q->l_line)
		return (p->l_line < q->l_line ? -1 : 1);
	return (p->l_unk < q->l_unk ? -1 : p->l_unk > q->l_unk);
}

static size_t
uf_find(size_t *par, size_t x)
{
	while (par[x] != x) {
		par[x] = par[par[x]];
		x = par[x];
	}
	return (x);
}

/*
 * Gaussian elimination of one component: rows = the lines touching its
 * unknowns (coefficient +1 for withheld members, -1 for a withheld
 * total), columns = its unknowns.  An unknown is determined when its
 * pivot row in reduced echelon form has no other non-zero entry.
 * Returns the local index of a determined unknown, -1 when none, -2 on
 * memory.
 */
static long
component_solve(const struct disclosure_table *t, const size_t *unk,
    const size_t *cols, size_t ncols, const size_t *lines, size_t nlines)
{
	double	*m, *row, f;
	size_t	 r, c, i, k = 0, L, tot, rank = 0, piv, cell;
	long	 found = -1;
	int	 a, nz;

	if ((m = calloc(nlines * ncols, sizeof(*m))) == NULL)
		return (-2);
	for (r = 0; r < nlines; r++) {
		row = m + r * ncols;
		tot = lines[r] / (size_t)t->t_nd;
		a = (int)(lines[r] % (size_t)t->t_nd);
		L = t->t_ext[a] - 1;
		for (c = 0; c < ncols; c++) {
			cell = unk[cols[c]];
			if (cell == tot)
				row[c] = -1;
			else if (line_total(t, cell, a) == tot &&
			    coord(t, cell, a) < L)
				row[c] = 1;
		}
	}
	for (c = 0; c < ncols && rank < nlines; c++) {
		piv = rank;
		for (r = rank + 1; r < nlines; r++)
			if (fabs(m[r * ncols + c]) > fabs(m[piv * ncols + c]))
				piv = r;
		if (fabs(m[piv * ncols + c]) < AUDIT_EPS)
			continue;
		if (piv != rank)
			for (k = 0; k < ncols; k++) {
				f = m[piv * ncols + k];
				m[piv * ncols + k] = m[rank * ncols + k];
				m[rank * ncols + k] = f;
			}
		f = m[rank * ncols + c];
		for (k = 0; k < ncols; k++)
			m[rank * ncols + k] /= f;
		for (r = 0; r < nlines; r++) {
			if (r == rank || fabs(m[r * ncols + c]) < AUDIT_EPS)
				continue;
			f = m[r * ncols + c];
			for (k = 0; k < ncols; k++)
				m[r * ncols + k] -= f * m[rank * ncols + k];
		}
		rank++;
	}
	for (r = 0; r < rank && found < 0; r++) {
		row = m + r * ncols;
		nz = 0;
		for (i = 0; i < ncols; i++)
			if (fabs(row[i]) > AUDIT_EPS) {
				nz++;
				k = i;
			}
		if (nz == 1)
			found = (long)k;
	}
	free(m);
	return (found);
}

/*
 * Find a withheld cell that the published values determine.  Returns 1
 * with *cell set, 0 when none, 2 when a component is too large to audit
 * (max_unk), -1 on memory.
 */
static int
audit(const struct disclosure_table *t, size_t max_unk, size_t *cell)
{
	struct lineref	*refs = NULL;
	size_t		*unk = NULL, *par = NULL, *cols = NULL, *lines = NULL;
	size_t		 nunk = 0, nref = 0, i, c, root, ncols, nlines;
	long		 got;
	int		 a, rc = -1;

	if ((unk = calloc(t->t_nsup + 1, sizeof(*unk))) == NULL ||
	    (par = calloc(t->t_nsup + 1, sizeof(*par))) == NULL ||
	    (cols = calloc(t->t_nsup + 1, sizeof(*cols))) == NULL ||
	    (refs = calloc((t->t_nsup + 1) * (size_t)t->t_nd,
	    sizeof(*refs))) == NULL ||
	    (lines = calloc((t->t_nsup + 1) * (size_t)t->t_nd,
	    sizeof(*lines))) == NULL)
		goto done;
	for (c = 0; c < t->t_ncells; c++)
		if (t->t_sup[c] != DISCLOSURE_SHOWN)
			unk[nunk++] = c;
	for (i = 0; i < nunk; i++) {
		par[i] = i;
		for (a = 0; a < t->t_nd; a++) {
			if (t->t_ext[a] < 2)
				continue;
			refs[nref].l_line = line_total(t, unk[i], a) *
			    (size_t)t->t_nd + (size_t)a;
			refs[nref++].l_unk = i;
		}
	}
	qsort(refs, nref, sizeof(*refs), lineref_cmp);
	for (i = 1; i < nref; i++)
		if (refs[i].l_line == refs[i - 1].l_line)
			par[uf_find(par, refs[i].l_unk)] =
			    uf_find(par, refs[i - 1].l_unk);
	rc = 0;
	for (root = 0; root < nunk && rc == 0; root++) {
		if (uf_find(par, root) != root)
			continue;
		ncols = nlines = 0;
		for (i = 0; i < nunk; i++)
			if (uf_find(par, i) == root)
				cols[ncols++] = i;
		for (i = 0; i < nref; i++)
			if (uf_find(par, refs[i].l_unk) == root &&
			    (nlines == 0 || lines[nlines - 1] != refs[i].l_line))
				lines[nlines++] = refs[i].l_line;
		if (ncols > max_unk) {
			rc = 2;
			break;
		}
		got = component_solve(t, unk, cols, ncols, lines, nlines);
		if (got == -2)
			rc = -1;
		else if (got >= 0) {
			*cell = unk[cols[got]];
			rc = 1;
		}
	}
 done:
	free(refs);
	free(unk);
	free(par);
	free(cols);
	free(lines);
	return (rc);
}

int
disclosure_table_recoverable(const struct disclosure_table *t)
{
	size_t	 cell;
	int	 rc;

	rc = audit(t, (size_t)-1, &cell);
	return (rc == 1 ? 1 : rc == 0 ? 0 : -1);
}

/* Complement for a determined cell: the best pick over all its lines. */
static int
complement(struct disclosure_table *t, size_t cell)
{
	size_t	 pick, best = (size_t)-1, tot;
	int	 a, bestcls = 3, cls;

	for (a = 0; a < t->t_nd; a++) {
		if (t->t_ext[a] < 2)
			continue;
		tot = line_total(t, cell, a);
		if ((pick = line_pick(t, a, tot)) == (size_t)-1)
			continue;
		cls = pick == tot ? 2 : t->t_val[pick] > 0 ? 0 : 1;
		if (cls < bestcls || (cls == bestcls &&
		    t->t_val[pick] < t->t_val[best])) {
			best = pick;
			bestcls = cls;
		}
	}
	if (best == (size_t)-1)
		return (-1);
	suppress(t, best, DISCLOSURE_SECONDARY);
	return (0);
}

/*
 * The conservative rule: withhold every total above a withheld interior
 * cell; then show again any withheld total with no withheld interior
 * cell beneath it (it is a sum of published cells: it hides nothing).
 */
static void
conservative(struct disclosure_table *t)
{
	unsigned char	*below;
	size_t		 c, m, sub, nsub;
	size_t		 idx[DISCLOSURE_NDIMS];
	int		 a;

	if ((below = calloc(t->t_ncells, 1)) == NULL) {
		/* Fall back to withholding every total. */
		for (c = 0; c < t->t_ncells; c++)
			if (!is_interior(t, c))
				suppress(t, c, DISCLOSURE_SECONDARY);
		return;
	}
	nsub = (size_t)1 << t->t_nd;
	for (c = 0; c < t->t_ncells; c++) {
		if (!is_interior(t, c) || t->t_sup[c] == DISCLOSURE_SHOWN)
			continue;
		disclosure_table_coords(t, c, idx);
		for (sub = 1; sub < nsub; sub++) {
			m = c;
			for (a = 0; a < t->t_nd; a++)
				if (sub & ((size_t)1 << a))
					m += (t->t_ext[a] - 1 - idx[a]) *
					    t->t_stride[a];
			suppress(t, m, DISCLOSURE_SECONDARY);
			below[m] = 1;
		}
	}
	for (c = 0; c < t->t_ncells; c++)
		if (!is_interior(t, c) && !below[c] &&
		    t->t_sup[c] == DISCLOSURE_SECONDARY) {
			t->t_sup[c] = DISCLOSURE_SHOWN;
			t->t_nsup--;
		}
	free(below);
}

static int
build_grid(struct disclosure_table *t, char *err, size_t errlen)
{
	size_t		 n = 1, c, r, i;
	struct axis	*ax;
	int		 a;

	for (a = 0; a < t->t_nd; a++) {
		ax = &t->t_ax[a];
		t->t_ext[a] = ax->a_n + 1;
		if (n > DISCLOSURE_MAX_CELLS / t->t_ext[a]) {
			seterr(err, errlen, "grouping too fine: more than %d "
			    "cells", DISCLOSURE_MAX_CELLS);
			return (-1);
		}
		n *= t->t_ext[a];
		if (ax->a_n > 0 && (ax->a_rank = calloc(ax->a_n,
		    sizeof(*ax->a_rank))) == NULL)
			goto nomem;
		for (i = 0; i < ax->a_n; i++)
			ax->a_rank[ax->a_sorted[i]] = i;
	}
	t->t_ncells = n;
	for (a = t->t_nd - 1, n = 1; a >= 0; a--) {
		t->t_stride[a] = n;
		n *= t->t_ext[a];
	}
	if ((t->t_raw = calloc(t->t_ncells, sizeof(*t->t_raw))) == NULL ||
	    (t->t_val = calloc(t->t_ncells, sizeof(*t->t_val))) == NULL ||
	    (t->t_sup = calloc(t->t_ncells, 1)) == NULL)
		goto nomem;
	for (r = 0; r < t->t_nrec; r++) {
		c = 0;
		for (a = 0; a < t->t_nd; a++)
			c += t->t_ax[a].a_rank[t->t_rec_ids[r * t->t_nd + a]] *
			    t->t_stride[a];
		t->t_raw[c] += t->t_rec_n[r];
	}
	return (0);
 nomem:
	seterr(err, errlen, "out of memory");
	return (-1);
}

int
disclosure_table_protect(struct disclosure_table *t, int k, double epsilon,
    struct disclosure_rng *rng, char *err, size_t errlen)
{
	size_t		 c, cell;
	long long	 z;
	int		 round, rc;

	if (t->t_protected || k < DISCLOSURE_K_MIN || epsilon < 0 ||
	    (epsilon > 0 && rng == NULL)) {
		seterr(err, errlen, "invalid parameters");
		return (-1);
	}
	t->t_protected = 1;
	if (build_grid(t, err, errlen) == -1)
		return (-1);
	sum_totals(t, t->t_raw);
	/* Noise on every interior cell, zeros included (else the zeros'
	 * absence of noise would tell them apart). */
	for (c = 0; c < t->t_ncells; c++) {
		if (!is_interior(t, c))
			continue;
		t->t_val[c] = t->t_raw[c];
		if (epsilon > 0) {
			if (disclosure_geometric(rng, epsilon, &z) == -1) {
				seterr(err, errlen, "random source failed");
				return (-1);
			}
			t->t_val[c] = t->t_raw[c] + z < 0 ? 0 : t->t_raw[c] + z;
		}
	}
	sum_totals(t, t->t_val);
	for (c = 0; c < t->t_ncells; c++)
		if (t->t_val[c] > 0 && t->t_val[c] < k)
			suppress(t, c, DISCLOSURE_PRIMARY);
	for (round = 0; ; round++) {
		heuristic(t);
		if (t->t_nsup == 0)
			break;
		rc = audit(t, AUDIT_MAX_UNKNOWNS, &cell);
		if (rc == 0)
			break;
		if (rc == -1) {
			seterr(err, errlen, "out of memory");
			return (-1);
		}
		if (rc == 2 || round >= AUDIT_MAX_ROUNDS ||
		    complement(t, cell) == -1) {
			conservative(t);
			break;
		}
	}
	return (0);
}
