/*
 * Issue 7 end to end through the APIs only: reports submitted to a real
 * public meldpuntd (POST /v1/reports, plaintext mode) show up in a
 * researcher's GET /v1/research/stats on the staff meldpuntd, and move
 * when a handler reclassifies a case (POST /v1/staff/case/reclassify) or
 * closes it with an outcome (POST /v1/staff/case/transition).  One
 * database set up with the real `meldctl init`, accounts made with the
 * real meldctl, TOTP codes computed here.  Exports use k = 5 and
 * epsilon = 0 (no noise), so the published counts are the true ones
 * wherever they are at least k.  Also: the SVG parses (xmllint) and
 * rasterises (rsvg-convert), every export is in the audit chain, the
 * chain verifies, and neither content nor ids reach the logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/lib/tclient.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define RA_CANARY	"CANARY-5d1c-research-api"
#define RA_PASSWORD	"a long enough test password"
#define RA_PERIOD	"from=2020-01&to=2049-12"
#define RA_NREPORTS	12

static struct tstack	T;

static void
ra_setup(void)
{
	tstack_start(&T, "research_k = 5\nresearch_epsilon = 0\n");
}

static void
ra_teardown(void)
{
	tstack_stop(&T);
}

TestSuite(research_api, .init = ra_setup, .fini = ra_teardown,
    .timeout = 180);

/* A plaintext report through the public API; 201 expected. */
static void
ra_submit(const char *province, int i)
{
	char	 body[1024];
	json_t	*j = NULL;
	int	 st;

	snprintf(body, sizeof(body), "{\"category\":\"labour_discrimination\","
	    "\"subtype\":\"recruitment\",\"lang\":\"nl\",\"answers\":"
	    "{\"ground\":\"origin\",\"province\":\"%s\"},\"report\":"
	    "{\"narrative\":\"melding %d " RA_CANARY "\"}}", province, i);
	st = tstack_req(&T, 0, "POST", "/v1/reports", NULL, body, &j);
	cr_assert_eq(st, 201, "submit %d: %d", i, st);
	cr_assert_not_null(json_object_get(j, "receipt"));
	json_decref(j);
}

/* GET /v1/research/stats as JSON; the parsed body. */
static json_t *
ra_export(const struct tstack_user *r, const char *group)
{
	char	 path[512];
	json_t	*j = NULL;
	int	 st;

	snprintf(path, sizeof(path), "/v1/research/stats?group=%s&"
	    RA_PERIOD "&format=json&k=5&epsilon=0", group);
	st = tstack_req(&T, 1, "GET", path, r->token, NULL, &j);
	cr_assert_eq(st, 200, "export %s: %d", group, st);
	cr_assert_not_null(j);
	return (j);
}

/*
 * The published n of the cell whose dimension dim is level (1-D
 * groupings); -1 when withheld, -2 when there is no such cell.
 */
static long long
ra_cell(const json_t *doc, const char *dim, const char *level)
{
	json_t	*c;
	size_t	 i;

	json_array_foreach(json_object_get(doc, "cells"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, dim)),
		    level) != 0)
			continue;
		if (json_is_true(json_object_get(c, "suppressed")))
			return (-1);
		return (json_integer_value(json_object_get(c, "n")));
	}
	return (-2);
}

static long long
ra_province(const struct tstack_user *r, const char *province)
{
	json_t		*j = ra_export(r, "province");
	long long	 n = ra_cell(j, "province", province);

	json_decref(j);
	return (n);
}

static long long
ra_count(const char *sql)
{
	PGconn		*su;
	long long	 n;

	cr_assert_not_null(su = testdb_connect(T.db, NULL));
	n = testdb_count(su, sql);
	PQfinish(su);
	return (n);
}

/* Ids of the labour queue's cases, as the handler sees them. */
static size_t
ra_cases(const struct tstack_user *h, char ids[][37], size_t max)
{
	json_t	*j = NULL, *c;
	size_t	 i, n = 0;

	cr_assert_eq(tstack_req(&T, 1, "GET", "/v1/staff/cases?queue=labour&"
	    "limit=200", h->token, NULL, &j), 200);
	json_array_foreach(json_object_get(j, "cases"), i, c) {
		if (n == max)
			break;
		snprintf(ids[n++], 37, "%s",
		    json_string_value(json_object_get(c, "id")));
	}
	json_decref(j);
	return (n);
}

