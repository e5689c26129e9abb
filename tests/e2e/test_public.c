/*
 * End-to-end tests of the reporter side (issue 5) over real TLS against a
 * real meldpuntd --role public and PostgreSQL: meldctl init's keys and
 * defaults, GET /v1/forms, sealed and plaintext submissions, the receipt
 * inbox, routing by the table, a catalogue of malformed submissions that
 * must each be refused with the right status and pointer and change
 * nothing, and that neither content nor the client's address reaches
 * the database dump or the log.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"

struct pt {
	char		*db;
	PGconn		*su;
	char		 keys[512];
	struct tdaemon	 d;
	json_t		*forms;
};

static struct pt	 T;
static int		 pt_seq;

static void
pt_init_keys(struct pt *t)
{
	FILE	*null = fopen("/dev/null", "w");

	snprintf(t->keys, sizeof(t->keys), "%s/keys-%d-%d",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), ++pt_seq);
	cr_assert_eq(init_run(t->su, t->keys, null, stderr, NULL), 0);
	fclose(null);
}

static int
pt_get(struct pt *t, const char *path, const char *hdrs, struct tcl_resp *r)
{
	return (tcl_request(t->d.port, "GET", path, hdrs, NULL, r));
}

static int
pt_post(struct pt *t, const char *path, const char *body, const char *auth,
    struct tcl_resp *r)
{
	char	 hdrs[512];

	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\n%s%s%s",
	    auth != NULL ? "Authorization: Bearer " : "",
	    auth != NULL ? auth : "", auth != NULL ? "\r\n" : "");
	return (tcl_request(t->d.port, "POST", path, hdrs, body, r));
}

static void
pt_start(struct pt *t)
{
	char	 extra[2048];

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(t->db = testdb_create());
	cr_assert_not_null(t->su = testdb_connect(t->db, NULL));
	pt_init_keys(t);
	snprintf(extra, sizeof(extra), "receipt_lookup_key = %s/%s\n"
	    "contact_link_key = %s/%s\nreceipt_argon2_m_kib = 8192\n"
	    "receipt_argon2_t = 1\nworkers = 2\n", t->keys, INIT_F_LOOKUP,
	    t->keys, INIT_F_LINK);
	cr_assert_eq(tdaemon_start(&t->d, "public", tdaemon_conninfo(t->db,
	    "mp_public"), extra), 0, "meldpuntd did not start (%s)",
	    t->d.log);
	cr_assert_not_null(t->forms = trep_forms(t->d.port, "en"),
	    "forms never became ready");
}

static void
setup(void)
{
	pt_start(&T);
}

static void
teardown(void)
{
	tdaemon_stop(&T.d);
	json_decref(T.forms);
	PQfinish(T.su);
	testdb_drop(T.db);
	free(T.db);
}

TestSuite(public, .init = setup, .fini = teardown, .timeout = 120);

static char *
pt_body(json_t *root)
{
	char	*s = json_dumps(root, JSON_COMPACT);

	json_decref(root);
	return (s);
}

static char *
pt_sealed_body(struct pt *t, const char *cat, const char *sub,
    const char *answers, const char *content)
{
	json_t	*env, *root;

	/* Sealed to every key the form lists, as a reporter's app does. */
	cr_assert_not_null(env = trep_seal(t->forms, cat, content),
	    "cannot seal to the keys of %s", cat);
	root = json_pack("{s:s,s:s,s:s,s:o,s:i}", "lang", "nl", "category",
	    cat, "subtype", sub, "envelope", env, "form_version", 1);

	json_object_set_new(root, "answers", json_loads(answers, 0, NULL));
	return (pt_body(root));
}

static char *
pt_receipt(const struct tcl_resp *r)
{
	json_t	*j = json_loads(r->body, 0, NULL);
	char	*s;

	cr_assert_not_null(j, "%s", r->body);
	s = strdup(json_string_value(json_object_get(j, "receipt")));
	json_decref(j);
	return (s);
}

static char *
pt_login(struct pt *t, const char *receipt)
{
	char	*tok;

	cr_assert_not_null(tok = trep_login(t->d.port, receipt),
	    "reporter login refused");
	return (tok);
}

static json_t *
pt_case(struct pt *t, const char *tok, int want)
{
	json_t	*j;
	int	 st;

	j = trep_case(t->d.port, tok, &st);
	cr_assert_eq(st, want, "case: %d", st);
	return (j);
}

