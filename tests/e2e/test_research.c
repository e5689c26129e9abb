/*
 * End-to-end tests of GET /v1/research/stats (issue 7): a real staff
 * meldpuntd over TLS, researcher and handler accounts made with the real
 * meldctl, logins with TOTP through POST /v1/staff/session, reports
 * stored through intake.submit_report.  Checks: a researcher session is
 * required, the counts appear with small cells withheld, the budget
 * refuses the export beyond it, all three formats come back.
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

#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/totp.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"

#define PASSWORD	"correct horse battery staple"

static char		*db;
static char		 dir[512], seal[600];
static struct tdaemon	 d;
static int		 up;

struct user {
	char		 name[32];
	unsigned char	 totp[TOTP_SECRET_LEN];
	char		 token[80];
};

static void
add_user(struct user *u, const char *name, const char *kind)
{
	char	 cmd[4096], *out, *p;
	FILE	*fp;
	size_t	 n, len;

	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | %s/meldctl -d '%s' "
	    "user add --kind %s --no-forced-change --password-stdin "
	    "--argon2 8192,1,1 "
	    "--totp-seal-key '%s' %s", PASSWORD, getenv("MELDPUNT_BUILD"),
	    tdaemon_conninfo(db, "mp_admin"), kind, seal, name);
	cr_assert_not_null(fp = popen(cmd, "r"));
	out = calloc(1, 65536);
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	cr_assert_eq(pclose(fp), 0, "%s", out);
	cr_assert_not_null(p = strstr(out, "totp-secret: "), "%s", out);
	p += 13;
	p[strcspn(p, "\n")] = '\0';
	cr_assert_eq(totp_base32_decode(p, strlen(p), u->totp,
	    sizeof(u->totp), &n), 0);
	free(out);
}

static void
login(struct user *u)
{
	struct tcl_resp	 r;
	char		 b[512], code[8];
	json_t		*j;
	json_error_t	 je;

	cr_assert_eq(totp_code(u->totp, sizeof(u->totp), time(NULL), 6, code),
	    0);
	snprintf(b, sizeof(b), "{\"username\":\"%s\",\"password\":\"%s\","
	    "\"totp\":\"%s\"}", u->name, PASSWORD, code);
	cr_assert_eq(tcl_request(d.port, "POST", "/v1/staff/session",
	    "Content-Type: application/json\r\n", b, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_assert_not_null(j = json_loads(r.body, 0, &je));
	snprintf(u->token, sizeof(u->token), "%s",
	    json_string_value(json_object_get(j, "token")));
	json_decref(j);
	tcl_resp_clear(&r);
}

/* meldctl stats budget ARGS as mp_admin; returns its output. */
static char *
budget(const char *args)
{
	char	 cmd[4096], *out;
	FILE	*fp;
	size_t	 len;

	snprintf(cmd, sizeof(cmd), "%s/meldctl -d '%s' stats budget --actor "
	    "opa %s 2>&1", getenv("MELDPUNT_BUILD"), tdaemon_conninfo(db,
	    "mp_admin"), args);
	cr_assert_not_null(fp = popen(cmd, "r"));
	out = calloc(1, 65536);
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	cr_assert_eq(pclose(fp), 0, "%s", out);
	return (out);
}

static int
get(const struct user *u, const char *query, struct tcl_resp *r)
{
	char	 hdr[256], path[512];

	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n",
	    u != NULL ? u->token : "0");
	snprintf(path, sizeof(path), "/v1/research/stats?%s", query);
	cr_assert_eq(tcl_request(d.port, "GET", path, u != NULL ? hdr : NULL,
	    NULL, r), 0);
	return (r->status);
}

