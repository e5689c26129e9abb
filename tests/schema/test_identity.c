/*
 * Identity disclosure in SQL (schema/0042_identity_disclosure.sql): who
 * may request, decide and fetch, and the order the directive demands
 * (art. 16(3)): the reporter's notice is written with the approval, and
 * the sealed contact is returned only for an approved request.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

/* Stands for a sealed item (0051): version 1, nonce, one padded block,
 * tag.  SQL cannot check the seal (it holds no key), only the shape. */
#define SEALED	"decode('01' || repeat('00', 300), 'hex')"

static char	*db;
static PGconn	*su;
static char	 lab[40], obi[40];	/* a labour case with contact, obi */

#define LINK	"'\\x" \
    "1111111111111111111111111111111111111111111111111111111111111111'"
#define WRONG	"'\\x" \
    "2222222222222222222222222222222222222222222222222222222222222222'"

static void
submit(const char *category, unsigned char tag)
{
	unsigned char	lookup[16], verifier[32];
	char		state[6];

	memset(lookup, tag, sizeof(lookup));
	memset(verifier, tag, sizeof(verifier));
	cr_assert_eq(testdb_submit(db, category, "", "utrecht", "", 0, NULL,
	    lookup, verifier, state), 0, "submit: %s", state);
}

static void
setup(void)
{
	char	*v;

	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	submit("labour_discrimination", 1);
	submit("foreign_interference", 2);
	cr_assert_not_null(v = testdb_value(su, "SELECT c.id FROM "
	    "casework.cases c JOIN casework.queues q ON q.id = c.queue_id "
	    "WHERE q.name = 'labour'"));
	snprintf(lab, sizeof(lab), "%s", v);
	free(v);
	cr_assert_not_null(v = testdb_value(su, "SELECT c.id FROM "
	    "casework.cases c JOIN casework.queues q ON q.id = c.queue_id "
	    "WHERE q.name <> 'labour'"));
	snprintf(obi, sizeof(obi), "%s", v);
	free(v);
	/* Contact details for the labour case (opaque bytes here). */
	cr_assert_eq(testdb_execf(su, NULL, "UPDATE casework.cases SET "
	    "contact_given = true WHERE id = '%s'; INSERT INTO "
	    "identity.contacts (link, key_id, enc, ciphertext) SELECT " LINK
	    ", key_id, '\\x04', '\\x05' FROM identity.keys LIMIT 1", lab), 0);
	cr_assert_gt(testdb_add_user(su, "anna", "handler", "labour"), 0);
	cr_assert_gt(testdb_add_user(su, "bram", "handler", "obi"), 0);
	cr_assert_gt(testdb_add_user(su, "olga", "officer", "labour"), 0);
	cr_assert_gt(testdb_add_user(su, "otto", "officer", NULL), 0);
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(identity_sql, .init = setup, .fini = teardown, .timeout = 60);

static PGconn *
staff(const char *user, long long step)
{
	PGconn	*c;
	char	 hex[65];

	cr_assert_eq(testdb_login(db, user, step, hex), 0);
	cr_assert_not_null(c = testdb_connect(db, "mp_staff"));
	cr_assert_eq(testdb_set_session(c, hex), 0);
	return (c);
}

static int	fails(PGconn *, const char *, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static char	*val(PGconn *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

static int
fails(PGconn *c, const char *state, const char *fmt, ...)
{
	va_list	ap;
	char	sql[512];

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return (testdb_fails_with(c, sql, state));
}

static char *
val(PGconn *c, const char *fmt, ...)
{
	va_list	ap;
	char	sql[512];

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return (testdb_value(c, sql));
}

Test(identity_sql, refusals_and_order)
{
	PGconn	*anna, *bram, *olga, *otto, *none;
	char	*rid, *own, *v;

	anna = staff("anna", 100);
	bram = staff("bram", 100);
	olga = staff("olga", 100);
	otto = staff("otto", 100);
	cr_assert_not_null(none = testdb_connect(db, "mp_staff"));

	/* Requests: a case the session cannot see, no reason, no contact. */
	cr_expect(fails(bram, "MP020", "SELECT casework.identity_request("
	    "'%s', " SEALED ")", lab));
	cr_expect(fails(none, "MP020", "SELECT casework.identity_request("
	    "'%s', " SEALED ")", lab));
	cr_expect(fails(anna, "MP005", "SELECT casework.identity_request("
	    "'%s', ''::bytea)", lab));
	cr_expect(fails(anna, "MP020", "SELECT casework.identity_request("
	    "'%s', " SEALED ")", obi));
	cr_assert_not_null(rid = val(anna, "SELECT casework.identity_request("
	    "'%s', " SEALED ")", lab));

	/* Handlers and sessionless callers cannot decide, list or fetch. */
	cr_expect(fails(anna, "MP022", "SELECT casework.identity_decide("
	    "%s, true)", rid));
	cr_expect(fails(bram, "MP022", "SELECT casework.identity_decide("
	    "%s, true)", rid));
	cr_expect(fails(none, "MP020", "SELECT casework.identity_decide("
	    "%s, true)", rid));
	cr_expect(fails(anna, "MP022", "SELECT * FROM "
	    "casework.identity_requests()"));
	cr_expect(fails(anna, "MP022", "SELECT * FROM "
	    "casework.identity_contact(%s, " LINK ")", rid));
	cr_expect(fails(anna, "42501", "SELECT * FROM identity.requests"));
	cr_expect(fails(anna, "42501", "SELECT * FROM identity.contacts"));

	/* Pending: no contact for anyone, no notice in the thread. */
	cr_expect(fails(otto, "MP023", "SELECT * FROM "
	    "casework.identity_contact(%s, " LINK ")", rid));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.messages "
	    "WHERE text_key = 'identity.disclosure'"), 0);

	/* An officer cannot decide her own request; unknown ids are 404. */
	cr_assert_not_null(own = val(olga, "SELECT casework.identity_request("
	    "'%s', " SEALED ")", lab));
	cr_expect(fails(olga, "MP022", "SELECT casework.identity_decide("
	    "%s, true)", own));
	cr_expect(fails(otto, "MP020", "SELECT casework.identity_decide("
	    "%s, true)", "987654"));
	cr_expect(fails(otto, "MP005", "SELECT casework.identity_decide("
	    "%s, NULL)", own));
	cr_assert_not_null(v = val(otto, "SELECT casework.identity_decide("
	    "%s, false)", own));
	cr_expect_str_eq(v, "refused");
	free(v);
	cr_expect(fails(otto, "MP023", "SELECT * FROM "
	    "casework.identity_contact(%s, " LINK ")", own));

	/* Approval writes the reporter's notice in the same transaction. */
	cr_assert_not_null(v = val(olga, "SELECT casework.identity_decide("
	    "%s, true)", rid));
	cr_expect_str_eq(v, "approved");
	free(v);
	cr_expect(fails(otto, "MP023", "SELECT casework.identity_decide("
	    "%s, false)", rid));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM casework.messages "
	    "WHERE text_key = 'identity.disclosure' AND direction = 'system'"),
	    1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM identity.requests "
	    "WHERE reporter_notified_on = current_date AND status = "
	    "'approved'"), 1);

	/* Fetch: officers only, the right link only. */
	cr_expect(fails(bram, "MP022", "SELECT * FROM "
	    "casework.identity_contact(%s, " LINK ")", rid));
	cr_expect(fails(otto, "MP020", "SELECT * FROM "
	    "casework.identity_contact(%s, " WRONG ")", rid));
	cr_expect(fails(otto, "MP020", "SELECT * FROM "
	    "casework.identity_contact(%s, '\\x11')", rid));
	cr_assert_not_null(v = val(otto, "SELECT encode(ciphertext, 'hex') "
	    "FROM casework.identity_contact(%s, " LINK ")", rid));
	cr_expect_str_eq(v, "05");
	free(v);

	/* No wraps for anyone here; every step is in the audit chain. */
	cr_expect_eq(testdb_count(anna, "SELECT count(*) FROM "
	    "casework.identity_wraps()"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action LIKE 'identity.%'"), 5);
	free(rid);
	free(own);
	PQfinish(anna);
	PQfinish(bram);
	PQfinish(olga);
	PQfinish(otto);
	PQfinish(none);
}
