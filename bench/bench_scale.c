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
 *
 * Own cluster (fsync on) and daemons under /tmp; loopback only; each phase
 * bounded by MELDPUNT_BENCH_SECONDS (default 15) and a request cap.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "crypto/secret.h"
#include "bench/pubload.h"

#define CLIENTS		64
#define M_KIB		19456
#define T_COST		2

struct hasher {
	double			 until;
	long			 n;
};

static void *
hash_loop(void *arg)
{
	struct hasher		*h = arg;
	struct secret_kdf	 k = { M_KIB, T_COST, 1 };
	unsigned char		 out[32], salt[16] = "meldpunt-bench-s";
	char			 pwd[64];

	do {
		snprintf(pwd, sizeof(pwd), "4821 7730 %04ld 0062",
		    h->n % 10000);
		if (secret_argon2id_fast(&k, pwd, strlen(pwd), salt,
		    sizeof(salt), out, sizeof(out)) == -1)
			abort();
		h->n++;
	} while (lg_now_ms() < h->until && h->n < 100000);
	return (NULL);
}

/* Hashes per second, one thread per core, for about 2 s. */
static double
bound(long ncpu)
{
	pthread_t	 th[64];
	struct hasher	 h[64];
	double		 t0 = lg_now_ms();
	long		 n = 0;
	int		 i;

	for (i = 0; i < ncpu && i < 64; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].until = t0 + 2000;
		pthread_create(&th[i], NULL, hash_loop, &h[i]);
	}
	for (i = 0; i < ncpu && i < 64; i++) {
		pthread_join(th[i], NULL);
		n += h[i].n;
	}
	return (n / ((lg_now_ms() - t0) / 1e3));
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
    long ncpu)
{
	const struct cpu	*c = &r->cpu;
	double			 n = r->ok > 0 ? (double)r->ok : 1;

	printf("| %s | %s | %ld | %ld | %.1f | %.1f | **%.0f%%** | %.0f | "
	    "%.2f | %.2f | %.2f | %.2f | %.0f%% | %s |\n", setup, work, r->ok,
	    r->errors, r->rate, b, 100 * r->rate / b, r->p99, c->d / n,
	    c->pg / n, c->lb / n, c->self / n, 100 * (c->d + c->pg + c->lb +
	    c->self) / (ncpu * c->t0), r->st);
}

int
main(void)
{
	struct benv	 e;
	struct bdaemon	 one, two[2];
	struct pl	 p;
	struct res	 r1s, r1l, r2s, r2l;
	SSL_CTX		*ctx;
	double		 secs = benv_seconds(15), b0, b1, b2;
	long		 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char		 extra[2048];
	int		 port[2], lb_port, half, i;
	pid_t		 pid[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (secret_init() == -1 || ncpu < 1)
		return (1);
	half = ncpu / 2 > 0 ? (int)ncpu / 2 : 1;
	if (benv_start(&e, "scale", 1) == -1 || pl_init(&p) == -1)
		return (1);
	ctx = lg_ctx();
	printf("Machine: %ld cores; 1-minute load average %.1f at the start "
	    "(/proc/loadavg).\n\n", ncpu, benv_loadavg());

	b0 = bound(ncpu);
	/* 2. One process, every core a worker. */
	if (pl_start_daemon(&e, &one, "one", NULL) == -1)
		return (1);
	pid[0] = one.pid;
	run(ctx, &e, &p, one.port, PL_SUBMIT, secs, pid, 1, &r1s);
	run(ctx, &e, &p, one.port, PL_LOGIN, secs, pid, 1, &r1l);
	bdaemon_stop(&one);
	b1 = bound(ncpu);

	/* 3. Two processes behind HAProxy, the cores split between them. */
	/* One reporter-session key for both: it is also the key of the
	 * proof-of-work challenges, which either process may have issued. */
	snprintf(extra, sizeof(extra), "workers = %d\nproxy_protocol = yes\n"
	    "receipt_lookup_key = %s/receipt-lookup.key\n"
	    "contact_link_key = %s/contact-link.key\nmax_connections = 4096\n"
	    "reporter_session_key = %s/reporter-session.key\n" PL_POWCONF,
	    half, e.keys, e.keys, e.keys);
	for (i = 0; i < 2; i++) {
		if (bdaemon_start(&e, &two[i], i == 0 ? "pub1" : "pub2",
		    "public", "mp_public", extra) == -1)
			return (1);
		port[i] = two[i].port;
		pid[i] = two[i].pid;
	}
	lb_port = benv_free_port();
	if (haproxy_start(&e, lb_port, port) == -1 || lb_ready(lb_port) == -1) {
		fprintf(stderr, "bench_scale: HAProxy never forwarded to both "
		    "daemons (is haproxy installed? deploy/install-deps.sh)\n");
		if (haproxy_pid > 0)
			kill(haproxy_pid, SIGTERM);
		return (1);
	}
	run(ctx, &e, &p, lb_port, PL_SUBMIT, secs, pid, 2, &r2s);
	run(ctx, &e, &p, lb_port, PL_LOGIN, secs, pid, 2, &r2l);
	kill(haproxy_pid, SIGTERM);
	waitpid(haproxy_pid, NULL, 0);
	haproxy_pid = 0;
	for (i = 0; i < 2; i++)
		bdaemon_stop(&two[i]);
	b2 = bound(ncpu);

	printf("Argon2id bound (fast path, all %ld cores at once, before / "
	    "between / after): %.1f / %.1f / %.1f hashes/s.  %d clients; "
	    "logins from a fresh 127.x.y.z every %d.\n\n", ncpu, b0, b1, b2,
	    CLIENTS, PL_LOGINS_PER_SRC);
	printf("| setup | workload | ok | errors | ok/s | bound/s | of bound | "
	    "p99 ms | meldpuntd ms/req | PostgreSQL ms/req | HAProxy ms/req | "
	    "load generator ms/req | CPU busy | statuses |\n"
	    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	    "---|\n");
	row("1 process", "POST /v1/reports", &r1s, (b0 + b1) / 2, ncpu);
	row("1 process", "POST /v1/reporter/session", &r1l, (b0 + b1) / 2,
	    ncpu);
	row("2 processes + HAProxy", "POST /v1/reports", &r2s, (b1 + b2) / 2,
	    ncpu);
	row("2 processes + HAProxy", "POST /v1/reporter/session", &r2l,
	    (b1 + b2) / 2, ncpu);
	printf("\ngoal (issue 16): >= 90%% of the bound with 0 errors, two "
	    "processes behind HAProxy: submissions %s, logins %s\n",
	    r2s.errors == 0 && r2s.rate >= 0.9 * (b1 + b2) / 2 ? "met" :
	    "NOT met", r2l.errors == 0 && r2l.rate >= 0.9 * (b1 + b2) / 2 ?
	    "met" : "NOT met");
	SSL_CTX_free(ctx);
	return (0);
}
