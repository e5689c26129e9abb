/*
 * End to end: identity disclosure (DESIGN.md section 4, "Identity vault";
 * schema/0042_identity_disclosure.sql, daemon/identity.c).  A reporter
 * submits a plaintext report with contact details through the public API;
 * a handler asks for the identity; another handler cannot decide; the
 * officer cannot read while the request is pending; an officer cannot
 * decide her own request; a second officer approves; the reporter's inbox
 * shows the disclosure notice; only then does the officer read exactly
 * the submitted contact details.  The audit chain verifies with
 * `meldctl audit verify` and no daemon log carries the contact canary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"
#include "tests/lib/tstack.h"

#define ID_CANARY	"CANARY-4b1d-identity"
#define ID_PASSWORD	"correct horse battery staple"
#define ID_NAME		"Fatma " ID_CANARY
#define ID_PHONE	"+31 6 1234 5678"
#define ID_EMAIL	"melder-" ID_CANARY "@example.org"

static struct tstack	T;

static void
id_setup(void)
{
	tstack_start(&T, NULL);
}

static void
id_teardown(void)
{
	tstack_stop(&T);
}

TestSuite(identity, .init = id_setup, .fini = id_teardown, .timeout = 180);

static void
id_login(struct tstack_user *u)
{
	char	code[8];

	tstack_code(u, time(NULL), code);
	cr_assert_eq(tstack_login(&T, u, ID_PASSWORD, code), 201,
	    "login %s", u->name);
}

static int
id_post(const struct tstack_user *u, const char *path, json_t *body,
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

static int
id_request(const struct tstack_user *u, const char *case_id,
    long long *id)
{
	json_t	*j = NULL;
	int	 st;

	st = id_post(u, "/v1/staff/identity/request", json_pack("{s:s,s:s}",
	    "case", case_id, "reason", "needed to protect the reporter"), &j);
	if (st == 201 && id != NULL)
		*id = json_integer_value(json_object_get(j, "request"));
	json_decref(j);
	return (st);
}

static int
id_decide(const struct tstack_user *u, long long id, int approve)
{
	return (id_post(u, "/v1/staff/identity/decide", json_pack("{s:I,s:b}",
	    "request", (json_int_t)id, "approve", approve), NULL));
}

static int
id_contact(const struct tstack_user *u, long long id, json_t **out)
{
	char	path[128];

	snprintf(path, sizeof(path), "/v1/staff/identity/contact?request=%lld",
	    id);
	return (tstack_req(&T, 1, "GET", path, u->token, NULL, out));
}

/* Does the reporter's inbox hold the disclosure notice (in lang)? */
static int
notice_seen(const char *receipt)
{
	json_t		*c, *m;
	char		*tok;
	size_t		 i;
	int		 st, seen = 0;
	const char	*text;

	cr_assert_not_null(tok = trep_login(T.pub.port, receipt));
	c = trep_case(T.pub.port, tok, &st);
	cr_assert_eq(st, 200);
	json_array_foreach(json_object_get(c, "messages"), i, m) {
		const char *k = json_string_value(json_object_get(m,
		    "text_key"));

		if (k == NULL || strcmp(k, "identity.disclosure") != 0)
			continue;
		cr_assert_str_eq(json_string_value(json_object_get(m,
		    "direction")), "system");
		text = json_string_value(json_object_get(m, "text"));
		cr_assert(text != NULL && strstr(text, "privacyfunctionaris") !=
		    NULL, "the notice is not rendered in Dutch: %s", text);
		seen++;
	}
	json_decref(c);
	cr_assert_eq(trep_logout(T.pub.port, tok), 200);
	free(tok);
	return (seen);
}

