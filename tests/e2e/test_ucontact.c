/*
 * End to end: contact details given with consent for the urgent team
 * (issue 17 item 1; schema/0250_urgent_contact.sql, daemon/ucontact.c,
 * docs/staff-api.md "Urgent contact").  Real PostgreSQL, a real public
 * and staff meldpuntd over TLS, keys from the real `meldctl init`.
 *
 *   - a reporter seals, with this repository's crypto library as an app
 *     would, an urgent honour-violence report with contact details to
 *     the identity key AND, consenting, a copy to every queue key; the
 *     server keeps the routed urgent queue's copy beside the case;
 *   - the inbox shows the consent at once; a handler of the urgent queue
 *     reads exactly the contact; the read is audited (contact.urgent_read,
 *     every time) and the inbox then says the team read it; a handler of
 *     the other honour queue gets 404, an urgent handler reading a case
 *     without consent gets 403 no_consent; plaintext details with consent
 *     (the server seals the copies) read back too;
 *   - `meldctl case purge` removes the consent copy;
 *   - bad input: every malformed consent member is a 4xx naming the member
 *     and stores nothing;
 *   - the contact canary is in no daemon log and no pg_dump.
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

#define UC_CANARY	"CANARY-9c4e-ucontact"
#define UC_PASSWORD	"correct horse battery staple"
#define UC_CONTACT	"{\"name\":\"Amina " UC_CANARY "\",\"phone\":" \
			"\"+31 6 9876 5432\",\"note\":\"alleen na 22:00 bellen, " \
			"niet schrijven\"}"

static struct tstack	T;
static json_t		*forms;
static PGconn		*su;

static void
uc_setup(void)
{
	tstack_start(&T, NULL);
	cr_assert_not_null(forms = trep_forms(T.pub.port, "en"));
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
}

static void
uc_teardown(void)
{
	PQfinish(su);
	json_decref(forms);
	tstack_stop(&T);
}

TestSuite(ucontact, .init = uc_setup, .fini = uc_teardown, .timeout = 240);

/* An honour-violence report body: envelope sealed here; danger as given. */
static json_t *
uc_body(int danger)
{
	json_t	*env;

	cr_assert_not_null(env = trep_seal(forms, "honour_violence",
	    "{\"narrative\":\"they take her abroad tonight\"}"));
	return (json_pack("{s:s,s:s,s:s,s:{s:b},s:o}", "lang", "nl",
	    "category", "honour_violence", "subtype", "threats", "answers",
	    "immediate_danger", danger, "envelope", env));
}

/* POST /v1/reports with body (consumed); the status, *out the answer. */
static int
uc_submit(json_t *body, json_t **out)
{
	char	*s;
	int	 st;

	cr_assert_not_null(s = json_dumps(body, JSON_COMPACT));
	json_decref(body);
	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL, s, out);
	free(s);
	return (st);
}

/* A sealed urgent report with consent; the receipt (malloc'd). */
static char *
uc_submit_consent(void)
{
	json_t	*b = uc_body(1), *c, *u = NULL, *j = NULL;
	char	*receipt;

	cr_assert_not_null(c = trep_seal_contact(forms, "honour_violence",
	    UC_CONTACT, &u));
	json_object_set_new(b, "contact", c);
	json_object_set_new(b, "contact_consent", json_true());
	json_object_set_new(b, "urgent_contact", u);
	cr_assert_eq(uc_submit(b, &j), 201);
	cr_assert(json_is_true(json_object_get(j, "urgent")));
	receipt = strdup(json_string_value(json_object_get(j, "receipt")));
	json_decref(j);
	return (receipt);
}

static void
uc_login(struct tstack_user *u)
{
	char	code[8];

	tstack_code(u, time(NULL), code);
	cr_assert_eq(tstack_login(&T, u, UC_PASSWORD, code), 201, "login %s",
	    u->name);
}

/* The ids of the cases in queue q, newest first, into ids[]; count. */
static size_t
uc_cases(const struct tstack_user *u, const char *q, char ids[][40],
    size_t max)
{
	json_t	*j = NULL, *c;
	char	 path[96];
	size_t	 i, n = 0;

	snprintf(path, sizeof(path), "/v1/staff/cases?queue=%s", q);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, u->token, NULL, &j), 200);
	json_array_foreach(json_object_get(j, "cases"), i, c)
		if (n < max)
			snprintf(ids[n++], 40, "%s", json_string_value(
			    json_object_get(c, "id")));
	json_decref(j);
	return (n);
}

