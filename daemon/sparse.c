/*
 * Staff request parsing (sparse.h).  Each function was lifted out of the
 * handler that used to parse inline (cases.c, ssession.c, identity.c) with
 * its checks, their order and their replies unchanged, so that a fuzzer
 * can reach it without a session, a database or a socket.  Every body is
 * a JSON object loaded with duplicate members refused; the strict bodies
 * (json_unpack "!") refuse unknown members too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "crypto/staffcred.h"
#include "daemon/sparse.h"
#include "daemon/squery.h"
#include "stats/labels.h"

const char *const sparse_dims[SPARSE_NDIMS] = { "subtype", "province",
	"ground", "sector" };

static const char *const list_names[] = { "queue", "state", "priority",
	"overdue", "from", "to", "limit", "after", "subtype", NULL };

/* casework.states (0002_tables.sql): an unknown state is a bad filter,
 * not an empty list. */
static const char *const case_states[] = { "new", "acknowledged",
	"in_progress", "referred", "resolved", "unfounded", "withdrawn",
	"closed", NULL };

static int
sparse_fail(struct sparse_err *e, int status, const char *code,
    const char *field, const char *message)
{
	e->e_status = status;
	e->e_code = code;
	e->e_message = message;
	snprintf(e->e_field, sizeof(e->e_field), "%s", field);
	return (-1);
}

/* A malformed case id names no case: 404, as a missing one. */
static int
sparse_no_case(struct sparse_err *e)
{
	return (sparse_fail(e, 404, "not_found", "", "No such case."));
}

int
sparse_is_dim(const char *v)
{
	size_t	i;

	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '_'))
			return (0);
	return (i > 0 && i <= 40);
}

/* A JSON object, or NULL.  jansson's error text may quote the body. */
static json_t *
sparse_object(const unsigned char *data, size_t len)
{
	json_error_t	 jerr;
	json_t		*j;

	j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
	OPENSSL_cleanse(&jerr, sizeof(jerr));
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return (j);
}

/* Wipe the top-level string members of j, then release it. */
static void
sparse_wipe(json_t *j)
{
	const char	*k;
	json_t		*v;

	if (json_is_object(j))
		json_object_foreach(j, k, v)
			if (json_is_string(v))
				OPENSSL_cleanse((char *)(uintptr_t)
				    json_string_value(v), json_string_length(v));
	json_decref(j);
}

/* ------------------------------------------------------------ case bodies */

static int
sparse_case_members(struct sparse_body *b, enum sparse_kind kind,
    struct sparse_err *e)
{
	json_t	*j = b->sb_root;