/* Submit, log in, read the acknowledgement, add a message, read it. */
static void
pt_round_trip(struct pt *t, const char *body, const char *queue)
{
	struct tcl_resp	 r;
	char		*receipt, *tok, q[400];
	json_t		*c, *msgs;

	cr_assert_eq(pt_post(t, "/v1/reports", body, NULL, &r), 0);
	cr_assert_eq(r.status, 201, "submit: %d %s", r.status, r.body);
	cr_assert(strstr(r.body, "Bedankt voor uw melding") != NULL, "%s",
	    r.body);
	receipt = pt_receipt(&r);
	cr_assert_eq(strlen(receipt), 19);
	tcl_resp_clear(&r);
	snprintf(q, sizeof(q), "SELECT q.name FROM casework.cases c JOIN "
	    "casework.queues q ON q.id = c.queue_id");
	cr_assert_str_eq(testdb_value(t->su, q), queue);

	tok = pt_login(t, receipt);
	c = pt_case(t, tok, 200);
	cr_assert_str_eq(json_string_value(json_object_get(c, "state")), "new");
	msgs = json_object_get(c, "messages");
	cr_assert_eq(json_array_size(msgs), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(msgs,
	    0), "text_key")), "ack.received");
	cr_assert(strstr(json_string_value(json_object_get(json_array_get(msgs,
	    0), "text")), "Bedankt") != NULL);
	json_decref(c);

	cr_assert_eq(pt_post(t, "/v1/reporter/messages",
	    "{\"text\":\"Nog iets: het gebeurde twee keer.\"}", tok, &r), 0);
	cr_assert_eq(r.status, 201, "message: %d %s", r.status, r.body);
	tcl_resp_clear(&r);
	c = pt_case(t, tok, 200);
	msgs = json_object_get(c, "messages");
	cr_assert_eq(json_array_size(msgs), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(msgs,
	    1), "text")), "Nog iets: het gebeurde twee keer.");
	json_decref(c);
	/* Stored sealed, not in clear. */
	cr_assert_eq(testdb_count(t->su, "SELECT count(*) FROM "
	    "casework.messages WHERE position(convert_to('twee keer', 'UTF8') "
	    "in coalesce(body, ''::bytea)) > 0"), 0);

	cr_assert_eq(tcl_request(t->d.port, "DELETE", "/v1/reporter/session",
	    "", NULL, &r), 0);
	cr_assert_eq(r.status, 401);
	tcl_resp_clear(&r);
	snprintf(q, sizeof(q), "Authorization: Bearer %s\r\n", tok);
	cr_assert_eq(tcl_request(t->d.port, "DELETE", "/v1/reporter/session",
	    q, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	tcl_resp_clear(&r);
	json_decref(pt_case(t, tok, 401));
	free(tok);
	free(receipt);
}

Test(public, sealed_submission_round_trip)
{
	char	*body = pt_sealed_body(&T, "labour_discrimination", "internship",
	    "{\"ground\":\"religion\",\"province\":\"utrecht\","
	    "\"sector\":\"care\"}", "{\"narrative\":\"afgewezen\"}");

	pt_round_trip(&T, body, "labour");
	free(body);
	/* Exactly the routed queue's wrap and the recovery wrap survive. */
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM intake.wraps"),
	    2);
	cr_expect_eq(testdb_count(T.su, "SELECT sum(n) FROM stats.counters "
	    "WHERE ground = 'religion' AND sector = 'care'"), 1);
}

Test(public, plaintext_submission_round_trip_with_contact)
{
	pt_round_trip(&T, "{\"category\":\"foreign_interference\","
	    "\"subtype\":\"diaspora_tax\",\"lang\":\"nl\",\"report\":"
	    "{\"narrative\":\"Ze vragen elk jaar geld.\"},\"contact_details\":"
	    "{\"name\":\"A.\",\"phone\":\"0612345678\"}}", "obi");
	/* Not beside the case: a sealed hand-over for meldctl contact
	 * flush (0053). */
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM "
	    "identity.contacts"), 0);
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM "
	    "identity.contact_pending"), 1);
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM casework.cases "
	    "WHERE contact_given"), 1);
}

static char *
pt_run(const char *cmd)
{
	FILE	*fp = popen(cmd, "r");
	char	*buf = NULL;
	size_t	 len = 0, n;
	char	 chunk[8192];

	cr_assert_not_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		buf = realloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	cr_assert_eq(pclose(fp), 0, "%s failed", cmd);
	return (buf);
}

