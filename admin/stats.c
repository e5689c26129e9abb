/*
 * meldctl stats export: the command-line twin of GET /v1/research/stats.
 * The options are the endpoint's query keys (--group, --from, --to,
 * --format, --k, --epsilon) parsed by the same code, plus --budget (the
 * total epsilon allowed for the actor), --actor (who runs it; recorded
 * in the audit chain as admin:<actor>) and -o FILE.  It connects as
 * mp_research, whose only functions are stats.cli_export/cli_spent, so
 * an export cannot skip the budget debit or the audit event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/stats.h"

static const char usage_text[] =
    "usage: meldctl [-d CONNINFO] stats export --group DIMS --from YYYY-MM\n"
    "           --to YYYY-MM [--format csv|json|svg] [--k K] [--epsilon E]\n"
    "           [--budget B] [--actor NAME] [-o FILE]\n";

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
	PGresult		*res = NULL, *left = NULL;
	const char		*params[8], *cols[DISCLOSURE_NDIMS];
	char			 dims[128], from[11], to[11], k[16], eps[16];
	char			 budget[32], why[128], state[6];
	int			 rc = EX_SOFTWARE, r, d;

	memset(&buf, 0, sizeof(buf));
	disclosure_query_dims_sql(&o->se_q, dims, sizeof(dims));
	disclosure_month_date(o->se_q.q_from, from);
	disclosure_month_date(o->se_q.q_to, to);
	snprintf(k, sizeof(k), "%d", o->se_k);
	disclosure_epsilon_str(o->se_epsilon, eps);
	snprintf(budget, sizeof(budget), "%.4f", o->se_budget);
	params[0] = o->se_actor;
	params[1] = dims;
	params[2] = from;
	params[3] = to;
	params[4] = disclosure_format_name(o->se_q.q_format);
	params[5] = k;
	params[6] = eps;
	params[7] = budget;
	if (adb_exec(conn, "BEGIN", state) == -1)
		goto dberr;
	res = PQexecParams(conn, "SELECT * FROM stats.cli_export($1, "
	    "$2::text[], $3::date, $4::date, $5, $6::integer, $7::numeric, "
	    "$8::numeric)", 8, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(state, sizeof(state), "%s", adb_sqlstate(res));
		goto dberr;
	}
	left = PQexecParams(conn, "SELECT ($2::numeric - "
	    "stats.cli_spent($1))::text", 2, NULL,
	    (const char *[]){ o->se_actor, budget }, NULL, NULL, 0);
	if (PQresultStatus(left) != PGRES_TUPLES_OK) {
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
	if (disclosure_render(t, &o->se_q, o->se_k, o->se_epsilon, &buf) == -1)
		goto nomem;
	if (fwrite(buf.b_data, 1, buf.b_len, out) != buf.b_len ||
	    fflush(out) != 0) {
		fprintf(err, "meldctl: stats export: write failed\n");
		rc = EX_IOERR;
		goto done;
	}
	fprintf(err, "meldctl: stats export: k=%d epsilon=%s, %zu cells "
	    "withheld, epsilon left for %s: %s\n", o->se_k, eps,
	    disclosure_table_suppressed(t), o->se_actor,
	    PQgetvalue(left, 0, 0));
	rc = EX_OK;
	goto done;
 dberr:
	adb_exec(conn, "ROLLBACK", NULL);
	if (strcmp(state, "MP050") == 0) {
		fprintf(err, "meldctl: stats export: refused: epsilon %s would "
		    "exceed the budget %s of %s\n", eps, budget, o->se_actor);
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

int
stats_command(struct meldctl_opts *mo, int argc, char **argv)
{
	static const char *const qkeys[] = { "group", "from", "to", "format",
	    "k", "epsilon" };
	struct stats_export_opts o;
	const char	*v, *path = NULL;
	char		 opt[16], why[160];
	FILE		*out = stdout;
	PGconn		*conn;
	size_t		 q;
	int		 i, rc, done;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return (EX_OK);
	}
	if (argc < 2 || strcmp(argv[1], "export") != 0)
		return (stats_usage(stderr, NULL));
	memset(&o, 0, sizeof(o));
	disclosure_query_init(&o.se_q);
	o.se_budget = STATS_CLI_BUDGET;
	o.se_actor = getenv("SUDO_USER") ? getenv("SUDO_USER") :
	    getenv("USER");
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
		if ((v = opt_value(argc, argv, &i, "--budget")) != NULL) {
			/* Same grammar as epsilon, but may exceed its max. */
			char	*end;

			o.se_budget = strtod(v, &end);
			if (*v < '0' || *v > '9' || *end != '\0' ||
			    o.se_budget > 1000)
				return (stats_usage(stderr, "--budget: a "
				    "decimal from 0 to 1000"));
		} else if ((v = opt_value(argc, argv, &i, "--actor")) != NULL)
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
	if (o.se_actor == NULL || *o.se_actor == '\0')
		return (stats_usage(stderr, "--actor: required (no $USER)"));
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