	switch (kind) {
	case SPARSE_CASE:
		if (json_unpack(j, "{s:s!}", "case", &b->sb_case) == -1)
			return (sparse_fail(e, 400, "bad_request", "",
			    "Expected {\"case\": id}."));
		break;
	case SPARSE_TRANSITION:
		if (json_unpack(j, "{s:s,s:s,s:s!}", "case", &b->sb_case, "to",
		    &b->sb_to, "reason", &b->sb_reason) == -1 ||
		    !sparse_is_dim(b->sb_to) || strlen(b->sb_reason) == 0 ||
		    strlen(b->sb_reason) > SPARSE_REASON_MAX)
			return (sparse_fail(e, 400, "bad_request", "",
			    "Expected {\"case\": id, \"to\": state, "
			    "\"reason\": 1-200 characters}."));
		break;
	case SPARSE_NOTE:
		if (json_unpack(j, "{s:s,s:s!}", "case", &b->sb_case, "text",
		    &b->sb_text) == -1 || strlen(b->sb_text) == 0 ||
		    strlen(b->sb_text) > SPARSE_TEXT_MAX)
			return (sparse_fail(e, 400, "bad_request", "",
			    "Expected {\"case\": id, \"text\": 1-65536 "
			    "bytes}."));
		break;
	case SPARSE_TRANSFER:
		/* The reason (schema 0252) is optional in the API. */
		if (json_unpack(j, "{s:s,s:s,s?s!}", "case", &b->sb_case,
		    "queue", &b->sb_queue, "reason", &b->sb_reason) == -1 ||
		    !sparse_is_dim(b->sb_queue))
			return (sparse_fail(e, 400, "bad_request", "",
			    "Expected {\"case\": id, \"queue\": name, "
			    "\"reason\": optional}."));
		if (b->sb_reason != NULL && (b->sb_reason[0] == '\0' ||
		    strlen(b->sb_reason) > SPARSE_XFER_REASON_MAX))
			return (sparse_fail(e, 400, "invalid_field", "/reason",
			    "The reason is 1 to 1000 bytes."));
		break;
	case SPARSE_REFERRAL:
		if (json_unpack(j, "{s:s,s:s,s:s,s?s,s?s!}", "case",
		    &b->sb_case, "organisation", &b->sb_org, "referred_on",
		    &b->sb_on, "reference", &b->sb_ref, "organisation_type",
		    &b->sb_type) == -1 || strlen(b->sb_org) == 0 ||
		    strlen(b->sb_org) > 200 || !squery_date(b->sb_on) ||
		    (b->sb_ref != NULL && strlen(b->sb_ref) > 200) ||
		    (b->sb_type != NULL && !labels_org_type_valid(b->sb_type)))
			return (sparse_fail(e, 400, "bad_request", "",
			    "Expected {\"case\": id, \"organisation\": name, "
			    "\"referred_on\": YYYY-MM-DD, \"reference\": "
			    "optional, \"organisation_type\": optional, one "
			    "of the types in docs/staff-api.md}."));
		/* An empty reference is no reference. */
		if (b->sb_ref != NULL && b->sb_ref[0] == '\0')
			b->sb_ref = NULL;
		break;
	case SPARSE_IDREQUEST:
		/* The case first: a request about no case is 404. */
		b->sb_case = json_string_value(json_object_get(j, "case"));
		if (b->sb_case == NULL ||
		    staffcred_uuid_parse(b->sb_case, b->sb_case_raw) == -1)
			return (sparse_no_case(e));
		b->sb_reason = json_string_value(json_object_get(j, "reason"));
		if (b->sb_reason == NULL || b->sb_reason[0] == '\0' ||
		    strlen(b->sb_reason) > SPARSE_IDREASON_MAX)
			return (sparse_fail(e, 400, json_object_get(j,
			    "reason") == NULL ? "missing_field" :
			    "invalid_field", "/reason", "A reason of 1 to 2000 "
			    "characters is required."));
		break;
	}
	if (staffcred_uuid_parse(b->sb_case, b->sb_case_raw) == -1)
		return (sparse_no_case(e));
	return (0);
}

int
sparse_case_body(const unsigned char *data, size_t len, enum sparse_kind kind,
    struct sparse_body *b, struct sparse_err *e)
{
	memset(b, 0, sizeof(*b));
	if ((b->sb_root = sparse_object(data, len)) == NULL)
		return (sparse_fail(e, 400, "bad_request", "",
		    "The body must be a JSON object."));
	if (sparse_case_members(b, kind, e) == -1) {
		sparse_body_clear(b);
		return (-1);
	}
	return (0);
}

void
sparse_body_clear(struct sparse_body *b)
{
	if (b == NULL)
		return;
	sparse_wipe(b->sb_root);
	memset(b, 0, sizeof(*b));
}

/* ----------------------------------------------------- login, password */

/* The user names meldctl user add accepts; anything else is refused
 * later, exactly like an unknown name. */
static int
sparse_username_ok(const char *u)
{
	size_t	i, n = strlen(u);

	if (n == 0 || n > STAFFCRED_USER_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		char c = u[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '.' || c == '_' || c == '-'))))
			return (0);
	}
	return (1);
}

int
sparse_login(const unsigned char *data, size_t len, struct sparse_login *l,
    struct sparse_err *e)
{
	const char	*u, *code;

	memset(l, 0, sizeof(*l));
	if ((l->sl_root = sparse_object(data, len)) == NULL ||
	    json_unpack(l->sl_root, "{s:s,s:s,s:s!}", "username", &u,
	    "password", &l->sl_pw, "totp", &code) == -1 ||
	    strlen(code) >= sizeof(l->sl_code) ||
	    (l->sl_pwlen = strlen(l->sl_pw)) > SPARSE_PW_MAX ||
	    l->sl_pwlen == 0) {
		sparse_login_clear(l);
		return (sparse_fail(e, 400, "bad_request", "", "Expected "
		    "{\"username\": ..., \"password\": ..., \"totp\": ...}."));
	}
	snprintf(l->sl_user, sizeof(l->sl_user), "%s",
	    sparse_username_ok(u) ? u : "-");
	snprintf(l->sl_code, sizeof(l->sl_code), "%s", code);
	return (0);
}

int
sparse_key_rotate(const unsigned char *data, size_t len,
    struct sparse_login *l, struct sparse_err *e)
{
	const char	*code;

