/*
 * meldctl stats: export is the command-line twin of GET
 * /v1/research/stats.  Its options are the endpoint's query keys
 * (--group, --from, --to, --format, --k, --epsilon, --lang) parsed by the
 * same code, plus --actor (who runs it; recorded in the audit chain as
 * admin:<actor>, budget key cli:<actor>) and -o FILE.  It connects as
 * mp_research, whose only functions are stats.cli_export/cli_budget, so
 * an export cannot skip the budget debit or the audit event.  budget
 * shows and sets the budget policies (connect as mp_admin: whoever holds
 * mp_research cannot raise its own budget).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/staffadm.h"
#include "admin/stats.h"

static const char usage_text[] =
    "usage: meldctl [-d CONNINFO] stats export --group DIMS --from YYYY-MM\n"
    "           --to YYYY-MM [--format csv|json|svg] [--k K] [--epsilon E]\n"
    "           [--lang nl|en] [--actor NAME] [-o FILE]\n"
    "       meldctl [-d CONNINFO] stats annual --year YYYY [--k K]\n"
    "           [--epsilon E] [--lang nl|en] [--actor NAME] [-o CSVFILE]\n"
    "           [--html FILE]\n"
    "       meldctl [-d CONNINFO] stats budget [--researcher NAME |\n"
    "           --operator NAME | --default] [--epsilon B]\n"
    "           [--period year|quarter|month] [--allow-exact |\n"
    "           --require-noise] [--actor NAME]\n";

static int
stats_usage(FILE *fp, const char *why)
{
	if (why != NULL)
		fprintf(fp, "meldctl: stats export: %s\n", why);
	fputs(usage_text, fp);
	return (EX_USAGE);
}

int
stats_export(PGconn *conn, const struct stats_export_opts *o,
    struct disclosure_rng *rng, FILE *out, FILE *err)
{
	struct disclosure_table	*t = NULL;
	struct disclosure_buf	 buf;
	struct disclosure_rng	 osrng;
	struct disclosure_meta	 m;
	PGresult		*res = NULL, *left = NULL;
	const char		*params[7], *cols[DISCLOSURE_NDIMS];
	char			 dims[128], from[11], to[11], k[16], eps[16];
	char			 why[128], state[6];
	int			 rc = EX_SOFTWARE, r, d;

	memset(&buf, 0, sizeof(buf));
	disclosure_query_dims_sql(&o->se_q, dims, sizeof(dims));
	disclosure_month_date(o->se_q.q_from, from);
	disclosure_month_date(o->se_q.q_to, to);
	snprintf(k, sizeof(k), "%d", o->se_k);
	disclosure_epsilon_str(o->se_epsilon, eps);
	params[0] = o->se_actor;
	params[1] = dims;
	params[2] = from;
	params[3] = to;
	params[4] = disclosure_format_name(o->se_q.q_format);
	params[5] = k;
	params[6] = eps;
	if (adb_exec(conn, "BEGIN", state) == -1)
		goto dberr;
	res = PQexecParams(conn, "SELECT * FROM stats.cli_export($1, "
	    "$2::text[], $3::date, $4::date, $5, $6::integer, $7::numeric)",
	    7, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(state, sizeof(state), "%s", adb_sqlstate(res));
		goto dberr;
	}
	left = PQexecParams(conn, "SELECT trim_scale(remaining)::text, "
	    "trim_scale(budget)::text, period_end::text FROM "
	    "stats.cli_budget($1)", 1, NULL, &o->se_actor, NULL, NULL, 0);
	if (PQresultStatus(left) != PGRES_TUPLES_OK || PQntuples(left) != 1) {
		snprintf(state, sizeof(state), "%s", adb_sqlstate(left));
		goto dberr;
	}
	if (adb_exec(conn, "COMMIT", state) == -1)
		goto dberr;
	if ((t = disclosure_table_for_query(&o->se_q)) == NULL)
		goto nomem;
	for (r = 0; r < PQntuples(res); r++) {
		for (d = 0; d < DISCLOSURE_NDIMS; d++)
			cols[d] = PQgetisnull(res, r, d) ? NULL :
			    PQgetvalue(res, r, d);
		if (disclosure_table_add_row(t, &o->se_q, cols,
		    strtoll(PQgetvalue(res, r, DISCLOSURE_NDIMS), NULL,
		    10)) == -1)
			goto nomem;
	}
	if (rng == NULL) {
		disclosure_rng_init_os(&osrng);
		rng = &osrng;
	}
	if (disclosure_table_protect(t, o->se_k, o->se_epsilon, rng, why,
	    sizeof(why)) == -1) {
		fprintf(err, "meldctl: stats export: %s\n", why);
		rc = EX_DATAERR;
		goto done;
	}
	memset(&m, 0, sizeof(m));
	m.dm_k = o->se_k;
	m.dm_epsilon = o->se_epsilon;
	m.dm_left = PQgetvalue(left, 0, 0);
	m.dm_budget = PQgetvalue(left, 0, 1);
	m.dm_renews = PQgetvalue(left, 0, 2);
	if (disclosure_render(t, &o->se_q, &m, &buf) == -1)
		goto nomem;
	if (fwrite(buf.b_data, 1, buf.b_len, out) != buf.b_len ||
	    fflush(out) != 0) {
		fprintf(err, "meldctl: stats export: write failed\n");
		rc = EX_IOERR;
		goto done;
	}
	fprintf(err, "meldctl: stats export: k=%d epsilon=%s, %zu cells "
	    "withheld, epsilon left for %s: %s of %s until %s\n", o->se_k,
	    eps, disclosure_table_suppressed(t), o->se_actor, m.dm_left,
	    m.dm_budget, m.dm_renews);
	rc = EX_OK;
	goto done;
 dberr:
	adb_exec(conn, "ROLLBACK", NULL);
	if (strcmp(state, "MP050") == 0) {
		fprintf(err, "meldctl: stats export: refused: epsilon %s would "
		    "exceed the budget left to %s in this period (see meldctl "
		    "stats budget)\n", eps, o->se_actor);
		rc = EX_NOPERM;
	} else if (strcmp(state, "MP051") == 0) {
		fprintf(err, "meldctl: stats export: refused: epsilon 0 (no "
		    "noise) is not allowed for %s; give --epsilon from 0.01 "
		    "to 10, or have an administrator run meldctl stats budget "
		    "--operator %s --allow-exact\n", o->se_actor, o->se_actor);
		rc = EX_NOPERM;
	} else if (strcmp(state, "42501") == 0) {
		fprintf(err, "meldctl: stats export: permission denied "
		    "(connect as mp_research)\n");
		rc = EX_NOPERM;
	} else {
		fprintf(err, "meldctl: stats export: database error, "
		    "sqlstate %s\n", state);
		rc = EX_UNAVAILABLE;
	}
	goto done;
 nomem:
	fprintf(err, "meldctl: stats export: out of memory\n");
	rc = EX_OSERR;
 done:
	PQclear(res);
	PQclear(left);
	disclosure_table_free(t);
	disclosure_buf_free(&buf);
	return (rc);
}

static const char *
opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t	 len = strlen(name);

	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return (argv[++*i]);
	if (strncmp(argv[*i], name, len) == 0 && argv[*i][len] == '=')
		return (argv[*i] + len + 1);
	return (NULL);
}

/* `stats export ...`: option parsing, connect, stats_export. */
static int
stats_export_cmd(struct meldctl_opts *mo, int argc, char **argv)
{
	static const char *const qkeys[] = { "group", "from", "to", "format",
	    "k", "epsilon", "lang" };
	struct stats_export_opts o;
	const char	*v, *path = NULL;
	char		 opt[16], why[160];
	FILE		*out = stdout;
	PGconn		*conn;
	size_t		 q;
	int		 i, rc, done;

	memset(&o, 0, sizeof(o));
	disclosure_query_init(&o.se_q);
	o.se_actor = keys_actor();	/* never needs $USER */
	for (i = 2; i < argc; i++) {
		done = 0;
		for (q = 0; q < sizeof(qkeys) / sizeof(qkeys[0]) && !done; q++) {
			snprintf(opt, sizeof(opt), "--%s", qkeys[q]);
			if ((v = opt_value(argc, argv, &i, opt)) == NULL)
				continue;
			if (disclosure_query_set(&o.se_q, qkeys[q], v, why,
			    sizeof(why)) == -1)
				return (stats_usage(stderr, why));
			done = 1;
		}
		if (done)
			continue;
		if ((v = opt_value(argc, argv, &i, "--actor")) != NULL)
			o.se_actor = v;
		else if ((v = opt_value(argc, argv, &i, "-o")) != NULL)
			path = v;
		else
			return (stats_usage(stderr, "unknown option"));
	}
	if (disclosure_query_check(&o.se_q, why, sizeof(why)) == -1)
		return (stats_usage(stderr, why));
	o.se_k = o.se_q.q_k != 0 ? o.se_q.q_k : STATS_CLI_K;
	o.se_epsilon = o.se_q.q_epsilon >= 0 ? o.se_q.q_epsilon :
	    STATS_CLI_EPSILON;
	if (*o.se_actor == '\0')
		return (stats_usage(stderr, "--actor: empty"));
	if ((conn = adb_connect(mo->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	if (path != NULL && (out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "meldctl: stats export: cannot open the "
		    "output file\n");
		PQfinish(conn);
		return (EX_CANTCREAT);
	}
	rc = stats_export(conn, &o, NULL, out, stderr);
	if (path != NULL && fclose(out) != 0 && rc == EX_OK)
		rc = EX_IOERR;
	PQfinish(conn);
	return (rc);
}

int
stats_budget_show(PGconn *conn, FILE *out, FILE *err)
{
	PGresult	*res;
	int		 r;

	res = PQexec(conn, "SELECT name, trim_scale(budget)::text, "
	    "trim_scale(spent)::text, trim_scale(remaining)::text, period, "
	    "period_end::text, CASE WHEN allow_exact THEN 'allowed' ELSE "
	    "'refused' END FROM stats.budget_show()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(err, "meldctl: stats budget: %s, sqlstate %s\n",
		    strcmp(adb_sqlstate(res), "42501") == 0 ?
		    "permission denied (connect as mp_admin)" :
		    "database error", adb_sqlstate(res));
		PQclear(res);
		return (EX_NOPERM);
	}
	fprintf(out, "%-24s %8s %8s %8s %-8s %-10s %s\n", "researcher",
	    "budget", "spent", "left", "period", "renews", "epsilon 0");
	for (r = 0; r < PQntuples(res); r++)
		fprintf(out, "%-24s %8s %8s %8s %-8s %-10s %s\n",
		    PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
		    PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
		    PQgetvalue(res, r, 4), PQgetvalue(res, r, 5),
		    PQgetvalue(res, r, 6));
	PQclear(res);
	return (EX_OK);
}

int
stats_budget_grant(PGconn *conn, const struct stats_budget_opts *b,
    FILE *err)
{
	PGresult	*res;
	const char	*params[6];
	char		 state[6];

	params[0] = b->sb_actor;
	params[1] = b->sb_kind;
	params[2] = b->sb_name;
	params[3] = b->sb_budget;
	params[4] = b->sb_period;
	params[5] = b->sb_allow_exact;
	res = PQexecParams(conn, "SELECT stats.budget_grant($1, $2, $3, "
	    "$4::numeric, $5, $6::boolean)", 6, NULL, params, NULL, NULL, 0);
	snprintf(state, sizeof(state), "%s", adb_sqlstate(res));
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		PQclear(res);
		return (EX_OK);
	}
	PQclear(res);
	if (strcmp(state, "MP010") == 0)
		fprintf(err, "meldctl: stats budget: no such researcher\n");
	else if (strcmp(state, "42501") == 0)
		fprintf(err, "meldctl: stats budget: permission denied "
		    "(connect as mp_admin)\n");
	else
		fprintf(err, "meldctl: stats budget: refused, sqlstate %s\n",
		    state);
	return (strcmp(state, "MP010") == 0 ? EX_NOUSER : EX_NOPERM);
}

/* A decimal from 0 to 1000 with at most 4 decimals. */
static int
budget_valid(const char *v)
{
	char	*end;
	double	 d;
	const char *dot;

	if (*v < '0' || *v > '9')
		return (0);
	d = strtod(v, &end);
	dot = strchr(v, '.');
	return (*end == '\0' && d <= 1000 && (dot == NULL ||
	    strlen(dot + 1) <= 4));
}

/* `stats budget [...]`: with a --researcher/--operator/--default, set. */
static int
stats_budget_cmd(struct meldctl_opts *mo, int argc, char **argv)
{
	struct stats_budget_opts b;
	const char	*v;
	PGconn		*conn;
	int		 i, rc;

	memset(&b, 0, sizeof(b));
	b.sb_actor = keys_actor();	/* never needs $USER */
	for (i = 2; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--researcher")) != NULL) {
			b.sb_kind = "researcher";
			b.sb_name = v;
		} else if ((v = opt_value(argc, argv, &i, "--operator")) !=
		    NULL) {
			b.sb_kind = "operator";
			b.sb_name = v;
		} else if (strcmp(argv[i], "--default") == 0) {
			b.sb_kind = "default";
			b.sb_name = "*";
		} else if ((v = opt_value(argc, argv, &i, "--epsilon")) !=
		    NULL) {
			if (!budget_valid(v))
				return (stats_usage(stderr, "--epsilon: a "
				    "decimal from 0 to 1000"));
			b.sb_budget = v;
		} else if ((v = opt_value(argc, argv, &i, "--period")) !=
		    NULL) {
			if (strcmp(v, "year") != 0 &&
			    strcmp(v, "quarter") != 0 &&
			    strcmp(v, "month") != 0)
				return (stats_usage(stderr, "--period: year, "
				    "quarter or month"));
			b.sb_period = v;
		} else if (strcmp(argv[i], "--allow-exact") == 0)
			b.sb_allow_exact = "true";
		else if (strcmp(argv[i], "--require-noise") == 0)
			b.sb_allow_exact = "false";
		else if ((v = opt_value(argc, argv, &i, "--actor")) != NULL)
			b.sb_actor = v;
		else
			return (stats_usage(stderr, "unknown option"));
	}
	if (b.sb_kind == NULL && (b.sb_budget != NULL ||
	    b.sb_period != NULL || b.sb_allow_exact != NULL))
		return (stats_usage(stderr, "name --researcher, --operator or "
		    "--default"));
	if (b.sb_kind != NULL && (b.sb_actor == NULL || *b.sb_actor == '\0'))
		return (stats_usage(stderr, "--actor: empty"));
	if ((conn = adb_connect(mo->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = EX_OK;
	if (b.sb_kind != NULL)
		rc = stats_budget_grant(conn, &b, stderr);
	if (rc == EX_OK)
		rc = stats_budget_show(conn, stdout, stderr);
	PQfinish(conn);
	return (rc);
}

static const char *const annual_keys[] = { "k", "epsilon", "lang" };

/* Index of the export key argv[*i] names (its value in *v), else -1. */
static int
annual_key(int argc, char **argv, int *i, const char **v)
{
	char	 opt[16];
	size_t	 j;

	for (j = 0; j < sizeof(annual_keys) / sizeof(annual_keys[0]); j++) {
		snprintf(opt, sizeof(opt), "--%s", annual_keys[j]);
		if ((*v = opt_value(argc, argv, i, opt)) != NULL)
			return ((int)j);
	}
	return (-1);
}

/* `stats annual --year Y ...`: options, connect, stats_annual. */
static int
stats_annual_cmd(struct meldctl_opts *mo, int argc, char **argv)
{
	struct stats_annual_opts o;
	struct disclosure_query	 q;
	const char	*v, *csvpath = NULL, *htmlpath = NULL;
	char		 why[160];
	FILE		*csv = stdout, *html = NULL;
	PGconn		*conn = NULL;
	int		 i, j, rc = EX_CANTCREAT;

	memset(&o, 0, sizeof(o));
	disclosure_query_init(&q);
	o.sa_k = STATS_CLI_K;
	o.sa_actor = keys_actor();	/* never needs $USER */
	for (i = 2; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--year")) != NULL) {
			char	*end;
			long	 y = strtol(v, &end, 10);

			if (*end != '\0' || y < 1900 || y > 9999)
				return (stats_usage(stderr, "--year: YYYY"));
			o.sa_year = (int)y;
		} else if ((j = annual_key(argc, argv, &i, &v)) >= 0) {
			/* Same grammar as the export's keys. */
			if (disclosure_query_set(&q, annual_keys[j], v, why,
			    sizeof(why)) == -1)
				return (stats_usage(stderr, why));
		} else if ((v = opt_value(argc, argv, &i, "--actor")) != NULL)
			o.sa_actor = v;
		else if ((v = opt_value(argc, argv, &i, "-o")) != NULL)
			csvpath = v;
		else if ((v = opt_value(argc, argv, &i, "--html")) != NULL)
			htmlpath = v;
		else
			return (stats_usage(stderr, "unknown option"));
	}
	if (o.sa_year == 0)
		return (stats_usage(stderr, "--year: required"));
	if (o.sa_actor == NULL || *o.sa_actor == '\0')
		return (stats_usage(stderr, "--actor: empty"));
	if (q.q_k != 0)
		o.sa_k = q.q_k;
	o.sa_epsilon = q.q_epsilon >= 0 ? q.q_epsilon : 0;
	o.sa_lang = q.q_lang;
	if ((csvpath != NULL && (csv = fopen(csvpath, "w")) == NULL) ||
	    (htmlpath != NULL && (html = fopen(htmlpath, "w")) == NULL)) {
		fprintf(stderr, "meldctl: stats annual: cannot open an output "
		    "file\n");
		goto done;
	}
	rc = EX_UNAVAILABLE;
	if ((conn = adb_connect(mo->mo_conninfo, stderr)) == NULL)
		goto done;
	rc = stats_annual(conn, &o, NULL, csv, html, stderr);
 done:
	if (csvpath != NULL && csv != NULL && fclose(csv) != 0 && rc == EX_OK)
		rc = EX_IOERR;
	if (html != NULL && fclose(html) != 0 && rc == EX_OK)
		rc = EX_IOERR;
	PQfinish(conn);
	return (rc);
}

int
stats_command(struct meldctl_opts *mo, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return (EX_OK);
	}
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return (stats_export_cmd(mo, argc, argv));
	if (argc >= 2 && strcmp(argv[1], "budget") == 0)
		return (stats_budget_cmd(mo, argc, argv));
	if (argc >= 2 && strcmp(argv[1], "annual") == 0)
		return (stats_annual_cmd(mo, argc, argv));
	return (stats_usage(stderr, NULL));
}
