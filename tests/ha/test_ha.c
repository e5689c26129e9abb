/*
 * High availability, end to end (docs/ha.md): a PostgreSQL primary and
 * hot standby under pg_auto_failover (deploy/ha/pgha.sh), HAProxy in TCP
 * mode with PROXY v2 in front of two public meldpuntd processes, one
 * staff meldpuntd, every daemon on a multi-host conninfo with
 * target_session_attrs=read-write.  Reporters (client threads, each
 * request from its own 127.0.0.0/8 source address, as many reporters
 * would be) submit reports and log in with their receipts while the
 * primary is killed with SIGKILL, keeper first, as if its machine died.
 *
 * What must hold afterwards: every receipt the service returned logs in
 * and shows its case, and a handler reads every acknowledged report; the
 * test prints acknowledged / verified / lost (must be 0), the errors
 * clients saw during the failover and how long until submissions
 * succeeded again.  Then one public daemon is killed: the balancer routes
 * around it and a reporter session made on it keeps working.
 *
 * `make test` runs a short load (MELDPUNT_HA_SECONDS, default 16 s);
 * `make test-ha` a long one.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "admin/init.h"
#include "admin/migrate.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tstack.h"

#define HA_CLIENTS	4
#define HA_MAXREC	20000

struct ha {
	char		 dir[400];
	int		 base;		/* monitor; nodes base+1, base+2 */
	int		 lb_port;
	pid_t		 haproxy;
	struct tdaemon	 pub[2];
	struct tstack	 t;		/* keys, meldctl, staff daemon */
	struct tstack_user handler;
};

/* What the reporters saw; shared by the client threads. */
struct ha_load {
	pthread_mutex_t	 mu;
	double		 t0, stop_at;
	double		 kill_at;	/* 0 until the primary is killed */
	double		 first_ok_after_kill;	/* started after the kill */
	double		 last_err;	/* last failed submission */
	double		 longest;	/* slowest submission begun after kill */
	char		 (*receipt)[24];
	char		 (*marker)[32];
	long		 nrec;
	long		 sub_ok, sub_err, login_ok, login_err;
	long		 err_during_failover;
	long		 seq;
};

