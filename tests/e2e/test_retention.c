/*
 * Issue 11 part 5 (schema/0054_retention.sql, admin/retention.c): two
 * reports through the real public daemon; one is closed long ago.
 * `meldctl retention run --dry-run` counts it and changes nothing; the run
 * purges exactly that one (case key first, audited); its reporter's receipt
 * then gets 410 "purged" with a clear message, while the other receipt
 * still logs in.  Profiles are listed and set through meldctl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"
#include "tests/lib/tstack.h"

static struct tstack	T;

TestSuite(retention, .timeout = 240);

static char *
submit(json_t *forms, const char *category, const char *subtype)
{
	char	*receipt = NULL, *reply = NULL;
	int	 st;

	st = trep_submit_sealed(T.pub.port, forms, category, subtype, NULL,
	    "{\"narrative\":\"retention test\"}", &receipt, &reply);
	cr_assert_eq(st, 201, "%d %s", st, reply);
	free(reply);
	return (receipt);
}

static int
login_status(const char *receipt, json_t **out)
{
	char	 body[128];

	snprintf(body, sizeof(body), "{\"receipt\":\"%s\"}", receipt);
	return (tstack_req(&T, 0, "POST", "/v1/reporter/session", NULL, body,
	    out));
}

Test(retention, run_purges_due_cases_and_the_receipt_says_so)
{
	json_t	*forms, *j = NULL;
	char	*ra, *rb, *out;
	PGconn	*su;

	tstack_start(&T, NULL);
	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	cr_assert_not_null(forms = trep_forms(T.pub.port, "en"));
	ra = submit(forms, "labour_discrimination", "recruitment");
	rb = submit(forms, "foreign_interference", "diaspora_tax");
	json_decref(forms);
	/* Case A was closed three years ago (the default keeps 2 years). */
	cr_assert_eq(testdb_exec(su, "UPDATE casework.cases SET state = "
	    "'closed', closed_on = current_date - 1100, received_on = "
	    "current_date - 1200 WHERE category = 'labour_discrimination'",
	    NULL), 0);

	out = tstack_meldctl(&T, NULL, 0, "retention run --dry-run");
	cr_assert(strstr(out, "dry run: 1 case would be purged") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "due: labour_discrimination closed: 1") != NULL,
	    "%s", out);
	free(out);
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM casework.cases"),
	    2, "a dry run changes nothing");

	out = tstack_meldctl(&T, NULL, 0, "retention run");
	cr_assert(strstr(out, "purged 1 case") != NULL, "%s", out);
	free(out);
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM casework.cases "
	    "WHERE category = 'labour_discrimination'"), 0);
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM casework.case_keys"),
	    1, "the case key went with the case");
	cr_assert_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.receipt_tombstones"), 1);
	cr_assert_eq(testdb_count(su, "SELECT sum(n) FROM stats.counters"), 2,
	    "statistics counters stay");

	/* The purged report's receipt: a clear 410, the other still works. */
	cr_assert_eq(login_status(ra, &j), 410);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "error"), "code")), "purged");
	cr_assert(strstr(json_string_value(json_object_get(json_object_get(j,
	    "error"), "message")), "deleted") != NULL);
	json_decref(j);
	cr_assert_eq(login_status(rb, NULL), 200);

	/* Profiles: set a category's own, list them, remove it. */
	free(tstack_meldctl(&T, NULL, 0, "retention set foreign_interference "
	    "new '1 day'"));
	out = tstack_meldctl(&T, NULL, 0, "retention profiles");
	cr_assert(strstr(out, "foreign_interference") != NULL, "%s", out);
	free(out);
	out = tstack_meldctl(&T, NULL, 0, "retention run --dry-run --today "
	    "2999-01-01");
	cr_assert(strstr(out, "dry run: 1 case would be purged") != NULL,
	    "%s", out);
	free(out);
	free(tstack_meldctl(&T, NULL, 0, "retention set foreign_interference "
	    "new none"));
	free(tstack_meldctl(&T, NULL, 65, "retention set no_such_category "
	    "closed '1 year'"));
	free(ra);
	free(rb);
	PQfinish(su);
	tstack_stop(&T);
}