Test(public, canary_reaches_neither_database_nor_log)
{
	static const char canary[] = "CANARY-7f3a9b21-content";
	static const char ccanary[] = "CANARY-5e1d-contact";
	struct tcl_resp	 r;
	char		 body[1024], cmd[1024], *dump, *log, *receipt;

	snprintf(body, sizeof(body), "{\"category\":\"honour_violence\","
	    "\"subtype\":\"threats\",\"answers\":{\"immediate_danger\":false},"
	    "\"report\":{\"narrative\":\"%s\"},\"contact_details\":"
	    "{\"note\":\"%s\"}}", canary, ccanary);
	cr_assert_eq(pt_post(&T, "/v1/reports", body, NULL, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	receipt = pt_receipt(&r);
	tcl_resp_clear(&r);
	free(pt_login(&T, receipt));
	/* A refused one with the canary too. */
	snprintf(body, sizeof(body), "{\"category\":\"nope\",\"report\":"
	    "{\"narrative\":\"%s\"}}", canary);
	cr_assert_eq(pt_post(&T, "/v1/reports", body, NULL, &r), 0);
	cr_assert_eq(r.status, 422);
	tcl_resp_clear(&r);
	snprintf(cmd, sizeof(cmd), "/usr/lib/postgresql/15/bin/pg_dump "
	    "--no-owner -d '%s'", T.db);
	dump = pt_run(cmd);
	cr_assert(strlen(dump) > 1000);
	cr_expect(strstr(dump, canary) == NULL, "content canary in the dump");
	cr_expect(strstr(dump, ccanary) == NULL, "contact canary in the dump");
	cr_expect(strstr(dump, TCL_CLIENT_ADDR) == NULL, "address in the dump");
	cr_expect(strstr(dump, "7f3a9b21") == NULL);
	free(dump);
	tdaemon_stop(&T.d);
	log = tdaemon_log(&T.d);
	cr_assert_not_null(log);
	cr_expect(strstr(log, "7f3a9b21") == NULL, "canary in the log");
	cr_expect(strstr(log, "5e1d") == NULL, "canary in the log");
	cr_expect(strstr(log, TCL_CLIENT_ADDR) == NULL, "address in the log");
	cr_expect(strstr(log, receipt) == NULL, "receipt in the log");
	receipt[4] = '\0';
	free(log);
	free(receipt);
}

/* Submit in plaintext; the reply stays in r. */
static void
pt_route(const char *cat, const char *sub, const char *answers,
    struct tcl_resp *r)
{
	char	 body[1024];

	snprintf(body, sizeof(body), "{\"category\":\"%s\",\"subtype\":\"%s\","
	    "\"answers\":%s,\"report\":{\"narrative\":\"x\"}}", cat, sub,
	    answers);
	cr_assert_eq(pt_post(&T, "/v1/reports", body, NULL, r), 0);
	cr_assert_eq(r->status, 201, "%s", r->body);
}

static char *
pt_last_queue(long long nbefore)
{
	char	 q[400];

	cr_assert_eq(testdb_count(T.su, "SELECT count(*) FROM casework.cases"),
	    nbefore + 1);
	snprintf(q, sizeof(q), "SELECT string_agg(q.name, ',' ORDER BY q.name)"
	    " FROM casework.cases c JOIN casework.queues q ON q.id = c.queue_id");
	return (testdb_value(T.su, q));
}

Test(public, routing_follows_the_table)
{
	struct {
		const char	*cat, *sub, *answers, *queue;
		int		 emergency;
	} cases[] = {
		{ "honour_violence", "forced_marriage",
		  "{\"immediate_danger\":true}", "honour_urgent", 1 },
		{ "honour_violence", "abandonment_abroad",
		  "{\"immediate_danger\":false,\"travel_date\":\"@+5\"}",
		  "honour_urgent", 0 },
		{ "honour_violence", "fgm_risk",
		  "{\"immediate_danger\":false,\"travel_date\":\"@+40\"}",
		  "honour", 0 },
		{ "honour_violence", "threats", "{\"immediate_danger\":false}",
		  "honour", 0 },
		{ "labour_discrimination", "dismissal", "{\"ground\":\"age\"}",
		  "labour", 0 },
		{ "foreign_interference", "surveillance", "{}", "obi", 0 },
	};
	struct tcl_resp	 r;
	char		 ans[256], date[16], *q, *p;
	size_t		 i;
	time_t		 now;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(ans, sizeof(ans), "%s", cases[i].answers);
		if ((p = strstr(ans, "@+")) != NULL) {
			now = time(NULL) + atoi(p + 2) * 86400;
			strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
			*p = '\0';
			snprintf(ans + strlen(ans), sizeof(ans) - strlen(ans),
			    "%s\"}", date);
		}
		cr_assert_eq(testdb_exec(T.su, "DELETE FROM casework.cases",
		    NULL), 0);
		pt_route(cases[i].cat, cases[i].sub, ans, &r);
		q = pt_last_queue(0);
		cr_expect_str_eq(q, cases[i].queue, "case %zu (%s)", i, ans);
		free(q);
		/* The instruction is its own member; a random receipt may
		 * contain the digits 112 too. */
		cr_expect_eq(strstr(r.body, "\"emergency\":") != NULL,
		    cases[i].emergency, "case %zu: %s", i, r.body);
		if (cases[i].emergency)
			cr_expect(strstr(r.body, "112") != NULL, "%s", r.body);
		if (strcmp(cases[i].queue, "honour_urgent") == 0) {
			cr_expect(strstr(r.body, "first_response_due") != NULL);
			/* Whole hours only (0052): never the exact time. */
			cr_expect(strstr(r.body, ":00:00Z\"") != NULL, "%s",
			    r.body);
		}
		tcl_resp_clear(&r);
	}
}

/* Row counts of every table of the application schemas, as one string. */
static char *
pt_snapshot(void)
{
	char	*v = testdb_value(T.su, "SELECT string_agg(format('%s.%s=%s', "
	    "schemaname, tablename, (xpath('/row/c/text()', query_to_xml("
	    "format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename), "
	    "false, true, '')))[1]::text), ',' ORDER BY schemaname, tablename) "
	    "FROM pg_tables WHERE schemaname IN ('intake', 'identity', "
	    "'casework', 'stats', 'audit')");

	cr_assert_not_null(v);
	return (v);
}

/* Follow a dotted path ("envelope.wraps.0.key_id") to its parent. */
static json_t *
pt_walk(json_t *root, const char *path, char *last, size_t lastsz)
{
	char	 buf[256], *p, *dot;
	json_t	*cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	p = buf;
	while ((dot = strchr(p, '.')) != NULL) {
		*dot = '\0';
		cur = json_is_array(cur) ? json_array_get(cur, atoi(p)) :
		    json_object_get(cur, p);
		cr_assert_not_null(cur, "path %s", path);
		p = dot + 1;
	}
	cr_assert_lt(strlen(p), lastsz);
	memcpy(last, p, strlen(p) + 1);
	return (cur);
}

struct bad {
	const char	*path;	/* NULL: raw replaces the whole body */
	const char	*value;	/* JSON text; NULL deletes */
	int		 status;
	const char	*code;
	const char	*field;
};

static char *
pt_mutate(const char *base, const struct bad *b)
{
	json_t	*root, *parent, *v;
	char	 last[64], *s;

	if (b->path == NULL)
		return (strdup(b->value));
	root = json_loads(base, 0, NULL);
	parent = pt_walk(root, b->path, last, sizeof(last));
	if (b->value == NULL) {
		if (json_is_array(parent))
			json_array_remove(parent, (size_t)atoi(last));
		else
			json_object_del(parent, last);
	} else {
		v = json_loads(b->value, JSON_DECODE_ANY, NULL);
		cr_assert_not_null(v, "bad test value %s", b->value);
		if (json_is_array(parent))
			json_array_set_new(parent, (size_t)atoi(last), v);
		else
			json_object_set_new(parent, last, v);
	}
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return (s);
}

#define B64_11	"\"AAAAAAAAAAAAAAA=\""
#define HEX_UNK	"\"00112233445566778899aabbccddeeff\""

Test(public, malformed_submissions_change_nothing, .timeout = 240)
{
	static const struct bad bads[] = {
	/* JSON syntax and shape */
	{ NULL, "", 400, "invalid_json", "" },
	{ NULL, "{", 400, "invalid_json", "" },
	{ NULL, "[]", 400, "invalid_json", "" },
	{ NULL, "\"report\"", 400, "invalid_json", "" },
	{ NULL, "{\"category\":\"labour_discrimination\",\"category\":"
	  "\"honour_violence\"}", 400, "invalid_json", "" },
	{ NULL, "{\"a\":1}\n{}", 400, "invalid_json", "" },
	{ NULL, "{\"category\":\"x\\u0000\"}", 400, "invalid_json", "" },
	{ "extra", "1", 400, "unknown_field", "/extra" },
	{ "category", NULL, 400, "missing_field", "/category" },
	{ "category", "7", 400, "invalid_field", "/category" },
	{ "category", "\"recipes\"", 422, "unknown_value", "/category" },
	{ "category", "\"LABOUR_DISCRIMINATION\"", 422, "unknown_value",
	  "/category" },
	{ "subtype", NULL, 400, "missing_field", "/subtype" },
	{ "subtype", "\"threats\"", 422, "unknown_value", "/subtype" },
	{ "subtype", "[]", 400, "invalid_field", "/subtype" },
	{ "lang", "5", 400, "invalid_field", "/lang" },
	{ "form_version", "2", 409, "unknown_key", "/form_version" },
	{ "form_version", "\"1\"", 400, "invalid_field", "/form_version" },
	/* answers */
	{ "answers", "[]", 400, "invalid_field", "/answers" },
	{ "answers.ground", "\"shoe_size\"", 422, "unknown_value",
	  "/answers/ground" },
	{ "answers.ground", "1", 400, "invalid_field", "/answers/ground" },
	{ "answers.province", "\"bavaria\"", 422, "unknown_value",
	  "/answers/province" },
	{ "answers.sector", "null", 400, "invalid_field", "/answers/sector" },
	{ "answers.immediate_danger", "true", 400, "unknown_field",
	  "/answers/immediate_danger" },
	{ "answers.colour", "\"red\"", 400, "unknown_field", "/answers/colour" },
	/* content */
	{ "envelope", NULL, 400, "missing_field", "/envelope" },
	{ "report", "{\"narrative\":\"x\"}", 400, "unknown_field", "/report" },
	{ "envelope", "\"sealed\"", 400, "invalid_field", "/envelope" },
	{ "envelope.extra", "1", 400, "unknown_field", "/envelope/extra" },
	{ "envelope.version", NULL, 400, "missing_field", "/envelope/version" },
	{ "envelope.version", "2", 422, "invalid_envelope", "/envelope/version" },
	{ "envelope.version", "1.0", 400, "invalid_field", "/envelope/version" },
	{ "envelope.suite.kem", "32", 422, "invalid_envelope", "/envelope/suite" },
	{ "envelope.suite.kem", "7", 422, "invalid_envelope", "/envelope/suite" },
	{ "envelope.suite.aead", "\"2\"", 400, "invalid_field",
	  "/envelope/suite/aead" },
	{ "envelope.suite.x", "1", 400, "unknown_field", "/envelope/suite/x" },
	{ "envelope.category", "\"honour_violence\"", 422, "category_mismatch",
	  "/envelope/category" },
	{ "envelope.category", NULL, 400, "missing_field", "/envelope/category" },
	{ "envelope.content_nonce", B64_11, 422, "invalid_envelope",
	  "/envelope/content_nonce" },
	{ "envelope.content_nonce", "\"AAAA AAAAAAAAAAA\"", 400,
	  "invalid_base64", "/envelope/content_nonce" },
	{ "envelope.content_nonce", "\"AAAAAAAAAAAAAAA-\"", 400,
	  "invalid_base64", "/envelope/content_nonce" },
	{ "envelope.dek_commit", "\"Zh==\"", 400, "invalid_base64",
	  "/envelope/dek_commit" },
	{ "envelope.dek_commit", B64_11, 422, "invalid_envelope",
	  "/envelope/dek_commit" },
	{ "envelope.ciphertext", "\"AAAA\"", 422, "invalid_bucket",
	  "/envelope/ciphertext" },
	{ "envelope.ciphertext", "\"!!!!\"", 400, "invalid_base64",
	  "/envelope/ciphertext" },
	{ "envelope.ciphertext", "7", 400, "invalid_field",
	  "/envelope/ciphertext" },
	{ "envelope.wraps", "[]", 422, "missing_wrap", "/envelope/wraps" },
	{ "envelope.wraps.0", NULL, 422, "missing_wrap", "/envelope/wraps" },
	{ "envelope.wraps.1", NULL, 422, "missing_wrap", "/envelope/wraps" },
	{ "envelope.wraps", "{}", 400, "invalid_field", "/envelope/wraps" },
	{ "envelope.wraps.0", "7", 400, "invalid_field", "/envelope/wraps/0" },
	{ "envelope.wraps.0.key_id", HEX_UNK, 409, "unknown_key",
	  "/envelope/wraps/0/key_id" },
	{ "envelope.wraps.0.key_id", "\"ABCD\"", 400, "invalid_field",
	  "/envelope/wraps/0/key_id" },
	{ "envelope.wraps.0.key_id", NULL, 400, "missing_field",
	  "/envelope/wraps/0/key_id" },
	{ "envelope.wraps.0.enc", B64_11, 422, "invalid_envelope",
	  "/envelope/wraps/0/enc" },
	{ "envelope.wraps.0.enc", "\"@@@@\"", 400, "invalid_base64",
	  "/envelope/wraps/0/enc" },
	{ "envelope.wraps.0.wrapped_dek", B64_11, 422, "invalid_envelope",
	  "/envelope/wraps/0/wrapped_dek" },
	{ "envelope.wraps.0.extra", "0", 400, "unknown_field",
	  "/envelope/wraps/0/extra" },
	/* contact */
	{ "contact", "{}", 400, "missing_field", "/contact/key_id" },
	{ "contact", "{\"key_id\":" HEX_UNK ",\"enc\":\"\",\"ciphertext\":\"\"}",
	  409, "unknown_key", "/contact/key_id" },
	{ "contact_details", "{}", 400, "missing_field", "/contact_details" },
	{ "contact_details", "{\"name\":1}", 400, "invalid_field",
	  "/contact_details/name" },
	{ "contact_details", "{\"address\":\"x\"}", 400, "unknown_field",
	  "/contact_details/address" },
	};
	struct tcl_resp	 r;
	char		*base, *body, *before, *after, big[300000];
	json_t		*j, *e;
	size_t		 i, n = sizeof(bads) / sizeof(bads[0]);
	const char	*field;

	cr_assert_geq(n, 50);
	base = pt_sealed_body(&T, "labour_discrimination", "recruitment",
	    "{\"ground\":\"origin\"}", "{\"narrative\":\"test\"}");
	before = pt_snapshot();
	for (i = 0; i < n; i++) {
		body = pt_mutate(base, &bads[i]);
		cr_assert_eq(pt_post(&T, "/v1/reports", body, NULL, &r), 0);
		cr_expect_eq(r.status, bads[i].status, "case %zu (%s): %d %s",
		    i, bads[i].path ? bads[i].path : bads[i].value, r.status,
		    r.body);
		j = json_loads(r.body, 0, NULL);
		e = json_object_get(j, "error");
		cr_expect_str_eq(json_string_value(json_object_get(e, "code")),
		    bads[i].code, "case %zu: %s", i, r.body);
		field = json_string_value(json_object_get(e, "field"));
		cr_expect(field != NULL && strcmp(field, bads[i].field) == 0,
		    "case %zu: field %s, want %s", i, field ? field : "(none)",
		    bads[i].field);
		/* Dutch, because the valid part of the body said so. */
		if (bads[i].path != NULL && strncmp(bads[i].path, "lang", 4))
			cr_expect(strstr(r.body, "\"message\":\"") != NULL);
		json_decref(j);
		tcl_resp_clear(&r);
		free(body);
	}
	/* Oversized narrative in plaintext mode. */
	memset(big, 'a', sizeof(big));
	body = "{\"category\":\"foreign_interference\",\"subtype\":"
	    "\"intimidation\",\"report\":{\"narrative\":\"";
	memcpy(big, body, strlen(body));
	memcpy(big + sizeof(big) - 4, "\"}}", 4);
	cr_assert_eq(pt_post(&T, "/v1/reports", big, NULL, &r), 0);
	cr_expect_eq(r.status, 413, "%d %s", r.status, r.body);
	tcl_resp_clear(&r);
	after = pt_snapshot();
	cr_expect_str_eq(before, after, "the database changed");
	/* And the unmutated base is accepted. */
	cr_assert_eq(pt_post(&T, "/v1/reports", base, NULL, &r), 0);
	cr_expect_eq(r.status, 201, "%s", r.body);
	tcl_resp_clear(&r);
	free(before);
	free(after);
	free(base);
}

Test(public, messages_in_the_request_language)
{
	struct tcl_resp	 r;

	cr_assert_eq(pt_post(&T, "/v1/reports", "{\"lang\":\"ar\","
	    "\"category\":\"x\"}", NULL, &r), 0);
	cr_expect_eq(r.status, 422);
	cr_expect(strstr(r.body, "النموذج") != NULL, "%s", r.body);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(T.d.port, "POST", "/v1/reports",
	    "Content-Type: application/json\r\nAccept-Language: tr;q=0.9, "
	    "xx\r\n", "{\"category\":\"x\"}", &r), 0);
	cr_expect(strstr(r.body, "seçenek") != NULL, "%s", r.body);
	tcl_resp_clear(&r);
}

