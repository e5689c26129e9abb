/*
 * The receipt-login limiter of the public process, in memory only and
 * keyed on http_req_peer_tag() (a keyed hash of the address, renewed
 * hourly), never on the address.  Policy (docs/reporter-api.md):
 *
 *  - per source: each login attempt adds 1 to a score that halves every
 *    RATELIMIT_HALFLIFE seconds.  Below RATELIMIT_FREE failures nothing
 *    happens; from then on the source must wait 2^(score - FREE) seconds
 *    (at most RATELIMIT_MAX_WAIT) after its last failure, and an attempt
 *    before that is answered 429 with Retry-After.  The attempt is
 *    charged before any work, so guesses kept in flight at once cannot
 *    pass the check together; success does not reset the score (a
 *    guesser with one real receipt could).
 *  - globally: a failure rate above RATELIMIT_SURGE per minute delays
 *    every login a little (at most RATELIMIT_SURGE_DELAY ms), but never
 *    refuses one, so a flood from many addresses cannot lock the real
 *    reporter out; the worker queue bound (503) caps the total cost.
 *
 * Times are passed in (seconds, fractional), so tests decide "now".
 * Loop thread only.
 */
#ifndef MELDPUNT_RATELIMIT_H
#define MELDPUNT_RATELIMIT_H

#include <stddef.h>

#define RATELIMIT_TAG_LEN	16
#define RATELIMIT_FREE		5
#define RATELIMIT_HALFLIFE	900.0	/* seconds */
#define RATELIMIT_MAX_WAIT	300	/* seconds */
#define RATELIMIT_SURGE		60.0	/* failures per minute, all sources */
#define RATELIMIT_SURGE_DELAY	1500	/* ms, the most anyone is slowed */

struct ratelimit;

struct ratelimit	*ratelimit_new(size_t capacity);
void			 ratelimit_free(struct ratelimit *);
/*
 * May this source try now?  0: yes, after *delay_ms (the surge delay,
 * often 0).  -1: not yet; *retry_after_s says when.
 */
int			 ratelimit_check(struct ratelimit *,
			    const unsigned char *tag, double now,
			    int *delay_ms, int *retry_after_s);
/* Record a failed attempt from this source: charge + global_fail. */
void			 ratelimit_fail(struct ratelimit *,
			    const unsigned char *tag, double now);
/* Charge an attempt to this source only (before its outcome is known). */
void			 ratelimit_charge(struct ratelimit *,
			    const unsigned char *tag, double now);
/* Count a failure in the global rate only. */
void			 ratelimit_global_fail(struct ratelimit *, double now);
/* Current decayed score of a source (tests), 0 when unknown. */
double			 ratelimit_score(struct ratelimit *,
			    const unsigned char *tag, double now);
/* Failures per minute over all sources, decayed (tests, metrics). */
double			 ratelimit_global_rate(struct ratelimit *, double now);

#endif /* MELDPUNT_RATELIMIT_H */
