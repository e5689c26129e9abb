/*
 * Scale-out on one host (issue 16): two public processes behind HAProxy
 * against one process, the same cores, the same Argon2id bound, one run.
 *
 *  1. The bound: one thread per core hashing at once with the daemon's
 *     fast path (secret_argon2id_fast()), before and after the load.
 *  2. One public process (workers = cores): 64 clients submit plaintext
 *     reports, then log in with the receipts (a fresh loopback source
 *     address every 4 logins, as in bench_intake).
 *  3. Two public processes (workers = cores / 2 each, proxy_protocol =
 *     yes) behind HAProxy in TCP mode with send-proxy-v2 and /readyz
 *     health checks -- deploy/haproxy.cfg's settings with local ports --
 *     the same two workloads through the balancer.
 * Each row gives ok/s against the bound and where the CPU went (the
 * daemons, PostgreSQL, HAProxy, this load generator).
 *  4. Steps 1-3 again with the daemons on CPUs of their own and
 *     PostgreSQL, HAProxy and the load generator on the others
 *     (benv_split_cpus(); on 2 cores one each), the bound measured on the
 *     daemons' CPUs: what a host that runs only meldpuntd (the database
 *     elsewhere, docs/ha.md) turns into answered requests.
 *
 * Own cluster (fsync on) and daemons under /tmp; loopback only; each phase
 * bounded by MELDPUNT_BENCH_SECONDS (default 15) and a request cap.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "crypto/secret.h"
#include "bench/bound.h"
#include "bench/pubload.h"

#define CLIENTS		64
#define M_KIB		19456
#define T_COST		2

/* Hashes per second, one thread per CPU of on (NULL: every core), for
 * about 2 s, on the daemon's fast path. */
static double
bound(long ncpu, const cpu_set_t *on)
{
	return (hash_rate_on(IMPL_FAST, M_KIB, T_COST, (int)ncpu, 2000, on));
}

static pid_t	haproxy_pid;

/* HAProxy on lb_port in front of the daemons' ports (deploy/haproxy.cfg). */
static int
haproxy_start(struct benv *e, int lb_port, const int port[2])
{
	char	 cfg[1100];
	FILE	*fp;

	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", e->tmp);
	if ((fp = fopen(cfg, "w")) == NULL)
		return (-1);
	/* No `log` lines: HAProxy logs client addresses (DESIGN §1.2). */
	fprintf(fp, "global\n\tmaxconn 8000\n"
	    "defaults\n\tmode tcp\n\ttimeout connect 2s\n\ttimeout client 60s\n"
	    "\ttimeout server 60s\n\tretries 2\n\toption redispatch\n"
	    "frontend public\n\tbind 127.0.0.1:%d\n\tdefault_backend meldpuntd\n"
	    "backend meldpuntd\n\tbalance leastconn\n"
	    "\toption httpchk GET /readyz\n\thttp-check expect status 200\n"
	    "\ttimeout check 3s\n"
	    "\tdefault-server check check-ssl verify none check-send-proxy "
	    "send-proxy-v2 inter 1s fall 3 rise 2\n"
	    "\tserver pub1 127.0.0.1:%d\n\tserver pub2 127.0.0.1:%d\n",
	    lb_port, port[0], port[1]);
	fclose(fp);
	if ((haproxy_pid = fork()) == -1)
		return (-1);
	if (haproxy_pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("haproxy", "haproxy", "-db", "-f", cfg, (char *)NULL);
		execl("/usr/sbin/haproxy", "haproxy", "-db", "-f", cfg,
		    (char *)NULL);
		_exit(127);
	}
	return (0);
}

/*
 * Ready when 20 requests in a row through the balancer load the form
 * (leastconn with one client alternates, so both daemons answered).
 */
static int
lb_ready(int port)
{
	struct lg_sync	 s;
	SSL_CTX		*ctx = lg_ctx();
	int		 i, run = 0;

	for (i = 0; i < 300 && run < 20; i++) {
		lg_sync_init(&s, ctx, port);
		if (lg_sync_req(&s, "GET", "/v1/forms?lang=en", NULL, NULL,
		    NULL, NULL) == 200)
			run++;
		else {
			run = 0;
			usleep(100000);
		}
		lg_sync_free(&s);
	}
	SSL_CTX_free(ctx);
	return (run >= 20 ? 0 : -1);
}

struct cpu {
	double	 d, pg, lb, self, t0;
};

static double
daemons_ms(const pid_t *pid, int n)
{
	double	ms = 0;
	int	i;

	for (i = 0; i < n; i++)
		ms += benv_cpu_ms(pid[i]);
	return (ms);
}

