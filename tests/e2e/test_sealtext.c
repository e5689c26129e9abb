/*
 * Acceptance test of issue 11 part 4 (schema/0051_sealed_staff_text.sql,
 * daemon/casetext.c): staff free text -- a transition reason, a referral's
 * organisation and reference, an identity-request reason -- goes in
 * through the real staff API, comes back in clear to those allowed to read
 * it, and never appears in clear in a pg_dump, in the data directory (heap
 * and WAL, after a CHECKPOINT) or in a daemon log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define C_REASON	"CANARY-7f3a-transition-reason"
#define C_ORG		"CANARY-7f3a-organisation ADV Utrecht"
#define C_REF		"CANARY-7f3a-reference 2026/0815"
#define C_IDREASON	"CANARY-7f3a-identity-request reason"
#define PASSWORD	"correct horse battery staple"

static struct tstack	T;

TestSuite(sealtext, .timeout = 240);

static void
login(struct tstack_user *u)
{
	char	 code[8];

	tstack_code(u, time(NULL), code);
	cr_assert_eq(tstack_login(&T, u, PASSWORD, code), 201, "%s", u->name);
}

static int
post(const struct tstack_user *u, const char *path, json_t *body,
    json_t **out)
{
	char	*s;
	int	 st;

	cr_assert_not_null(s = json_dumps(body, JSON_COMPACT));
	json_decref(body);
	st = tstack_req(&T, 1, "POST", path, u->token, s, out);
	free(s);
	return (st);
}

static const char *const canaries[] = { C_REASON, C_ORG, C_REF, C_IDREASON,
    NULL };

Test(sealtext, staff_text_never_in_dump_or_data_files)
{
	struct tstack_user	 h, o;
	json_t			*j = NULL, *r;
	char			 id[37], path[128], dump[1024], *datadir, *s;
	PGconn			*su;
	size_t			 i;
	int			 st;

	tstack_start(&T, NULL);
	tstack_add_user(&T, &h, "hanna", "handler", PASSWORD, "labour");
	tstack_add_user(&T, &o, "olga", "officer", PASSWORD, NULL);
	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL,
	    "{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"recruitment\",\"lang\":\"en\",\"answers\":{\"ground\":"
	    "\"origin\"},\"report\":{\"narrative\":\"refused\"},"
	    "\"contact_details\":{\"name\":\"Fatma\"}}", &j);
	cr_assert_eq(st, 201, "submit: %d", st);
	json_decref(j);
	login(&h);
	login(&o);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/cases?queue=labour",
	    h.token, NULL, &j), 200);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(j, "cases"), 0), "id")));
	json_decref(j);

	/* The three writes, through the API. */
	cr_assert_eq(post(&h, "/v1/staff/case/transition", json_pack(
	    "{s:s,s:s,s:s}", "case", id, "to", "acknowledged", "reason",
	    C_REASON), NULL), 200);
	cr_assert_eq(post(&h, "/v1/staff/case/referral", json_pack(
	    "{s:s,s:s,s:s,s:s}", "case", id, "organisation", C_ORG,
	    "referred_on", "2026-12-01", "reference", C_REF), NULL), 201);
	cr_assert_eq(post(&h, "/v1/staff/identity/request", json_pack(
	    "{s:s,s:s}", "case", id, "reason", C_IDREASON), NULL), 201);

	/* Those allowed read them back in clear. */
	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, h.token, NULL, &j), 200);
	r = json_array_get(json_object_get(j, "transitions"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "reason")),
	    C_REASON);
	cr_assert_null(json_object_get(r, "reason_sealed"));
	r = json_array_get(json_object_get(j, "referrals"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r,
	    "organisation")), C_ORG);
	cr_assert_str_eq(json_string_value(json_object_get(r, "reference")),
	    C_REF);
	json_decref(j);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/identity/requests",
	    o.token, NULL, &j), 200);
	r = json_array_get(json_object_get(j, "requests"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "reason")),
	    C_IDREASON);
	cr_assert_null(json_object_get(r, "ck_enc"));
	json_decref(j);

	/* Nowhere in clear: dump, data directory (heap and WAL), logs. */
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	snprintf(dump, sizeof(dump), "%s/canary.sql", T.dir);
	cr_assert(asprintf(&s, "pg_dump -f '%s' '%s'", dump, T.db) > 0);
	cr_assert_eq(system(s), 0);
	free(s);
	cr_assert(tstack_file_contains(dump, "casework.transitions"),
	    "the dump is real");
	cr_assert_eq(testdb_exec(su, "CHECKPOINT", NULL), 0);
	cr_assert_not_null(datadir = testdb_value(su,
	    "SELECT current_setting('data_directory')"));
	/* A control: clear values of the same requests are in the files. */
	cr_assert(tstack_dir_contains(datadir, "acknowledged", 12),
	    "the data files hold the clear state");
	for (i = 0; canaries[i] != NULL; i++) {
		cr_expect(!tstack_file_contains(dump, canaries[i]),
		    "pg_dump holds %s", canaries[i]);
		cr_expect(!tstack_dir_contains(datadir, canaries[i],
		    strlen(canaries[i])), "the data directory holds %s",
		    canaries[i]);
		cr_expect(!tstack_file_contains(T.staff.log, canaries[i]));
	}
	free(datadir);
	PQfinish(su);
	tstack_stop(&T);
}
