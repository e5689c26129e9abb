/*
 * Reporter-side workloads shared by bench_intake and bench_loop
 * (header-only): a public meldpuntd on the bench database, plaintext
 * report submissions (POST /v1/reports) that collect their receipts, and
 * receipt logins (POST /v1/reporter/session) that cycle through them.
 *
 * Proof of work (daemon/pow.h) stays required, as in production: the
 * client solves every submission's challenge with bench/powsolve.h.  To
 * measure the server and not the client, challenges are fetched and
 * solved before a submission phase starts (pl_reset) and refilled outside
 * any request's timing when they run out; a solution whose submission was
 * answered 503 was given back by the server and is used again.  The
 * daemons run at pow_base_bits = 8 with the per-source policy lifted (all
 * load comes from one address): what the server does per submission --
 * one HMAC and one SHA-256 -- does not depend on the bits.  The client's
 * work at production difficulty is bench_pow's table.
 *
 * Submissions come in two forms, as from the two kinds of client: the
 * plaintext form (the server seals it: the page without JavaScript) and,
 * after pl_seal_fill(), envelopes sealed in the client to the category's
 * keys as the reference page seals them (tests/lib/treporter.c, the same
 * code the end-to-end tests use; sealed before the phase, like the
 * challenges, so that the phase measures the server).
 */
#ifndef MELDPUNT_BENCH_PUBLOAD_H
#define MELDPUNT_BENCH_PUBLOAD_H

#include <jansson.h>

#include "bench/benchenv.h"
#include "bench/loadgen.h"
#include "bench/powsolve.h"
#include "tests/lib/treporter.h"

#define PL_MAXREC	200000
#define PL_MAXST	600
#define PL_MAXCONN	1024	/* connections whose solution can come back */
#define PL_POWMAX	8192	/* solved challenges held */
/* Solved before a submission phase: more than a phase sends on this
 * machine, since running out mid-phase refills synchronously and stalls
 * every client for 64 round trips (the daemon's queue then runs dry and
 * the phase measures the load generator). */
#define PL_POWFILL	4096
#define PL_POWCONF	"pow_base_bits = 8\npow_source_free = 1000000\n" \
			"pow_source_limit = 1000000\n"

struct pl {
	/* receipts collected from 201 answers */
	char		(*rec)[24];
	long		 nrec;
	long		 next;		/* next receipt to log in with */
	long		 seq;
	int		 mode;		/* PL_SUBMIT or PL_LOGIN */
	int		 ok_status;
	struct lat	 ok, s503, other;
	long		 bystatus[PL_MAXST];
	long		 failed;	/* connection failed mid-request */
	/* solved challenges ("hex:counter"), a stack */
	int		 pow_port;
	char		(*pow)[PS_VALUE_LEN + 1];
	long		 npow;
	char		(*pow_fly)[PS_VALUE_LEN + 1];	/* by connection */
	long		 pow_solved, pow_tries;
	double		 pow_ms;	/* spent fetching and solving */
	/* bodies with client-sealed envelopes; none: plaintext */
	char		**sealed;
	long		 nsealed;
};

enum { PL_SUBMIT, PL_LOGIN };

static inline int
pl_start_daemon(struct benv *e, struct bdaemon *d, const char *name,
    const char *extra)
{
	char		 conf[2048];
	struct lg_sync	 s;
	SSL_CTX		*ctx;
	int		 i, st = 0;

	snprintf(conf, sizeof(conf), "receipt_lookup_key = %s/receipt-lookup.key\n"
	    "contact_link_key = %s/contact-link.key\n"
	    "max_connections = 4096\n" PL_POWCONF "%s",
	    e->keys, e->keys, extra ? extra : "");
	if (bdaemon_start(e, d, name, "public", "mp_public", conf) == -1)
		return (-1);
	/* Ready when the form (and so the queue keys) has loaded. */
	ctx = lg_ctx();
	lg_sync_init(&s, ctx, d->port);
	for (i = 0; i < 100; i++) {
		if ((st = lg_sync_req(&s, "GET", "/v1/forms?lang=en", NULL,
		    NULL, NULL, NULL)) == 200)
			break;
		usleep(100000);
	}
	lg_sync_free(&s);
	SSL_CTX_free(ctx);
	if (st != 200) {
		fprintf(stderr, "bench: forms never became ready (%d)\n", st);
		return (-1);
	}
	return (0);
}