static void
cpu_begin(struct cpu *c, struct benv *e, const pid_t *pid, int n)
{
	c->d = daemons_ms(pid, n);
	c->pg = benv_pg_cpu_ms(e);
	c->lb = haproxy_pid > 0 ? benv_cpu_ms(haproxy_pid) : 0;
	c->self = benv_self_cpu_ms();
	c->t0 = lg_now_ms();
}

static void
cpu_end(struct cpu *c, struct benv *e, const pid_t *pid, int n)
{
	c->d = daemons_ms(pid, n) - c->d;
	c->pg = benv_pg_cpu_ms(e) - c->pg;
	c->lb = (haproxy_pid > 0 ? benv_cpu_ms(haproxy_pid) : 0) - c->lb;
	c->self = benv_self_cpu_ms() - c->self;
	c->t0 = lg_now_ms() - c->t0;
}

struct res {
	double		 rate;
	long		 ok, errors;
	double		 p99;
	struct cpu	 cpu;
	char		 st[256];
};

/* One load phase of 64 clients against port. */
static void
run(SSL_CTX *ctx, struct benv *e, struct pl *p, int port, int kind,
    double secs, const pid_t *pid, int npid, struct res *r)
{
	struct lg_opts		 o;
	struct lg_result	 lr;

	if (kind == PL_SUBMIT)
		(void)pl_reset_submit(p, port);
	else
		pl_reset(p, kind);
	pl_opts(&o, p, port, CLIENTS, secs);
	if (kind == PL_LOGIN)
		p->next = 0;
	cpu_begin(&r->cpu, e, pid, npid);
	lg_run(ctx, &o, &lr);
	cpu_end(&r->cpu, e, pid, npid);
	r->ok = (long)p->ok.n;
	r->errors = (long)(p->s503.n + p->other.n) + p->failed;
	r->rate = lr.wall_ms > 0 ? p->ok.n / (lr.wall_ms / 1e3) : 0;
	r->p99 = lat_pct(&p->ok, 99);
	pl_statuses(p, r->st, sizeof(r->st));
}

static void
row(const char *setup, const char *work, const struct res *r, double b,
    long ncpu, const cpu_set_t *on)
{
	const struct cpu	*c = &r->cpu;
	double			 n = r->ok > 0 ? (double)r->ok : 1;

	printf("| %s | %s | %ld | %ld | %.1f | %.1f | **%.0f%%** | %.0f | "
	    "%.2f | %.2f | %.2f | %.2f | %.0f%% | %s |\n", setup, work, r->ok,
	    r->errors, r->rate, b, 100 * r->rate / b, r->p99, c->d / n,
	    c->pg / n, c->lb / n, c->self / n, 100 * (on != NULL ? c->d :
	    c->d + c->pg + c->lb + c->self) / (ncpu * c->t0), r->st);
}

/*
 * One pass: the bound on the daemons' CPUs (on; NULL: all ncpu cores),
 * one process, then two behind HAProxy, and the table.  With on set the
 * daemons run there and PostgreSQL, HAProxy and this load generator on
 * the other CPUs (main() moved them).  0, or -1 when a daemon or HAProxy
 * did not start.
 */