Test(identity, request_approve_notify_then_read)
{
	struct tstack_user	 h1, h2, o1, o2;
	json_t			*j = NULL, *c;
	char			*receipt, *out, *log, case_id[40];
	long long		 rid, own;
	int			 st;

	tstack_add_user(&T, &h1, "hanna", "handler", ID_PASSWORD, "labour");
	tstack_add_user(&T, &h2, "henk", "handler", ID_PASSWORD, "labour");
	tstack_add_user(&T, &o1, "olga", "officer", ID_PASSWORD, "labour");
	tstack_add_user(&T, &o2, "otto", "officer", ID_PASSWORD, NULL);
	/* A handler cannot be given the identity keys. */
	free(tstack_meldctl(&T, NULL, 65, "officer grant hanna "
	    "--identity-key '%s/%s' --contact-link-key '%s/%s'", T.keys,
	    INIT_F_IDENTITY, T.keys, INIT_F_LINK));
	out = tstack_meldctl(&T, NULL, 0, "officer grant olga "
	    "--identity-key '%s/%s' --contact-link-key '%s/%s'", T.keys,
	    INIT_F_IDENTITY, T.keys, INIT_F_LINK);
	cr_assert(strstr(out, "granted") != NULL, "%s", out);
	free(out);
	free(tstack_meldctl(&T, NULL, 0, "officer grant otto "
	    "--identity-key '%s/%s' --contact-link-key '%s/%s'", T.keys,
	    INIT_F_IDENTITY, T.keys, INIT_F_LINK));

	/* The reporter submits in plaintext mode with contact details. */
	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL,
	    "{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"recruitment\",\"lang\":\"nl\",\"answers\":{\"ground\":"
	    "\"origin\",\"province\":\"utrecht\"},\"report\":{\"narrative\":"
	    "\"afgewezen om mijn afkomst\"},\"contact_details\":{\"name\":\""
	    ID_NAME "\",\"phone\":\"" ID_PHONE "\",\"email\":\"" ID_EMAIL
	    "\"}}", &j);
	cr_assert_eq(st, 201, "submit: %d", st);
	receipt = strdup(json_string_value(json_object_get(j, "receipt")));
	json_decref(j);

	id_login(&h1);
	id_login(&h2);
	id_login(&o1);
	id_login(&o2);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/cases?queue=labour",
	    h1.token, NULL, &j), 200);
	c = json_array_get(json_object_get(j, "cases"), 0);
	snprintf(case_id, sizeof(case_id), "%s",
	    json_string_value(json_object_get(c, "id")));
	json_decref(j);
	/* Handlers see only yes/no. */
	snprintf(case_id + 36, 4, "%s", "");
	{
		char	path[128], *dump;

		snprintf(path, sizeof(path), "/v1/staff/case?id=%s", case_id);
		cr_assert_eq(tstack_req(&T, 1, "GET", path, h1.token, NULL,
		    &j), 200);
		cr_assert_not_null(dump = json_dumps(j, JSON_COMPACT));
		cr_assert(strstr(dump, ID_CANARY) == NULL);
		free(dump);
		json_decref(j);
	}

	/* The handler asks; an empty reason and a made-up case are refused. */
	cr_assert_eq(id_post(&h1, "/v1/staff/identity/request",
	    json_pack("{s:s,s:s}", "case", case_id, "reason", ""), NULL), 400);
	cr_assert_eq(id_request(&h1, "00000000-0000-4000-8000-000000000000",
	    NULL), 404);
	cr_assert_eq(id_request(&h1, case_id, &rid), 201);
	cr_assert(rid > 0);

	/* Handlers cannot list, decide or read. */
	cr_assert_eq(id_decide(&h2, rid, 1), 403);
	cr_assert_eq(id_decide(&h1, rid, 1), 403);
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/identity/requests",
	    h2.token, NULL, NULL), 403);
	cr_assert_eq(id_contact(&h1, rid, NULL), 403);

	/* The officer sees it pending; reading is refused while pending. */
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/identity/requests",
	    o1.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "requests")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "requests"), 0), "requested_by")), "hanna");
	json_decref(j);
	cr_assert_eq(id_contact(&o1, rid, NULL), 409);
	cr_assert_eq(notice_seen(receipt), 0);

	/* An officer cannot decide her own request. */
	cr_assert_eq(id_request(&o1, case_id, &own), 201);
	cr_assert_eq(id_decide(&o1, own, 1), 403);
	cr_assert_eq(id_decide(&o2, own, 0), 200);
	cr_assert_eq(id_decide(&o2, own, 1), 409);
	cr_assert_eq(id_contact(&o1, own, NULL), 409);
	cr_assert_eq(notice_seen(receipt), 0);

	/* Approval: the reporter is told, then the officer may read. */
	cr_assert_eq(id_decide(&o1, rid, 1), 200);
	cr_assert_eq(id_decide(&o1, rid, 1), 409);
	cr_assert_eq(notice_seen(receipt), 1);
	cr_assert_eq(id_contact(&o1, 999999, NULL), 404);
	cr_assert_eq(id_contact(&o1, rid, &j), 200);
	c = json_object_get(j, "contact");
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")),
	    ID_NAME);
	cr_assert_str_eq(json_string_value(json_object_get(c, "phone")),
	    ID_PHONE);
	cr_assert_str_eq(json_string_value(json_object_get(c, "email")),
	    ID_EMAIL);
	cr_assert_eq(json_object_size(c), 3);
	cr_assert_str_eq(json_string_value(json_object_get(j, "case")),
	    case_id);
	json_decref(j);

	/* That was the pending hand-over (0053); once flushed, the stored
	 * row reads the same, and the officer can purge it. */
	cr_assert_eq(id_post(&o1, "/v1/staff/identity/contact/purge",
	    json_pack("{s:I}", "request", (json_int_t)rid), NULL), 409,
	    "a pending contact cannot be purged yet");
	out = tstack_meldctl(&T, NULL, 0, "contact flush --epoch-dir "
	    "'%s/epoch' --batch 2", T.keys);
	cr_assert(strstr(out, "fewer than 2") != NULL, "%s", out);
	free(out);
	out = tstack_meldctl(&T, NULL, 0, "contact flush --epoch-dir "
	    "'%s/epoch' --batch 1", T.keys);
	cr_assert(strstr(out, "flushed 1 contacts") != NULL, "%s", out);
	free(out);
	cr_assert_eq(id_contact(&o1, rid, &j), 200);
	c = json_object_get(j, "contact");
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")),
	    ID_NAME);
	json_decref(j);
	cr_assert_eq(id_post(&h1, "/v1/staff/identity/contact/purge",
	    json_pack("{s:I}", "request", (json_int_t)rid), NULL), 403);
	cr_assert_eq(id_post(&o1, "/v1/staff/identity/contact/purge",
	    json_pack("{s:I}", "request", (json_int_t)rid), NULL), 200);
	cr_assert_eq(id_contact(&o1, rid, NULL), 404, "purged");
	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/identity/requests",
	    o1.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "requests")), 0);
	json_decref(j);

	/* The audit chain holds and verifies; no log carries the contact. */
	out = tstack_meldctl(&T, NULL, 0, "audit verify");
	cr_assert(strstr(out, "audit chain ok") != NULL, "%s", out);
	free(out);
	log = tdaemon_log(&T.staff);
	cr_assert_not_null(log);
	cr_expect(strstr(log, ID_CANARY) == NULL, "staff log has the canary");
	cr_expect(strstr(log, "needed to protect") == NULL);
	free(log);
	log = tdaemon_log(&T.pub);
	cr_assert_not_null(log);
	cr_expect(strstr(log, ID_CANARY) == NULL, "public log has the canary");
	free(log);
	free(receipt);
}

