/*
 * Reporter sessions across public processes (daemon/rsession.h): two
 * public meldpuntd processes with the same reporter-session key file, as
 * behind a balancer.  A session begun on one is served by the other; a
 * newer login ends the older session on both; logout on one ends it on
 * both; a process with another key opens none of their tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/treporter.h"
#include "tests/lib/tstack.h"

static struct tstack	T;
static struct tdaemon	A, B;

static void
setup(void)
{
	char	conf[4096], extra[1024];

	tstack_start(&T, NULL);
	snprintf(extra, sizeof(extra), "reporter_session_key = %s/%s\n",
	    T.keys, INIT_F_RSESSION);
	tstack_public_conf(&T, extra, conf, sizeof(conf));
	cr_assert_eq(tdaemon_start(&A, "public", tdaemon_conninfo(T.db,
	    "mp_public"), conf), 0, "public A did not start (%s)", A.log);
	cr_assert_eq(tdaemon_start(&B, "public", tdaemon_conninfo(T.db,
	    "mp_public"), conf), 0, "public B did not start (%s)", B.log);
}

static void
teardown(void)
{
	int	 st;
	char	*log;

	if ((st = tdaemon_stop(&A)) != 0) {
		log = tdaemon_log(&A);
		cr_expect_eq(st, 0, "public A exit %d: %s", st, log);
		free(log);
	}
	if ((st = tdaemon_stop(&B)) != 0) {
		log = tdaemon_log(&B);
		cr_expect_eq(st, 0, "public B exit %d: %s", st, log);
		free(log);
	}
	tstack_stop(&T);
}

static int
status_of(int port, const char *tok)
{
	json_t	*j;
	int	 st = -1;

	j = trep_case(port, tok, &st);
	json_decref(j);
	return (st);
}

TestSuite(rsession_e2e, .init = setup, .fini = teardown, .timeout = 120);

Test(rsession_e2e, any_process_serves_a_session_and_ends_it_for_all)
{
	json_t	*forms;
	char	*receipt = NULL, *t1, *t2;

	cr_assert_not_null(forms = trep_forms(A.port, "en"));
	cr_assert_eq(trep_submit_sealed(A.port, forms, "labour_discrimination",
	    "recruitment", "{\"ground\":\"origin\"}",
	    "{\"narrative\":\"sessions across processes\"}", &receipt, NULL),
	    201);
	json_decref(forms);

	/* Begun on A, served by B (and A), messages included. */
	cr_assert_not_null(t1 = trep_login(A.port, receipt));
	cr_expect_eq(status_of(B.port, t1), 200);
	cr_expect_eq(status_of(A.port, t1), 200);
	cr_expect_eq(trep_message(B.port, t1, "added on B"), 201);

	/* A process with a key of its own cannot open the token. */
	cr_expect_eq(status_of(T.pub.port, t1), 401);

	/* A newer login (on B) ends the first session everywhere. */
	cr_assert_not_null(t2 = trep_login(B.port, receipt));
	cr_expect_eq(status_of(A.port, t1), 401);
	cr_expect_eq(status_of(B.port, t1), 401);
	cr_expect_eq(trep_message(A.port, t1, "too late"), 401);
	cr_expect_eq(status_of(A.port, t2), 200);

	/* Logout on A ends it on B. */
	cr_expect_eq(trep_logout(A.port, t2), 200);
	cr_expect_eq(status_of(B.port, t2), 401);
	cr_expect_eq(trep_logout(B.port, t2), 401);
	free(t1);
	free(t2);
	free(receipt);
}
