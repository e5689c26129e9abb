/*
 * GET /v1/staff/case/find?number=K7M4-QX2P: a case by its case number
 * (schema 0253, docs/staff-api.md "Case numbers"), the number a reporter
 * reads from the inbox, e.g. on the phone.  The answer is only the case
 * id, for a case the session may see (row-level security): a number of
 * another queue is 404 like one that names nothing.  The number is typed
 * by a person, so case, spaces and dashes are forgiven; anything else
 * outside the alphabet is 400 with the parameter named.  The number names
 * a case to staff and proves nothing about the caller.  Nothing of the
 * number is logged.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/casefind.h"
#include "daemon/http.h"
#include "daemon/squery.h"
#include "daemon/ssession.h"
#include "daemon/store.h"

#define NUMBER_LEN	8
/* The alphabet of 0253: no 0/O, no 1/I. */
static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

struct cfind {
	struct http_request	*f_req;
	struct ssession		*f_s;
	char			 f_number[NUMBER_LEN + 1];
};

/* "k7m4-qx2p" -> "K7M4QX2P"; -1 when it is not a case number. */
int
casefind_normalise(const char *in, char *out)
{
	size_t	n = 0;
	int	c;

	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		c = toupper((unsigned char)*in);
		if (n == NUMBER_LEN || c == '\0' || strchr(alphabet, c) == NULL)
			return (-1);
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (n == NUMBER_LEN ? 0 : -1);
}

static void
found(int st, const char *sqlstate, PGresult **res, int n, void *arg)
{
	struct cfind	*f = arg;

	if (st != STORE_OK)
		ssession_reply_error(f->f_req, st, sqlstate);
	else if (n < 1 || PQntuples(res[0]) != 1)
		http_reply_error(f->f_req, 404, "not_found",
		    "No case of yours has that number.");
	else
		http_reply_json(f->f_req, 200, json_pack("{s:s,s:s}", "case",
		    PQgetvalue(res[0], 0, 0), "case_number", f->f_number));
	ssession_unref(f->f_s);
	free(f);
}

void
casefind_get(struct http_request *req, void *arg)
{
	static const char *const names[] = { "number", NULL };
	struct ssession		*s;
	struct cfind		*f;
	struct store_stmt	 st;
	const char		*p[1];
	char			 raw[64];
	int			 rc;

	(void)arg;
	if ((s = ssession_auth(req, SSESSION_CASEWORK)) == NULL)
		return;
	if (squery_check(http_req_query(req), names) == -1 ||
	    (rc = squery_get(http_req_query(req), "number", raw,
	    sizeof(raw))) == -1) {
		http_reply_error(req, 400, "bad_request",
		    "Expected ?number=XXXX-XXXX.");
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		http_reply_error(req, 503, "unavailable", "Out of memory.");
		return;
	}
	if (rc == 0 || casefind_normalise(raw, f->f_number) == -1) {
		free(f);
		http_reply_json(req, 400, json_pack("{s:{s:s,s:s,s:s}}",
		    "error", "code", rc == 0 ? "missing_field" :
		    "invalid_field", "message", "A case number is eight "
		    "letters and digits, e.g. K7M4-QX2P (no 0, 1, I or O).",
		    "field", "number"));
		return;
	}
	f->f_req = req;
	f->f_s = s;
	ssession_ref(s);
	memset(&st, 0, sizeof(st));
	p[0] = f->f_number;
	st.st_sql = "SELECT c.id FROM casework.cases c "
	    "WHERE c.case_number = $1";
	st.st_nparams = 1;
	st.st_values = p;
	if (ssession_exec(s, &st, 1, found, f) == -1) {
		ssession_unref(s);
		free(f);
		http_reply_error(req, 503, "unavailable",
		    "The service is busy; try again shortly.");
	}
}