/*
 * Over the wire: an error about a member the reporter fills in names it
 * by the form's label, in the reporter's language, as "label" and at the
 * head of the message; text that is not UTF-8 is refused as such; the
 * answer to a stored report says the day receipt was confirmed with the
 * member the inbox uses (acknowledged_on), apart from the due dates.
 */
Test(public, errors_name_the_field_and_text_must_be_utf8)
{
	struct tcl_resp	 r;
	json_t		*j, *e;
	const char	*label, *msg;
	char		*body, *receipt, *tok;

	cr_assert_eq(pt_post(&T, "/v1/reports", "{\"lang\":\"nl\","
	    "\"category\":\"honour_violence\",\"subtype\":\"threats\","
	    "\"report\":{\"narrative\":\"x\"}}", NULL, &r), 0);
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_assert_not_null(j = json_loads(r.body, 0, NULL), "%s", r.body);
	e = json_object_get(j, "error");
	cr_expect_str_eq(json_string_value(json_object_get(e, "code")),
	    "missing_field");
	cr_expect_str_eq(json_string_value(json_object_get(e, "field")),
	    "/answers/immediate_danger");
	label = json_string_value(json_object_get(e, "label"));
	msg = json_string_value(json_object_get(e, "message"));
	cr_expect(label != NULL && strcmp(label, "Is er nu direct gevaar?") ==
	    0, "%s", r.body);
	cr_expect(msg != NULL && strncmp(msg, "Is er nu direct gevaar? — ",
	    strlen("Is er nu direct gevaar? — ")) == 0 &&
	    strstr(msg, "verplicht") != NULL, "%s", r.body);
	json_decref(j);
	tcl_resp_clear(&r);

	/* Arabic, from the body's lang: the subtype. */
	cr_assert_eq(pt_post(&T, "/v1/reports", "{\"lang\":\"ar\","
	    "\"category\":\"labour_discrimination\"}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	cr_expect(strstr(r.body, "\"label\":\"النوع\"") != NULL, "%s",
	    r.body);
	cr_expect(strstr(r.body, "\"field\":\"/subtype\"") != NULL);
	tcl_resp_clear(&r);

	/* An envelope internal has a pointer and no label. */
	cr_assert_eq(pt_post(&T, "/v1/reports", "{\"category\":"
	    "\"labour_discrimination\",\"subtype\":\"dismissal\","
	    "\"envelope\":7}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	cr_expect(strstr(r.body, "\"field\":\"/envelope\"") != NULL, "%s",
	    r.body);
	cr_expect(strstr(r.body, "\"label\"") == NULL, "%s", r.body);
	tcl_resp_clear(&r);

	/* Latin-1 in the narrative: refused, nothing stored. */
	cr_assert_eq(pt_post(&T, "/v1/reports", "{\"lang\":\"en\","
	    "\"category\":\"foreign_interference\",\"subtype\":"
	    "\"surveillance\",\"report\":{\"narrative\":\"Jos\xe9\"}}", NULL,
	    &r), 0);
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "\"code\":\"invalid_utf8\"") != NULL, "%s",
	    r.body);
	cr_expect(strstr(r.body, "UTF-8") != NULL, "%s", r.body);
	tcl_resp_clear(&r);
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM "
	    "casework.cases"), 0);

	/* Stored: acknowledged_on is the day received; ack_due later. */
	body = pt_sealed_body(&T, "labour_discrimination", "recruitment",
	    "{\"ground\":\"origin\"}", "{\"narrative\":\"test\"}");
	cr_assert_eq(pt_post(&T, "/v1/reports", body, NULL, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert_not_null(j = json_loads(r.body, 0, NULL));
	cr_expect_str_eq(json_string_value(json_object_get(j,
	    "acknowledged_on")), json_string_value(json_object_get(j,
	    "received_on")));
	cr_expect(strcmp(json_string_value(json_object_get(j, "ack_due")),
	    json_string_value(json_object_get(j, "received_on"))) > 0);
	receipt = pt_receipt(&r);
	tcl_resp_clear(&r);
	/* The inbox gives the same day under the same name. */
	tok = pt_login(&T, receipt);
	e = pt_case(&T, tok, 200);
	cr_expect_str_eq(json_string_value(json_object_get(e,
	    "acknowledged_on")), json_string_value(json_object_get(j,
	    "acknowledged_on")));
	cr_expect_str_eq(json_string_value(json_object_get(e, "ack_due")),
	    json_string_value(json_object_get(j, "ack_due")));
	json_decref(e);
	json_decref(j);
	free(tok);
	free(receipt);
	free(body);
}

Test(public, forms_languages_and_keys)
{
	struct tcl_resp	 r;
	json_t		*j, *c;
	size_t		 i;

	cr_assert_eq(pt_get(&T, "/v1/forms?lang=xx", NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(j, "lang")), "en");
	cr_expect(json_is_true(json_object_get(j, "fallback")));
	cr_expect_str_eq(json_string_value(json_object_get(j, "requested")),
	    "xx");
	json_decref(j);
	tcl_resp_clear(&r);
	cr_assert_eq(pt_get(&T, "/v1/forms?lang=ar", NULL, &r), 0);
	j = json_loads(r.body, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(j, "dir")), "rtl");
	cr_expect(json_is_false(json_object_get(j, "fallback")));
	json_array_foreach(json_object_get(j, "categories"), i, c) {
		json_t	*k = json_object_get(c, "keys");

		cr_expect_geq(json_array_size(json_object_get(k, "queues")), 1);
		cr_expect_not_null(json_object_get(k, "recovery"));
		cr_expect_not_null(json_object_get(k, "identity"));
	}
	/* Honour violence lists the urgent queue and the normal one. */
	cr_expect_eq(json_array_size(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "categories"), 2), "keys"),
	    "queues")), 2);
	json_decref(j);
	tcl_resp_clear(&r);
	cr_assert_eq(pt_get(&T, "/v1/forms", "Accept-Language: nl-NL\r\n",
	    &r), 0);
	cr_expect(strstr(r.body, "\"lang\":\"nl\"") != NULL);
	cr_expect(strstr(r.body, "Noord-Brabant") != NULL);
	tcl_resp_clear(&r);
}

