/*
 * End-to-end tests of the staff side (issue 6): keys and defaults from
 * the real `meldctl init`, queues, routing rules and users made with the
 * real meldctl binary, and two real daemons over TLS against one real
 * PostgreSQL database: `meldpuntd --role public` for the reporter and
 * `--role staff` for the handlers.  The reporter is a client of the
 * public API only (tests/lib/treporter.h): it seals its report with the
 * crypto library to the keys GET /v1/forms lists, submits it, and reads
 * the handler's reply with its receipt.  TOTP codes are computed by the
 * test.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/totp.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"
#include "tests/lib/tstack.h"

#define CANARY		"CANARY-7f3e-staff-e2e"
#define PASSWORD	"correct horse battery staple"

#define METRICS_TOKEN	"0123456789abcdef0123456789abcdef-test"

struct env {
	char		*db;
	char		 dir[512];
	char		 keys[600], rec[700], seal[700], clockf[600];
	char		 admin_ci[1024];
	struct tdaemon	 d;		/* staff */
	struct tdaemon	 pub;		/* public, when asked for */
	int		 up, pub_up;
	json_t		*forms;		/* GET /v1/forms?lang=nl */
	char		 metrics[600];
};

struct user {
	char		 name[32];
	unsigned char	 totp[TOTP_SECRET_LEN];
	char		 token[80];
};

/* ------------------------------------------------------------ helpers */

static char *
run(const char *cmd, const char *input, int *status)
{
	char	 path[700], full[4096], *out = NULL;
	FILE	*fp;
	size_t	 len = 0;
	int	 st;

	snprintf(path, sizeof(path), "%s/meldctl", getenv("MELDPUNT_BUILD"));
	if (input != NULL)
		snprintf(full, sizeof(full), "printf '%%s\\n' '%s' | %s %s",
		    input, path, cmd);
	else
		snprintf(full, sizeof(full), "%s %s </dev/null", path, cmd);
	fp = popen(full, "r");
	cr_assert_not_null(fp);
	out = calloc(1, 65536);
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	st = pclose(fp);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return (out);
}

static char *
mctl(struct env *e, const char *input, int want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static char *
mctl(struct env *e, const char *input, int want, const char *fmt, ...)
{
	va_list	 ap;
	char	 args[2048], cmd[3200], *out;
	int	 st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "-d '%s' %s", e->admin_ci, args);
	out = run(cmd, input, &st);
	cr_assert_eq(st, want, "meldctl %s: exit %d, output: %s", args, st,
	    out);
	return (out);
}

/*
 * `meldctl init --keys DIR` as an installation does: key files (the
 * totp-seal key among them), the recovery and identity keys, the default
 * queues and rules.
 */
static void
init_keys(struct env *e)
{
	char		*out;

	snprintf(e->keys, sizeof(e->keys), "%s/keys", e->dir);
	snprintf(e->rec, sizeof(e->rec), "%s/recovery.key", e->keys);
	snprintf(e->seal, sizeof(e->seal), "%s/totp-seal.key", e->keys);
	snprintf(e->clockf, sizeof(e->clockf), "%s/clock", e->dir);
	out = mctl(e, NULL, 0, "init --keys '%s'", e->keys);
	cr_assert(strstr(out, "meldctl init: done") != NULL, "%s", out);
	free(out);
	cr_assert_eq(access(e->seal, R_OK), 0, "init wrote no totp-seal key");
}

static void
add_user(struct env *e, struct user *u, const char *name, const char *kind)
{
	char	*out;

	snprintf(u->name, sizeof(u->name), "%s", name);
	out = mctl(e, PASSWORD, 0, "user add --kind %s --no-forced-change "
	    "--password-stdin --argon2 8192,1,1 --totp-seal-key '%s' %s", kind,
	    e->seal, name);
	tstack_totp_secret(out, u->totp);
	free(out);
}