/* Fetch and solve n challenges from port onto the stack; 0 or -1. */
static inline int
pl_pow_fill(struct pl *p, int port, long n)
{
	struct lg_sync	 s;
	SSL_CTX		*ctx = lg_ctx();
	char		*body;
	json_t		*j;
	double		 t0 = lg_now_ms();
	long long	 tries;
	int		 rc = 0;

	p->pow_port = port;
	lg_sync_init(&s, ctx, port);
	while (n-- > 0 && p->npow < PL_POWMAX) {
		if (lg_sync_req(&s, "GET", "/v1/challenge", NULL, NULL, &body,
		    NULL) != 200 || (j = json_loads(body, 0, NULL)) == NULL) {
			rc = -1;
			break;
		}
		tries = ps_solve(json_string_value(json_object_get(j,
		    "challenge")), p->pow[p->npow], NULL);
		json_decref(j);
		if (tries < 0) {
			rc = -1;
			break;
		}
		p->npow++;
		p->pow_solved++;
		p->pow_tries += tries;
	}
	lg_sync_free(&s);
	SSL_CTX_free(ctx);
	p->pow_ms += lg_now_ms() - t0;
	return (rc);
}

/* The "Meldpunt-PoW: ...\r\n" line for connection ci's next submission. */
static inline int
pl_pow_line(struct pl *p, int ci, char *line, size_t cap)
{
	if (p->npow == 0 && pl_pow_fill(p, p->pow_port, 64) == -1)
		return (-1);
	if (p->npow == 0)
		return (-1);
	p->npow--;
	if (ci >= 0 && ci < PL_MAXCONN)
		memcpy(p->pow_fly[ci], p->pow[p->npow], PS_VALUE_LEN + 1);
	snprintf(line, cap, "Meldpunt-PoW: %s\r\n", p->pow[p->npow]);
	return (0);
}

static inline void
pl_reset(struct pl *p, int mode)
{
	lat_free(&p->ok);
	lat_free(&p->s503);
	lat_free(&p->other);
	memset(p->bystatus, 0, sizeof(p->bystatus));
	p->failed = 0;
	p->mode = mode;
	p->ok_status = mode == PL_SUBMIT ? 201 : 200;
}

/* pl_reset for submissions to port, with PL_POWFILL solved challenges. */
static inline int
pl_reset_submit(struct pl *p, int port)
{
	pl_reset(p, PL_SUBMIT);
	p->npow = 0;
	return (pl_pow_fill(p, port, PL_POWFILL));
}

#define PL_BODY0 \
	"{\"category\":\"labour_discrimination\",\"subtype\":\"dismissal\"," \
	"\"answers\":{\"ground\":\"age\",\"province\":\"utrecht\"},\"lang\":" \
	"\"nl\",\"report\":{\"narrative\":\"Bench report %ld: after I told my " \
	"manager my age I was dismissed within a week.\"}}"
#define PL_BODY1 \
	"{\"category\":\"foreign_interference\",\"subtype\":\"diaspora_tax\"," \
	"\"lang\":\"en\",\"report\":{\"narrative\":\"Bench report %ld: they " \
	"ask money every year.\"},\"contact_details\":{\"name\":\"A.\"," \
	"\"phone\":\"0612345678\"}}"
#define PL_BODY2 \
	"{\"category\":\"honour_violence\",\"subtype\":\"threats\",\"answers\":" \
	"{\"immediate_danger\":false},\"lang\":\"nl\",\"report\":{\"narrative\":" \
	"\"Bench report %ld.\"}}"

static inline int
pl_make(void *u, int ci, char *buf, size_t cap)
{
	struct pl	*p = u;
	char		 body[1024], line[PS_VALUE_LEN + 32];
	long		 k;

	if (p->mode == PL_SUBMIT) {
		if (pl_pow_line(p, ci, line, sizeof(line)) == -1)
			return (-1);
		k = p->seq++;
		if (p->nsealed > 0)
			return (lg_format(buf, cap, "POST", "/v1/reports", line,
			    p->sealed[k % p->nsealed]));
		if (k % 3 == 0)
			snprintf(body, sizeof(body), PL_BODY0, k);
		else if (k % 3 == 1)
			snprintf(body, sizeof(body), PL_BODY1, k);
		else
			snprintf(body, sizeof(body), PL_BODY2, k);
		return (lg_format(buf, cap, "POST", "/v1/reports", line,
		    body));
	}
	if (p->nrec == 0)
		return (0);
	k = p->next++ % p->nrec;
	snprintf(body, sizeof(body), "{\"receipt\":\"%s\",\"lang\":\"nl\"}",
	    p->rec[k]);
	return (lg_format(buf, cap, "POST", "/v1/reporter/session", NULL, body));
}

static inline void
pl_done(void *u, int ci, int status, const char *body, size_t blen,
    double ms)
{
	struct pl	*p = u;
	const char	*r;

	(void)blen;
	/* Refused before its hash: the server gave the solution back. */
	if (p->mode == PL_SUBMIT && status == 503 && ci >= 0 &&
	    ci < PL_MAXCONN && p->npow < PL_POWMAX)
		memcpy(p->pow[p->npow++], p->pow_fly[ci], PS_VALUE_LEN + 1);
	if (status < 0) {
		p->failed++;
		return;
	}
	if (status < PL_MAXST)
		p->bystatus[status]++;
	if (status == p->ok_status) {
		lat_add(&p->ok, ms);
		if (p->mode == PL_SUBMIT && p->nrec < PL_MAXREC &&
		    (r = strstr(body, "\"receipt\":\"")) != NULL &&
		    strlen(r + 11) > 19) {
			memcpy(p->rec[p->nrec], r + 11, 19);
			p->rec[p->nrec++][19] = '\0';
		}
	} else if (status == 503)
		lat_add(&p->s503, ms);
	else
		lat_add(&p->other, ms);
}