	memset(l, 0, sizeof(*l));
	if ((l->sl_root = sparse_object(data, len)) == NULL ||
	    json_unpack(l->sl_root, "{s:s,s:s!}", "password", &l->sl_pw,
	    "totp", &code) == -1 || strlen(code) >= sizeof(l->sl_code) ||
	    (l->sl_pwlen = strlen(l->sl_pw)) > SPARSE_PW_MAX ||
	    l->sl_pwlen == 0) {
		sparse_login_clear(l);
		return (sparse_fail(e, 400, "bad_request", "", "Expected "
		    "{\"password\": ..., \"totp\": ...}."));
	}
	snprintf(l->sl_code, sizeof(l->sl_code), "%s", code);
	return (0);
}

void
sparse_login_clear(struct sparse_login *l)
{
	if (l == NULL)
		return;
	sparse_wipe(l->sl_root);
	OPENSSL_cleanse(l, sizeof(*l));
}

/* Characters, not bytes: a UTF-8 continuation byte does not count. */
static size_t
sparse_utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

int
sparse_password(const unsigned char *data, size_t len, const char *user,
    struct sparse_password *p, struct sparse_err *e)
{
	const char	*code, *weak = NULL;

	memset(p, 0, sizeof(*p));
	if ((p->sp_root = sparse_object(data, len)) == NULL ||
	    json_unpack(p->sp_root, "{s:s,s:s,s:s!}", "old_password",
	    &p->sp_old, "new_password", &p->sp_new, "totp", &code) == -1 ||
	    strlen(code) >= sizeof(p->sp_code) || strlen(p->sp_old) == 0 ||
	    strlen(p->sp_old) > SPARSE_PW_MAX) {
		sparse_password_clear(p);
		return (sparse_fail(e, 400, "bad_request", "", "Expected "
		    "{\"old_password\": ..., \"new_password\": ..., "
		    "\"totp\": ...}."));
	}
	if (strlen(p->sp_new) > SPARSE_PW_MAX)
		weak = "The new password is too long (at most 1024 bytes).";
	else if (sparse_utf8_chars(p->sp_new) < SPARSE_PW_MIN_CHARS)
		weak = "The new password must be at least 12 characters long.";
	else if (strcasecmp(p->sp_new, user) == 0)
		weak = "The new password must not be the user name.";
	else if (strcmp(p->sp_new, p->sp_old) == 0)
		weak = "The new password must differ from the current one.";
	if (weak != NULL) {
		sparse_password_clear(p);
		return (sparse_fail(e, 400, "weak_password", "/new_password",
		    weak));
	}
	snprintf(p->sp_code, sizeof(p->sp_code), "%s", code);
	return (0);
}

void
sparse_password_clear(struct sparse_password *p)
{
	if (p == NULL)
		return;
	sparse_wipe(p->sp_root);
	OPENSSL_cleanse(p, sizeof(*p));
}

/* ------------------------------------------------------------- reclassify */

/* One member of a reclassify body; *id collects the case id. */
static int
sparse_rc_member(struct sparse_reclassify *r, const char *k, json_t *v,
    const char **id, struct sparse_err *e)
{
	char	 ptr[48];
	int	 i;

	/* "case", as in every other case body; "id" (the first spelling)
	 * is still accepted for this release, not both. */
	if (strcmp(k, "case") == 0 || strcmp(k, "id") == 0) {
		snprintf(ptr, sizeof(ptr), "/%s", k);
		if (!json_is_string(v))
			return (sparse_fail(e, 400, "invalid_field", ptr,
			    "The case id is a string."));
		if (*id != NULL)
			return (sparse_fail(e, 400, "invalid_field", ptr,
			    "Give the case id once, as \"case\"."));
		*id = json_string_value(v);
		return (0);
	}
	for (i = 0; i < SPARSE_NDIMS; i++)
		if (strcmp(k, sparse_dims[i]) == 0)
			break;
	if (i == SPARSE_NDIMS) {
		/* Only a name that could be ours is echoed back. */
		snprintf(ptr, sizeof(ptr), "/%s", sparse_is_dim(k) ? k : "");
		return (sparse_fail(e, 400, "unknown_field", ptr, "Expected "
		    "only case, subtype, province, ground, sector."));
	}
	snprintf(ptr, sizeof(ptr), "/%s", sparse_dims[i]);
	if (json_is_null(v) && i > 0)
		r->sr_val[i][0] = '\0';
	else if (!json_is_string(v) || (i == 0 && json_string_length(v) == 0) ||
	    (json_string_length(v) > 0 && !sparse_is_dim(json_string_value(v))))
		return (sparse_fail(e, 400, "invalid_field", ptr, i == 0 ?
		    "The subtype is an id from the form." :
		    "An id from the form, or null for not given."));
	else
		snprintf(r->sr_val[i], sizeof(r->sr_val[i]), "%s",
		    json_string_value(v));
	r->sr_given[i] = 1;
	return (0);
}

