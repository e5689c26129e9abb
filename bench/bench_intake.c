/*
 * Submission and receipt-login throughput against the Argon2id bound
 * (DESIGN section 8: at least 90% of cores / seconds-per-hash, measured in
 * the same run, with zero errors at 64 concurrent clients; overload beyond
 * that answered quickly with 503, not queued without bound), and issue 20:
 * the bound is the *fast* one, libsodium's vectorised Argon2id that the
 * daemon hashes with, not the portable libargon2 reference.
 *
 *  1. Both bounds at the daemon's receipt parameters (m=19456 KiB, t=2,
 *     p=1), with the same code the daemon runs (secret_argon2id_fast() and
 *     secret_argon2id_ref()): seconds per hash on one thread, and the rate
 *     with one thread per core hashing at once, right before and right
 *     after each load phase.
 *  2. POST /v1/reports (plaintext; the server seals, draws a receipt, runs
 *     one Argon2id and commits) from 64 keep-alive TLS clients.
 *  3. POST /v1/reporter/session with the receipts of step 2 (one Argon2id
 *     each) from 64 clients, each from a fresh loopback source address
 *     (127.x.y.z) replaced after 4 logins, so that the per-source login
 *     limiter (5 free attempts per source) sees many reporters.
 *  3b. Steps 2 and 3 against a daemon on CPUs of its own, PostgreSQL and
 *     the load generator on the others (benv_split_cpus(): on 2 cores one
 *     each), the bound measured on the daemon's CPUs -- a host that runs
 *     only meldpuntd, with the database on its own host as in production
 *     -- and then submissions sealed in the client, as the reference page
 *     sends them (pl_seal_fill()).
 *  Each of these phases runs on a fresh daemon whose shutdown line gives
 *  the CPU time one Argon2id took on its workers during the phase: the
 *  in-phase bound (print_phases()).
 *  4. Overload: a second daemon with worker_queue = 8 takes the same 64
 *     clients; the excess must get 503 at once.  A client that gets 503
 *     waits 100 ms before its next request (it would honour Retry-After).
 *  5. GlobaLeaks' receipt cost, m=131072 KiB (128 MiB), t=16, with 8
 *     clients against the default 10 s request deadline, then against a
 *     60 s one: no hash may be computed for a request already answered
 *     (the daemon's counters), and every refusal must be a fast 503 with
 *     Retry-After.
 *
 * Own cluster (fsync on, as in production) and daemons under /tmp; loopback
 * only; each phase bounded by MELDPUNT_BENCH_SECONDS (default 15) and a
 * request cap.
 */
#include <pthread.h>
#include <sys/wait.h>

#include <sodium.h>

#include "crypto/secret.h"
#include "bench/bound.h"
#include "bench/pubload.h"

#define CLIENTS		64
#define HEAVY_CLIENTS	8
#define M_KIB		19456
#define T_COST		2
#define HEAVY_M_KIB	131072
#define HEAVY_T		16

/* Both bounds, all cores of on (NULL: all), at the default cost:
 * b[IMPL_FAST], b[IMPL_REF]. */
static void
bounds_on(double b[2], long ncpu, const cpu_set_t *on)
{
	b[IMPL_FAST] = hash_rate_on(IMPL_FAST, M_KIB, T_COST, (int)ncpu, 2000,
	    on);
	b[IMPL_REF] = hash_rate_on(IMPL_REF, M_KIB, T_COST, (int)ncpu, 2000,
	    on);
}

struct cpu {
	double	d, pg, self, t0;
};

static void
cpu_begin(struct cpu *c, struct benv *e, pid_t pid)
{
	c->d = benv_cpu_ms(pid);
	c->pg = benv_pg_cpu_ms(e);
	c->self = benv_self_cpu_ms();
	c->t0 = lg_now_ms();
}

static void
cpu_end(struct cpu *c, struct benv *e, pid_t pid)
{
	c->d = benv_cpu_ms(pid) - c->d;
	c->pg = benv_pg_cpu_ms(e) - c->pg;
	c->self = benv_self_cpu_ms() - c->self;
	c->t0 = lg_now_ms() - c->t0;
}

static long
errors_of(const struct pl *p)
{
	return ((long)(p->s503.n + p->other.n) + p->failed);
}