static void
setup(struct env *e, const char *extra_conf, int with_public)
{
	char	 conf[4096], routes[700];
	FILE	*fp;

	memset(e, 0, sizeof(*e));
	e->db = testdb_create();
	cr_assert_not_null(e->db);
	snprintf(e->dir, sizeof(e->dir), "%s/staff-%d-%ld",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), (long)time(NULL));
	cr_assert_eq(mkdir(e->dir, 0700), 0);
	snprintf(e->admin_ci, sizeof(e->admin_ci), "%s",
	    tdaemon_conninfo(e->db, "mp_admin"));
	init_keys(e);
	/* Two queues of one category, and rules that route to qa. */
	free(mctl(e, NULL, 0, "queue add qa --category labour_discrimination"));
	free(mctl(e, NULL, 0, "queue add qb --category labour_discrimination"));
	snprintf(routes, sizeof(routes), "%s/routes", e->dir);
	fp = fopen(routes, "w");
	cr_assert_not_null(fp);
	fprintf(fp, "# test routing\n100 labour_discrimination * * * qa\n"
	    "110 foreign_interference * * * qb\n120 honour_violence * * * qb\n");
	fclose(fp);
	free(mctl(e, NULL, 0, "route load '%s'", routes));
	/* The scrape token of /metrics. */
	snprintf(e->metrics, sizeof(e->metrics), "%s/metrics.token", e->dir);
	fp = fopen(e->metrics, "w");
	cr_assert_not_null(fp);
	fprintf(fp, "%s\n", METRICS_TOKEN);
	fclose(fp);
	cr_assert_eq(chmod(e->metrics, 0600), 0);
	snprintf(conf, sizeof(conf), "totp_seal_key = %s\n"
	    "insecure_test_clock_file = %s\nmetrics_token_file = %s\n"
	    "epoch_key_dir = %s/epoch\n%s", e->seal, e->clockf, e->metrics,
	    e->keys,
	    extra_conf != NULL ? extra_conf : "");
	cr_assert_eq(tdaemon_start(&e->d, "staff",
	    tdaemon_conninfo(e->db, "mp_staff"), conf), 0,
	    "meldpuntd did not start (see %s)", e->d.log);
	e->up = 1;
	if (!with_public)
		return;
	snprintf(conf, sizeof(conf), "receipt_lookup_key = %s/receipt-lookup.key\n"
	    "contact_link_key = %s/contact-link.key\nreceipt_argon2_m_kib = "
	    "8192\nreceipt_argon2_t = 1\nworkers = 2\n", e->keys, e->keys);
	cr_assert_eq(tdaemon_start(&e->pub, "public",
	    tdaemon_conninfo(e->db, "mp_public"), conf), 0,
	    "public meldpuntd did not start (see %s)", e->pub.log);
	e->pub_up = 1;
	e->forms = trep_forms(e->pub.port, "nl");
	cr_assert_not_null(e->forms, "GET /v1/forms never answered 200");
}

static void
teardown(struct env *e)
{
	if (e->up)
		tdaemon_stop(&e->d);
	if (e->pub_up)
		tdaemon_stop(&e->pub);
	json_decref(e->forms);
	testdb_drop(e->db);
	free(e->db);
}

/* One request to the staff daemon (tests/lib/tstack.h). */
static int
req(struct env *e, const char *method, const char *path, const char *token,
    const char *body, json_t **out)
{
	return (tstack_req_port(e->d.port, method, path, token, body, out));
}

static int
login_code(struct env *e, struct user *u, const char *pw, const char *code,
    char **body)
{
	struct tcl_resp	 r;
	char		 b[512];
	json_t		*j;
	json_error_t	 jerr;
	int		 st;

	snprintf(b, sizeof(b), "{\"username\":\"%s\",\"password\":\"%s\","
	    "\"totp\":\"%s\"}", u->name, pw, code);
	cr_assert_eq(tcl_request(e->d.port, "POST", "/v1/staff/session",
	    "Content-Type: application/json\r\n", b, &r), 0);
	st = r.status;
	if (st == 201) {
		j = json_loads(r.body, 0, &jerr);
		cr_assert_not_null(j);
		snprintf(u->token, sizeof(u->token), "%s",
		    json_string_value(json_object_get(j, "token")));
		json_decref(j);
	}
	if (body != NULL)
		*body = strdup(r.body);
	tcl_resp_clear(&r);
	return (st);
}