static int
sparse_rc_members(json_t *b, struct sparse_reclassify *r,
    struct sparse_err *e)
{
	const char	*k, *id = NULL;
	json_t		*v;
	unsigned char	 raw[16];
	int		 i, any = 0;

	json_object_foreach(b, k, v)
		if (sparse_rc_member(r, k, v, &id, e) == -1)
			return (-1);
	for (i = 0; i < SPARSE_NDIMS; i++)
		any |= r->sr_given[i];
	if (id == NULL)
		return (sparse_fail(e, 400, "missing_field", "/case",
		    "Expected {\"case\", \"subtype\", \"province\", "
		    "\"ground\", \"sector\"}."));
	if (!any)
		return (sparse_fail(e, 400, "missing_field", "/subtype",
		    "Nothing to change: give at least one of subtype, "
		    "province, ground, sector."));
	if (staffcred_uuid_parse(id, raw) == -1)
		return (sparse_no_case(e));
	snprintf(r->sr_case, sizeof(r->sr_case), "%s", id);
	return (0);
}

int
sparse_reclassify(const unsigned char *data, size_t len,
    struct sparse_reclassify *r, struct sparse_err *e)
{
	json_t	*b;
	int	 rc;

	memset(r, 0, sizeof(*r));
	if ((b = sparse_object(data, len)) == NULL)
		return (sparse_fail(e, 400, "bad_request", "",
		    "The body must be a JSON object."));
	if ((rc = sparse_rc_members(b, r, e)) == -1)
		memset(r, 0, sizeof(*r));
	json_decref(b);
	return (rc);
}

/* -------------------------------------------------------------- identity */

/* The request id of a body member (a positive integer) into out. */
static int
sparse_request_id(const json_t *v, char *out, size_t outsz)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return (-1);
	snprintf(out, outsz, "%lld", (long long)json_integer_value(v));
	return (0);
}

/* The decision's optional reason (schema 0254), copied into d. */
static int
sparse_decide_reason(json_t *b, struct sparse_decide *d,
    struct sparse_err *e)
{
	json_t	*why = json_object_get(b, "reason");

	if (why == NULL)
		return (0);
	if (!json_is_string(why) || json_string_length(why) == 0 ||
	    json_string_length(why) >= sizeof(d->d_reason) ||
	    strlen(json_string_value(why)) != json_string_length(why))
		return (sparse_fail(e, 400, "invalid_field", "/reason",
		    "The reason is 1 to 2000 characters of text."));
	memcpy(d->d_reason, json_string_value(why), json_string_length(why));
	d->d_reason[json_string_length(why)] = '\0';
	d->d_has_reason = 1;
	return (0);
}

static int
sparse_decide_members(json_t *b, int purge, struct sparse_decide *d,
    struct sparse_err *e)
{
	json_t	*a = json_object_get(b, "approve");
	json_t	*rq = json_object_get(b, "request");

	if (!purge) {
		if (sparse_decide_reason(b, d, e) == -1)
			return (-1);
		if (!json_is_boolean(a))
			return (sparse_fail(e, 400, a == NULL ?
			    "missing_field" : "invalid_field", "/approve",
			    "approve must be true or false."));
		/* A request id that is not an integer is the caller's
		 * mistake, said as such; a well-formed id that names
		 * nothing is 404. */
		if (!json_is_integer(rq))
			return (sparse_fail(e, 400, rq == NULL ?
			    "missing_field" : "invalid_field", "/request",
			    "request is the integer id of an identity "
			    "request."));
		d->d_approve = json_is_true(a);
	}
	if (sparse_request_id(rq, d->d_id, sizeof(d->d_id)) == -1)
		return (sparse_fail(e, 404, "not_found", "",
		    "No such request."));
	return (0);
}

int
sparse_decide(const unsigned char *data, size_t len, int purge,
    struct sparse_decide *d, struct sparse_err *e)
{
	json_t	*b;
	int	 rc;