static int
uc_read(const struct tstack_user *u, const char *id, json_t **out)
{
	char	path[256];

	snprintf(path, sizeof(path), "/v1/staff/case/urgent-contact?id=%s", id);
	return (tstack_req(&T, 1, "GET", path, u->token, NULL, out));
}

/* How many system messages with this text key the reporter's inbox
 * holds (the text rendered in Dutch, checked by a word of it). */
static int
uc_inbox(const char *receipt, const char *key, const char *word)
{
	json_t		*c, *m;
	char		*tok;
	size_t		 i;
	int		 st, n = 0;
	const char	*k, *text;

	cr_assert_not_null(tok = trep_login(T.pub.port, receipt));
	c = trep_case(T.pub.port, tok, &st);
	cr_assert_eq(st, 200);
	json_array_foreach(json_object_get(c, "messages"), i, m) {
		k = json_string_value(json_object_get(m, "text_key"));
		if (k == NULL || strcmp(k, key) != 0)
			continue;
		text = json_string_value(json_object_get(m, "text"));
		cr_assert(text != NULL && strstr(text, word) != NULL,
		    "%s not rendered in Dutch: %s", key, text);
		n++;
	}
	json_decref(c);
	cr_assert_eq(trep_logout(T.pub.port, tok), 200);
	free(tok);
	return (n);
}

static long long
uc_audits(const char *id)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit.events WHERE "
	    "action = 'contact.urgent_read' AND object = 'case:%s'", id);
	return (testdb_count(su, sql));
}

