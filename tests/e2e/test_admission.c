/*
 * Admission by expected wait (issue 20, daemon/admit.c, pool.h) end to
 * end: a real public meldpuntd with a deliberately slow receipt Argon2id
 * (128 MiB, t = 3), one worker and a 4 s request deadline, hit by many
 * concurrent submissions and then receipt logins.  More arrive than one
 * worker can hash before their deadline, so some must be refused; the
 * test checks that every refusal is the handler's own 503 with a
 * Retry-After (never the deadline timer's), and -- from the daemon's
 * shutdown line of counters -- that every hash computed served a request
 * that got its answer: no hash for a request already answered.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "admin/init.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tpow.h"
#include "tests/lib/treporter.h"

#define NCLIENTS	32
#define TIMEOUT_MS	4000

/* The daemon's own text for a refusal; the deadline timer says other. */
#define BUSY_TEXT	"nothing was stored"

struct adm {
	char		*db;
	PGconn		*su;
	char		 keys[512];
	struct tdaemon	 d;
};

struct shot {
	int		 id;
	int		 port;
	const char	*path;
	char		 body[512];
	int		 status;
	int		 retry;		/* Retry-After, -1 when absent */
	int		 own_text;	/* the handler's 503, not the timer's */
	double		 ms;
	char		 receipt[24];
	char		 pow[TPOW_LINE_MAX];	/* solved before the volley */
};

static struct adm	 A;

static void
setup(void)
{
	FILE	*null = fopen("/dev/null", "w");
	char	 extra[2048];

	memset(&A, 0, sizeof(A));
	cr_assert_not_null(A.db = testdb_create());
	cr_assert_not_null(A.su = testdb_connect(A.db, NULL));
	snprintf(A.keys, sizeof(A.keys), "%s/keys-adm-%d",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid());
	cr_assert_eq(init_run(A.su, A.keys, null, stderr, NULL), 0);
	fclose(null);
	snprintf(extra, sizeof(extra), "receipt_lookup_key = %s/%s\n"
	    "contact_link_key = %s/%s\nreceipt_argon2_m_kib = 131072\n"
	    "receipt_argon2_t = 3\nworkers = 1\nworker_queue = 64\n"
	    "request_timeout_ms = %d\nlogin_fail_per_source = 100000\n",
	    A.keys, INIT_F_LOOKUP, A.keys, INIT_F_LINK, TIMEOUT_MS);
	cr_assert_eq(tdaemon_start(&A.d, "public", tdaemon_conninfo(A.db,
	    "mp_public"), extra), 0, "meldpuntd did not start (%s)", A.d.log);
	json_decref(trep_forms(A.d.port, "en"));
}

static void
teardown(void)
{
	tdaemon_stop(&A.d);
	PQfinish(A.su);
	testdb_drop(A.db);
	free(A.db);
}

TestSuite(admission, .init = setup, .fini = teardown, .timeout = 180);

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* A source of its own: the login limiter charges each source. */
static void
shot_source(const struct shot *s, char *from, size_t len)
{
	snprintf(from, len, "127.0.%d.%d", 20 + s->id / 200, 1 + s->id % 200);
}

static void *
shoot(void *arg)
{
	struct shot	*s = arg;
	struct tcl_resp	 r;
	char		*ra, *p, from[32], hdrs[TPOW_LINE_MAX + 80];
	double		 t0 = now_ms();

	shot_source(s, from, sizeof(from));
	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\n"
	    "Accept-Language: en\r\n%s", s->pow);
	memset(&r, 0, sizeof(r));
	s->retry = -1;
	s->status = tcl_request_from(from, s->port, "POST", s->path, hdrs,
	    s->body, &r) == -1 ? -1 : r.status;
	s->ms = now_ms() - t0;
	if ((ra = tcl_resp_header(&r, "retry-after")) != NULL) {
		s->retry = atoi(ra);
		free(ra);
	}
	s->own_text = r.body != NULL && strstr(r.body, BUSY_TEXT) != NULL;
	if (s->status == 201 && r.body != NULL &&
	    (p = strstr(r.body, "\"receipt\":\"")) != NULL &&
	    strlen(p + 11) > 19) {
		memcpy(s->receipt, p + 11, 19);
		s->receipt[19] = '\0';
	}
	tcl_resp_clear(&r);
	return (NULL);
}