static void
setup(void)
{
	PGconn		*su;
	unsigned char	 key[32], lookup[16], verifier[32];
	char		 err[256], state[6], conf[1024];
	int		 i;

	cr_assert_not_null(db = testdb_create());
	snprintf(dir, sizeof(dir), "%s/research-%d-%ld",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), (long)time(NULL));
	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(seal, sizeof(seal), "%s/totp-seal.key", dir);
	cr_assert_eq(secret_random(key, sizeof(key)), 0);
	cr_assert_eq(keyfile_write(seal, KEYFILE_TOTP_SEAL, KEYFILE_SECRET,
	    key, sizeof(key), err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	PQfinish(su);
	/* 12 reports on grounds of origin, 3 of age (a small cell). */
	for (i = 0; i < 15; i++) {
		memset(lookup, 0, sizeof(lookup));
		memcpy(lookup, &i, sizeof(i));
		memset(verifier, i, sizeof(verifier));
		cr_assert_eq(testdb_submit(db, "labour_discrimination",
		    "refusal", "utrecht", i < 12 ? "origin" : "age", 0, NULL,
		    lookup, verifier, state), 0, "%s", state);
	}
	snprintf(conf, sizeof(conf), "totp_seal_key = %s\n"
	    "research_epsilon = 0.5\n", seal);
	cr_assert_eq(tdaemon_start(&d, "staff", tdaemon_conninfo(db,
	    "mp_staff"), conf), 0, "meldpuntd did not start (see %s)", d.log);
	up = 1;
}

static void
teardown(void)
{
	if (up)
		tdaemon_stop(&d);
	testdb_drop(db);
	free(db);
}

TestSuite(research, .init = setup, .fini = teardown, .timeout = 120);

Test(research, researcher_exports_with_disclosure_control)
{
	struct user	 r;
	struct tcl_resp	 resp;
	char		*ct, *left;
	json_t		*j;
	json_error_t	 je;

	add_user(&r, "rita", "researcher");
	login(&r);
	/* Noise is required by default: epsilon 0 is refused, clearly. */
	cr_assert_eq(get(&r, "group=ground&from=2020-01&to=2049-12&"
	    "format=csv&k=10&epsilon=0", &resp), 403, "%s", resp.body);
	cr_expect_not_null(strstr(resp.body, "noise_required"));
	cr_expect_not_null(strstr(resp.body, "--allow-exact"), "%s",
	    resp.body);
	tcl_resp_clear(&resp);
	/* The administrator allows exact counts and sets a budget of 1. */
	free(budget("--researcher rita --allow-exact --epsilon 1"));
	ct = budget("");
	cr_expect_not_null(strstr(ct, "rita"), "%s", ct);
	cr_expect_not_null(strstr(ct, "allowed"), "%s", ct);
	free(ct);
	cr_assert_eq(get(&r, "group=ground&from=2020-01&to=2049-12&"
	    "format=csv&k=10&epsilon=0", &resp), 200, "%s", resp.body);
	ct = tcl_resp_header(&resp, "Content-Type");
	cr_expect(ct != NULL && strncmp(ct, "text/csv", 8) == 0, "%s", ct);
	free(ct);
	cr_expect_not_null(strstr(resp.body, "ground,n,status,k,epsilon,"
	    "period,epsilon_left,budget_renews\r\n"), "%s", resp.body);
	/* Every row states what is left of the budget after the export. */
	cr_expect_not_null(strstr(resp.body, ",10,0,2020-01..2049-12,1,"),
	    "%s", resp.body);
	cr_expect_not_null(strstr(resp.body, "age,,suppressed,10,0,"));
	cr_expect_not_null(strstr(resp.body, "origin,,suppressed,10,0,"));
	cr_expect_not_null(strstr(resp.body, "(all),15,total,10,0,"));
	cr_expect_null(strstr(resp.body, ",3,"), "%s", resp.body);
	tcl_resp_clear(&resp);
	/* Noisy JSON debits 0.5 of the budget of 1. */
	cr_assert_eq(get(&r, "group=year%2Ccategory&from=2020-01&to=2049-12&"
	    "format=json", &resp), 200, "%s", resp.body);
	cr_assert_not_null(j = json_loads(resp.body, 0, &je), "%s", je.text);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "parameters"), "mechanism")), "two-sided geometric");
	cr_expect_eq(json_real_value(json_object_get(json_object_get(
	    json_object_get(j, "parameters"), "budget"), "epsilon_left")) +
	    json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "parameters"), "budget"), "epsilon_left")),
	    0.5);
	json_decref(j);
	left = tcl_resp_header(&resp, "Meldpunt-Epsilon-Left");
	cr_expect(left != NULL && atof(left) > 0.49 && atof(left) < 0.51,
	    "%s", left);
	free(left);
	left = tcl_resp_header(&resp, "Meldpunt-Budget-Renews");
	cr_expect(left != NULL && strlen(left) == 10 &&
	    strncmp(left + 4, "-01-01", 6) == 0, "%s", left);
	free(left);
	tcl_resp_clear(&resp);
	cr_assert_eq(get(&r, "group=month,category&from=2020-01&to=2049-12&"
	    "format=svg&epsilon=0.5", &resp), 200, "%s", resp.body);
	ct = tcl_resp_header(&resp, "Content-Type");
	cr_expect(ct != NULL && strcmp(ct, "image/svg+xml") == 0, "%s", ct);
	free(ct);
	cr_expect_not_null(strstr(resp.body, "<svg xmlns="));
	cr_expect_not_null(strstr(resp.body, "Discrimination in work"));
	tcl_resp_clear(&resp);
	/* lang=nl: the form's Dutch labels (epsilon 0 costs nothing now). */
	cr_assert_eq(get(&r, "group=category&from=2020-01&to=2049-12&"
	    "format=svg&epsilon=0&lang=nl", &resp), 200, "%s", resp.body);
	cr_expect_not_null(strstr(resp.body, "Discriminatie op de "
	    "arbeidsmarkt"), "%s", resp.body);
	cr_expect_not_null(strstr(resp.body, "Meldingen per categorie"));
	cr_expect_null(strstr(resp.body, "labour_discrimination"));
	tcl_resp_clear(&resp);
	cr_expect_eq(get(&r, "group=year&from=2020-01&to=2049-12&lang=xx",
	    &resp), 400);
	tcl_resp_clear(&resp);
	/* The budget (1.0) is spent: the next noisy export is refused. */
	cr_expect_eq(get(&r, "group=year&from=2020-01&to=2049-12&"
	    "epsilon=0.01", &resp), 403);
	cr_expect_not_null(strstr(resp.body, "budget_exhausted"));
	tcl_resp_clear(&resp);
	/* A k below the configured one, and a bad query, are 400. */
	cr_expect_eq(get(&r, "group=year&from=2020-01&to=2049-12&k=5",
	    &resp), 400);
	tcl_resp_clear(&resp);
	cr_expect_eq(get(&r, "group=name&from=2020-01&to=2049-12", &resp),
	    400);
	tcl_resp_clear(&resp);
}

Test(research, a_researcher_session_is_required)
{
	struct user	 h;
	struct tcl_resp	 resp;
	PGconn		*su;

	add_user(&h, "hank", "handler");
	login(&h);
	cr_expect_eq(get(&h, "group=year&from=2020-01&to=2049-12&epsilon=0",
	    &resp), 403);
	tcl_resp_clear(&resp);
	cr_expect_eq(get(NULL, "group=year&from=2020-01&to=2049-12&epsilon=0",
	    &resp), 401);
	tcl_resp_clear(&resp);
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "stats.budget_ledger"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events "
	    "WHERE action = 'stats.export'"), 0);
	PQfinish(su);
}