static double
ha_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
ha_sh(const char *fmt, ...)
{
	va_list	 ap;
	char	 cmd[4096];
	int	 st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

static int
ha_port_free(int port)
{
	struct sockaddr_in	sin;
	int			fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return (ok);
}

/* Four consecutive free ports: monitor, two nodes, the balancer. */
static int
ha_pick_ports(void)
{
	int	i, base;

	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (i = 0; i < 200; i++) {
		base = 20000 + rand() % 30000;
		if (ha_port_free(base) && ha_port_free(base + 1) &&
		    ha_port_free(base + 2) && ha_port_free(base + 3))
			return (base);
	}
	return (-1);
}

static void
ha_conninfo(const struct ha *h, const char *user, char *out, size_t cap)
{
	/* IP addresses only: libpq never resolves a name on the loop. */
	snprintf(out, cap, "host=127.0.0.1,127.0.0.1 port=%d,%d dbname=meldpunt "
	    "user=%s target_session_attrs=read-write connect_timeout=2",
	    h->base + 1, h->base + 2, user);
}

static void
ha_cluster_start(struct ha *h)
{
	char	 ci[1024];
	PGconn	*su;
	FILE	*msgs;
	char	*buf = NULL;
	size_t	 len = 0;
	int	 rc;

	snprintf(h->dir, sizeof(h->dir), "%s/ha-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	cr_assert_eq(mkdir(h->dir, 0755), 0);
	cr_assert_gt(h->base = ha_pick_ports(), 0);
	h->lb_port = h->base + 3;
	cr_assert_eq(ha_sh("%s/deploy/ha/pgha.sh start '%s' %d >'%s/pgha.out' "
	    "2>&1", getenv("MELDPUNT_TOP"), h->dir, h->base, h->dir), 0,
	    "pgha start failed, see %s", h->dir);
	/* Migrations as the cluster's superuser, on the primary's socket. */
	snprintf(ci, sizeof(ci), "host=%s/sock port=%d dbname=meldpunt user=%s",
	    h->dir, h->base + 1, getenv("PGUSER"));
	su = PQconnectdb(ci);
	cr_assert_eq(PQstatus(su), CONNECTION_OK, "superuser connect");
	cr_assert_not_null(msgs = open_memstream(&buf, &len));
	rc = migrate_apply(su, testdb_schema_dir(), msgs, NULL);
	fclose(msgs);
	cr_assert_eq(rc, 0, "migrate: %s", buf);
	free(buf);
	PQfinish(su);
}

static void
ha_haproxy_start(struct ha *h)
{
	char	 cfg[700], pidf[700];
	FILE	*fp;
	int	 i;

	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", h->dir);
	snprintf(pidf, sizeof(pidf), "%s/haproxy.pid", h->dir);
	cr_assert_not_null(fp = fopen(cfg, "w"));
	/*
	 * deploy/haproxy.cfg with the test's ports.  No `log` lines: HAProxy
	 * logs client addresses, which meldpunt never keeps (DESIGN §1.2).
	 */
	fprintf(fp, "global\n\tmaxconn 4000\n"
	    "defaults\n\tmode tcp\n\ttimeout connect 2s\n\ttimeout client 30s\n"
	    "\ttimeout server 30s\n\tretries 2\n\toption redispatch\n"
	    "frontend public\n\tbind 127.0.0.1:%d\n\tdefault_backend meldpuntd\n"
	    "backend meldpuntd\n\tbalance leastconn\n"
	    "\toption httpchk GET /readyz\n\thttp-check expect status 200\n"
	    "\ttimeout check 3s\n"
	    "\tdefault-server check check-ssl verify none check-send-proxy "
	    "send-proxy-v2 inter 1s fall 3 rise 2\n"
	    "\tserver pub1 127.0.0.1:%d\n\tserver pub2 127.0.0.1:%d\n",
	    h->lb_port, h->pub[0].port, h->pub[1].port);
	fclose(fp);
	h->haproxy = fork();
	cr_assert_neq(h->haproxy, -1);
	if (h->haproxy == 0) {
		int null = open("/dev/null", 0);

		dup2(null, 0);
		execlp("haproxy", "haproxy", "-db", "-f", cfg, (char *)NULL);
		_exit(127);
	}
	/* Ready when a request through it reaches a ready daemon. */
	for (i = 0; i < 100; i++) {
		struct tcl_resp	r;

		if (tcl_request(h->lb_port, "GET", "/readyz", NULL, NULL,
		    &r) == 0) {
			int st = r.status;

			tcl_resp_clear(&r);
			if (st == 200)
				return;
		}
		usleep(200000);
	}
	cr_assert_fail("haproxy never forwarded to a ready daemon");
}

static void
ha_stack_start(struct ha *h)
{
	char		 conf[4096], ci[1024], extra[1024];
	struct tstack	*t = &h->t;
	int		 i;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/stack", h->dir);
	cr_assert_eq(mkdir(t->dir, 0700), 0);
	snprintf(t->keys, sizeof(t->keys), "%s/keys", t->dir);
	snprintf(t->seal, sizeof(t->seal), "%s/%s", t->keys, INIT_F_TOTP_SEAL);
	ha_conninfo(h, "mp_admin", t->admin_ci, sizeof(t->admin_ci));
	tstack_keys(t);
	tstack_add_user(t, &h->handler, "ha_handler", "handler",
	    "correct horse battery ha", "labour");

	snprintf(extra, sizeof(extra), "proxy_protocol = yes\n"
	    "reporter_session_key = %s/%s\n", t->keys, INIT_F_RSESSION);
	tstack_public_conf(t, extra, conf, sizeof(conf));
	ha_conninfo(h, "mp_public", ci, sizeof(ci));
	for (i = 0; i < 2; i++)
		cr_assert_eq(tdaemon_start(&h->pub[i], "public", ci, conf), 0,
		    "public meldpuntd %d did not start (%s)", i, h->pub[i].log);
	tstack_staff_conf(t, NULL, conf, sizeof(conf));
	ha_conninfo(h, "mp_staff", ci, sizeof(ci));
	cr_assert_eq(tdaemon_start(&t->staff, "staff", ci, conf), 0,
	    "staff meldpuntd did not start (%s)", t->staff.log);
	t->staff_up = 1;
	t->pub = h->pub[1];
}

static void
ha_stop(struct ha *h)
{
	int	i;

	if (h->haproxy > 0) {
		kill(h->haproxy, SIGTERM);
		waitpid(h->haproxy, NULL, 0);
		h->haproxy = 0;
	}
	for (i = 0; i < 2; i++)
		if (h->pub[i].pid > 0) {
			(void)tdaemon_stop(&h->pub[i]);
			h->pub[i].pid = 0;
		}
	if (h->t.staff_up)
		(void)tdaemon_stop(&h->t.staff);
	h->t.staff_up = 0;
	if (h->dir[0] != '\0')
		(void)ha_sh("%s/deploy/ha/pgha.sh stop '%s' >/dev/null 2>&1",
	    getenv("MELDPUNT_TOP"), h->dir);
}

/* ---- the reporters ---------------------------------------------------- */

static struct ha	*ha_g;
static struct ha_load	 ha_l;

/* Runs after the test, also when an assertion ended it early. */
static void
ha_fini(void)
{
	if (ha_g != NULL)
		ha_stop(ha_g);
}

/* 127.1.0.1 ...: a fresh reporter for every request n. */
static void
ha_source(long n, char addr[INET_ADDRSTRLEN])
{
	snprintf(addr, INET_ADDRSTRLEN, "127.1.%ld.%ld", (n / 250) % 250,
	    n % 250 + 1);
}

/*
 * One request's outcome; began is when it was sent.  The failover is
 * over for submissions at the first success sent after the last failure
 * (a request sent before the kill and answered after it proves nothing).
 */
static void
ha_outcome(int ok, int submission, double began)
{
	double	now = ha_now();

	pthread_mutex_lock(&ha_l.mu);
	if (submission)
		ok ? ha_l.sub_ok++ : ha_l.sub_err++;
	else
		ok ? ha_l.login_ok++ : ha_l.login_err++;
	if (ha_l.kill_at > 0 && began >= ha_l.kill_at) {
		if (!ok) {
			ha_l.err_during_failover++;
			if (submission) {
				ha_l.last_err = now;
				ha_l.first_ok_after_kill = 0;
			}
		}
		if (ok && submission && ha_l.first_ok_after_kill == 0 &&
		    began >= ha_l.last_err)
			ha_l.first_ok_after_kill = now;
		if (submission && now - began > ha_l.longest)
			ha_l.longest = now - began;
	}
	pthread_mutex_unlock(&ha_l.mu);
}

static int
ha_submit(long n)
{
	char		 body[512], marker[32], src[INET_ADDRSTRLEN];
	struct tcl_resp	 r;
	json_t		*j;
	const char	*rc;
	int		 ok = 0;

	snprintf(marker, sizeof(marker), "ha-marker-%06ld", n);
	snprintf(body, sizeof(body), "{\"category\":\"labour_discrimination\","
	    "\"subtype\":\"recruitment\",\"answers\":{\"ground\":\"origin\"},"
	    "\"report\":{\"narrative\":\"%s\"},\"lang\":\"en\"}", marker);
	ha_source(n, src);
	if (tcl_request_from(src, ha_g->lb_port, "POST", "/v1/reports",
	    "Content-Type: application/json\r\n", body, &r) == -1)
		return (0);
	if (r.status == 201 && (j = json_loads(r.body, 0, NULL)) != NULL) {
		if ((rc = json_string_value(json_object_get(j, "receipt"))) !=
		    NULL) {
			pthread_mutex_lock(&ha_l.mu);
			if (ha_l.nrec < HA_MAXREC) {
				snprintf(ha_l.receipt[ha_l.nrec], 24, "%s", rc);
				snprintf(ha_l.marker[ha_l.nrec], 32, "%s",
				    marker);
				ha_l.nrec++;
			}
			pthread_mutex_unlock(&ha_l.mu);
			ok = 1;
		}
		json_decref(j);
	}
	tcl_resp_clear(&r);
	return (ok);
}

/* The status of this thread's last receipt login (diagnostics). */
static _Thread_local int ha_login_status;

/* Log in with receipt through port; the bearer token or NULL. */
static char *
ha_login(int port, const char *receipt, long n)
{
	char		 body[128], *tok = NULL, src[INET_ADDRSTRLEN];
	struct tcl_resp	 r;
	json_t		*j;

	snprintf(body, sizeof(body), "{\"receipt\":\"%s\"}", receipt);
	ha_source(n, src);
	ha_login_status = -1;
	if (tcl_request_from(src, port, "POST", "/v1/reporter/session",
	    "Content-Type: application/json\r\n", body, &r) == -1)
		return (NULL);
	ha_login_status = r.status;
	if (r.status == 200 && (j = json_loads(r.body, 0, NULL)) != NULL) {
		if (json_is_string(json_object_get(j, "token")))
			tok = strdup(json_string_value(json_object_get(j,
			    "token")));
		json_decref(j);
	}
	tcl_resp_clear(&r);
	return (tok);
}

static int
ha_case_status(int port, const char *tok)
{
	char		 hdr[400];
	struct tcl_resp	 r;
	int		 st;

	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", tok);
	if (tcl_request(port, "GET", "/v1/reporter/case", hdr, NULL, &r) == -1)
		return (-1);
	st = r.status;
	tcl_resp_clear(&r);
	return (st);
}

static void *
ha_client(void *arg)
{
	long	 n, pick;
	char	 receipt[24], *tok;
	unsigned seed = (unsigned)(long)arg;
	double	 began;

	while (ha_now() < ha_l.stop_at) {
		pthread_mutex_lock(&ha_l.mu);
		n = ha_l.seq++;
		pick = ha_l.nrec > 0 ? (long)(rand_r(&seed) % ha_l.nrec) : -1;
		if (pick >= 0)
			memcpy(receipt, ha_l.receipt[pick], sizeof(receipt));
		pthread_mutex_unlock(&ha_l.mu);
		began = ha_now();
		if (n % 3 != 2 || pick < 0) {
			ha_outcome(ha_submit(n), 1, began);
			continue;
		}
		tok = ha_login(ha_g->lb_port, receipt, n);
		ha_outcome(tok != NULL &&
		    ha_case_status(ha_g->lb_port, tok) == 200, 0, began);
		free(tok);
	}
	return (NULL);
}

/* ---- after the run ---------------------------------------------------- */

/* Every acknowledged receipt logs in and shows its case. */
static long
ha_verify_receipts(struct ha *h)
{
	char	*tok;
	long	 i, ok = 0;
	int	 st = 0;

	for (i = 0; i < ha_l.nrec; i++) {
		int	 try;

		/*
		 * A 401 means the receipt is unknown: lost.  Anything else
		 * (a refused connection, a 503) is the service, not the
		 * report, so it is tried again a few times.
		 */
		for (try = 0; try < 5; try++) {
			tok = ha_login(h->lb_port, ha_l.receipt[i],
			    1000000 + i * 5 + try);
			st = tok != NULL ? ha_case_status(h->lb_port, tok) : 0;
			free(tok);
			if (st == 200 || ha_login_status == 401)
				break;
			sleep(1);
		}
		if (st == 200)
			ok++;
		else
			fprintf(stderr, "ha: receipt %ld does not open (login %d, "
			    "case %d)\n", i, ha_login_status, st);
	}
	return (ok);
}

/* The handler reads every case of the queue; count acknowledged markers. */
static long
ha_verify_handler(struct ha *h)
{
	char	 code[8], path[256], *seen, *after = NULL;
	json_t	*j, *c, *cases;
	size_t	 k;
	long	 i, found = 0;
	int	 st;

	tstack_code(&h->handler, time(NULL), code);
	cr_assert_eq(tstack_login(&h->t, &h->handler, h->handler.password,
	    code), 201);
	cr_assert_not_null(seen = calloc(ha_l.nrec + 1, 1));
	for (;;) {
		snprintf(path, sizeof(path), "/v1/staff/cases?queue=labour&"
		    "limit=100%s%s", after ? "&after=" : "", after ? after : "");
		free(after);
		after = NULL;
		cr_assert_eq(tstack_req(&h->t, 1, "GET", path,
		    h->handler.token, NULL, &j), 200);
		cases = json_object_get(j, "cases");
		json_array_foreach(cases, k, c) {
			json_t	*one;
			const char *nar;

			snprintf(path, sizeof(path), "/v1/staff/case?id=%s",
			    json_string_value(json_object_get(c, "id")));
			st = tstack_req(&h->t, 1, "GET", path,
			    h->handler.token, NULL, &one);
			cr_assert_eq(st, 200);
			nar = json_string_value(json_object_get(
			    json_object_get(one, "content"), "narrative"));
			for (i = 0; nar != NULL && i < ha_l.nrec; i++)
				if (!seen[i] && strcmp(nar, ha_l.marker[i]) == 0) {
					seen[i] = 1;
					found++;
					break;
				}
			json_decref(one);
		}
		if (json_is_string(json_object_get(j, "next")))
			after = strdup(json_string_value(json_object_get(j,
			    "next")));
		json_decref(j);
		if (after == NULL)
			break;
	}
	free(seen);
	return (found);
}

Test(ha, primary_killed_under_load_loses_no_acknowledged_report,
    .timeout = 900, .fini = ha_fini)
{
	static struct ha h;
	pthread_t	 th[HA_CLIENTS];
	const char	*e = getenv("MELDPUNT_HA_SECONDS");
	double		 secs = e != NULL ? atof(e) : 16, recover;
	long		 receipts_ok, handler_ok, i;
	char		*tok, *tok4[4];

	memset(&h, 0, sizeof(h));
	ha_g = &h;
	memset(&ha_l, 0, sizeof(ha_l));
	pthread_mutex_init(&ha_l.mu, NULL);
	cr_assert_not_null(ha_l.receipt = calloc(HA_MAXREC, 24));
	cr_assert_not_null(ha_l.marker = calloc(HA_MAXREC, 32));

	ha_cluster_start(&h);
	ha_stack_start(&h);
	ha_haproxy_start(&h);	/* also makes the TLS context, before threads */

	ha_l.t0 = ha_now();
	ha_l.stop_at = ha_l.t0 + secs;
	for (i = 0; i < HA_CLIENTS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, ha_client,
		    (void *)(i + 1)), 0);
	sleep((unsigned)(secs / 4 > 2 ? secs / 4 : 2));
	pthread_mutex_lock(&ha_l.mu);
	ha_l.kill_at = ha_now();
	pthread_mutex_unlock(&ha_l.mu);
	cr_assert_eq(ha_sh("%s/deploy/ha/pgha.sh kill-primary '%s' >>'%s/pgha.out'"
	    " 2>&1", getenv("MELDPUNT_TOP"), h.dir, h.dir), 0);
	for (i = 0; i < HA_CLIENTS; i++)
		pthread_join(th[i], NULL);
	/* The load may end before the new primary took its first write. */
	for (i = 0; i < 60 && ha_l.first_ok_after_kill == 0; i++) {
		double began = ha_now();

		ha_outcome(ha_submit(ha_l.seq++), 1, began);
		if (ha_l.first_ok_after_kill == 0)
			sleep(1);
	}
	cr_assert_gt(ha_l.first_ok_after_kill, 0,
	    "submissions never succeeded again after the failover");
	recover = ha_l.first_ok_after_kill - ha_l.kill_at;
	/* The new primary settled (wait_primary: no standby left). */
	cr_assert_eq(ha_sh("%s/deploy/ha/pgha.sh wait '%s' 120 1 >>'%s/pgha.out' "
	    "2>&1", getenv("MELDPUNT_TOP"), h.dir, h.dir), 0);

	receipts_ok = ha_verify_receipts(&h);
	handler_ok = ha_verify_handler(&h);
	fprintf(stderr, "\nha: failover under load (%d clients, %.0f s, primary "
	    "killed at %.1f s)\n"
	    "| acknowledged | receipts verified | read by handler | lost | "
	    "client errors in failover | submissions succeed again after | "
	    "slowest submission in failover |\n"
	    "|---:|---:|---:|---:|---:|---:|---:|\n"
	    "| %ld | %ld | %ld | %ld | %ld | %.1f s | %.1f s |\n"
	    "(submissions ok %ld / failed %ld; receipt logins ok %ld / failed "
	    "%ld)\n", HA_CLIENTS, secs, ha_l.kill_at - ha_l.t0, ha_l.nrec,
	    receipts_ok, handler_ok, ha_l.nrec - receipts_ok,
	    ha_l.err_during_failover, recover, ha_l.longest, ha_l.sub_ok,
	    ha_l.sub_err,
	    ha_l.login_ok, ha_l.login_err);
	cr_assert_gt(ha_l.nrec, 0);
	cr_assert_eq(receipts_ok, ha_l.nrec, "acknowledged reports were lost");
	cr_assert_eq(handler_ok, ha_l.nrec,
	    "a handler cannot read every acknowledged report");

	/*
	 * Lose a public daemon: sessions made through the balancer (with
	 * both daemons idle, leastconn alternates, so some were made on the
	 * one that dies) go on working on the other, since sessions are
	 * sealed tokens any public process opens (rsession.h; that one
	 * process opens another's tokens is shown deterministically by
	 * tests/e2e/test_rsession.c).  The daemons only take connections
	 * with a PROXY header, so everything goes through HAProxy.
	 */
	for (i = 0; i < 4; i++)
		cr_assert_not_null(tok4[i] = ha_login(h.lb_port,
		    ha_l.receipt[i % ha_l.nrec], 2000000 + i),
		    "login %ld through the balancer: %d", i, ha_login_status);
	kill(h.pub[0].pid, SIGKILL);
	waitpid(h.pub[0].pid, NULL, 0);
	h.pub[0].pid = 0;
	for (i = 0; i < 12; i++)
		cr_assert_eq(ha_case_status(h.lb_port, tok4[i % 4]), 200,
		    "a session did not survive its public daemon (request %ld)",
		    i);
	for (i = 0; i < 4; i++)
		free(tok4[i]);
	cr_assert_not_null(tok = ha_login(h.lb_port, ha_l.receipt[0], 2000010));
	free(tok);

	free(ha_l.receipt);
	free(ha_l.marker);

	/* Stopping the topology stops it: no keeper (which would restart
	 * PostgreSQL) outlives `pgha.sh stop`. */
	ha_stop(&h);
	/* Anchored as pgha.sh does, so that neither the runuser wrapper nor
	 * the shell running this pgrep (whose command line holds the
	 * pattern) matches. */
	cr_assert_neq(ha_sh("pgrep -f '^[^ ]*pg_autoctl run --pgdata %s/' "
	    ">/dev/null", h.dir), 0, "a pg_autoctl keeper of %s is still "
	    "running after pgha.sh stop", h.dir);
}