/*
 * Guesses sent in parallel from one source must not all pass the limiter
 * before the first failure is known: each attempt is charged on arrival.
 */
Test(public, parallel_guesses_are_limited)
{
	static const char body[] = "{\"receipt\":\"4821 7730 1195 0062\"}";
	struct tcl_conn	*c[12];
	struct tcl_resp	 r;
	char		 req[512];
	int		 i, n, unauthorised = 0, limited = 0;

	n = snprintf(req, sizeof(req), "POST /v1/reporter/session HTTP/1.1\r\n"
	    "Host: localhost\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
	for (i = 0; i < 12; i++)
		cr_assert_not_null(c[i] = tcl_connect(T.d.port, 1));
	/* All written before any answer can come back (Argon2id takes
	 * tens of milliseconds per guess on the worker pool). */
	for (i = 0; i < 12; i++)
		cr_assert_eq(tcl_write(c[i], req, (size_t)n), 0);
	for (i = 0; i < 12; i++) {
		cr_assert_eq(tcl_read_resp(c[i], 30000, &r), 0);
		if (r.status == 401)
			unauthorised++;
		else if (r.status == 429)
			limited++;
		else
			cr_expect_fail("status %d: %s", r.status, r.body);
		tcl_resp_clear(&r);
		tcl_close(c[i]);
	}
	cr_expect_leq(unauthorised, 6, "%d parallel guesses were tried",
	    unauthorised);
	cr_expect_geq(limited, 6);
}

Test(public, receipt_login_refusals_and_limiter)
{
	struct tcl_resp	 r;
	int		 i, limited = 0;

	/* Wrong check digit: 400 before any Argon2id. */
	cr_assert_eq(pt_post(&T, "/v1/reporter/session",
	    "{\"receipt\":\"4821 7730 1195 0063\"}", NULL, &r), 0);
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "invalid_receipt") != NULL);
	tcl_resp_clear(&r);
	cr_assert_eq(pt_post(&T, "/v1/reporter/session",
	    "{\"receipt\":\"x\",\"extra\":1}", NULL, &r), 0);
	cr_expect_eq(r.status, 400);
	tcl_resp_clear(&r);
	/* Well-formed but unknown: 401, the same answer every time. */
	for (i = 0; i < 12 && !limited; i++) {
		cr_assert_eq(pt_post(&T, "/v1/reporter/session",
		    "{\"receipt\":\"4821 7730 1195 0062\"}", NULL, &r), 0);
		if (r.status == 429) {
			char	*ra = tcl_resp_header(&r, "Retry-After");

			cr_expect_not_null(ra);
			free(ra);
			limited = 1;
		} else {
			cr_expect_eq(r.status, 401, "%s", r.body);
			cr_expect(strstr(r.body, "invalid_receipt") != NULL);
		}
		tcl_resp_clear(&r);
	}
	cr_expect(limited, "repeated failures were never slowed down");
	/* A bad session token. */
	cr_assert_eq(pt_get(&T, "/v1/reporter/case",
	    "Authorization: Bearer 00\r\n", &r), 0);
	cr_expect_eq(r.status, 401);
	tcl_resp_clear(&r);
}