static void
code_now(const struct user *u, char code[8])
{
	cr_assert_eq(totp_code(u->totp, sizeof(u->totp), time(NULL), 6, code),
	    0);
}

static void
login(struct env *e, struct user *u)
{
	char	code[8];

	code_now(u, code);
	cr_assert_eq(login_code(e, u, PASSWORD, code, NULL), 201);
}

/*
 * A reporter submits a report sealed client-side through the public API;
 * returns the receipt (malloc'd).
 */
static char *
report(struct env *e, const char *narrative)
{
	json_t	*c;
	char	*content, *receipt, *reply;
	int	 st;

	c = json_pack("{s:s}", "narrative", narrative);
	content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	st = trep_submit_sealed(e->pub.port, e->forms, "labour_discrimination",
	    "recruitment", "{\"ground\":\"religion\"}", content, &receipt,
	    &reply);
	free(content);
	cr_assert_eq(st, 201, "POST /v1/reports: %d %s", st, reply);
	cr_assert_not_null(receipt);
	free(reply);
	return (receipt);
}

/*
 * What the reporter sees with the receipt: the text of the last handler
 * message (malloc'd; NULL when there is none).
 */
static char *
reporter_reads(struct env *e, const char *receipt)
{
	json_t		*c;
	char		*tok, *out;
	const char	*t;
	int		 st;

	tok = trep_login(e->pub.port, receipt);
	cr_assert_not_null(tok, "reporter login refused");
	c = trep_case(e->pub.port, tok, &st);
	cr_assert_eq(st, 200);
	t = trep_last_text(c, "handler");
	out = t != NULL ? strdup(t) : NULL;
	json_decref(c);
	cr_assert_eq(trep_logout(e->pub.port, tok), 200);
	free(tok);
	return (out);
}

static json_t *
get_case(struct env *e, struct user *u, const char *id, int want)
{
	char	 path[128];
	json_t	*j = NULL;
	int	 st;

	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	st = req(e, "GET", path, u->token, NULL, &j);
	cr_assert_eq(st, want, "GET case as %s: %d", u->name, st);
	return (j);
}

/* ------------------------------------------------------------ tests */

/* The one list entry of a queue that holds one case: its id. */
static void
only_case(struct env *e, struct user *u, const char *queue, char id[40])
{
	char	 path[128];
	json_t	*j, *cases;

	snprintf(path, sizeof(path), "/v1/staff/cases?queue=%s", queue);
	cr_assert_eq(req(e, "GET", path, u->token, NULL, &j), 200);
	cases = json_object_get(j, "cases");
	cr_assert_eq(json_array_size(cases), 1);
	snprintf(id, 40, "%s", json_string_value(json_object_get(
	    json_array_get(cases, 0), "id")));
	cr_assert_eq(strlen(id), 36);
	json_decref(j);
}

#define NARRATIVE	"Ik werd afgewezen \"vanwege mijn hoofddoek\".\n" \
			"Tweede regel: \xc3\xa9\xc3\xa8 \xd9\x85\xd8\xb1 " CANARY
#define REPLY		"Dank u, wij nemen contact op."
#define FOLLOW_UP	"Nog iets: het gebeurde twee keer."

