/*
 * Proof of work (issue 17 item 5; daemon/pow.h): what it costs a client
 * and the server, at normal and at flood load.  Prints tables for
 * docs/benchmarks.md, "Proof of work".
 *
 *  1. The C solver (bench/powsolve.h, one core): hashes per second, and
 *     the time to solve challenges at 16 (the base), 20 and 22 bits.
 *  2. The server's side: pow_issue() and pow_check() per call.
 *  3. A flood from one source against a public meldpuntd with the
 *     production policy (base 16, source free 3, one bit per 2, limit
 *     30): 127.0.0.7 fetches, solves and submits in a loop while
 *     127.0.0.8 submits every third round; each row is one round.
 *  4. Load: 64 clients (pubload.h, solutions solved beforehand) keep
 *     the Argon2id queue full while a probe from 127.0.0.8 fetches and
 *     solves a challenge every second: the bits a normal reporter gets
 *     at flood load and how long the C solver takes on the loaded
 *     machine.
 *
 * The machine is shared with other engineers' builds and tests: the
 * figures are one run's, for ratios, not a claim.  Bounded: phase 3 stops
 * after 14 rounds or when a challenge would need more than 2^25 hashes,
 * phase 4 after MELDPUNT_BENCH_SECONDS (default 15).
 */
#include <pthread.h>

#include "bench/pubload.h"
#include "daemon/pow.h"

#define FLOODER		0x7f000007	/* 127.0.0.7 */
#define NEIGHBOUR	0x7f000008	/* 127.0.0.8 */
#define ROUNDS		14
#define MAX_FLOOD_BITS	25
#define LOAD_CLIENTS	64

/* A made-up challenge with these bits: only the solver's speed counts. */
static void
fake_challenge(int bits, unsigned seed, char hex[85])
{
	int	 i;

	snprintf(hex, 85, "01%02x", bits);
	for (i = 0; i < 40; i++)
		snprintf(hex + 4 + 2 * i, 3, "%02x", (seed * 131 + i * 7) & 0xff);
}

static void
solver_table(void)
{
	static const int	 bits[] = { 16, 20, 22 };
	static const int	 n[] = { 20, 4, 2 };
	char			 hex[85], out[PS_VALUE_LEN + 1];
	double			 t0, ms, rate;
	long long		 tries, all = 0;
	struct lat		 l;
	size_t			 i;
	int			 k;

	/* Speed: hashes per second over a fixed amount of work. */
	t0 = lg_now_ms();
	for (k = 0; k < 6; k++) {
		fake_challenge(20, 1000 + k, hex);
		all += ps_solve(hex, out, NULL);
	}
	rate = all / ((lg_now_ms() - t0) / 1e3);
	printf("C solver (OpenSSL SHA-256 through EVP, one core): %.2f M "
	    "hashes/s\n\n", rate / 1e6);
	printf("| bits | expected hashes | expected ms | challenges | median "
	    "ms | max ms |\n|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		memset(&l, 0, sizeof(l));
		for (k = 0; k < n[i]; k++) {
			fake_challenge(bits[i], (unsigned)(i * 100 + k), hex);
			t0 = lg_now_ms();
			tries = ps_solve(hex, out, NULL);
			ms = lg_now_ms() - t0;
			if (tries > 0)
				lat_add(&l, ms);
		}
		printf("| %d | %.0f | %.0f | %d | %.0f | %.0f |\n", bits[i],
		    (double)(1LL << bits[i]), (1LL << bits[i]) / rate * 1e3,
		    n[i], lat_pct(&l, 50), lat_pct(&l, 100));
		lat_free(&l);
	}
	printf("\n");
}

static void
server_table(void)
{
	const struct pow_policy	 pol = { .pp_base = 16, .pp_max = 28,
	    .pp_load_max = 6, .pp_source_free = 3, .pp_source_per_bit = 2,
	    .pp_source_limit = 1000000, .pp_ttl_s = 900 };
	unsigned char		 tag[16] = "bench-source-tag";
	struct pow		*pw = pow_new(NULL, 0, &pol, 65536);
	struct pow_solution	 s;
	char			 hex[POW_CHALLENGE_HEXLEN + 1];
	char			 v[PS_VALUE_LEN + 1];
	double			 t0, issue_us, check_us;
	int			 i, b, retry, ok = 0;
	const int		 n = 200000;

	if (pw == NULL)
		return;
	t0 = lg_now_ms();
	for (i = 0; i < n; i++) {
		tag[0] = (unsigned char)i;
		tag[1] = (unsigned char)(i >> 8);
		(void)pow_issue(pw, tag, i / 1000.0, 1000, 0, hex, &b, &retry);
	}
	issue_us = (lg_now_ms() - t0) * 1e3 / n;
	if (ps_solve(hex, v, NULL) < 0)
		return;
	t0 = lg_now_ms();
	for (i = 0; i < n; i++)
		ok += pow_check(pw, v, 1000, &s) == POW_OK;
	check_us = (lg_now_ms() - t0) * 1e3 / n;
	printf("Server side, %d calls each: issuing a challenge (score, "
	    "random nonce, HMAC) %.2f us; checking a solution (parse, HMAC, "
	    "SHA-256) %.2f us (%d ok).  One receipt Argon2id is tens of "
	    "milliseconds.\n\n", n, issue_us, check_us, ok);
	pow_free(pw);
}

