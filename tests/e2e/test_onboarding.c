/*
 * Member onboarding without the recovery key (issue 15, schema 0100,
 * daemon/keyshare.c), end to end: the real `meldctl init`, accounts and
 * memberships made with the real meldctl, a public meldpuntd taking a
 * report and a staff meldpuntd.
 *
 * The first member of a queue is wrapped with the recovery key, as
 * before.  Then the recovery key file is moved away and a second member
 * is added: the membership is pending, her login opens nothing, and
 * after the first member has signed in once she reads the case.  The
 * wrap is audited in the first member's name.  A queue whose key no
 * active member holds still needs the recovery key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define OB_CANARY	"CANARY-5d1a-onboarding"
#define OB_PW		"a password for onboarding"

static struct tstack	S;

static void
ob_setup(void)
{
	tstack_start(&S, NULL);
}

static void
ob_teardown(void)
{
	tstack_stop(&S);
}

TestSuite(onboarding, .init = ob_setup, .fini = ob_teardown, .timeout = 180);

/* The only labour case as u lists it (caller frees). */
static char *
ob_only_case(const struct tstack_user *u)
{
	char	*id;
	json_t	*j = NULL, *cases;

	cr_assert_eq(tstack_req(&S, 1, "GET", "/v1/staff/cases?queue=labour",
	    u->token, NULL, &j), 200);
	cases = json_object_get(j, "cases");
	cr_assert_eq(json_array_size(cases), 1);
	id = strdup(json_string_value(json_object_get(json_array_get(cases,
	    0), "id")));
	json_decref(j);
	return (id);
}

/* 1 when u's GET of the case shows the narrative, 0 when it does not. */
static int
ob_reads(const struct tstack_user *u, const char *id)
{
	char		 path[640];
	json_t		*j = NULL;
	const char	*n;
	int		 ok;

	snprintf(path, sizeof(path), "/v1/staff/case?id=%s", id);
	cr_assert_eq(tstack_req(&S, 1, "GET", path, u->token, NULL, &j), 200);
	n = json_string_value(json_object_get(json_object_get(j, "content"),
	    "narrative"));
	ok = n != NULL && strcmp(n, "ontslag " OB_CANARY) == 0;
	json_decref(j);
	return (ok);
}

Test(onboarding, second_member_reads_after_a_colleague_signed_in)
{
	struct tstack_user	 a, b;
	char			 rec[800], moved[800], code[8], *out, *id;
	time_t			 t;
	PGconn			*su;

	tstack_add_user(&S, &a, "anna", "handler", OB_PW, "labour");
	tstack_add_user(&S, &b, "bram", "handler", OB_PW, NULL);
	/* From here on the recovery private key is not on the machine. */
	snprintf(rec, sizeof(rec), "%s/%s", S.keys, INIT_F_RECOVERY);
	snprintf(moved, sizeof(moved), "%s/offline-recovery.key", S.dir);
	cr_assert_eq(rename(rec, moved), 0);

	/* No member holds the obi key: the recovery key is still needed. */
	out = tstack_meldctl(&S, NULL, 78, "queue members add obi bram");
	cr_expect_not_null(strstr(out, "--recovery-key"), "%s", out);
	free(out);
	out = tstack_meldctl(&S, NULL, 0, "queue members add labour bram");
	cr_expect_not_null(strstr(out, "pending"), "%s", out);
	free(out);
	out = tstack_meldctl(&S, NULL, 0, "queue list");
	cr_expect_not_null(strstr(out, "anna,bram*"), "%s", out);
	free(out);

	cr_assert_eq(tstack_req(&S, 0, "POST", "/v1/reports", NULL,
	    "{\"category\":\"labour_discrimination\",\"subtype\":"
	    "\"internship\",\"lang\":\"nl\",\"report\":{\"narrative\":"
	    "\"ontslag " OB_CANARY "\"}}", NULL), 201);

	t = time(NULL);
	if (t % 30 > 20) {
		sleep((unsigned int)(31 - t % 30));
		t = time(NULL);
	}
	/* Pending: bram sees the case (member) but cannot open it. */
	tstack_code(&b, t - 30, code);
	cr_assert_eq(tstack_login(&S, &b, OB_PW, code), 201);
	id = ob_only_case(&b);
	cr_assert_eq(ob_reads(&b, id), 0, "read before any key was wrapped");

	/* anna signs in once; her session wraps the labour key to bram. */
	tstack_code(&a, t, code);
	cr_assert_eq(tstack_login(&S, &a, OB_PW, code), 201);
	cr_assert_eq(ob_reads(&a, id), 1);
	tstack_code(&b, t, code);
	cr_assert_eq(tstack_login(&S, &b, OB_PW, code), 201);
	cr_assert_eq(ob_reads(&b, id), 1, "bram cannot read after anna's login");

	cr_assert_not_null(su = testdb_connect(S.db, NULL));
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM audit.events e "
	    "JOIN casework.users u ON e.actor = 'user:' || u.id WHERE "
	    "u.username = 'anna' AND e.action = 'queue.member_wrap' AND "
	    "e.object = 'queue:labour user:bram'"), 1);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "casework.queue_key_wraps w JOIN casework.users u ON u.id = "
	    "w.user_id WHERE u.username = 'bram'"), 1);
	PQfinish(su);
	out = tstack_meldctl(&S, NULL, 0, "queue list");
	cr_expect_not_null(strstr(out, "anna,bram\n"), "%s", out);
	free(out);
	out = tstack_meldctl(&S, NULL, 0, "audit verify");
	cr_expect_not_null(strstr(out, "audit chain ok"), "%s", out);
	free(out);
	cr_assert_eq(access(rec, F_OK), -1, "the recovery key came back");

	tstack_stop(&S);
	out = tdaemon_log(&S.staff);
	cr_assert_not_null(out);
	cr_expect_null(strstr(out, OB_CANARY), "canary in the log");
	cr_expect_null(strstr(out, "bram"), "user name in the log");
	free(out);
	free(id);
}
