/*
 * Staff-facing endpoints (the staff role): handler login and sessions
 * (ssession.c), queues and cases (cases.c), metrics (metrics.c).  The
 * research endpoints of issue 7 join this table; they authenticate with
 * ssession_require().  Paths are exact (daemon/http.c): ids travel in
 * query strings and bodies, never in paths, so logs never carry them.
 */
#include <stddef.h>
#include <sysexits.h>

#include <jansson.h>

#include "daemon/alert.h"
#include "daemon/app.h"
#include "daemon/attach_staff.h"
#include "daemon/auditchain.h"
#include "daemon/casefind.h"
#include "daemon/cases.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/identity.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/research.h"
#include "daemon/senrol.h"
#include "daemon/ssession.h"
#include "daemon/squery.h"
#include "daemon/staff.h"
#include "daemon/ucontact.h"
#include "forms/forms.h"
#include "forms/i18n.h"

#define J	HTTP_ROUTE_JSON_BODY

static void	staff_forms(struct http_request *, void *);

static const struct http_route routes[] = {
	{ HTTP_GET, "/healthz", health_healthz, 0 },
	{ HTTP_GET, "/readyz", health_readyz, 0 },
	{ HTTP_GET, "/metrics", metrics_get, 0 },
	{ HTTP_POST, "/v1/staff/session", ssession_login, J },
	{ HTTP_DELETE, "/v1/staff/session", ssession_logout, 0 },
	{ HTTP_GET, "/v1/staff/me", ssession_me, 0 },
	{ HTTP_GET, "/v1/staff/forms", staff_forms, 0 },
	{ HTTP_GET, "/v1/staff/queues", cases_queues, 0 },
	{ HTTP_GET, "/v1/staff/cases", cases_list, 0 },
	{ HTTP_GET, "/v1/staff/case", cases_read, 0 },
	{ HTTP_GET, "/v1/staff/case/attachments", attach_staff_list, 0 },
	{ HTTP_GET, "/v1/staff/case/attachment", attach_staff_part, 0 },
	{ HTTP_GET, "/v1/staff/case/find", casefind_get, 0 },
	{ HTTP_POST, "/v1/staff/case/claim", cases_claim, J },
	{ HTTP_POST, "/v1/staff/case/release", cases_release, J },
	{ HTTP_POST, "/v1/staff/case/transition", cases_transition, J },
	{ HTTP_POST, "/v1/staff/case/notes", cases_note, J },
	{ HTTP_POST, "/v1/staff/case/messages", cases_message, J },
	{ HTTP_POST, "/v1/staff/case/transfer", cases_transfer, J },
	{ HTTP_POST, "/v1/staff/case/referral", cases_referral, J },
	{ HTTP_POST, "/v1/staff/case/reclassify", cases_reclassify, J },
	{ HTTP_GET, "/v1/staff/case/urgent-contact", ucontact_read, 0 },
	{ HTTP_POST, "/v1/staff/password", ssession_password, J },
	{ HTTP_POST, "/v1/staff/key/rotate", ssession_key_rotate, J },
	{ HTTP_POST, "/v1/staff/totp/enrol", senrol_begin, J },
	{ HTTP_POST, "/v1/staff/totp/confirm", senrol_confirm, J },
	{ HTTP_GET, "/v1/staff/overdue", cases_overdue, 0 },
	{ HTTP_GET, "/v1/staff/alerts", alert_list, 0 },
	{ HTTP_POST, "/v1/staff/identity/request", identity_request, J },
	{ HTTP_POST, "/v1/staff/identity/decide", identity_decide, J },
	{ HTTP_GET, "/v1/staff/identity/requests", identity_requests, 0 },
	{ HTTP_GET, "/v1/staff/identity/contact", identity_contact, 0 },
	{ HTTP_POST, "/v1/staff/identity/contact/purge", identity_contact_purge,
	  J },
	{ HTTP_GET, "/v1/research/stats", research_stats, 0 },
};

/*
 * GET /v1/staff/forms?lang=nl: the compiled form's categories, subtypes,
 * questions, content and contact fields with their labels in one
 * language, so the console shows a decrypted report with the labels the
 * reporter saw, in the handler's language.  The same document as the
 * public GET /v1/forms without the keys; it holds nothing secret, but
 * like every staff read it needs a session.
 */
static void
staff_forms(struct http_request *req, void *arg)
{
	static const char *const names[] = { "lang", NULL };
	enum i18n_lang	 l = I18N_DEFAULT;
	char		 want[17];
	int		 rc;
	json_t		*j;

	(void)arg;
	if (ssession_auth(req, SSESSION_ANY) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1 ||
	    (rc = squery_get(http_req_query(req), "lang", want,
	    sizeof(want))) == -1 || (rc == 1 && i18n_parse(want, &l) == -1)) {
		http_reply_error(req, 400, "bad_request",
		    "Expected ?lang= one of nl, en, tr, ar, ti, zh.");
		return;
	}
	if ((j = forms_to_json(l)) == NULL) {
		http_reply_error(req, 500, "internal", "Internal error.");
		return;
	}
	json_object_set_new(j, "lang", json_string(i18n_code(l)));
	http_reply_json(req, 200, j);
}

const struct http_route *
staff_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return (routes);
}

void
staff_init(struct app *app)
{
	char	 err[256];

	if (clock_init(app->a_conf->c_insecure_test_clock_file) == -1)
		fatalx(1, "%s: out of memory", __func__);
	if (metrics_init(app->a_conf->c_metrics_token_file, err,
	    sizeof(err)) == -1)
		fatalx(EX_CONFIG, "config %s", err);
	if (auditchain_init(app, err, sizeof(err)) == -1)
		fatalx(EX_CONFIG, "config %s", err);
	ssession_init(app);
	if (alert_init(app, err, sizeof(err)) == -1)
		fatalx(EX_CONFIG, "config %s", err);
}

void
staff_free(struct app *app)
{
	(void)app;
	alert_free();
	auditchain_free();
	ssession_free();
	metrics_free();
	clock_free();
}