Test(staff, handlers_read_reply_transfer_overdue, .timeout = 120)
{
	struct env	 e;
	struct user	 a, b;
	char		 id1[40], *rc1, *rc2, *rc3, *tok;
	json_t		*j, *c;
	char		 body[512], path[256], *s, *log;
	FILE		*fp;
	int		 st;
	long long	 reads;
	PGconn		*su;

	setup(&e, NULL, 1);
	add_user(&e, &a, "alice", "handler");
	add_user(&e, &b, "bob", "handler");
	free(mctl(&e, NULL, 0, "queue members add qa alice --recovery-key "
	    "'%s'", e.rec));
	free(mctl(&e, NULL, 0, "queue members add qb bob --recovery-key '%s'",
	    e.rec));
	s = mctl(&e, NULL, 0, "queue list");
	cr_assert(strstr(s, "alice") != NULL && strstr(s, "bob") != NULL);
	free(s);

	/* A reporter seals a report client-side and submits it; the rules
	 * route it to qa, where Alice finds it as the only case. */
	rc1 = report(&e, NARRATIVE);
	login(&e, &a);
	login(&e, &b);
	only_case(&e, &a, "qa", id1);
	rc2 = report(&e, "tweede melding");
	rc3 = report(&e, "derde melding");

	/* Alice's queue: counts and a paged list. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", a.token, NULL, &j),
	    200);
	c = json_array_get(json_object_get(j, "queues"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")), "qa");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(c,
	    "counts"), "new")), 3);
	cr_assert_eq(json_integer_value(json_object_get(c, "overdue")), 0);
	json_decref(j);
	cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qa&limit=2",
	    a.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 2);
	cr_assert(json_is_string(json_object_get(j, "next")));
	snprintf(path, sizeof(path), "/v1/staff/cases?queue=qa&limit=2&after=%s",
	    json_string_value(json_object_get(j, "next")));
	json_decref(j);
	cr_assert_eq(req(&e, "GET", path, a.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	cr_assert(json_is_null(json_object_get(j, "next")));
	json_decref(j);
	cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qa", b.token, NULL,
	    NULL), 404);

	/*
	 * Issue 14: every filter is checked in C before any SQL -- an
	 * unknown state is refused (not "no cases"), an impossible date
	 * never reaches PostgreSQL, whose log would repeat it.
	 */
	{
		static const char *const bad[] = { "state=bogus",
		    "state=NEW", "from=2031-13-07", "to=2031-02-29",
		    "from=2031-04-31", "to=0000-01-01", "from=2031-1-07" };
		char	*pglog, lp[700];
		size_t	 k;
		FILE	*pf;
		long	 n;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			snprintf(path, sizeof(path),
			    "/v1/staff/cases?queue=qa&%s", bad[k]);
			cr_assert_eq(req(&e, "GET", path, a.token, NULL, NULL),
			    400, "%s", bad[k]);
		}
		cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qa&"
		    "state=new&from=2032-02-29&to=2032-12-31", a.token, NULL,
		    NULL), 200);
		snprintf(lp, sizeof(lp), "%s/pg/postgres.log",
		    getenv("MELDPUNT_TEST_TMP"));
		cr_assert_not_null(pf = fopen(lp, "r"), "%s", lp);
		cr_assert_not_null(pglog = malloc(1 << 24));
		n = (long)fread(pglog, 1, (1 << 24) - 1, pf);
		fclose(pf);
		pglog[n > 0 ? n : 0] = '\0';
		cr_assert(strstr(pglog, "2031-13-07") == NULL &&
		    strstr(pglog, "2031-04-31") == NULL,
		    "a request value reached PostgreSQL's log");
		free(pglog);
	}

	/* Alice reads exactly what was submitted; Bob sees nothing. */
	j = get_case(&e, &a, id1, 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), NARRATIVE);
	json_decref(j);
	json_decref(get_case(&e, &b, id1, 404));
	json_decref(get_case(&e, &b, "00000000-0000-4000-8000-000000000000",
	    404));

	/* Alice replies; the reporter reads the reply with the receipt,
	 * and only in her own case. */
	s = reporter_reads(&e, rc1);
	cr_assert_null(s, "a handler message before any reply: %s", s);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"text\":\"" REPLY
	    "\"}", id1);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/messages", a.token, body,
	    &j), 201);
	cr_assert(json_integer_value(json_object_get(j, "seq")) > 0);
	json_decref(j);
	s = reporter_reads(&e, rc1);
	cr_assert_not_null(s, "the reporter does not see the reply");
	cr_assert_str_eq(s, REPLY);
	free(s);
	s = reporter_reads(&e, rc2);
	cr_assert_null(s, "another reporter sees the reply: %s", s);

	/* Note, claim, transition. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"text\":\"intern "
	    CANARY "\"}", id1);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/notes", a.token, body,
	    NULL), 201);
	snprintf(body, sizeof(body), "{\"case\":\"%s\"}", id1);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/claim", a.token, body,
	    NULL), 200);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/claim", b.token, body,
	    NULL), 404);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"to\":\"closed\","
	    "\"reason\":\"x\"}", id1);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/transition", a.token,
	    body, NULL), 409);
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"to\":\"acknowledged\","
	    "\"reason\":\"first look\"}", id1);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/transition", a.token,
	    body, NULL), 200);
	j = get_case(&e, &a, id1, 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")),
	    "acknowledged");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "notes"), 0), "text")), "intern " CANARY);
	json_decref(j);

	/* Transfer to Bob's queue: Bob reads it, Alice no longer. */
	snprintf(body, sizeof(body), "{\"case\":\"%s\",\"queue\":\"qb\"}",
	    id1);
	cr_assert_eq(req(&e, "POST", "/v1/staff/case/transfer", a.token, body,
	    NULL), 200);
	json_decref(get_case(&e, &a, id1, 404));

	/* The reporter's thread survives the transfer: she still reads the
	 * reply and adds information, which Bob reads with the report. */
	tok = trep_login(e.pub.port, rc1);
	cr_assert_not_null(tok);
	c = trep_case(e.pub.port, tok, &st);
	cr_assert_eq(st, 200);
	cr_assert_str_eq(trep_last_text(c, "handler"), REPLY);
	json_decref(c);
	cr_assert_eq(trep_message(e.pub.port, tok, FOLLOW_UP), 201);
	j = get_case(&e, &b, id1, 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), NARRATIVE);
	c = json_object_get(j, "messages");
	cr_assert_geq(json_array_size(c), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c,
	    json_array_size(c) - 2), "text")), REPLY);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c,
	    json_array_size(c) - 1), "text")), FOLLOW_UP);
	json_decref(j);

	/* Nothing overdue today; 100 days later the feedback clock is. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/overdue", b.token, NULL, &j),
	    200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 0);
	json_decref(j);
	fp = fopen(e.clockf, "w");
	fprintf(fp, "%d\n", 100 * 86400);
	fclose(fp);
	sleep(1);
	cr_assert_eq(req(&e, "GET", "/v1/staff/overdue", b.token, NULL, &j),
	    200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	c = json_array_get(json_object_get(j, "cases"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c, "id")), id1);
	json_decref(j);
	cr_assert_eq(req(&e, "GET", "/v1/staff/cases?queue=qb&overdue=true",
	    b.token, NULL, &j), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "cases")), 1);
	json_decref(j);
	/* The queue's overdue count (deadline counters, 0071) agrees. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", b.token, NULL, &j),
	    200);
	c = json_array_get(json_object_get(j, "queues"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c, "name")), "qb");
	cr_assert_eq(json_integer_value(json_object_get(c, "overdue")), 1);
	json_decref(j);
	{
		struct tcl_resp r;

		/* Counts are sensitive: no token, no metrics. */
		cr_assert_eq(tcl_request(e.d.port, "GET", "/metrics", NULL,
		    NULL, &r), 0);
		cr_assert_eq(r.status, 401, "%s", r.body);
		cr_assert(strstr(r.body, "meldpunt_cases") == NULL);
		tcl_resp_clear(&r);
		cr_assert_eq(tcl_request(e.d.port, "GET", "/metrics",
		    "Authorization: Bearer " METRICS_TOKEN "x\r\n", NULL, &r),
		    0);
		cr_assert_eq(r.status, 401);
		tcl_resp_clear(&r);
		cr_assert_eq(tcl_request(e.d.port, "GET", "/metrics",
		    "Authorization: Bearer " METRICS_TOKEN "\r\n", NULL, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert(strstr(r.body, "meldpunt_cases_overdue{queue=\"qb\","
		    "clock=\"feedback\"} 1\n") != NULL, "%s", r.body);
		cr_assert(strstr(r.body, "meldpunt_cases_overdue{queue=\"qa\","
		    "clock=\"first_contact\"} 2\n") != NULL, "%s", r.body);
		tcl_resp_clear(&r);
	}

	/* Logout ends the session. */
	cr_assert_eq(req(&e, "DELETE", "/v1/staff/session", b.token, NULL,
	    NULL), 200);
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", b.token, NULL, NULL),
	    401);

	/* Every read is in the chain, and the chain verifies. */
	su = testdb_connect(e.db, NULL);
	reads = testdb_count(su, "SELECT count(*) FROM audit.events WHERE "
	    "action = 'case.read'");
	cr_assert_eq(reads, 3, "case.read events: %lld", reads);
	PQfinish(su);
	s = mctl(&e, NULL, 0, "audit verify");
	cr_assert(strstr(s, "audit chain ok") != NULL, "%s", s);
	free(s);

	st = tdaemon_stop(&e.d);
	e.up = 0;
	cr_assert_eq(st, 0);
	log = tdaemon_log(&e.d);
	cr_assert_not_null(log);
	cr_assert(strstr(log, CANARY) == NULL, "canary in the log");
	cr_assert(strstr(log, FOLLOW_UP) == NULL, "message in the log");
	cr_assert(strstr(log, a.token) == NULL, "token in the log");
	cr_assert(strstr(log, PASSWORD) == NULL, "password in the log");
	cr_assert(strstr(log, id1) == NULL, "case id in the log");
	free(log);
	/* The public process: neither the content nor the reporter's
	 * credentials. */
	cr_assert_eq(trep_logout(e.pub.port, tok), 200);
	st = tdaemon_stop(&e.pub);
	e.pub_up = 0;
	cr_assert_eq(st, 0);
	log = tdaemon_log(&e.pub);
	cr_assert_not_null(log);
	cr_assert(strstr(log, CANARY) == NULL, "canary in the public log");
	cr_assert(strstr(log, "hoofddoek") == NULL, "content in the public log");
	cr_assert(strstr(log, FOLLOW_UP) == NULL, "message in the public log");
	cr_assert(strstr(log, rc1) == NULL, "receipt in the public log");
	cr_assert(strstr(log, tok) == NULL, "token in the public log");
	cr_assert(strstr(log, id1) == NULL, "case id in the public log");
	free(log);
	free(tok);
	free(rc1);
	free(rc2);
	free(rc3);
	teardown(&e);
}