static void
row(const char *name, struct pl *p, const struct lg_result *r,
    const double bound[2])
{
	char	st[256];
	double	rate = r->wall_ms > 0 ? p->ok.n / (r->wall_ms / 1e3) : 0;

	pl_statuses(p, st, sizeof(st));
	printf("| %s | %d | %ld | %zu | %ld | %.1f | %.1f | **%.0f%%** | "
	    "%.1f | %.0f%% | %.0f | %.0f | %.0f | %s |\n", name, CLIENTS,
	    r->sent, p->ok.n, errors_of(p), rate, bound[IMPL_FAST],
	    100 * rate / bound[IMPL_FAST], bound[IMPL_REF],
	    100 * rate / bound[IMPL_REF], lat_pct(&p->ok, 50),
	    lat_pct(&p->ok, 99), lat_pct(&p->ok, 100), st);
}

/*
 * Stop a daemon (waiting for a running hash, however slow) and read its
 * shutdown counters: hashed, hashed for an answered request, dropped,
 * refused; the mean duration of a hashing job on its worker, and the CPU
 * time of one Argon2id on its thread (0 when the line lacks it).  -1 when
 * the line is missing.
 */
static int
stop_counters(struct bdaemon *d, long c[4], double *mean_ms,
    double *cpu_ms)
{
	char	 line[512];
	FILE	*fp;
	int	 i, st, rc = -1;

	kill(d->pid, SIGTERM);
	for (i = 0; i < 1200 && waitpid(d->pid, &st, WNOHANG) != d->pid; i++)
		usleep(50000);
	if (i == 1200) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &st, 0);
	}
	d->pid = 0;
	if ((fp = fopen(d->log, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = strstr(line, "hashing jobs: ");

		if (p != NULL && sscanf(p, "hashing jobs: %ld hashed (%ld for "
		    "a request already answered), %ld dropped unstarted, %ld "
		    "refused on admission; %lf ms", &c[0], &c[1], &c[2], &c[3],
		    mean_ms) == 5) {
			rc = 0;
			if ((p = strstr(p, " ms per hash, ")) == NULL ||
			    sscanf(p, " ms per hash, %lf ms", cpu_ms) != 1)
				*cpu_ms = 0;
		}
	}
	fclose(fp);
	return (rc);
}


/* Step 5: GlobaLeaks' cost, 8 clients, a given request deadline. */
static void
heavy(struct benv *e, SSL_CTX *ctx, struct pl *p, double secs, long ncpu,
    int timeout_ms)
{
	struct bdaemon		 dh;
	struct lg_opts		 o;
	struct lg_result	 r;
	char			 conf[256], st[256];
	double			 fast, ref, mean = 0, cpu = 0;
	long			 c[4] = { 0, 0, 0, 0 };

	/* One thread per core hashing at once for 1.5 s after its warm-up
	 * hash (two or so timed hashes each), each implementation: the bound. */
	fast = hash_rate(IMPL_FAST, HEAVY_M_KIB, HEAVY_T, (int)ncpu, 1500);
	ref = hash_rate(IMPL_REF, HEAVY_M_KIB, HEAVY_T, (int)ncpu, 1500);
	snprintf(conf, sizeof(conf), "receipt_argon2_m_kib = %d\n"
	    "receipt_argon2_t = %d\nrequest_timeout_ms = %d\n", HEAVY_M_KIB,
	    HEAVY_T, timeout_ms);
	if (pl_start_daemon(e, &dh, timeout_ms == 10000 ? "heavy" : "heavy2",
	    conf) == -1)
		return;
	memset(&o, 0, sizeof(o));
	o.port = dh.port;
	o.nconn = HEAVY_CLIENTS;
	o.max_req = 2000;
	o.max_ms = (secs > 30 ? secs : 30) * 1e3;
	o.drain_ms = timeout_ms + 5000;
	o.make = pl_make;
	o.done = pl_done;
	o.u = p;
	o.backoff_503_ms = 1000;	/* Retry-After is at least 1 s */
	if (pl_reset_submit(p, dh.port) == -1)
		printf("(heavy daemon: no challenges)\n");
	lg_run(ctx, &o, &r);
	pl_statuses(p, st, sizeof(st));
	if (stop_counters(&dh, c, &mean, &cpu) == -1)
		printf("(heavy daemon: no counters in %s)\n", dh.log);
	printf("m = %d KiB, t = %d (GlobaLeaks' receipt cost), %d clients, "
	    "%ld workers, request_timeout_ms = %d, %.0f s of POST "
	    "/v1/reports (a client waits 1 s after a 503).  One thread per "
	    "core hashing at once: %.2f/s libsodium, %.2f/s libargon2; the "
	    "daemon measured "
	    "%.0f ms per hash.\n\n", HEAVY_M_KIB, HEAVY_T, HEAVY_CLIENTS, ncpu,
	    timeout_ms, o.max_ms / 1e3, fast, ref, mean);
	printf("| answer | count | p50 ms | p99 ms | max ms |\n"
	    "|---|---:|---:|---:|---:|\n");
	printf("| 201 accepted | %zu | %.0f | %.0f | %.0f |\n", p->ok.n,
	    lat_pct(&p->ok, 50), lat_pct(&p->ok, 99), lat_pct(&p->ok, 100));
	printf("| 503 refused | %zu | %.1f | %.1f | %.1f |\n", p->s503.n,
	    lat_pct(&p->s503, 50), lat_pct(&p->s503, 99),
	    lat_pct(&p->s503, 100));
	printf("| other | %zu | | | |\n\n", p->other.n + (size_t)p->failed);
	printf("statuses %s; accepted %.2f/s (%.0f%% of the fast bound); 503 "
	    "without Retry-After: %ld; daemon counters: %ld hashed, **%ld "
	    "hashed for a request already answered**, %ld dropped unstarted, "
	    "%ld refused on admission\n\n", st, r.wall_ms > 0 ? p->ok.n /
	    (r.wall_ms / 1e3) : 0, r.wall_ms > 0 && fast > 0 ? 100 * p->ok.n /
	    (r.wall_ms / 1e3) / fast : 0, r.s503_no_retry, c[0], c[1], c[2],
	    c[3]);
}

/*
 * Step 3b: the same two phases with the daemon on CPUs of its own and
 * PostgreSQL and the load generator on the others (benv_split_cpus(): on
 * 2 cores, one each), as in production, where the database has its own
 * host (docs/ha.md).  The bound is that of the daemon's CPUs, measured on
 * them, so the ratio says how much of its own Argon2id capacity the
 * public side turns into answered requests.  On the shared cores above,
 * PostgreSQL's CPU per submission is charged to the hash budget as well.
 */
/* One load phase on a fresh daemon (run_phases()). */
struct dphase {
	const char		*name;
	int			 kind;		/* DP_* */
	struct pl		 p;		/* its results (latencies) */
	struct lg_result	 r;
	struct cpu		 c;
	double			 b[2];		/* bound: around the phase */
	double			 hash_cpu_ms;	/* in the daemon, in the phase */
	long			 c4[4];
};

enum { DP_PLAIN, DP_LOGIN, DP_SEALED };

/*
 * Run one phase against a fresh daemon (pinned to dcpus unless NULL), so
 * that its shutdown counters -- among them the CPU time of one Argon2id
 * on its worker threads -- belong to this phase alone.  p carries the
 * receipts from one phase to the next; its latencies move into ph->p.
 */
static int
dphase_run(struct benv *e, SSL_CTX *ctx, struct pl *p, double secs,
    cpu_set_t *dcpus, struct dphase *ph)
{
	struct bdaemon	 dd;
	struct lg_opts	 o;
	double		 mean = 0;
	int		 i;

	e->dcpus = dcpus;
	i = pl_start_daemon(e, &dd, dcpus != NULL ? "dedicated" : "public",
	    NULL);
	e->dcpus = NULL;
	if (i == -1)
		return (-1);
	if (ph->kind == DP_LOGIN)
		pl_reset(p, PL_LOGIN);
	else if ((ph->kind == DP_SEALED && pl_seal_fill(p, dd.port) == -1) ||
	    pl_reset_submit(p, dd.port) == -1) {
		bdaemon_stop(&dd);
		return (-1);
	}
	pl_opts(&o, p, dd.port, CLIENTS, secs);	/* logins: many sources */
	cpu_begin(&ph->c, e, dd.pid);
	lg_run(ctx, &o, &ph->r);
	cpu_end(&ph->c, e, dd.pid);
	if (stop_counters(&dd, ph->c4, &mean, &ph->hash_cpu_ms) == -1)
		ph->hash_cpu_ms = 0;
	if (ph->kind == DP_SEALED)
		pl_unseal(p);
	memcpy(&ph->p, p, sizeof(ph->p));
	memset(&p->ok, 0, sizeof(p->ok));
	memset(&p->s503, 0, sizeof(p->s503));
	memset(&p->other, 0, sizeof(p->other));
	return (0);
}

static int
dphase_met(const struct dphase *ph)
{
	return (ph->p.ok.n >= 0.9 * ph->b[IMPL_FAST] * ph->r.wall_ms / 1e3 &&
	    errors_of(&ph->p) == 0);
}

/*
 * The phases in turn, the bound (nd hashing threads on dcpus, or on every
 * core) measured before the first and after each: b[0..n].  A phase's
 * bound is the mean of the two around it, so that other load on a shared
 * machine weighs on both sides of the ratio alike.
 */
static int
run_phases(struct benv *e, SSL_CTX *ctx, struct pl *p, double secs,
    cpu_set_t *dcpus, long nd, struct dphase *ph, int n, double b[][2])
{
	int	i, k;

	bounds_on(b[0], nd, dcpus);
	for (k = 0; k < n; k++) {
		if (dphase_run(e, ctx, p, secs, dcpus, &ph[k]) == -1)
			return (-1);
		bounds_on(b[k + 1], nd, dcpus);
		for (i = 0; i < 2; i++)
			ph[k].b[i] = (b[k][i] + b[k + 1][i]) / 2;
	}
	return (0);
}

/*
 * The results of run_phases(): throughput against the bound, the budget
 * line, and where the CPU went with the in-phase bound -- the daemon's
 * CPUs (nd, of ncpu) divided by the CPU time one Argon2id took on its
 * workers while the load ran.  On a shared machine, where other tenants
 * move one core's hash rate by 10-20% within minutes, that one is
 * measured at the same moment as the throughput and says what the daemon
 * spends beside its hashes; it does not excuse a hash slowed by the
 * daemon's own other work (the loop thread's use of the caches), which it
 * counts as hashing.
 */
static void
print_phases(const char *where, struct dphase *ph, int n, long nd,
    long ncpu)
{
	int	k;

	printf("| workload | clients | sent | ok | errors | ok/s | fast bound/s "
	    "| of fast bound | reference bound/s | of reference | p50 ms | "
	    "p99 ms | max ms | statuses |\n"
	    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	    "---|\n");
	for (k = 0; k < n; k++)
		row(ph[k].name, &ph[k].p, &ph[k].r, ph[k].b);
	printf("\nbudget (DESIGN §8, issue 20) %s: ok/s >= 90%% of the fast "
	    "bound, 0 errors at %d clients:", where, CLIENTS);
	for (k = 0; k < n; k++)
		printf("%s %s %s", k > 0 ? ";" : "", ph[k].kind == DP_LOGIN ?
		    "logins" : ph[k].kind == DP_SEALED ? "sealed submissions" :
		    "plaintext submissions", dphase_met(&ph[k]) ? "met" :
		    "NOT met");
	printf("\n\n| workload | wall s | meldpuntd ms/req | its CPUs busy | "
	    "all CPUs busy | Argon2id CPU ms in the phase | in-phase bound/s | "
	    "of in-phase bound | PostgreSQL ms/req | load generator ms/req | "
	    "hashed for an answered request |\n"
	    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (k = 0; k < n; k++) {
		const struct cpu	*c = &ph[k].c;
		double			 m = (double)ph[k].p.ok.n, ib, rate;

		ib = ph[k].hash_cpu_ms > 0 ? nd * 1e3 / ph[k].hash_cpu_ms : 0;
		rate = ph[k].r.wall_ms > 0 ? m / (ph[k].r.wall_ms / 1e3) : 0;
		printf("| %s | %.1f | %.2f | %.0f%% | %.0f%% | %.2f | %.1f | "
		    "%.0f%% | %.2f | %.2f | %ld |\n", ph[k].name, c->t0 / 1e3,
		    m > 0 ? c->d / m : 0, 100 * c->d / (nd * c->t0), 100 *
		    (c->d + c->pg + c->self) / (ncpu * c->t0),
		    ph[k].hash_cpu_ms, ib, ib > 0 ? 100 * rate / ib : 0,
		    m > 0 ? c->pg / m : 0, m > 0 ? c->self / m : 0,
		    ph[k].c4[1]);
	}
	printf("\n");
}

#define PH_PLAIN	"POST /v1/reports (plaintext)"
#define PH_LOGIN	"POST /v1/reporter/session (new 127.x.y.z every 4)"
#define PH_SEALED	"POST /v1/reports (sealed in the client)"

/*
 * Step 3b: the three phases with the daemon on CPUs of its own and
 * PostgreSQL and the load generator on the others (benv_split_cpus(): on
 * 2 cores, one each), as in production, where the database has its own
 * host (docs/ha.md).  The bound is that of the daemon's CPUs, measured on
 * them, so the ratio says how much of its own Argon2id capacity the
 * public side turns into answered requests.
 */
static int
dedicated(struct benv *e, SSL_CTX *ctx, struct pl *p, double secs,
    long ncpu)
{
	cpu_set_t	 side, dcpus, all;
	struct dphase	 ph[3] = {
		{ .name = PH_PLAIN, .kind = DP_PLAIN },
		{ .name = PH_LOGIN, .kind = DP_LOGIN },
		{ .name = PH_SEALED, .kind = DP_SEALED },
	};
	double		 b[4][2];
	long		 nd;

	if (benv_split_cpus(&side, &dcpus) == -1 ||
	    sched_getaffinity(0, sizeof(all), &all) == -1) {
		printf("dedicated CPUs: fewer than two CPUs, skipped\n\n");
		return (0);
	}
	nd = CPU_COUNT(&dcpus);
	if (sched_setaffinity(0, sizeof(side), &side) == -1 ||
	    benv_pin_pg(e, &side) == -1) {
		printf("dedicated CPUs: cannot set CPU affinity, skipped\n\n");
		return (0);
	}
	if (run_phases(e, ctx, p, secs, &dcpus, nd, ph, 3, b) == -1)
		return (-1);
	printf("The daemon on CPUs of its own: meldpuntd (%ld workers, its "
	    "default for the CPUs it may use) on %ld CPU(s), PostgreSQL and "
	    "the load generator on the other %d; a fresh daemon per phase.  "
	    "Bound = one hashing thread per daemon CPU, on those CPUs: fast "
	    "path %.1f / %.1f / %.1f / %.1f per s around the phases, libargon2 "
	    "%.1f / %.1f / %.1f / %.1f.\n\n", nd, nd, CPU_COUNT(&side),
	    b[0][IMPL_FAST], b[1][IMPL_FAST], b[2][IMPL_FAST], b[3][IMPL_FAST],
	    b[0][IMPL_REF], b[1][IMPL_REF], b[2][IMPL_REF], b[3][IMPL_REF]);
	print_phases("on the daemon's own CPUs", ph, 3, nd, ncpu);
	sched_setaffinity(0, sizeof(all), &all);
	benv_pin_pg(e, &all);
	return (0);
}

int
main(void)
{
	struct benv		 e;
	struct bdaemon		 dov;
	struct pl		 p;
	struct lg_opts		 o;
	struct lg_result	 ro;
	struct dphase		 ph[2] = {
		{ .name = PH_PLAIN, .kind = DP_PLAIN },
		{ .name = PH_LOGIN, .kind = DP_LOGIN },
	};
	SSL_CTX			*ctx;
	double			 secs = benv_seconds(15), r1[3], b[3][2],
				 la0 = benv_loadavg(), plain;
	long			 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char			 st[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (secret_init() == -1)
		return (1);
	if (benv_start(&e, "intake", 1) == -1 || pl_init(&p) == -1)
		return (1);
	ctx = lg_ctx();

	/*
	 * 1. One hash on one thread with each implementation (for the
	 * record), then, around each load phase, one thread per core hashing
	 * at once (run_phases()).
	 */
	r1[IMPL_FAST] = hash_rate(IMPL_FAST, M_KIB, T_COST, 1, 1500);
	r1[IMPL_REF] = hash_rate(IMPL_REF, M_KIB, T_COST, 1, 1500);
	r1[IMPL_PLAIN] = hash_rate(IMPL_PLAIN, M_KIB, T_COST, 1, 1500);
	plain = hash_rate(IMPL_PLAIN, M_KIB, T_COST, (int)ncpu, 2000);

	/* 2, 3. Submissions, then receipt logins with the receipts just
	 * issued, from many sources; daemon defaults (workers = CPUs,
	 * worker_queue = 64, receipt Argon2id m=19456 t=2 p=1). */
	if (run_phases(&e, ctx, &p, secs, NULL, ncpu, ph, 2, b) == -1)
		return (1);
	printf("Machine: %ld cores shared with other engineers' builds and "
	    "tests; 1-minute load average %.1f at the start.\n\n", ncpu, la0);
	printf("Argon2id m=%d KiB t=%d p=1, one thread: %.1f ms per hash "
	    "(libsodium, memory kept per thread: the daemon's fast path), "
	    "%.1f ms (libsodium called plainly, a fresh mapping per hash), "
	    "%.1f ms (libargon2); fast path %.2fx plain libsodium, %.2fx "
	    "libargon2.  All %ld cores hashing at once, before / between / "
	    "after the load phases: fast path %.1f / %.1f / %.1f per s, "
	    "libargon2 %.1f / %.1f / %.1f per s; plain libsodium %.1f per s "
	    "(before).  Everything on the same cores, a fresh daemon per "
	    "phase.\n\n", M_KIB, T_COST, 1e3 / r1[IMPL_FAST],
	    1e3 / r1[IMPL_PLAIN], 1e3 / r1[IMPL_REF],
	    r1[IMPL_FAST] / r1[IMPL_PLAIN], r1[IMPL_FAST] / r1[IMPL_REF], ncpu,
	    b[0][IMPL_FAST], b[1][IMPL_FAST], b[2][IMPL_FAST], b[0][IMPL_REF],
	    b[1][IMPL_REF], b[2][IMPL_REF], plain);
	print_phases("on all cores", ph, 2, ncpu, ncpu);
	if (dedicated(&e, ctx, &p, secs, ncpu) == -1)
		return (1);

	/* 4. Overload: a small worker queue. */
	if (pl_start_daemon(&e, &dov, "overload", "worker_queue = 8\n") == -1)
		return (1);
	if (pl_reset_submit(&p, dov.port) == -1)
		return (1);
	pl_opts(&o, &p, dov.port, CLIENTS, secs);
	o.max_ms = (secs < 10 ? secs : 10) * 1e3;
	o.backoff_503_ms = 100;
	lg_run(ctx, &o, &ro);
	pl_statuses(&p, st, sizeof(st));
	printf("overload: worker_queue = 8, %ld workers, %d clients, %.0f s of "
	    "POST /v1/reports; %.1f accepted/s (%.0f%% of the fast bound); "
	    "statuses %s; 503 without Retry-After: %ld\n\n", ncpu, CLIENTS,
	    o.max_ms / 1e3, ro.wall_ms > 0 ? p.ok.n / (ro.wall_ms / 1e3) : 0,
	    ro.wall_ms > 0 ? 100 * p.ok.n / (ro.wall_ms / 1e3) /
	    ph[1].b[IMPL_FAST] : 0, st, ro.s503_no_retry);
	printf("| answer | count | p50 ms | p99 ms | max ms |\n"
	    "|---|---:|---:|---:|---:|\n");
	printf("| 201 accepted | %zu | %.1f | %.1f | %.1f |\n", p.ok.n,
	    lat_pct(&p.ok, 50), lat_pct(&p.ok, 99), lat_pct(&p.ok, 100));
	printf("| 503 refused | %zu | %.2f | %.2f | %.2f |\n", p.s503.n,
	    lat_pct(&p.s503, 50), lat_pct(&p.s503, 99), lat_pct(&p.s503, 100));
	printf("| other | %zu | %.1f | %.1f | %.1f |\n\n", p.other.n + p.failed,
	    lat_pct(&p.other, 50), lat_pct(&p.other, 99), lat_pct(&p.other,
	    100));
	bdaemon_stop(&dov);

	/* 5. GlobaLeaks' cost: the default deadline, then one sized for it
	 * (docs/architecture.md: at least ~10 hashes). */
	heavy(&e, ctx, &p, secs, ncpu, 10000);
	heavy(&e, ctx, &p, secs, ncpu, 60000);
	printf("1-minute load average at the end: %.1f\n", benv_loadavg());
	SSL_CTX_free(ctx);
	/* A missed budget is reported above, not an exit status: load
	 * numbers on a shared 2-core machine are noisy. */
	return (0);
}
