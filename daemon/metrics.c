/*
 * Prometheus metrics of the staff process (see metrics.h).  The counts
 * come from two SECURITY DEFINER functions (schema/0020_staff_clocks.sql)
 * because a scrape has no staff session and row-level security would
 * otherwise show it nothing; they return aggregates only (state_counts
 * reads the counter table of schema/0041_queue_state_counts.sql).
 * Deadlines are evaluated with the process clock (daemon/clock.c), as in
 * the API.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon/app.h"
#include "daemon/clock.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define METRICS_TOKEN_MIN	32
#define METRICS_TOKEN_MAX	256

static char	*metrics_token;		/* NULL: /metrics is off */

/*
 * The token file holds one line of at least 32 printable characters
 * (e.g. `openssl rand -hex 32`); like every secret file it must not be
 * group- or world-accessible.
 */
int
metrics_init(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[METRICS_TOKEN_MAX + 2];
	FILE		*fp = NULL;
	size_t		 n;

	if (path == NULL)
		return (0);
	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "metrics_token_file: %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "metrics_token_file: %s: group- or "
		    "world-accessible (chmod 0600)", path);
		goto fail;
	}
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	if (n < METRICS_TOKEN_MIN || n > METRICS_TOKEN_MAX ||
	    strspn(buf, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~+/=") != n) {
		snprintf(err, errlen, "metrics_token_file: %s: expected one "
		    "line of 32 to 256 token characters", path);
		goto fail;
	}
	if ((metrics_token = strdup(buf)) == NULL) {
		snprintf(err, errlen, "metrics_token_file: out of memory");
		goto fail;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	fclose(fp);
	return (0);
 fail:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (fp != NULL)
		fclose(fp);
	return (-1);
}

void
metrics_free(void)
{
	if (metrics_token != NULL)
		OPENSSL_clear_free(metrics_token, strlen(metrics_token));
	metrics_token = NULL;
}

/* "Bearer <token>", compared in constant time for equal lengths. */
static int
metrics_authorised(struct http_request *req)
{
	const char	*h = http_req_header(req, "authorization");
	size_t		 n = strlen(metrics_token);

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return (0);
	h += 7;
	return (strlen(h) == n && CRYPTO_memcmp(h, metrics_token, n) == 0);
}

static void
metrics_done(enum store_status st, const char *sqlstate, PGresult **res,
    int nres, void *arg)
{
	struct http_request	*req = arg;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*fp;
	int			 i;

	(void)nres;
	if (st != STORE_OK) {
		if (st == STORE_QUERY_ERROR)
			log_warnx("%s: sqlstate %s", __func__, sqlstate);
		http_reply_error(req, 503, "unavailable",
		    "The database is not reachable.");
		return;
	}
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	fprintf(fp, "# HELP meldpunt_cases_overdue Open cases past a "
	    "deadline, per queue and clock.\n"
	    "# TYPE meldpunt_cases_overdue gauge\n");
	/* Queue names are [a-z0-9_]: nothing to escape in a label. */
	for (i = 0; i < PQntuples(res[0]); i++)
		fprintf(fp, "meldpunt_cases_overdue{queue=\"%s\",clock=\"%s\"} "
		    "%s\n", PQgetvalue(res[0], i, 0), PQgetvalue(res[0], i, 1),
		    PQgetvalue(res[0], i, 2));
	fprintf(fp, "# HELP meldpunt_cases Cases per queue and state.\n"
	    "# TYPE meldpunt_cases gauge\n");
	for (i = 0; i < PQntuples(res[1]); i++)
		fprintf(fp, "meldpunt_cases{queue=\"%s\",state=\"%s\"} %s\n",
		    PQgetvalue(res[1], i, 0), PQgetvalue(res[1], i, 1),
		    PQgetvalue(res[1], i, 2));
	fprintf(fp, "# HELP meldpunt_staff_sessions Live staff sessions in "
	    "this process.\n# TYPE meldpunt_staff_sessions gauge\n"
	    "meldpunt_staff_sessions %d\n"
	    "# HELP meldpunt_clock_offset_seconds Test clock offset "
	    "(0 in production).\n# TYPE meldpunt_clock_offset_seconds gauge\n"
	    "meldpunt_clock_offset_seconds %ld\n", ssession_count(),
	    clock_offset());
	if (fclose(fp) != 0) {
		free(buf);
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	http_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    buf, len, NULL);
	free(buf);
}

void
metrics_get(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct store_stmt	 st[2];
	char			 today[11], now[32];
	const char		*p[2] = { today, now };

	if (metrics_token == NULL) {
		http_reply_error(req, 403, "metrics_disabled",
		    "Metrics are off: set metrics_token_file.");
		return;
	}
	if (!metrics_authorised(req)) {
		http_req_add_header(req, "WWW-Authenticate", "Bearer");
		http_reply_error(req, 401, "unauthorized",
		    "A valid metrics bearer token is required.");
		return;
	}
	clock_today(today);
	clock_timestamp(now);
	memset(st, 0, sizeof(st));
	st[0].st_sql = "SELECT queue, clock, n FROM "
	    "casework.overdue_counts($1::date, $2::timestamptz)";
	st[0].st_nparams = 2;
	st[0].st_values = p;
	st[1].st_sql = "SELECT queue, state, n FROM casework.state_counts()";
	if (store_exec(app->a_store, st, 2, metrics_done, req) == NULL)
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
}
