/*
 * End-to-end tests of the proof of work for submissions (issue 17 item
 * 5; daemon/pow.h) over real TLS against a real meldpuntd --role public
 * and PostgreSQL, with the client side solved by bench/powsolve.h (the
 * documented algorithm, no daemon code):
 *
 *  - a flood from one loopback source (127.0.0.7) makes that source's
 *    challenges harder as designed and ends in 429, while a second source
 *    (127.0.0.8) submitting at the same time stays at the base;
 *  - a missing, malformed, forged, unsolved, replayed or expired
 *    solution is refused with its 4xx and stores nothing;
 *  - a retry with an Idempotency-Key learns its receipt without new work,
 *    even with a spent or an expired solution, and never stores twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "bench/powsolve.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/tpow.h"
#include "tests/lib/treporter.h"

#define FLOODER		"127.0.0.7"
#define NEIGHBOUR	"127.0.0.8"
#define BASE		10
#define BODY(n)		"{\"category\":\"labour_discrimination\"," \
			"\"subtype\":\"recruitment\",\"answers\":{\"ground\":" \
			"\"origin\"},\"report\":{\"narrative\":\"" n "\"}," \
			"\"lang\":\"en\"}"

struct pw {
	char		*db;
	PGconn		*su;
	char		 keys[512];
	struct tdaemon	 d;
};

static struct pw	 T;
static int		 pw_seq;

static void
pw_start(struct pw *t, const char *policy)
{
	char	 extra[2048];
	FILE	*null = fopen("/dev/null", "w");
	json_t	*forms;

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(t->db = testdb_create());
	cr_assert_not_null(t->su = testdb_connect(t->db, NULL));
	snprintf(t->keys, sizeof(t->keys), "%s/keys-pow-%d-%d",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), ++pw_seq);
	cr_assert_eq(init_run(t->su, t->keys, null, stderr, NULL), 0);
	fclose(null);
	snprintf(extra, sizeof(extra), "receipt_lookup_key = %s/%s\n"
	    "contact_link_key = %s/%s\nreceipt_argon2_m_kib = 8192\n"
	    "receipt_argon2_t = 1\nworkers = 2\npow_required = yes\n"
	    "pow_base_bits = %d\n%s", t->keys, INIT_F_LOOKUP, t->keys,
	    INIT_F_LINK, BASE, policy);
	cr_assert_eq(tdaemon_start(&t->d, "public", tdaemon_conninfo(t->db,
	    "mp_public"), extra), 0, "meldpuntd did not start (%s)",
	    t->d.log);
	cr_assert_not_null(forms = trep_forms(t->d.port, "en"),
	    "forms never became ready");
	json_decref(forms);
}

static void
pw_stop(void)
{
	tdaemon_stop(&T.d);
	PQfinish(T.su);
	testdb_drop(T.db);
	free(T.db);
}

TestSuite(pow, .fini = pw_stop, .timeout = 240);

static long long
pw_reports(void)
{
	return (testdb_count(T.su, "SELECT count(*) FROM intake.envelopes"));
}

/* POST /v1/reports from `from` with exactly these extra headers. */
static int
pw_post(const char *from, const char *hdrs, const char *body, char *code,
    size_t codelen, char **receipt)
{
	struct tcl_resp	 r;
	char		 h[1024];
	json_t		*j;
	int		 st;

	snprintf(h, sizeof(h), "Content-Type: application/json\r\n%s",
	    hdrs != NULL ? hdrs : "");
	tpow_auto = 0;
	st = tcl_request_from(from, T.d.port, "POST", "/v1/reports", h, body,
	    &r);
	tpow_auto = 1;
	cr_assert_eq(st, 0, "no response");
	if (code != NULL)
		code[0] = '\0';
	if (receipt != NULL)
		*receipt = NULL;
	if ((j = json_loads(r.body, 0, NULL)) != NULL) {
		const char *c = json_string_value(json_object_get(
		    json_object_get(j, "error"), "code"));
		const char *rc = json_string_value(json_object_get(j,
		    "receipt"));

		if (code != NULL && c != NULL)
			snprintf(code, codelen, "%s", c);
		if (receipt != NULL && rc != NULL)
			*receipt = strdup(rc);
		json_decref(j);
	}
	st = r.status;
	tcl_resp_clear(&r);
	return (st);
}

