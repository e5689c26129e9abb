/*
 * Staff API fixes found while building the console (issue 13), end to
 * end against real daemons and PostgreSQL (tests/lib/tstack.c):
 *
 * - a staff 429 (the per-source login limiter) carries Retry-After with
 *   the seconds left in the source's window;
 * - a string where an integer id is expected (identity decide's
 *   "request", identity contact's ?request=) is 400 naming the field,
 *   not 404; a missing member is missing_field with its pointer;
 * - an identity request on a case without contact details is
 *   409 no_contact (not the generic conflict);
 * - every time of day in a staff answer is RFC 3339 UTC with "Z":
 *   notes, transitions, identity requests, first-response deadlines.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/lib/tclient.h"
#include "tests/lib/tstack.h"

#define SA_PASSWORD	"correct horse battery staple"

static struct tstack	T;

static void
sa_login(struct tstack_user *u)
{
	char	code[8];

	tstack_code(u, time(NULL), code);
	cr_assert_eq(tstack_login(&T, u, SA_PASSWORD, code), 201,
	    "login %s", u->name);
}

/* 400 with error.code and error.field as given. */
static void
sa_field(int st, json_t *j, const char *code, const char *field)
{
	json_t	*e = json_object_get(j, "error");

	cr_assert_eq(st, 400, "status %d", st);
	cr_expect_str_eq(json_string_value(json_object_get(e, "code")), code);
	cr_expect_str_eq(json_string_value(json_object_get(e, "field")), field);
	json_decref(j);
}

/* "YYYY-MM-DDTHH:MM:SSZ" exactly. */
static int
is_rfc3339_utc(const char *s)
{
	static const char	 pat[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t			 i;

	if (s == NULL || strlen(s) != sizeof(pat) - 1)
		return (0);
	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    s[i] != pat[i])
			return (0);
	return (1);
}

/* A plaintext-mode report; with_contact adds contact details. */
static void
sa_submit(int with_contact, int urgent)
{
	char	 body[600];
	int	 st;

	snprintf(body, sizeof(body), urgent ?
	    "{\"category\":\"honour_violence\",\"subtype\":\"forced_marriage\","
	    "\"lang\":\"en\",\"answers\":{\"immediate_danger\":true},"
	    "\"report\":{\"narrative\":\"tonight\"}%s}" :
	    "{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"recruitment\",\"lang\":\"nl\",\"answers\":{\"ground\":"
	    "\"origin\"},\"report\":{\"narrative\":\"afgewezen\"}%s}",
	    with_contact ? ",\"contact_details\":{\"name\":\"A. Melder\"}" : "");
	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL, body, NULL);
	cr_assert_eq(st, 201, "submit: %d", st);
}