/* Fetch, solve and submit from src; 0 or -1; bits, tries, solve ms, status. */
static int
round_from(SSL_CTX *ctx, int port, uint32_t src, long k, int *bits,
    long long *tries, double *ms, int *status)
{
	struct lg_sync	 s;
	char		*body, line[PS_VALUE_LEN + 32], v[PS_VALUE_LEN + 1];
	char		 rep[1024];
	json_t		*j;
	double		 t0;
	int		 rc = -1;

	lg_sync_init(&s, ctx, port);
	s.src = src;
	*status = lg_sync_req(&s, "GET", "/v1/challenge", NULL, NULL, &body,
	    NULL);
	if (*status != 200 || (j = json_loads(body, 0, NULL)) == NULL)
		goto done;
	*bits = (int)json_integer_value(json_object_get(j, "bits"));
	if (*bits > MAX_FLOOD_BITS) {
		/* Too long for a bounded benchmark: the row says so. */
		json_decref(j);
		*tries = -1;
		*ms = (double)(1LL << *bits);
		rc = 0;
		goto done;
	}
	t0 = lg_now_ms();
	*tries = ps_solve(json_string_value(json_object_get(j, "challenge")),
	    v, NULL);
	*ms = lg_now_ms() - t0;
	json_decref(j);
	if (*tries < 0)
		goto done;
	snprintf(line, sizeof(line), "Meldpunt-PoW: %s\r\n", v);
	snprintf(rep, sizeof(rep), PL_BODY0, k);
	*status = lg_sync_req(&s, "POST", "/v1/reports", line, rep, NULL,
	    NULL);
	rc = 0;
 done:
	lg_sync_free(&s);
	return (rc);
}

static void
flood_table(struct benv *e, SSL_CTX *ctx)
{
	struct bdaemon	 d;
	long long	 tries;
	double		 ms, fms = 0;
	int		 i, bits, st;

	/* The production policy; only the proof-of-work keys are default. */
	if (pl_start_daemon(e, &d, "powflood", "pow_base_bits = 16\n"
	    "pow_source_free = 3\npow_source_limit = 30\n") == -1)
		return;
	printf("Flood from one source, production policy (base 16, free 3, "
	    "one bit per 2, limit 30): 127.0.0.7 fetches, solves (C) and "
	    "submits in a loop; 127.0.0.8 submits every third round.\n\n");
	printf("| round | flooder bits | flooder hashes | flooder solve ms | "
	    "answer | neighbour bits | neighbour solve ms | answer |\n"
	    "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 1; i <= ROUNDS; i++) {
		if (round_from(ctx, d.port, FLOODER, i, &bits, &tries, &ms,
		    &st) == -1) {
			printf("| %d | | | | %d | | | |\n", i, st);
			break;
		}
		if (tries < 0) {
			printf("| %d | %d | (2^%d expected: stopped) | | | | | "
			    "|\n", i, bits, bits);
			break;
		}
		fms += ms;
		printf("| %d | %d | %lld | %.0f | %d |", i, bits, tries, ms, st);
		if (i % 3 == 0 && round_from(ctx, d.port, NEIGHBOUR, 1000 + i,
		    &bits, &tries, &ms, &st) == 0 && tries >= 0)
			printf(" %d | %.0f | %d |\n", bits, ms, st);
		else
			printf(" | | |\n");
	}
	printf("\nThe flooder's solving time over those rounds: %.1f s of one "
	    "core.\n\n", fms / 1e3);
	bdaemon_stop(&d);
}

struct probe {
	int		 port;
	double		 until;
	SSL_CTX		*ctx;
	struct lat	 ms;
	int		 bits[64];
	int		 n;
};