static int
pass(struct benv *e, SSL_CTX *ctx, struct pl *p, double secs, long ncpu,
    const cpu_set_t *on)
{
	struct bdaemon	 one, two[2];
	struct res	 r1s, r1l, r2s, r2l;
	double		 b0, b1, b2;
	char		 extra[2048];
	int		 port[2], lb_port, half, i;
	pid_t		 pid[2];

	half = ncpu / 2 > 0 ? (int)ncpu / 2 : 1;
	e->dcpus = on;
	b0 = bound(ncpu, on);
	/* 2. One process, every core a worker (its default). */
	if (pl_start_daemon(e, &one, on ? "one-ded" : "one", NULL) == -1)
		return (-1);
	pid[0] = one.pid;
	run(ctx, e, p, one.port, PL_SUBMIT, secs, pid, 1, &r1s);
	run(ctx, e, p, one.port, PL_LOGIN, secs, pid, 1, &r1l);
	bdaemon_stop(&one);
	b1 = bound(ncpu, on);

	/* 3. Two processes behind HAProxy, the cores split between them. */
	/* One reporter-session key for both: it is also the key of the
	 * proof-of-work challenges, which either process may have issued. */
	snprintf(extra, sizeof(extra), "workers = %d\nproxy_protocol = yes\n"
	    "receipt_lookup_key = %s/receipt-lookup.key\n"
	    "contact_link_key = %s/contact-link.key\nmax_connections = 4096\n"
	    "reporter_session_key = %s/reporter-session.key\n" PL_POWCONF,
	    half, e->keys, e->keys, e->keys);
	for (i = 0; i < 2; i++) {
		if (bdaemon_start(e, &two[i], i == 0 ? (on ? "pub1-ded" :
		    "pub1") : (on ? "pub2-ded" : "pub2"), "public", "mp_public",
		    extra) == -1)
			return (-1);
		port[i] = two[i].port;
		pid[i] = two[i].pid;
	}
	e->dcpus = NULL;
	lb_port = benv_free_port();
	if (haproxy_start(e, lb_port, port) == -1 || lb_ready(lb_port) == -1) {
		fprintf(stderr, "bench_scale: HAProxy never forwarded to both "
		    "daemons (is haproxy installed? deploy/install-deps.sh)\n");
		if (haproxy_pid > 0)
			kill(haproxy_pid, SIGTERM);
		return (-1);
	}
	run(ctx, e, p, lb_port, PL_SUBMIT, secs, pid, 2, &r2s);
	run(ctx, e, p, lb_port, PL_LOGIN, secs, pid, 2, &r2l);
	kill(haproxy_pid, SIGTERM);
	waitpid(haproxy_pid, NULL, 0);
	haproxy_pid = 0;
	for (i = 0; i < 2; i++)
		bdaemon_stop(&two[i]);
	b2 = bound(ncpu, on);

	if (on == NULL)
		printf("**All processes on all %ld cores.**  Argon2id bound "
		    "(fast path, all cores at once, before / between / after): "
		    "%.1f / %.1f / %.1f hashes/s.  %d clients; logins from a "
		    "fresh 127.x.y.z every %d.\n\n", ncpu, b0, b1, b2, CLIENTS,
		    PL_LOGINS_PER_SRC);
	else
		printf("**The daemons on CPUs of their own** (%ld; PostgreSQL, "
		    "HAProxy and the load generator on the others, as with the "
		    "database on its own host).  Bound = one hashing thread per "
		    "daemon CPU, on those CPUs (before / between / after): "
		    "%.1f / %.1f / %.1f hashes/s; CPU busy counts the daemons' "
		    "CPUs only.\n\n", ncpu, b0, b1, b2);
	printf("| setup | workload | ok | errors | ok/s | bound/s | of bound | "
	    "p99 ms | meldpuntd ms/req | PostgreSQL ms/req | HAProxy ms/req | "
	    "load generator ms/req | CPU busy | statuses |\n"
	    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	    "---|\n");
	row("1 process", "POST /v1/reports", &r1s, (b0 + b1) / 2, ncpu, on);
	row("1 process", "POST /v1/reporter/session", &r1l, (b0 + b1) / 2,
	    ncpu, on);
	row("2 processes + HAProxy", "POST /v1/reports", &r2s, (b1 + b2) / 2,
	    ncpu, on);
	row("2 processes + HAProxy", "POST /v1/reporter/session", &r2l,
	    (b1 + b2) / 2, ncpu, on);
	printf("\ngoal (issue 16): >= 90%% of the bound with 0 errors, two "
	    "processes behind HAProxy%s: submissions %s, logins %s\n\n",
	    on ? ", daemons on CPUs of their own" : ", all on the same cores",
	    r2s.errors == 0 && r2s.rate >= 0.9 * (b1 + b2) / 2 ? "met" :
	    "NOT met", r2l.errors == 0 && r2l.rate >= 0.9 * (b1 + b2) / 2 ?
	    "met" : "NOT met");
	return (0);
}

int
main(void)
{
	struct benv	 e;
	struct pl	 p;
	SSL_CTX		*ctx;
	cpu_set_t	 side, dcpus, all;
	double		 secs = benv_seconds(15);
	long		 ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (secret_init() == -1 || ncpu < 1)
		return (1);
	if (benv_start(&e, "scale", 1) == -1 || pl_init(&p) == -1)
		return (1);
	ctx = lg_ctx();
	printf("Machine: %ld cores; 1-minute load average %.1f at the start "
	    "(/proc/loadavg).\n\n", ncpu, benv_loadavg());
	if (pass(&e, ctx, &p, secs, ncpu, NULL) == -1)
		return (1);
	/* The same with the daemons on CPUs of their own. */
	if (benv_split_cpus(&side, &dcpus) == -1 ||
	    sched_getaffinity(0, sizeof(all), &all) == -1 ||
	    sched_setaffinity(0, sizeof(side), &side) == -1 ||
	    benv_pin_pg(&e, &side) == -1)
		printf("(daemons on CPUs of their own: skipped, fewer than two "
		    "CPUs or no CPU affinity)\n");
	else {
		if (pass(&e, ctx, &p, secs, CPU_COUNT(&dcpus), &dcpus) == -1)
			return (1);
		sched_setaffinity(0, sizeof(all), &all);
		benv_pin_pg(&e, &all);
	}
	printf("1-minute load average at the end: %.1f\n", benv_loadavg());
	SSL_CTX_free(ctx);
	return (0);
}