Test(staff, login_refusals_look_alike_and_sessions_expire, .timeout = 120)
{
	struct env	 e;
	struct user	 u;
	char		 code[8], *ok = NULL, *replay = NULL, *badpw = NULL,
			*badcode = NULL, *unknown = NULL;
	struct user	 ghost;

	setup(&e, "session_idle_s = 3\n", 0);
	add_user(&e, &u, "carol", "handler");
	code_now(&u, code);
	cr_assert_eq(login_code(&e, &u, PASSWORD, code, &ok), 201);
	cr_assert_eq(req(&e, "GET", "/v1/staff/me", u.token, NULL, NULL), 200);
	/* The same code again: a replayed TOTP step. */
	cr_assert_eq(login_code(&e, &u, PASSWORD, code, &replay), 401);
	sleep(3);	/* the account backs off after a failure */
	cr_assert_eq(login_code(&e, &u, "wrong password", code, &badpw), 401);
	sleep(5);
	cr_assert_eq(login_code(&e, &u, PASSWORD, "000000", &badcode), 401);
	snprintf(ghost.name, sizeof(ghost.name), "nobody");
	cr_assert_eq(login_code(&e, &ghost, PASSWORD, code, &unknown), 401);
	/* One answer whatever the factor. */
	cr_assert_str_eq(replay, badpw);
	cr_assert_str_eq(replay, badcode);
	cr_assert_str_eq(replay, unknown);
	cr_assert(strstr(replay, "login_failed") != NULL, "%s", replay);
	/* Idle for longer than session_idle_s: the session is gone. */
	cr_assert_eq(req(&e, "GET", "/v1/staff/me", u.token, NULL, NULL), 401);
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", "00", NULL, NULL), 401);
	cr_assert_eq(req(&e, "GET", "/v1/staff/queues", NULL, NULL, NULL), 401);
	free(ok);
	free(replay);
	free(badpw);
	free(badcode);
	free(unknown);
	teardown(&e);
}

