/*
 * Proof of work for submissions (issue 17 item 5): a flood costs the
 * flooder, a reporter's phone spends a fraction of a second while they
 * type, and nothing about the reporter is stored.  Format and algorithm
 * in docs/reporter-api.md ("Proof of work"); policy in docs/meldpuntd.8.
 *
 * A challenge is 42 bytes, sent as 84 lowercase hex digits:
 *
 *   0x01 | bits (1) | expiry, seconds since the epoch, uint64 BE (8)
 *        | nonce (16, random) | HMAC-SHA256(key, the 26 bytes before)[0..16)
 *
 * A solution is an 8-byte counter such that SHA-256(challenge bytes ||
 * counter) starts with `bits` zero bits; the request carries
 * "Meldpunt-PoW: <84 hex>:<16 hex>".  The server keeps no challenge: the
 * MAC says it issued it, the bytes say how hard and until when.  The key
 * is derived from reporter_session_key, so every public process behind a
 * balancer checks what any of them issued; without that file each process
 * has a random key of its own.
 *
 * The difficulty is decided when a challenge is issued (pow_bits()):
 *
 *   bits = base + load + source, at most max
 *
 * load grows by one bit each time the Argon2id queue's expected wait
 * doubles past an eighth of the request budget (pool.h); source grows by
 * one bit for every pow_source_per_bit challenges the source took beyond
 * pow_source_free, counted in a score that halves every 15 minutes and is
 * keyed on http_req_peer_tag() (a keyed hash of the address, renewed
 * hourly), in memory only -- the receipt limiter's table (ratelimit.h).
 * At pow_source_limit the source gets 429 instead of a challenge.  Every
 * challenge charges its source, solved or not, so a flooder cannot stock
 * up on easy ones.
 *
 * Single use: a solution admitted to the Argon2id queue is spent, in a
 * bounded table of this process (pow_spend()); the entry lives until the
 * challenge expires.  With N public processes behind a balancer that does
 * not keep a source on one process, a solution can be spent once in each,
 * i.e. N times at most within its lifetime (docs/reporter-api.md).
 *
 * Pure functions and a loop-thread table; times are passed in, so tests
 * decide "now".  pow_parse() is fuzzed (tests/fuzz/fuzz_pow.c).
 */
#ifndef MELDPUNT_POW_H
#define MELDPUNT_POW_H

#include <stddef.h>
#include <stdint.h>

#define POW_VERSION		0x01
#define POW_KEY_LEN		32
#define POW_NONCE_LEN		16
#define POW_MAC_LEN		16
#define POW_SIGNED_LEN		(1 + 1 + 8 + POW_NONCE_LEN)
#define POW_CHALLENGE_LEN	(POW_SIGNED_LEN + POW_MAC_LEN)	/* 42 */
#define POW_CHALLENGE_HEXLEN	(2 * POW_CHALLENGE_LEN)		/* 84 */
#define POW_COUNTER_LEN		8
/* "<challenge hex>:<counter hex>" */
#define POW_HEADER_LEN		(POW_CHALLENGE_HEXLEN + 1 + 2 * POW_COUNTER_LEN)
#define POW_HEADER		"meldpunt-pow"	/* as http_req_header() wants */
#define POW_BITS_MAX		40	/* what the format accepts at all */
#define POW_ALGORITHM		"sha256-leading-zero-bits-v1"
#define POW_TAG_LEN		16	/* http_req_peer_tag() */

/* What pow_check() makes of a header. */
enum pow_verdict {
	POW_OK,
	POW_MISSING,		/* no header: 428 pow_required */
	POW_MALFORMED,		/* not our syntax: 403 pow_invalid */
	POW_FORGED,		/* MAC does not verify: 403 pow_invalid */
	POW_WEAK,		/* not enough zero bits, or below the current
				 * base (configuration raised): 403 */
	POW_EXPIRED,		/* genuine and solved, but too late: 428 */
};