static void *
probe_loop(void *arg)
{
	struct probe	*p = arg;
	struct lg_sync	 s;
	char		*body, v[PS_VALUE_LEN + 1];
	json_t		*j;
	double		 t0;

	while (lg_now_ms() < p->until && p->n < 64) {
		usleep(1000000);
		lg_sync_init(&s, p->ctx, p->port);
		s.src = NEIGHBOUR;
		if (lg_sync_req(&s, "GET", "/v1/challenge", NULL, NULL, &body,
		    NULL) == 200 && (j = json_loads(body, 0, NULL)) != NULL) {
			p->bits[p->n++] = (int)json_integer_value(
			    json_object_get(j, "bits"));
			t0 = lg_now_ms();
			if (ps_solve(json_string_value(json_object_get(j,
			    "challenge")), v, NULL) > 0)
				lat_add(&p->ms, lg_now_ms() - t0);
			json_decref(j);
		}
		lg_sync_free(&s);
	}
	return (NULL);
}

static int
cmp_int(const void *a, const void *b)
{
	return (*(const int *)a - *(const int *)b);
}

static void
load_table(struct benv *e, SSL_CTX *ctx, double secs)
{
	struct bdaemon		 d;
	struct lg_opts		 o;
	struct lg_result	 r;
	struct probe		 pr;
	struct pl		 p;
	pthread_t		 t;
	char			 st[256];

	/* Production base and load term; the load comes from one address,
	 * so the source policy is lifted for it (the probe is another). */
	if (pl_init(&p) == -1 || pl_start_daemon(e, &d, "powload",
	    "pow_base_bits = 16\npow_source_free = 1000000\n") == -1)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.port = d.port;
	pr.ctx = ctx;
	/* The idle figure first. */
	pr.until = lg_now_ms() + 3500;
	probe_loop(&pr);
	printf("Load: a normal reporter (127.0.0.8, a challenge every second, "
	    "solved in C) while %d clients keep the Argon2id queue full.  "
	    "Idle first: bits %d, %.0f ms to solve.\n\n", LOAD_CLIENTS,
	    pr.n > 0 ? pr.bits[0] : -1, lat_pct(&pr.ms, 50));
	lat_free(&pr.ms);
	memset(&pr.ms, 0, sizeof(pr.ms));
	pr.n = 0;
	/* 128 solved beforehand; more are solved when needed (the
	 * generator then waits, which lowers the load a little). */
	pl_reset(&p, PL_SUBMIT);
	if (pl_pow_fill(&p, d.port, 128) == -1) {
		printf("(no challenges for the load)\n");
		goto done;
	}
	memset(&o, 0, sizeof(o));
	o.port = d.port;
	o.nconn = LOAD_CLIENTS;
	o.max_req = 200000;
	o.max_ms = secs * 1e3;
	o.drain_ms = 15000;
	o.make = pl_make;
	o.done = pl_done;
	o.u = &p;
	o.backoff_503_ms = 100;
	pr.until = lg_now_ms() + secs * 1e3;
	pthread_create(&t, NULL, probe_loop, &pr);
	lg_run(ctx, &o, &r);
	pthread_join(t, NULL);
	pl_statuses(&p, st, sizeof(st));
	qsort(pr.bits, (size_t)pr.n, sizeof(int), cmp_int);
	printf("| phase | challenges | bits min | bits median | bits max | "
	    "solve median ms | solve max ms |\n|---|---:|---:|---:|---:|---:|"
	    "---:|\n");
	if (pr.n > 0)
		printf("| %d clients submitting (statuses %s) | %d | %d | %d | "
		    "%d | %.0f | %.0f |\n\n", LOAD_CLIENTS, st, pr.n,
		    pr.bits[0], pr.bits[pr.n / 2], pr.bits[pr.n - 1],
		    lat_pct(&pr.ms, 50), lat_pct(&pr.ms, 100));
 done:
	lat_free(&pr.ms);
	pl_free(&p);
	bdaemon_stop(&d);
}

int
main(void)
{
	struct benv	 e;
	SSL_CTX		*ctx;
	double		 secs = benv_seconds(15);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("Machine: %ld cores, shared with other engineers' builds and "
	    "tests: one run's figures.\n\n", sysconf(_SC_NPROCESSORS_ONLN));
	solver_table();
	server_table();
	if (benv_start(&e, "pow", 1) == -1)
		return (1);
	ctx = lg_ctx();
	flood_table(&e, ctx);
	load_table(&e, ctx, secs);
	SSL_CTX_free(ctx);
	return (0);
}