/*
 * `meldctl officer revoke` deletes exactly that officer's wraps (her
 * next login finds none to unwrap) and audits it; another officer's
 * stay; a second revoke has nothing to delete (exit 65).
 */
Test(identity, revoke_takes_an_officers_keys)
{
	struct tstack_user	 o1, o2;
	PGconn			*su;
	char			*out;

	tstack_add_user(&T, &o1, "olga", "officer", ID_PASSWORD, NULL);
	tstack_add_user(&T, &o2, "otto", "officer", ID_PASSWORD, NULL);
	free(tstack_meldctl(&T, NULL, 0, "officer grant olga --identity-key "
	    "'%s/%s' --contact-link-key '%s/%s'", T.keys, INIT_F_IDENTITY,
	    T.keys, INIT_F_LINK));
	free(tstack_meldctl(&T, NULL, 0, "officer grant otto --identity-key "
	    "'%s/%s' --contact-link-key '%s/%s'", T.keys, INIT_F_IDENTITY,
	    T.keys, INIT_F_LINK));
	out = tstack_meldctl(&T, NULL, 0, "officer revoke olga");
	cr_expect_not_null(strstr(out, "revoked"), "%s", out);
	free(out);
	free(tstack_meldctl(&T, NULL, 65, "officer revoke olga"));
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "identity.officer_wraps w JOIN casework.users u ON u.id = "
	    "w.user_id WHERE u.username = 'olga'"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "identity.officer_wraps w JOIN casework.users u ON u.id = "
	    "w.user_id WHERE u.username = 'otto'"), 2);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'officer.revoke' AND object = 'user:olga'"), 1);
	PQfinish(su);
}