/* Receipt logins: a fresh 127.x.y.z every this many, below the limiter's
 * 5 free attempts per source, so that it sees many reporters. */
#define PL_LOGINS_PER_SRC	4

/*
 * Load options for nconn closed-loop clients of p against port for secs
 * (at most 200,000 requests, 30 s to drain); logins from many sources.
 */
static inline void
pl_opts(struct lg_opts *o, struct pl *p, int port, int nconn, double secs)
{
	memset(o, 0, sizeof(*o));
	o->port = port;
	o->nconn = nconn;
	o->max_req = 200000;
	o->max_ms = secs * 1e3;
	o->drain_ms = 30000;
	o->make = pl_make;
	o->done = pl_done;
	o->u = p;
	o->src_reuse = p->mode == PL_LOGIN ? PL_LOGINS_PER_SRC : 0;
}

#define PL_SEALED	64	/* distinct sealed bodies, used in turn */

/* Forget the sealed bodies: submissions are plaintext again. */
static inline void
pl_unseal(struct pl *p)
{
	long	i;

	for (i = 0; i < p->nsealed; i++)
		free(p->sealed[i]);
	free(p->sealed);
	p->sealed = NULL;
	p->nsealed = 0;
}

/*
 * Seal PL_SEALED reports in the client to the keys the daemon on port
 * publishes (the three categories in turn, no contact), as full request
 * bodies; 0 or -1.
 */
static inline int
pl_seal_fill(struct pl *p, int port)
{
	static const char *const cat[][3] = {
		{ "labour_discrimination", "dismissal",
		    "{\"ground\":\"age\",\"province\":\"utrecht\"}" },
		{ "foreign_interference", "diaspora_tax", "{}" },
		{ "honour_violence", "threats", "{\"immediate_danger\":false}" },
	};
	json_t	*forms, *env, *ans, *root;
	char	 content[256];
	long	 i;

	pl_unseal(p);
	if ((forms = trep_forms(port, "en")) == NULL ||
	    (p->sealed = calloc(PL_SEALED, sizeof(*p->sealed))) == NULL) {
		json_decref(forms);
		return (-1);
	}
	for (i = 0; i < PL_SEALED; i++) {
		snprintf(content, sizeof(content), "{\"narrative\":\"Bench "
		    "report %ld, sealed in the client.\",\"lang\":\"nl\"}", i);
		if ((env = trep_seal(forms, cat[i % 3][0], content)) == NULL ||
		    (ans = json_loads(cat[i % 3][2], 0, NULL)) == NULL) {
			json_decref(env);
			break;
		}
		root = json_pack("{s:s,s:I,s:s,s:s,s:o,s:o}", "lang", "nl",
		    "form_version", json_integer_value(json_object_get(forms,
		    "form_version")), "category", cat[i % 3][0], "subtype",
		    cat[i % 3][1], "answers", ans, "envelope", env);
		if (root == NULL ||
		    (p->sealed[i] = json_dumps(root, JSON_COMPACT)) == NULL) {
			json_decref(root);
			break;
		}
		json_decref(root);
		p->nsealed++;
	}
	json_decref(forms);
	return (p->nsealed == PL_SEALED ? 0 : -1);
}

static inline int
pl_init(struct pl *p)
{
	memset(p, 0, sizeof(*p));
	p->rec = calloc(PL_MAXREC, sizeof(*p->rec));
	p->pow = calloc(PL_POWMAX, sizeof(*p->pow));
	p->pow_fly = calloc(PL_MAXCONN, sizeof(*p->pow_fly));
	return (p->rec != NULL && p->pow != NULL && p->pow_fly != NULL ? 0 :
	    -1);
}

static inline void
pl_free(struct pl *p)
{
	free(p->rec);
	free(p->pow);
	free(p->pow_fly);
	pl_unseal(p);
	lat_free(&p->ok);
	lat_free(&p->s503);
	lat_free(&p->other);
}

/* "201:812 503:40" */
static inline void
pl_statuses(const struct pl *p, char *buf, size_t cap)
{
	size_t	i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < PL_MAXST && o < cap; i++)
		if (p->bystatus[i] > 0)
			o += snprintf(buf + o, cap - o, "%s%zu:%ld", o ? " " : "",
			    i, p->bystatus[i]);
	if (p->failed > 0 && o < cap)
		snprintf(buf + o, cap - o, "%sconn-failed:%ld", o ? " " : "",
		    p->failed);
}

#endif