Test(public, init_is_idempotent_and_private_files_are_0600)
{
	struct init_result	 res;
	struct stat		 st;
	char			 path[700];
	FILE			*null = fopen("/dev/null", "w");

	cr_assert_eq(init_run(T.su, T.keys, null, stderr, &res), 0);
	cr_expect_eq(res.ir_changes, 0);
	fclose(null);
	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_RECOVERY);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_LOOKUP);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	/* Every key a production installation needs (issue 15). */
	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_TOTP_SEAL);
	cr_assert_eq(stat(path, &st), 0, "no totp-seal key");
	cr_expect_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_METRICS);
	cr_assert_eq(stat(path, &st), 0, "no metrics token");
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_expect_eq(st.st_size, 65);
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM casework.queues"),
	    4);
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM "
	    "casework.queue_keys WHERE recovery_wrapped IS NOT NULL AND "
	    "octet_length(recovery_wrapped) = 48"), 4);
	cr_expect_eq(testdb_count(T.su, "SELECT count(*) FROM "
	    "casework.routing_check()"), 0);
}

/* A damaged key file is refused and left as it was, never replaced;
 * the output says who must own each file. */
Test(public, init_refuses_to_overwrite_and_advises_owners)
{
	char	 path[700], buf[64], *out = NULL;
	size_t	 len = 0;
	FILE	*fp, *mem;

	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_TOTP_SEAL);
	cr_assert_eq(unlink(path), 0);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("not a key\n", fp);
	fclose(fp);
	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_not_null(mem = open_memstream(&out, &len));
	cr_expect_neq(init_run(T.su, T.keys, mem, mem, NULL), 0);
	fclose(mem);
	free(out);
	cr_assert_not_null(fp = fopen(path, "r"));
	cr_assert_not_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	cr_expect_str_eq(buf, "not a key\n");

	cr_assert_eq(unlink(path), 0);
	out = NULL;
	cr_assert_not_null(mem = open_memstream(&out, &len));
	cr_assert_eq(init_run(T.su, T.keys, mem, stderr, NULL), 0);
	fclose(mem);
	cr_expect_not_null(strstr(out, "totp-seal.key        chown "
	    "meldpunt-staff; chmod 0400"), "%s", out);
	cr_expect_not_null(strstr(out, "receipt-lookup.key   chown "
	    "meldpunt-public; chmod 0400"), "%s", out);
	cr_expect_not_null(strstr(out, "recovery.key         move OFF this "
	    "machine"), "%s", out);
	free(out);
}

Test(public, group_readable_key_file_stops_start_up)
{
	struct tdaemon	 d;
	char		 extra[2048], path[700], *log;

	snprintf(path, sizeof(path), "%s/%s", T.keys, INIT_F_LOOKUP);
	cr_assert_eq(chmod(path, 0640), 0);
	snprintf(extra, sizeof(extra), "receipt_lookup_key = %s\n"
	    "contact_link_key = %s/%s\n", path, T.keys, INIT_F_LINK);
	cr_assert_eq(tdaemon_start(&d, "public", tdaemon_conninfo(T.db,
	    "mp_public"), extra), -1);
	log = tdaemon_log(&d);
	cr_assert_not_null(log);
	cr_expect(strstr(log, "group- or world-accessible") != NULL, "%s", log);
	free(log);
	chmod(path, 0600);
}