/*
 * An envelope that does not open (here: damaged ciphertext) still gives
 * the case with its clear fields, content null and content_error
 * "undecryptable"; an intact one has no content_error.  The warning in
 * the log names no case.
 */
Test(staff, undecryptable_content_is_flagged, .timeout = 120)
{
	struct env	 e;
	struct user	 a;
	char		 id[40], *rc, *log;
	json_t		*j;
	PGconn		*su;

	setup(&e, NULL, 1);
	add_user(&e, &a, "alice", "handler");
	free(mctl(&e, NULL, 0, "queue members add qa alice --recovery-key "
	    "'%s'", e.rec));
	rc = report(&e, NARRATIVE);
	login(&e, &a);
	only_case(&e, &a, "qa", id);

	j = get_case(&e, &a, id, 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "content"), "narrative")), NARRATIVE);
	cr_assert_null(json_object_get(j, "content_error"));
	json_decref(j);

	/* Flip one bit of the last ciphertext byte: the AEAD refuses it. */
	cr_assert_not_null(su = testdb_connect(e.db, NULL));
	cr_assert_eq(testdb_execf(su, NULL, "UPDATE intake.envelopes SET "
	    "ciphertext = set_byte(ciphertext, length(ciphertext) - 1, "
	    "get_byte(ciphertext, length(ciphertext) - 1) # 1) "
	    "WHERE case_id = '%s'::uuid", id), 0);
	PQfinish(su);

	j = get_case(&e, &a, id, 200);
	cr_assert(json_is_null(json_object_get(j, "content")));
	cr_assert_str_eq(json_string_value(json_object_get(j,
	    "content_error")), "undecryptable");
	cr_assert_str_eq(json_string_value(json_object_get(j, "id")), id);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")),
	    "new");
	json_decref(j);

	log = tdaemon_log(&e.d);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "case content could not be decrypted") != NULL,
	    "no warning in the log");
	cr_assert(strstr(log, id) == NULL, "case id in the log");
	free(log);
	free(rc);
	teardown(&e);
}