/* The id of the only case of a queue. */
static void
sa_case(struct tstack_user *u, const char *queue, char id[40])
{
	char	 path[80];
	json_t	*j;

	snprintf(path, sizeof(path), "/v1/staff/cases?queue=%s", queue);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, u->token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	snprintf(id, 40, "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(j, "cases"), 0), "id")));
	json_decref(j);
}

Test(staff_api, login_429_carries_retry_after, .timeout = 120)
{
	struct tstack_user	 u;
	struct tcl_resp		 r;
	char			*ra, *end;
	long			 secs;

	tstack_start(&T, "login_fail_per_source = 2\n");
	tstack_add_user(&T, &u, "rita", "handler", SA_PASSWORD, NULL);
	cr_assert_eq(tstack_login(&T, &u, "wrong password one", "000000"), 401);
	cr_assert_eq(tstack_login(&T, &u, "wrong password two", "000000"), 401);
	cr_assert_eq(tcl_request(T.staff.port, "POST", "/v1/staff/session",
	    "Content-Type: application/json\r\n", "{\"username\":\"rita\","
	    "\"password\":\"x\",\"totp\":\"000000\"}", &r), 0);
	cr_assert_eq(r.status, 429, "%d %s", r.status, r.body);
	ra = tcl_resp_header(&r, "Retry-After");
	cr_assert_not_null(ra, "429 without Retry-After");
	secs = strtol(ra, &end, 10);
	cr_expect(*end == '\0' && secs >= 1 && secs <= 900, "Retry-After: %s",
	    ra);
	free(ra);
	tcl_resp_clear(&r);
	tstack_stop(&T);
}

Test(staff_api, fields_named_no_contact_and_utc_times, .timeout = 180)
{
	struct tstack_user	 h, o;
	char			 with[40], without[40], path[120], body[200];
	json_t			*j, *c, *a;
	size_t			 i;
	int			 st;

	tstack_start(&T, NULL);
	tstack_add_user(&T, &h, "hugo", "handler", SA_PASSWORD, "labour");
	tstack_add_user(&T, &o, "olga", "officer", SA_PASSWORD, NULL);
	/* The urgent queue too, for a first-response deadline. */
	free(tstack_meldctl(&T, NULL, 0, "queue members add honour_urgent "
	    "hugo --recovery-key '%s/recovery.key'", T.keys));
	sa_submit(0, 0);
	sa_login(&h);
	sa_login(&o);
	sa_case(&h, "labour", without);

	/* No contact details: a code that says so. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"reason\":\"police\"}",
	    without);
	st = tstack_req(&T, 1, "POST", "/v1/staff/identity/request", h.token,
	    body, &j);
	cr_expect_eq(st, 409);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "error"), "code")), "no_contact");
	json_decref(j);
	snprintf(body, sizeof(body), "{\"case\":\"%s\"}", without);
	st = tstack_req(&T, 1, "POST", "/v1/staff/identity/request", h.token,
	    body, &j);
	sa_field(st, j, "missing_field", "/reason");

	/* Strings where integers belong: 400 naming the field. */
	st = tstack_req(&T, 1, "POST", "/v1/staff/identity/decide", o.token,
	    "{\"request\":\"12\",\"approve\":true}", &j);
	sa_field(st, j, "invalid_field", "/request");
	st = tstack_req(&T, 1, "POST", "/v1/staff/identity/decide", o.token,
	    "{\"approve\":true}", &j);
	sa_field(st, j, "missing_field", "/request");
	st = tstack_req(&T, 1, "POST", "/v1/staff/identity/decide", o.token,
	    "{\"request\":12,\"approve\":\"yes\"}", &j);
	sa_field(st, j, "invalid_field", "/approve");
	st = tstack_req(&T, 1, "GET", "/v1/staff/identity/contact?request=abc",
	    o.token, NULL, &j);
	sa_field(st, j, "invalid_field", "request");
	/* A well-formed id that names nothing stays 404. */
	cr_expect_eq(tstack_req(&T, 1, "POST", "/v1/staff/identity/decide",
	    o.token, "{\"request\":987654,\"approve\":true}", NULL), 404);

	/* A transition, for its time. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"to\":"
	    "\"acknowledged\",\"reason\":\"seen\"}", without);
	cr_assert_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/transition",
	    h.token, body, NULL), 200);

	/* Note and transition times on the case, RFC 3339 UTC. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"text\":\"n\"}",
	    without);
	cr_assert_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/notes",
	    h.token, body, NULL), 201);
	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", without);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, h.token, NULL, &c), 200);
	a = json_object_get(c, "notes");
	cr_assert_eq(json_array_size(a), 1);
	cr_expect(is_rfc3339_utc(json_string_value(json_object_get(
	    json_array_get(a, 0), "created_at"))), "note created_at: %s",
	    json_string_value(json_object_get(json_array_get(a, 0),
	    "created_at")));
	a = json_object_get(c, "transitions");
	cr_assert(json_array_size(a) >= 1);
	for (i = 0; i < json_array_size(a); i++)
		cr_expect(is_rfc3339_utc(json_string_value(json_object_get(
		    json_array_get(a, i), "at"))), "transition at: %s",
		    json_string_value(json_object_get(json_array_get(a, i),
		    "at")));
	json_decref(c);

	/* An urgent case's first-response deadline, in the case and list. */
	sa_submit(1, 1);
	sa_case(&h, "honour_urgent", with);
	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", with);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, h.token, NULL, &c), 200);
	cr_expect(is_rfc3339_utc(json_string_value(json_object_get(
	    json_object_get(c, "clocks"), "first_response_due"))),
	    "first_response_due: %s", json_string_value(json_object_get(
	    json_object_get(c, "clocks"), "first_response_due")));
	json_decref(c);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/cases?queue="
	    "honour_urgent", h.token, NULL, &c), 200);
	cr_expect(is_rfc3339_utc(json_string_value(json_object_get(
	    json_array_get(json_object_get(c, "cases"), 0),
	    "first_response_due"))));
	json_decref(c);
	/* The identity request's time. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"reason\":\"police\"}",
	    with);
	cr_assert_eq(tstack_req(&T, 1, "POST", "/v1/staff/identity/request",
	    h.token, body, NULL), 201);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/identity/requests",
	    o.token, NULL, &j), 200);
	a = json_object_get(j, "requests");
	cr_assert_eq(json_array_size(a), 1);
	cr_expect(is_rfc3339_utc(json_string_value(json_object_get(
	    json_array_get(a, 0), "requested_at"))), "requested_at: %s",
	    json_string_value(json_object_get(json_array_get(a, 0),
	    "requested_at")));
	json_decref(j);
	tstack_stop(&T);
}