/* The province of a case, read through the staff API (audited). */
static char *
ra_case_province(const struct tstack_user *h, const char *id)
{
	char	 path[640], *p;
	json_t	*j = NULL;

	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	cr_assert_eq(tstack_req(&T, 1, "GET", path, h->token, NULL, &j), 200);
	/* What the public side sealed, the handler reads. */
	cr_assert_not_null(strstr(json_string_value(json_object_get(
	    json_object_get(j, "content"), "narrative")), RA_CANARY));
	p = strdup(json_string_value(json_object_get(j, "province")));
	json_decref(j);
	return (p);
}

static int
ra_transition(const struct tstack_user *h, const char *id, const char *to)
{
	char	body[768];

	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"to\":\"%s\","
	    "\"reason\":\"test\"}", id, to);
	return (tstack_req(&T, 1, "POST", "/v1/staff/case/transition",
	    h->token, body, NULL));
}

/* A refused reclassification: 400 with code and pointer. */
static void
ra_refused(const struct tstack_user *h, const char *body, const char *code,
    const char *field)
{
	json_t	*j = NULL, *e;

	cr_assert_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/reclassify",
	    h->token, body, &j), 400, "%s", body);
	e = json_object_get(j, "error");
	cr_expect_str_eq(json_string_value(json_object_get(e, "code")), code,
	    "%s", body);
	cr_expect_str_eq(json_string_value(json_object_get(e, "field")), field,
	    "%s", body);
	json_decref(j);
}

static int
ra_run(const char *cmd)
{
	return (system(cmd));
}