/*
 * An envelope whose content opens but is not UTF-8 (a client that broke
 * docs/crypto.md §2.2) is stored -- the server cannot look inside -- and
 * reads as content null with content_error "not_utf8", not as
 * "undecryptable": the keys are fine, the client's encoding is not.
 */
Test(staff, content_that_is_not_utf8_is_flagged_as_such, .timeout = 120)
{
	struct env	 e;
	struct user	 a;
	char		 id[40], *receipt = NULL, *reply = NULL, *log;
	json_t		*j;
	int		 st;

	setup(&e, NULL, 1);
	add_user(&e, &a, "alice", "handler");
	free(mctl(&e, NULL, 0, "queue members add qa alice --recovery-key "
	    "'%s'", e.rec));
	st = trep_submit_sealed(e.pub.port, e.forms, "labour_discrimination",
	    "recruitment", "{\"ground\":\"religion\"}",
	    "{\"narrative\":\"Jos\xe9 \xff\xfe\"}", &receipt, &reply);
	cr_assert_eq(st, 201, "%d %s", st, reply);
	login(&e, &a);
	only_case(&e, &a, "qa", id);
	j = get_case(&e, &a, id, 200);
	cr_assert(json_is_null(json_object_get(j, "content")));
	cr_assert_str_eq(json_string_value(json_object_get(j,
	    "content_error")), "not_utf8");
	json_decref(j);
	log = tdaemon_log(&e.d);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "case content is not valid UTF-8") != NULL);
	cr_assert(strstr(log, "could not be decrypted") == NULL);
	cr_assert(strstr(log, id) == NULL, "case id in the log");
	free(log);
	free(receipt);
	free(reply);
	teardown(&e);
}