/* A parsed header: the challenge bytes and the counter. */
struct pow_solution {
	unsigned char	 ps_chal[POW_CHALLENGE_LEN];
	unsigned char	 ps_counter[POW_COUNTER_LEN];
	int		 ps_bits;
	uint64_t	 ps_expires;
};

/* The policy, from the configuration (pow_* keys). */
struct pow_policy {
	int	 pp_base;		/* bits every challenge has */
	int	 pp_max;		/* bits no challenge exceeds */
	int	 pp_load_max;		/* most bits load can add */
	int	 pp_source_free;	/* challenges per source that add 0 */
	int	 pp_source_per_bit;	/* then one bit per this many */
	int	 pp_source_limit;	/* from this score on: 429 */
	int	 pp_ttl_s;		/* challenge lifetime */
};

struct pow;

/*
 * ikm: the reporter-session key (RSESSION_KEY_LEN bytes) the challenge key
 * is derived from, or NULL for a random key of this process.  capacity:
 * entries of the spent table.  NULL on failure.
 */
struct pow	*pow_new(const unsigned char *ikm, size_t ikmlen,
		    const struct pow_policy *pol, size_t capacity);
/* Wipes the key. */
void		 pow_free(struct pow *);
const struct pow_policy *pow_policy(const struct pow *);

/*
 * Difficulty for a source whose score (this challenge included) is
 * score, with the Argon2id queue's expected wait at load (a fraction of
 * the request budget; 0 when a worker is free).
 */
int		 pow_bits(const struct pow_policy *pol, double score,
		    double load);
/*
 * Issue a challenge to the source tag: charges the source at now (a
 * monotonic clock, as the scores use), then writes the hex challenge
 * (NUL-terminated), expiring pp_ttl_s after wall (seconds since the
 * epoch: other processes check it), and its bits.  -1 when the source is
 * at its limit (*retry_after_s says when it may ask again) or on a
 * failure of the random source (*retry_after_s 0).
 */
int		 pow_issue(struct pow *, const unsigned char *tag, double now,
		    uint64_t wall, double load,
		    char hex[POW_CHALLENGE_HEXLEN + 1], int *bits,
		    int *retry_after_s);
/* Charge the source for a request answered from a record only (a retry
 * with a spent or expired solution); -1 (and *retry_after_s) at the
 * limit, like pow_issue(). */
int		 pow_charge(struct pow *, const unsigned char *tag, double now,
		    int *retry_after_s);
/* The source's decayed score (tests, figures). */
double		 pow_score(struct pow *, const unsigned char *tag, double now);

/* Parse "<84 hex>:<16 hex>" (surrounding blanks allowed); 0 or -1. */
int		 pow_parse(const char *value, size_t len,
		    struct pow_solution *out);
/* Leading zero bits of a SHA-256 digest. */
int		 pow_zero_bits(const unsigned char digest[32]);
/* Does the counter solve the challenge?  1 or 0. */
int		 pow_solved(const struct pow_solution *);
/*
 * The whole check of a header value (NULL: missing) at now, cheap: one
 * HMAC and one SHA-256.  sol gets the parse when the verdict is POW_OK or
 * POW_EXPIRED.  Spent or not is pow_is_spent()'s question.
 */
enum pow_verdict pow_check(struct pow *, const char *value, uint64_t now,
		    struct pow_solution *sol);
/* Has this solution been spent here? */
int		 pow_is_spent(struct pow *, const struct pow_solution *,
		    uint64_t now);
/* Spend it: 0, or -1 when the table has no room (answer 503). */
int		 pow_spend(struct pow *, const struct pow_solution *,
		    uint64_t now);
/* Undo pow_spend() for a request that did nothing (refused by admission,
 * dropped unhashed), so its solution stays good for a retry. */
void		 pow_unspend(struct pow *, const struct pow_solution *);

#endif /* MELDPUNT_POW_H */
