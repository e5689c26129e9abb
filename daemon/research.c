/*
 * GET /v1/research/stats: parse and check the options, then one database
 * transaction through the researcher's session (ssession_exec) that runs
 * stats.research_export -- budget debit, audit event and grouped sums
 * together -- and stats.research_budget (what is left, until when).  The
 * budget policy (epsilon per period, whether epsilon 0 is allowed) lives
 * in the database, set by meldctl stats budget; this file only maps its
 * refusals to clear 403s.  The sums are copied into a
 * disclosure table on the loop, protected and rendered on a worker (the
 * complementary-suppression search can take a few milliseconds on fine
 * groupings), and the reply goes out on the loop.
 *
 * Nothing here logs counts, options or the session: errors are logged by
 * SQLSTATE only, and the grouped sums never reach a log call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/app.h"
#include "daemon/config.h"
#include "stats/disclosure.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/pool.h"
#include "daemon/research.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

/* One export in flight; owned by the callbacks that carry it. */
struct research_job {
	struct http_request	*rj_req;
	struct app		*rj_app;
	struct disclosure_query	 rj_q;
	int			 rj_k;
	double			 rj_eps;
	char			 rj_left[32];	/* budget left, numeric text */
	char			 rj_budget[32];	/* the period's budget */
	char			 rj_renews[11];	/* first day of the next period */
	struct disclosure_table	*rj_table;
	struct disclosure_buf	 rj_out;
	int			 rj_failed;
	char			 rj_err[128];
};

static void
research_job_free(struct research_job *j)
{
	if (j == NULL)
		return;
	disclosure_table_free(j->rj_table);
	disclosure_buf_free(&j->rj_out);
	free(j);
}

/* Worker thread: pure computation on the job's own table. */
static void
research_work(void *arg)
{
	struct research_job	*j = arg;
	struct disclosure_rng	 rng;
	struct disclosure_meta	 m;

	memset(&m, 0, sizeof(m));
	m.dm_k = j->rj_k;
	m.dm_epsilon = j->rj_eps;
	m.dm_left = j->rj_left;
	m.dm_budget = j->rj_budget;
	m.dm_renews = j->rj_renews;
	disclosure_rng_init_os(&rng);
	if (disclosure_table_protect(j->rj_table, j->rj_k, j->rj_eps, &rng,
	    j->rj_err, sizeof(j->rj_err)) == -1 ||
	    disclosure_render(j->rj_table, &j->rj_q, &m, &j->rj_out) == -1)
		j->rj_failed = 1;
	memset(&rng, 0, sizeof(rng));
}

/* Loop thread. */
static void
research_reply(void *arg)
{
	struct research_job	*j = arg;

	if (j->rj_failed) {
		/* "grouping too fine" is the caller's to fix; the rest is ours. */
		if (strncmp(j->rj_err, "grouping", 8) == 0)
			http_reply_error(j->rj_req, 400, "grouping_too_fine",
			    j->rj_err);
		else {
			log_warnx("%s: export failed", __func__);
			http_reply_error(j->rj_req, 500, "internal",
			    "The export could not be built.");
		}
	} else {
		http_req_add_header(j->rj_req, "Meldpunt-Epsilon-Left",
		    j->rj_left);
		http_req_add_header(j->rj_req, "Meldpunt-Budget-Renews",
		    j->rj_renews);
		http_req_add_header(j->rj_req, "Cache-Control", "no-store");
		http_reply_raw(j->rj_req, 200,
		    disclosure_format_type(j->rj_q.q_format),
		    j->rj_out.b_data, j->rj_out.b_len, NULL);
	}
	research_job_free(j);
}