/* NCLIENTS requests at once; returns the count with status ok. */
static int
volley(struct shot *s, int ok)
{
	pthread_t	 t[NCLIENTS];
	char		 from[32];
	int		 i, n = 0;

	/* Submissions carry a proof of work, solved now so that the volley
	 * still arrives at once. */
	for (i = 0; i < NCLIENTS; i++) {
		s[i].pow[0] = '\0';
		shot_source(&s[i], from, sizeof(from));
		if (strcmp(s[i].path, "/v1/reports") == 0)
			cr_assert_eq(tpow_fetch_solve(from, s[i].port, s[i].pow,
			    NULL, NULL), 200);
	}
	for (i = 0; i < NCLIENTS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, shoot, &s[i]), 0);
	for (i = 0; i < NCLIENTS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NCLIENTS; i++) {
		cr_assert(s[i].status == ok || s[i].status == 503,
		    "request %d: status %d", i, s[i].status);
		if (s[i].status == ok) {
			n++;
			continue;
		}
		cr_assert_geq(s[i].retry, 1, "a 503 without Retry-After");
		/* The handler's own 503 reached the client, so it was sent
		 * before the deadline timer could answer (after which a
		 * handler's reply is discarded).  Client-side times include
		 * the TLS handshake of 32 threads at once, too noisy here. */
		cr_assert(s[i].own_text, "request %d got the deadline "
		    "timer's 503 after %.0f ms, not a refusal", i, s[i].ms);
	}
	return (n);
}

/* The daemon's start-up measurement, for failure messages. */
static const char *
calib(void)
{
	static char	 line[160];
	char		*log = tdaemon_log(&A.d), *p;

	snprintf(line, sizeof(line), "no calibration line");
	if (log != NULL && (p = strstr(log, "receipt Argon2id")) != NULL)
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	free(log);
	return (line);
}

/* "hashing jobs: H hashed (L for ...), D dropped unstarted, R refused" */
static void
counters(long *h, long *l, long *d, long *r)
{
	char	*log = tdaemon_log(&A.d), *p;

	cr_assert_not_null(log);
	cr_assert_not_null(p = strstr(log, "hashing jobs: "), "no counters");
	cr_assert_eq(sscanf(p, "hashing jobs: %ld hashed (%ld for a request "
	    "already answered), %ld dropped unstarted, %ld refused", h, l, d,
	    r), 4, "%.200s", p);
	free(log);
}

Test(admission, no_hash_for_an_answered_request)
{
	static struct shot	 sub[NCLIENTS], in[NCLIENTS];
	const char		*rc[NCLIENTS];
	long			 h, l, d, r;
	int			 i, k, nsub, nin, n503 = 0;

	for (i = 0; i < NCLIENTS; i++) {
		sub[i].id = i;
		sub[i].port = A.d.port;
		sub[i].path = "/v1/reports";
		snprintf(sub[i].body, sizeof(sub[i].body), "{\"category\":"
		    "\"honour_violence\",\"subtype\":\"threats\",\"answers\":"
		    "{\"immediate_danger\":false},\"lang\":\"en\",\"report\":"
		    "{\"narrative\":\"admission %d\"}}", i);
	}
	nsub = volley(sub, 201);
	/* One worker cannot hash 32 x 128 MiB x 3 passes in four seconds. */
	cr_assert_lt(nsub, NCLIENTS, "nothing was refused (%s)", calib());
	cr_assert_gt(nsub, 0, "everything was refused (%s)", calib());

	for (i = 0, k = 0; i < NCLIENTS; i++)
		if (sub[i].status == 201)
			rc[k++] = sub[i].receipt;
	for (i = 0; i < NCLIENTS; i++) {
		in[i].id = NCLIENTS + i;
		in[i].port = A.d.port;
		in[i].path = "/v1/reporter/session";
		snprintf(in[i].body, sizeof(in[i].body),
		    "{\"receipt\":\"%s\",\"lang\":\"en\"}", rc[i % nsub]);
	}
	nin = volley(in, 200);
	cr_assert_lt(nin, NCLIENTS, "no login was refused");

	cr_assert_eq(tdaemon_stop(&A.d), 0);
	counters(&h, &l, &d, &r);
	for (i = 0; i < NCLIENTS; i++)
		n503 += (sub[i].status == 503) + (in[i].status == 503);
	cr_log_info("submissions %d of %d, logins %d of %d answered; "
	    "hashed %ld, late %ld, dropped %ld, refused %ld", nsub, NCLIENTS,
	    nin, NCLIENTS, h, l, d, r);
	cr_assert_eq(l, 0, "%ld hashes for requests already answered", l);
	/* One hash per answered submission or login, none for a refusal
	 * (the start-up calibration is not a job). */
	cr_assert_eq(h, nsub + nin, "hashed %ld, answered %d", h, nsub + nin);
	cr_assert_eq(d + r, n503, "refused %ld + dropped %ld, 503s %d", r, d,
	    n503);
}