	memset(d, 0, sizeof(*d));
	if ((b = sparse_object(data, len)) == NULL)
		return (sparse_fail(e, 400, "bad_request", "",
		    "The body must be a JSON object."));
	rc = sparse_decide_members(b, purge, d, e);
	json_decref(b);
	return (rc);
}

/* ------------------------------------------------------------- case list */

/* One optional filter: 1 given and well-formed, 0 absent, -1 bad. */
static int
sparse_filter(const char *qs, const char *name, char *buf, size_t bufsz,
    char **out, int (*ok)(const char *))
{
	int	 rc;

	if ((rc = squery_get(qs, name, buf, bufsz)) != 1)
		return (rc);
	if (!ok(buf))
		return (-1);
	*out = buf;
	return (1);
}

static int
sparse_state_ok(const char *v)
{
	return (squery_word(v, case_states));
}

static int
sparse_prio_ok(const char *v)
{
	return (strlen(v) == 1 && v[0] >= '1' && v[0] <= '5');
}

static int
sparse_bool_ok(const char *v)
{
	return (strcmp(v, "true") == 0 || strcmp(v, "false") == 0);
}

/* limit: 1..SPARSE_LIST_MAX in decimal digits. */
static int
sparse_limit(const char *qs, int *limit)
{
	char	 lim[8];
	int	 rc;

	*limit = SPARSE_LIST_DEFAULT;
	if ((rc = squery_get(qs, "limit", lim, sizeof(lim))) != 1)
		return (rc);
	if (strspn(lim, "0123456789") != strlen(lim) ||
	    (*limit = atoi(lim)) < 1 || *limit > SPARSE_LIST_MAX)
		return (-1);
	return (1);
}

/* after: "YYYY-MM-DD.<case uuid>", the last row of the previous page. */
static int
sparse_cursor(const char *qs, struct sparse_list *l, struct sparse_err *e)
{
	char		 after[80];
	unsigned char	 raw[16];
	int		 rc;

	if ((rc = squery_get(qs, "after", after, sizeof(after))) != 1)
		return (rc);
	if (strlen(after) != 47 || after[10] != '.')
		return (-1);
	memcpy(l->ls_adate, after, 10);
	l->ls_adate[10] = '\0';
	memcpy(l->ls_aid, after + 11, 36);
	l->ls_aid[36] = '\0';
	if (!squery_date(l->ls_adate) ||
	    staffcred_uuid_parse(l->ls_aid, raw) == -1)
		return (sparse_fail(e, 400, "bad_request", "", "Bad cursor."));
	l->ls_after = 1;
	return (1);
}

int
sparse_case_list(const char *qs, struct sparse_list *l, struct sparse_err *e)
{
	memset(l, 0, sizeof(*l));
	sparse_fail(e, 400, "bad_request", "", "Bad filter: use queue, state, "
	    "priority (1-5), overdue (true|false), from, to (YYYY-MM-DD), "
	    "subtype, limit (1-200), after (a cursor).");
	if (squery_check(qs, list_names) == -1 ||
	    squery_get(qs, "queue", l->ls_queue, sizeof(l->ls_queue)) != 1 ||
	    !sparse_is_dim(l->ls_queue) ||
	    sparse_filter(qs, "state", l->ls_statebuf,
	    sizeof(l->ls_statebuf), &l->ls_state, sparse_state_ok) == -1 ||
	    sparse_filter(qs, "priority", l->ls_priobuf,
	    sizeof(l->ls_priobuf), &l->ls_prio, sparse_prio_ok) == -1 ||
	    sparse_filter(qs, "overdue", l->ls_odbuf, sizeof(l->ls_odbuf),
	    &l->ls_overdue, sparse_bool_ok) == -1 ||
	    sparse_filter(qs, "from", l->ls_frombuf, sizeof(l->ls_frombuf),
	    &l->ls_from, squery_date) == -1 ||
	    sparse_filter(qs, "to", l->ls_tobuf, sizeof(l->ls_tobuf),
	    &l->ls_to, squery_date) == -1 ||
	    sparse_limit(qs, &l->ls_limit) == -1 ||
	    sparse_filter(qs, "subtype", l->ls_subbuf, sizeof(l->ls_subbuf),
	    &l->ls_subtype, sparse_is_dim) == -1)
		goto fail;
	/* The cursor last: its own message once everything else is fine. */
	if (sparse_cursor(qs, l, e) == -1)
		goto fail;
	sparse_fail(e, 0, NULL, "", NULL);
	return (0);
 fail:
	memset(l, 0, sizeof(*l));
	return (-1);
}