/* A solved challenge for `from`: the header line; its bits in *bits. */
static void
pw_solve(const char *from, char line[TPOW_LINE_MAX], int *bits,
    long long *tries)
{
	cr_assert_eq(tpow_fetch_solve(from, T.d.port, line, bits, tries), 200,
	    "no challenge for %s", from);
}

/*
 * The flood: FLOODER takes a challenge and submits, again and again;
 * after every fourth, NEIGHBOUR submits once.  The flooder's bits follow
 * base + ceil((score - free) / per_bit) and its work grows with them;
 * NEIGHBOUR's two submissions stay within its free allowance (3), so at
 * the base.  The flooder then asks for challenges without solving them
 * until the limit answers 429 -- and NEIGHBOUR's third challenge is
 * still at the base.
 */
Test(pow, flood_slows_one_source_not_the_other)
{
	char		 line[TPOW_LINE_MAX], code[64];
	int		 bits, nbits, i, st, prev = 0, n429 = 0;
	long long	 tries, ftries = 0, ntries = 0, fwork = 0, nwork = 0;
	long long	 before;
	struct tcl_resp	 r;

	pw_start(&T, "pow_source_free = 3\npow_source_per_bit = 1\n"
	    "pow_source_limit = 20\npow_max_bits = 30\n");
	before = pw_reports();
	for (i = 1; i <= 9; i++) {
		pw_solve(FLOODER, line, &bits, &tries);
		ftries += tries;
		fwork += 1LL << bits;
		/* Score i (decay over these seconds is below 1%). */
		cr_expect_eq(bits, BASE + (i <= 3 ? 0 : i - 3),
		    "flooder challenge %d: %d bits", i, bits);
		cr_expect_geq(bits, prev);
		prev = bits;
		cr_assert_eq(pw_post(FLOODER, line, BODY("flood"), code,
		    sizeof(code), NULL), 201, "flood %d: %s", i, code);
		if (i % 4 == 0) {
			pw_solve(NEIGHBOUR, line, &nbits, &tries);
			ntries += tries;
			nwork += 1LL << nbits;
			cr_expect_eq(nbits, BASE, "neighbour after %d: %d bits",
			    i, nbits);
			cr_assert_eq(pw_post(NEIGHBOUR, line, BODY("normal"),
			    code, sizeof(code), NULL), 201, "%s", code);
		}
	}
	cr_expect_eq(pw_reports(), before + 11);
	/*
	 * Six doublings: the expected work of the flooder's nine is 2^10 *
	 * (3 + 2 + 4 + ... + 64), 64 times the neighbour's two.  (The
	 * hashes actually tried are random; they are printed, not asserted.)
	 */
	cr_expect_eq(fwork, (3LL + 126) << BASE);
	cr_expect_eq(nwork, 2LL << BASE);
	cr_log_info("flood: flooder tried %lld hashes for 9, neighbour %lld "
	    "for 2", ftries, ntries);
	/* Challenges 10..20 are issued (harder each), the 21st is not. */
	for (i = 10; i <= 22; i++) {
		tpow_auto = 0;
		cr_assert_eq(tcl_request_from(FLOODER, T.d.port, "GET",
		    "/v1/challenge", NULL, NULL, &r), 0);
		tpow_auto = 1;
		st = r.status;
		if (st == 429) {
			char	*ra = tcl_resp_header(&r, "retry-after");

			cr_expect(ra != NULL && atoi(ra) >= 1);
			cr_expect(strstr(r.body, "rate_limited") != NULL);
			free(ra);
			n429++;
		} else {
			json_t	*j = json_loads(r.body, 0, NULL);

			cr_expect_eq(st, 200);
			cr_expect_eq(json_integer_value(json_object_get(j,
			    "bits")), BASE + i - 3);
			json_decref(j);
		}
		tcl_resp_clear(&r);
	}
	cr_expect_eq(n429, 2, "challenges 21 and 22 refused");
	pw_solve(NEIGHBOUR, line, &nbits, NULL);
	cr_expect_eq(nbits, BASE, "neighbour during the flood: %d", nbits);
}

