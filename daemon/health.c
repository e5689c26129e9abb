/*
 * /healthz and /readyz.  The readiness probe borrows a pooled connection
 * like any request would, so it reports exactly what a real request would
 * meet: a missing database, or a pool too busy to serve in time.
 */
#include <jansson.h>

#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/public.h"
#include "daemon/store.h"

void
health_healthz(struct http_request *req, void *arg)
{
	struct app	*app = arg;

	http_reply_json(req, 200, json_pack("{s:s,s:s}", "status", "ok",
	    "role", config_role_name(app->a_conf->c_role)));
}

static void
health_readyz_done(enum store_status st, const char *sqlstate,
    PGresult **res, int nres, void *arg)
{
	struct http_request	*req = arg;

	(void)sqlstate;
	(void)res;
	(void)nres;
	if (st != STORE_OK) {
		http_reply_error(req, 503, "unavailable",
		    "The database is not reachable.");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

void
health_readyz(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	struct store_stmt	 st = { .st_sql = "SELECT 1" };
	const char		*why;

	/* Keys withheld for want of a covering manifest (crypto.md §10). */
	if ((why = public_not_ready(app)) != NULL) {
		http_reply_error(req, 503, "keys_unverified", why);
		return;
	}
	if (store_exec(app->a_store, &st, 1, health_readyz_done, req) == NULL)
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
}