Test(research_api, public_reports_counted_and_moved_by_reclassify_and_close)
{
	struct tstack_user	 h, r;
	char			 ids[RA_NREPORTS][37], body[1024], code[8];
	char			 svg[800], png[800], cmd[4096], auth[128];
	char			*p, *s;
	char			*utrecht = NULL;
	size_t			 n, i;
	int			 exports = 0;
	json_t			*j = NULL;
	FILE			*fp;
	struct tcl_resp		 resp;

	tstack_add_user(&T, &h, "hanna", "handler", RA_PASSWORD, "labour");
	tstack_add_user(&T, &r, "rita", "researcher", RA_PASSWORD, NULL);
	/* Exact counts are this test's point: the operator allows them. */
	free(tstack_meldctl(&T, NULL, 0, "stats budget --actor opa "
	    "--researcher rita --allow-exact"));
	tstack_code(&h, time(NULL), code);
	cr_assert_eq(tstack_login(&T, &h, RA_PASSWORD, code), 201);
	tstack_code(&r, time(NULL), code);
	cr_assert_eq(tstack_login(&T, &r, RA_PASSWORD, code), 201);

	/* Nothing yet: no province level at all. */
	cr_assert_eq(ra_province(&r, "utrecht"), -2);
	exports++;
	for (i = 0; i < RA_NREPORTS; i++)
		ra_submit(i % 2 ? "groningen" : "utrecht", (int)i);
	/* Counted at once, each cell at least k: published exactly. */
	j = ra_export(&r, "province");
	exports++;
	cr_expect_eq(ra_cell(j, "province", "utrecht"), 6);
	cr_expect_eq(ra_cell(j, "province", "groningen"), 6);
	cr_expect_eq(ra_cell(j, "province", "(all)"), RA_NREPORTS);
	cr_expect_eq(json_integer_value(json_object_get(j, "suppressed")), 0);
	json_decref(j);

	/* The handler moves one Utrecht case to Groningen. */
	n = ra_cases(&h, ids, RA_NREPORTS);
	cr_assert_eq(n, RA_NREPORTS);
	for (i = 0; i < n && utrecht == NULL; i++) {
		s = ra_case_province(&h, ids[i]);
		if (strcmp(s, "utrecht") == 0)
			utrecht = ids[i];
		free(s);
	}
	cr_assert_not_null(utrecht);

	/* Refused first: each with a pointer, nothing moves. */
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"province\":\"atlantis\"}",
	    utrecht);
	ra_refused(&h, body, "unknown_value", "/province");
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"subtype\":"
	    "\"diaspora_tax\"}", utrecht);
	ra_refused(&h, body, "unknown_value", "/subtype");
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"ground\":7}", utrecht);
	ra_refused(&h, body, "invalid_field", "/ground");
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"colour\":\"red\"}",
	    utrecht);
	ra_refused(&h, body, "unknown_field", "/colour");
	snprintf(body, sizeof(body), "{\"id\":\"%s\"}", utrecht);
	ra_refused(&h, body, "missing_field", "/subtype");
	ra_refused(&h, "{\"province\":\"utrecht\"}", "missing_field", "/case");
	cr_expect_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/reclassify",
	    h.token, "{\"id\":\"00000000-0000-4000-8000-000000000000\","
	    "\"province\":\"utrecht\"}", NULL), 404);
	cr_expect_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/reclassify",
	    r.token, body, NULL), 403, "a researcher may not reclassify");
	cr_expect_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/reclassify",
	    NULL, body, NULL), 401);
	cr_expect_eq(ra_province(&r, "utrecht"), 6);
	exports++;

	/* The case id as "case" (as in every case body) and "id" (the
	 * first spelling, still accepted) -- never both. */
	snprintf(body, sizeof(body), "{\"case\":\"%.36s\",\"id\":\"%.36s\","
	    "\"province\":\"groningen\"}", utrecht, utrecht);
	ra_refused(&h, body, "invalid_field", "/id");

	/* A referral with an organisation type counts in the yearly
	 * figures by that type; a type outside the list is a 400. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"organisation\":"
	    "\"Politie Utrecht\",\"referred_on\":\"2026-03-01\","
	    "\"organisation_type\":\"Politie Utrecht\"}", utrecht);
	cr_expect_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/referral",
	    h.token, body, NULL), 400);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"organisation\":"
	    "\"Politie Utrecht\",\"referred_on\":\"2026-03-01\","
	    "\"organisation_type\":\"police\"}", utrecht);
	cr_expect_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/referral",
	    h.token, body, NULL), 201);
	cr_expect_eq(ra_count("SELECT n FROM stats.annual WHERE year = 2026 "
	    "AND measure = 'referred' AND level = 'police'"), 1);
	cr_expect_eq(ra_count("SELECT count(*) FROM casework.referrals"), 1);

	/* Only the province changes: the other members keep their values. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"province\":"
	    "\"groningen\",\"sector\":\"care\"}", utrecht);
	cr_assert_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/reclassify",
	    h.token, body, &j), 200);
	cr_expect_str_eq(json_string_value(json_object_get(j, "case")),
	    utrecht);
	cr_expect_str_eq(json_string_value(json_object_get(j, "province")),
	    "groningen");
	cr_expect_str_eq(json_string_value(json_object_get(j, "ground")),
	    "origin");
	cr_expect_str_eq(json_string_value(json_object_get(j, "subtype")),
	    "recruitment");
	cr_expect_str_eq(json_string_value(json_object_get(j, "sector")),
	    "care");
	json_decref(j);
	j = ra_export(&r, "province");
	exports++;
	cr_expect_eq(ra_cell(j, "province", "utrecht"), 5);
	cr_expect_eq(ra_cell(j, "province", "groningen"), 7);
	cr_expect_eq(ra_cell(j, "province", "(all)"), RA_NREPORTS);
	json_decref(j);
	/* Sector: one case in care (withheld: 0 < 1 < k), the rest not given;
	 * the line's complement is withheld too, the total is shown. */
	j = ra_export(&r, "sector");
	exports++;
	cr_expect_eq(ra_cell(j, "sector", "care"), -1);
	cr_expect_eq(ra_cell(j, "sector", "(not given)"), -1);
	cr_expect_eq(ra_cell(j, "sector", "(all)"), RA_NREPORTS);
	json_decref(j);
	/* null clears a dimension again. */
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"sector\":null}",
	    utrecht);
	cr_assert_eq(tstack_req(&T, 1, "POST", "/v1/staff/case/reclassify",
	    h.token, body, &j), 200);
	cr_expect(json_is_null(json_object_get(j, "sector")));
	json_decref(j);

	/* Closing records the outcome: five cases resolved and closed.
	 * "resolved" is not an outcome until the case is closed. */
	for (i = 0; i < 5; i++) {
		cr_assert_eq(ra_transition(&h, ids[i], "acknowledged"), 200);
		cr_assert_eq(ra_transition(&h, ids[i], "in_progress"), 200);
		cr_assert_eq(ra_transition(&h, ids[i], "resolved"), 200);
	}
	j = ra_export(&r, "outcome");
	exports++;
	cr_expect_eq(ra_cell(j, "outcome", "resolved"), 0);
	cr_expect_eq(ra_cell(j, "outcome", "(not given)"), RA_NREPORTS);
	json_decref(j);
	for (i = 0; i < 5; i++)
		cr_assert_eq(ra_transition(&h, ids[i], "closed"), 200);
	j = ra_export(&r, "outcome");
	exports++;
	cr_expect_eq(ra_cell(j, "outcome", "resolved"), 5);
	cr_expect_eq(ra_cell(j, "outcome", "(not given)"), RA_NREPORTS - 5);
	cr_expect_eq(ra_cell(j, "outcome", "(all)"), RA_NREPORTS);
	json_decref(j);
	/* Reopening takes the outcome back. */
	cr_assert_eq(ra_transition(&h, ids[0], "in_progress"), 200);
	j = ra_export(&r, "outcome");
	exports++;
	cr_expect_eq(ra_cell(j, "outcome", "resolved"), -1);
	cr_expect_eq(ra_cell(j, "outcome", "(all)"), RA_NREPORTS);
	json_decref(j);

	/* CSV (RFC 4180) carries the same numbers. */
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", r.token);
	cr_assert_eq(tcl_request(T.staff.port, "GET", "/v1/research/stats?"
	    "group=province&" RA_PERIOD "&format=csv&k=5&epsilon=0", auth,
	    NULL, &resp), 0);
	exports++;
	cr_assert_eq(resp.status, 200);
	cr_expect_not_null(strstr(resp.body, "province,n,status,k,epsilon,"
	    "period,epsilon_left,budget_renews\r\n"), "%s", resp.body);
	cr_expect_not_null(strstr(resp.body, "\r\ngroningen,7,"), "%s",
	    resp.body);
	cr_expect_not_null(strstr(resp.body, "\r\nutrecht,5,"), "%s",
	    resp.body);
	tcl_resp_clear(&resp);

	/* SVG: bars per year, one series per province; parses, renders. */
	cr_assert_eq(tcl_request(T.staff.port, "GET", "/v1/research/stats?"
	    "group=year,province&" RA_PERIOD "&format=svg&k=5&epsilon=0",
	    auth, NULL, &resp), 0);
	exports++;
	cr_assert_eq(resp.status, 200);
	p = tcl_resp_header(&resp, "Content-Type");
	cr_expect(p != NULL && strcmp(p, "image/svg+xml") == 0, "%s", p);
	free(p);
	/* The form's label for the province, not its id. */
	cr_expect_not_null(strstr(resp.body, "Groningen"));
	snprintf(svg, sizeof(svg), "%s/stats.svg", T.dir);
	snprintf(png, sizeof(png), "%s/stats.png", T.dir);
	cr_assert_not_null(fp = fopen(svg, "w"));
	cr_assert_eq(fwrite(resp.body, 1, resp.bodylen, fp), resp.bodylen);
	fclose(fp);
	tcl_resp_clear(&resp);
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s' 2>&1", svg);
	cr_expect_eq(ra_run(cmd), 0, "xmllint rejects the SVG");
	if (ra_run("command -v rsvg-convert >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "rsvg-convert -o '%s' '%s' 2>&1 && "
		    "test -s '%s'", png, svg, png);
		cr_expect_eq(ra_run(cmd), 0, "rsvg-convert failed");
	} else
		cr_log_warn("rsvg-convert not installed: SVG only parsed");

	/* Every export, and only those, in the chain; the chain holds. */
	cr_expect_eq(ra_count("SELECT count(*) FROM audit.events WHERE "
	    "action = 'stats.export' AND actor = (SELECT 'user:' || id FROM "
	    "casework.users WHERE username = 'rita')"), exports);
	cr_expect_eq(ra_count("SELECT count(*) FROM stats.budget_ledger"),
	    exports);
	cr_expect_eq(ra_count("SELECT count(*) FROM audit.events WHERE "
	    "action = 'case.reclassify'"), 2);
	s = tstack_meldctl(&T, NULL, 0, "audit verify");
	cr_expect_not_null(strstr(s, "audit chain ok"), "%s", s);
	free(s);

	/* Nothing secret in either log. */
	tstack_stop(&T);
	for (i = 0; i < 2; i++) {
		s = tdaemon_log(i ? &T.staff : &T.pub);
		cr_assert_not_null(s);
		cr_expect_null(strstr(s, RA_CANARY), "canary in a log");
		cr_expect_null(strstr(s, utrecht), "case id in a log");
		cr_expect_null(strstr(s, h.token), "token in a log");
		cr_expect_null(strstr(s, RA_PASSWORD), "password in a log");
		free(s);
	}
}