static void
research_done(int status, const char *sqlstate, PGresult **res, int nres,
    void *arg)
{
	struct research_job	*j = arg;
	const char		*cols[DISCLOSURE_NDIMS];
	int			 r, d, n;

	if (status != STORE_OK || nres < 2 || res[0] == NULL ||
	    res[1] == NULL) {
		if (status == STORE_QUERY_ERROR &&
		    strcmp(sqlstate, "MP050") == 0)
			http_reply_error(j->rj_req, 403, "budget_exhausted",
			    "This export would exceed what is left of your "
			    "privacy budget (epsilon) for this period; ask for "
			    "a smaller epsilon, or wait until the budget "
			    "renews.");
		else if (status == STORE_QUERY_ERROR &&
		    strcmp(sqlstate, "MP051") == 0)
			http_reply_error(j->rj_req, 403, "noise_required",
			    "Exports without noise (epsilon 0) are not allowed "
			    "for your account: give an epsilon from 0.01 to 10, "
			    "or ask an administrator to allow exact counts "
			    "(meldctl stats budget --allow-exact).");
		else if (status == STORE_QUERY_ERROR &&
		    strcmp(sqlstate, "MP020") == 0)
			http_reply_error(j->rj_req, 403, "forbidden",
			    "Only researchers may export statistics.");
		else
			ssession_reply_error(j->rj_req, status, sqlstate);
		research_job_free(j);
		return;
	}
	if (PQntuples(res[1]) != 1 || PQnfields(res[1]) != 3)
		goto fail;
	snprintf(j->rj_left, sizeof(j->rj_left), "%s",
	    PQgetvalue(res[1], 0, 0));
	snprintf(j->rj_budget, sizeof(j->rj_budget), "%s",
	    PQgetvalue(res[1], 0, 1));
	snprintf(j->rj_renews, sizeof(j->rj_renews), "%s",
	    PQgetvalue(res[1], 0, 2));
	if ((j->rj_table = disclosure_table_for_query(&j->rj_q)) == NULL)
		goto fail;
	n = PQntuples(res[0]);
	for (r = 0; r < n; r++) {
		for (d = 0; d < DISCLOSURE_NDIMS; d++)
			cols[d] = PQgetisnull(res[0], r, d) ? NULL :
			    PQgetvalue(res[0], r, d);
		if (disclosure_table_add_row(j->rj_table, &j->rj_q, cols,
		    strtoll(PQgetvalue(res[0], r, DISCLOSURE_NDIMS), NULL,
		    10)) == -1)
			goto fail;
	}
	if (pool_submit(j->rj_app->a_pool, research_work, research_reply,
	    j) == -1) {
		http_reply_error(j->rj_req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		research_job_free(j);
	}
	return;
 fail:
	log_warnx("%s: out of memory", __func__);
	http_reply_error(j->rj_req, 500, "internal",
	    "The export could not be built.");
	research_job_free(j);
}

/*
 * k and epsilon from the request: k never below research_k; epsilon the
 * configured default when not given.  Whether this researcher may have
 * epsilon 0, and how much epsilon is left, the database decides.
 */
static int
research_policy(const struct config *c, struct research_job *j, char *err,
    size_t errlen)
{
	char	 tmp[16];
	double	 eps;

	j->rj_k = j->rj_q.q_k != 0 ? j->rj_q.q_k : c->c_research_k;
	if (j->rj_k < c->c_research_k || j->rj_k < DISCLOSURE_K_MIN) {
		snprintf(err, errlen, "k: at least %d", c->c_research_k);
		return (-1);
	}
	eps = j->rj_q.q_epsilon >= 0 ? j->rj_q.q_epsilon :
	    c->c_research_epsilon;
	/* Round through the text the database will see, so both agree. */
	disclosure_epsilon_str(eps, tmp);
	if (disclosure_parse_epsilon(tmp, &j->rj_eps) == -1) {
		snprintf(err, errlen, "epsilon: not allowed");
		return (-1);
	}
	return (0);
}

void
research_stats(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct research_job	*j;
	struct ssession		*s;
	struct store_stmt	 st[2];
	const char		*params[6];
	char			 err[160], dims[128], from[11], to[11];
	char			 k[16], eps[16];

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		return;
	}
	j->rj_req = req;
	j->rj_app = app;
	if (disclosure_query_parse(http_req_query(req), &j->rj_q, err,
	    sizeof(err)) == -1 ||
	    research_policy(app->a_conf, j, err, sizeof(err)) == -1) {
		http_reply_error(req, 400, "bad_request", err);
		research_job_free(j);
		return;
	}
	if ((s = ssession_auth(req, SSESSION_RESEARCHER)) == NULL) {
		research_job_free(j);	/* ssession_auth has replied */
		return;
	}
	disclosure_query_dims_sql(&j->rj_q, dims, sizeof(dims));
	disclosure_month_date(j->rj_q.q_from, from);
	disclosure_month_date(j->rj_q.q_to, to);
	snprintf(k, sizeof(k), "%d", j->rj_k);
	disclosure_epsilon_str(j->rj_eps, eps);
	params[0] = dims;
	params[1] = from;
	params[2] = to;
	params[3] = disclosure_format_name(j->rj_q.q_format);
	params[4] = k;
	params[5] = eps;
	memset(st, 0, sizeof(st));
	st[0].st_sql = "SELECT * FROM stats.research_export($1::text[], "
	    "$2::date, $3::date, $4, $5::integer, $6::numeric)";
	st[0].st_nparams = 6;
	st[0].st_values = params;
	/* Trailing zeros off: "9.5", not "9.5000". */
	st[1].st_sql = "SELECT trim_scale(remaining)::text, "
	    "trim_scale(budget)::text, period_end::text "
	    "FROM stats.research_budget()";
	if (ssession_exec(s, st, 2, research_done, j) == -1) {
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
		research_job_free(j);
	}
}