Test(ucontact, consent_read_audited_reporter_told_purged)
{
	struct tstack_user	 hu, hn;
	json_t			*j = NULL, *c;
	char			 ids[4][40], plain[160], sealed[160], cmd[1024];
	char			*receipt, *out, *log;
	int			 st, rs;

	tstack_add_user(&T, &hu, "ursula", "handler", UC_PASSWORD,
	    "honour_urgent");
	tstack_add_user(&T, &hn, "nadia", "handler", UC_PASSWORD, "honour");
	receipt = uc_submit_consent();
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.urgent_contacts"), 1, "the routed queue's copy only");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "identity.contact_pending"), 1, "the vault copy, handed over");
	cr_expect_eq(uc_inbox(receipt, "contact.consent", "spoedteam"), 1);
	cr_expect_eq(uc_inbox(receipt, "contact.urgent_read", "spoedteam"), 0);

	uc_login(&hu);
	uc_login(&hn);
	cr_assert_eq(uc_cases(&hu, "honour_urgent", ids, 4), 1);
	snprintf(sealed, sizeof(sealed), "%s", ids[0]);
	/* The case view says there is a consent copy. */
	snprintf(cmd, sizeof(cmd), "/v1/staff/case?id=%s", sealed);
	cr_assert_eq(tstack_req(&T, 1, "GET", cmd, hu.token, NULL, &j), 200);
	cr_expect(json_is_true(json_object_get(j, "contact_consent")));
	json_decref(j);
	/* Not the other honour queue's handler: she cannot see the case. */
	cr_expect_eq(uc_read(&hn, sealed, NULL), 404);
	cr_expect_eq(uc_audits(sealed), 0);

	/* The urgent handler reads exactly what the reporter gave. */
	cr_assert_eq(st = uc_read(&hu, sealed, &j), 200, "%d", st);
	cr_assert_not_null(c = json_object_get(j, "contact"));
	cr_expect_str_eq(json_string_value(json_object_get(c, "name")),
	    "Amina " UC_CANARY);
	cr_expect_str_eq(json_string_value(json_object_get(c, "note")),
	    "alleen na 22:00 bellen, niet schrijven");
	cr_expect_str_eq(json_string_value(json_object_get(j, "case")), sealed);
	json_decref(j);
	cr_expect_eq(uc_audits(sealed), 1);
	cr_expect_eq(uc_inbox(receipt, "contact.urgent_read", "spoedteam"), 1);
	/* Every read is audited; the reporter is told once. */
	cr_assert_eq(uc_read(&hu, sealed, NULL), 200);
	cr_expect_eq(uc_audits(sealed), 2);
	cr_expect_eq(uc_inbox(receipt, "contact.urgent_read", "spoedteam"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.urgent_contacts WHERE read_on = current_date"), 1);

	/* Urgent, contact given, no consent: refused; the officer route
	 * (identity request) is the only one. */
	{
		json_t	*b = uc_body(1);

		cr_assert_not_null(c = trep_seal_contact(forms,
		    "honour_violence", UC_CONTACT, NULL));
		json_object_set_new(b, "contact", c);
		cr_assert_eq(uc_submit(b, NULL), 201);
	}
	/* Plain details with consent: the server seals the copies. */
	{
		json_t	*b = uc_body(1);

		json_object_set_new(b, "contact_details", json_pack("{s:s}",
		    "phone", "+31 6 1111 2222 " UC_CANARY));
		json_object_set_new(b, "contact_consent", json_true());
		cr_assert_eq(uc_submit(b, NULL), 201);
	}
	cr_assert_eq(uc_cases(&hu, "honour_urgent", ids, 4), 3);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.urgent_contacts"), 2);
	plain[0] = '\0';
	for (st = 0; st < 3; st++) {
		if (strcmp(ids[st], sealed) == 0)
			continue;
		j = NULL;
		rs = uc_read(&hu, ids[st], &j);
		if (rs == 403) {
			cr_expect_str_eq(json_string_value(json_object_get(
			    json_object_get(j, "error"), "code")), "no_consent");
			cr_expect_eq(uc_audits(ids[st]), 0);
		} else {
			cr_assert_eq(rs, 200);
			c = json_object_get(j, "contact");
			cr_expect_str_eq(json_string_value(json_object_get(c,
			    "phone")), "+31 6 1111 2222 " UC_CANARY);
			snprintf(plain, sizeof(plain), "%s", ids[st]);
		}
		json_decref(j);
	}
	cr_expect_neq(plain[0], '\0', "the plaintext consent copy reads back");

	/* Nothing of the contact in a dump or a log. */
	snprintf(cmd, sizeof(cmd), "%s/dump.sql", T.dir);
	{
		char	*cmdl;

		cr_assert(asprintf(&cmdl, "/usr/lib/postgresql/15/bin/pg_dump "
		    "--no-owner -f '%s' '%s'", cmd, T.db) > 0);
		cr_assert_eq(system(cmdl), 0);
		free(cmdl);
	}
	cr_expect(!tstack_file_contains(cmd, UC_CANARY),
	    "the contact canary is in the dump");
	cr_expect(!tstack_file_contains(cmd, "9876 5432"));

	/* Purge removes the consent copy with the case. */
	out = tstack_meldctl(&T, NULL, 0, "case purge --contact-link-key "
	    "'%s/%s' %s", T.keys, INIT_F_LINK, sealed);
	free(out);
	snprintf(cmd, sizeof(cmd), "SELECT count(*) FROM "
	    "casework.urgent_contacts WHERE case_id = '%s'", sealed);
	cr_expect_eq(testdb_count(su, cmd), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.urgent_contacts"), 1);
	cr_expect_eq(uc_read(&hu, sealed, NULL), 404);
	free(receipt);

	T.pub_up = T.staff_up = 0;
	cr_expect_eq(tdaemon_stop(&T.staff), 0, "staff meldpuntd exit status");
	cr_expect_eq(tdaemon_stop(&T.pub), 0, "public meldpuntd exit status");
	cr_assert_not_null(log = tdaemon_log(&T.pub));
	cr_expect(strstr(log, "9c4e") == NULL, "canary in the public log");
	free(log);
	cr_assert_not_null(log = tdaemon_log(&T.staff));
	cr_expect(strstr(log, "9c4e") == NULL, "canary in the staff log");
	free(log);
}

/*
 * Each mutation of a valid consent submission: the status, the code and
 * the pointer; nothing stored.
 */
struct uc_bad {
	const char	*what;
	int		 status;
	const char	*code;
	const char	*field;
};

static void
uc_mutate(json_t *b, const char *what)
{
	json_t	*u = json_object_get(b, "urgent_contact");
	json_t	*c0 = json_array_get(u, 0);

	if (strcmp(what, "consent_string") == 0)
		json_object_set_new(b, "contact_consent", json_string("yes"));
	else if (strcmp(what, "no_danger") == 0)
		json_object_set_new(json_object_get(b, "answers"),
		    "immediate_danger", json_false());
	else if (strcmp(what, "no_contact") == 0)
		json_object_del(b, "contact");
	else if (strcmp(what, "no_copies") == 0)
		json_object_del(b, "urgent_contact");
	else if (strcmp(what, "copies_without_consent") == 0)
		json_object_del(b, "contact_consent");
	else if (strcmp(what, "copies_not_array") == 0)
		json_object_set_new(b, "urgent_contact", json_object());
	else if (strcmp(what, "one_copy_missing") == 0)
		json_array_remove(u, 0);
	else if (strcmp(what, "copy_to_identity_key") == 0)
		json_object_set(c0, "key_id", json_object_get(json_object_get(
		    b, "contact"), "key_id"));
	else if (strcmp(what, "copy_twice") == 0)
		json_array_append(u, c0);
	else if (strcmp(what, "copy_extra_member") == 0)
		json_object_set_new(c0, "note", json_string("x"));
	else if (strcmp(what, "copy_short") == 0)
		json_object_set_new(c0, "ciphertext", json_string("AAAA"));
	else if (strcmp(what, "copy_bad_base64") == 0)
		json_object_set_new(c0, "enc", json_string("@@@@"));
	else if (strcmp(what, "copy_unknown_key") == 0)
		json_object_set_new(c0, "key_id",
		    json_string("00000000000000000000000000000000"));
}

Test(ucontact, bad_consent_input_is_refused_and_nothing_stored)
{
	static const struct uc_bad bad[] = {
		{ "consent_string", 400, "invalid_field", "/contact_consent" },
		{ "no_danger", 422, "consent_not_urgent", "/contact_consent" },
		{ "no_contact", 400, "missing_field", "/contact" },
		{ "no_copies", 400, "missing_field", "/urgent_contact" },
		{ "copies_without_consent", 400, "unknown_field",
		  "/urgent_contact" },
		{ "copies_not_array", 400, "invalid_field", "/urgent_contact" },
		{ "one_copy_missing", 422, "missing_wrap", "/urgent_contact" },
		{ "copy_to_identity_key", 409, "unknown_key",
		  "/urgent_contact/0/key_id" },
		{ "copy_twice", 422, "invalid_envelope",
		  "/urgent_contact/2/key_id" },
		{ "copy_extra_member", 400, "unknown_field",
		  "/urgent_contact/0/note" },
		{ "copy_short", 422, "invalid_bucket",
		  "/urgent_contact/0/ciphertext" },
		{ "copy_bad_base64", 400, "invalid_base64",
		  "/urgent_contact/0/enc" },
		{ "copy_unknown_key", 409, "unknown_key",
		  "/urgent_contact/0/key_id" },
	};
	json_t	*b, *c, *u, *j, *e;
	size_t	 i;
	int	 st;

	/* The category has two queue keys (honour, honour_urgent). */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = uc_body(1);
		u = NULL;
		cr_assert_not_null(c = trep_seal_contact(forms,
		    "honour_violence", UC_CONTACT, &u));
		cr_assert_eq(json_array_size(u), 2);
		json_object_set_new(b, "contact", c);
		json_object_set_new(b, "contact_consent", json_true());
		json_object_set_new(b, "urgent_contact", u);
		uc_mutate(b, bad[i].what);
		j = NULL;
		st = uc_submit(b, &j);
		e = json_object_get(j, "error");
		cr_expect_eq(st, bad[i].status, "%s: %d", bad[i].what, st);
		cr_expect_str_eq(json_string_value(json_object_get(e, "code")),
		    bad[i].code, "%s", bad[i].what);
		cr_expect_str_eq(json_string_value(json_object_get(e,
		    "field")), bad[i].field, "%s", bad[i].what);
		json_decref(j);
	}
	/* Consent on a category without urgency, plain details. */
	b = json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:b}", "category",
	    "labour_discrimination", "subtype", "recruitment", "answers",
	    "ground", "origin", "report", "narrative", "x", "contact_details",
	    "name", UC_CANARY, "contact_consent", 1);
	cr_expect_eq(uc_submit(b, NULL), 422);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.cases"), 0,
	    "a refused submission stored a case");
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.urgent_contacts"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "identity.contact_pending"), 0);
	/* The valid body itself is accepted (the mutations are the cause). */
	b = uc_body(1);
	u = NULL;
	cr_assert_not_null(c = trep_seal_contact(forms, "honour_violence",
	    UC_CONTACT, &u));
	json_object_set_new(b, "contact", c);
	json_object_set_new(b, "contact_consent", json_true());
	json_object_set_new(b, "urgent_contact", u);
	cr_expect_eq(uc_submit(b, NULL), 201);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.urgent_contacts"), 1);
}
