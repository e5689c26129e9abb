/*
 * /healthz and /readyz.  The readiness probe borrows a pooled connection
 * like any request would, so it reports exactly what a real request would
 * meet: a missing database, a read-only one, a role without the right to
 * write, a pool too busy to serve in time -- and, in the public role,
 * published keys not loaded yet (or withheld for want of a manifest).
 */
#include <string.h>

#include <jansson.h>

#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/public.h"
#include "daemon/public_state.h"
#include "daemon/store.h"

void
health_healthz(struct http_request *req, void *arg)
{
	struct app	*app = arg;

	http_reply_json(req, 200, json_pack("{s:s,s:s}", "status", "ok",
	    "role", config_role_name(app->a_conf->c_role)));
}

/*
 * One round trip that proves what a real request needs: the database is
 * reachable, it accepts writes (not read-only by default_transaction_
 * read_only, ALTER SYSTEM or a standby), and this role may execute the
 * function its writes go through.  Harmless: it writes nothing.  The
 * function is found by name, so a changed signature needs no edit here.
 */
static const char health_probe_sql[] =
    "SELECT pg_catalog.current_setting('transaction_read_only') = 'off' "
    "AND NOT pg_catalog.pg_is_in_recovery(), "
    "EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n "
    "ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2 "
    "AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE'))";

static void
health_readyz_done(enum store_status st, const char *sqlstate,
    PGresult **res, int nres, void *arg)
{
	struct http_request	*req = arg;

	if (st != STORE_OK || nres != 1 || PQntuples(res[0]) != 1) {
		if (sqlstate != NULL && sqlstate[0] != '\0')
			log_warnx("%s: probe refused, sqlstate %s", __func__,
			    sqlstate);
		http_reply_error(req, 503, "unavailable",
		    "The database is not reachable.");
		return;
	}
	if (strcmp(PQgetvalue(res[0], 0, 0), "t") != 0) {
		http_reply_error(req, 503, "database_read_only",
		    "The database does not accept writes.");
		return;
	}
	if (strcmp(PQgetvalue(res[0], 0, 1), "t") != 0) {
		http_reply_error(req, 503, "database_privilege",
		    "The database role may not write.");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

void
health_readyz(struct http_request *req, void *arg)
{
	struct app		*app = arg;
	const char		*params[2], *why;
	struct store_stmt	 st = { .st_sql = health_probe_sql,
	    .st_nparams = 2, .st_values = params };

	/* Keys withheld for want of a covering manifest (crypto.md §10). */
	if ((why = public_not_ready(app)) != NULL) {
		http_reply_error(req, 503, "keys_unverified", why);
		return;
	}
	/* Until the published keys are loaded, submissions get 503. */
	if (app->a_public != NULL && app->a_public->ps_keys == NULL) {
		http_reply_error(req, 503, "keys_not_loaded",
		    "The published keys are not loaded yet.");
		return;
	}
	if (app->a_conf->c_role == ROLE_STAFF) {
		params[0] = "casework";
		params[1] = "session_create";
	} else {
		params[0] = "intake";
		params[1] = "submit_report";
	}
	if (store_exec(app->a_store, &st, 1, health_readyz_done, req) == NULL)
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
}