/* Swap one hex digit of the header line at offset off (after the name). */
static void
pw_flip(char *line, size_t off)
{
	char	*v = line + strlen("Meldpunt-PoW: ");

	v[off] = v[off] == '0' ? '1' : '0';
}

/* A counter that does NOT solve the challenge in line. */
static void
pw_unsolve(char *line)
{
	char		*v = line + strlen("Meldpunt-PoW: "), *ctr = v + 85;
	unsigned char	 in[PS_CHAL_LEN + 8], d[32];
	unsigned int	 dlen;
	int		 bits, k;
	unsigned long long c;

	cr_assert_eq(ps_unhex(v, in, PS_CHAL_LEN), 0);
	bits = in[1];
	for (c = 0; ; c++) {
		for (k = 0; k < 8; k++)
			in[PS_CHAL_LEN + k] = (unsigned char)(c >> (56 - 8 * k));
		cr_assert_eq(EVP_Digest(in, sizeof(in), d, &dlen,
		    EVP_sha256(), NULL), 1);
		if (!ps_zero_bits_ok(d, bits))
			break;
	}
	snprintf(ctr, 16 + 3, "%016llx\r\n", c);
}

Test(pow, bad_solutions_store_nothing)
{
	char		 line[TPOW_LINE_MAX], bad[2 * TPOW_LINE_MAX], code[64];
	char		*rc = NULL;
	long long	 before;

	pw_start(&T, "");
	before = pw_reports();
	/* Missing. */
	cr_expect_eq(pw_post(FLOODER, NULL, BODY("x"), code, sizeof(code),
	    NULL), 428);
	cr_expect_str_eq(code, "pow_required");
	/* Malformed: not our syntax. */
	cr_expect_eq(pw_post(FLOODER, "Meldpunt-PoW: 1234:abcd\r\n",
	    BODY("x"), code, sizeof(code), NULL), 403);
	cr_expect_str_eq(code, "pow_invalid");
	pw_solve(FLOODER, line, NULL, NULL);
	/* Forged: the nonce changed, so the MAC no longer verifies. */
	snprintf(bad, sizeof(bad), "%s", line);
	pw_flip(bad, 30);
	cr_expect_eq(pw_post(FLOODER, bad, BODY("x"), code, sizeof(code),
	    NULL), 403);
	cr_expect_str_eq(code, "pow_invalid");
	/* Harder than it says: the bits byte raised, MAC broken too. */
	snprintf(bad, sizeof(bad), "%s", line);
	pw_flip(bad, 3);
	cr_expect_eq(pw_post(FLOODER, bad, BODY("x"), code, sizeof(code),
	    NULL), 403);
	/* Genuine challenge, counter that does not solve it. */
	snprintf(bad, sizeof(bad), "%s", line);
	pw_unsolve(bad);
	cr_expect_eq(pw_post(FLOODER, bad, BODY("x"), code, sizeof(code),
	    NULL), 403);
	cr_expect_str_eq(code, "pow_invalid");
	/* Two headers. */
	snprintf(bad, sizeof(bad), "%s%s", line, line);
	cr_expect_eq(pw_post(FLOODER, bad, BODY("x"), code, sizeof(code),
	    NULL), 403);
	cr_expect_eq(pw_reports(), before, "a refusal stored something");
	/* The genuine one passes once ... */
	cr_expect_eq(pw_post(FLOODER, line, BODY("x"), code, sizeof(code),
	    &rc), 201, "%s", code);
	cr_expect_not_null(rc);
	free(rc);
	cr_expect_eq(pw_reports(), before + 1);
	/* ... and only once, from anywhere. */
	cr_expect_eq(pw_post(NEIGHBOUR, line, BODY("y"), code, sizeof(code),
	    NULL), 403);
	cr_expect_str_eq(code, "pow_invalid");
	cr_expect_eq(pw_reports(), before + 1, "a replay stored something");
	/* The challenge endpoint says how. */
	{
		struct tcl_resp	 r;
		json_t		*j;

		cr_assert_eq(tcl_request(T.d.port, "GET", "/v1/challenge",
		    NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert_not_null(j = json_loads(r.body, 0, NULL));
		cr_expect_str_eq(json_string_value(json_object_get(j,
		    "algorithm")), "sha256-leading-zero-bits-v1");
		cr_expect_str_eq(json_string_value(json_object_get(j,
		    "header")), "Meldpunt-PoW");
		cr_expect_eq(strlen(json_string_value(json_object_get(j,
		    "challenge"))), 84);
		cr_expect(json_is_true(json_object_get(j, "required")));
		json_decref(j);
		tcl_resp_clear(&r);
	}
}

/*
 * Retries (docs/reporter-api.md, "Proof of work"): the receipt comes back
 * with the spent solution, and with an expired one, without new work;
 * nothing is stored twice; a spent solution under another key stores
 * nothing; an expired one without a key is 428.
 */
Test(pow, retry_learns_receipt_without_new_work)
{
	char		 line[TPOW_LINE_MAX], h[TPOW_LINE_MAX + 128], code[64];
	char		*rc1 = NULL, *rc2 = NULL, *rc3 = NULL;
	long long	 before;

	pw_start(&T, "pow_ttl_s = 3\n");
	before = pw_reports();
	pw_solve(FLOODER, line, NULL, NULL);
	snprintf(h, sizeof(h), "%sIdempotency-Key: "
	    "retryKey0123456789abcdefgh\r\n", line);
	cr_assert_eq(pw_post(FLOODER, h, BODY("retry"), code, sizeof(code),
	    &rc1), 201, "%s", code);
	/* The answer was "lost": the same request again. */
	cr_assert_eq(pw_post(FLOODER, h, BODY("retry"), code, sizeof(code),
	    &rc2), 201, "%s", code);
	cr_expect_str_eq(rc2, rc1);
	/* Another body under that key: 409, as without proof of work. */
	cr_expect_eq(pw_post(FLOODER, h, BODY("other"), code, sizeof(code),
	    NULL), 409);
	/* The spent solution under a key that stored nothing: 428. */
	snprintf(h, sizeof(h), "%sIdempotency-Key: "
	    "otherKey0123456789abcdefgh\r\n", line);
	cr_expect_eq(pw_post(FLOODER, h, BODY("new"), code, sizeof(code),
	    NULL), 428);
	cr_expect_str_eq(code, "pow_expired");
	cr_expect_eq(pw_reports(), before + 1);
	/* After expiry, with the first key: still the receipt. */
	sleep(4);
	snprintf(h, sizeof(h), "%sIdempotency-Key: "
	    "retryKey0123456789abcdefgh\r\n", line);
	cr_expect_eq(pw_post(FLOODER, h, BODY("retry"), code, sizeof(code),
	    &rc3), 201, "%s", code);
	cr_expect(rc3 != NULL && strcmp(rc3, rc1) == 0);
	/* Expired and no key: fetch a new one. */
	cr_expect_eq(pw_post(FLOODER, line, BODY("late"), code, sizeof(code),
	    NULL), 428);
	cr_expect_str_eq(code, "pow_expired");
	cr_expect_eq(pw_reports(), before + 1, "a retry stored twice");
	free(rc1);
	free(rc2);
	free(rc3);
}
