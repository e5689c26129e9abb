/*
 * Login rate limiting (policy in ratelimit.h).  A fixed-size open
 * addressing table: the memory an attacker can make us spend is bounded
 * by the capacity chosen at start-up.  When the table is full, the entry
 * with the lowest decayed score in the probe window is replaced, so a
 * flood of fresh sources can only evict sources that barely failed;
 * entries older than two hours are dead anyway (the peer-tag key has
 * rotated since).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ratelimit.h"

#define PROBE		16
#define STALE		7200.0	/* seconds: tags rotate hourly */

struct rl_entry {
	unsigned char	e_tag[RATELIMIT_TAG_LEN];
	int		e_used;
	double		e_score;	/* at e_when */
	double		e_when;		/* last failure */
};

struct ratelimit {
	struct rl_entry	*rl_tab;
	size_t		 rl_cap;
	double		 rl_rate;	/* global failures/min at rl_rwhen */
	double		 rl_rwhen;
};

struct ratelimit *
ratelimit_new(size_t capacity)
{
	struct ratelimit	*rl;

	if (capacity < PROBE)
		capacity = PROBE;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return (NULL);
	if ((rl->rl_tab = calloc(capacity, sizeof(*rl->rl_tab))) == NULL) {
		free(rl);
		return (NULL);
	}
	rl->rl_cap = capacity;
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->rl_tab);
	free(rl);
}

static double
rl_decay(double score, double since)
{
	if (since <= 0)
		return (score);
	return (score * exp2(-since / RATELIMIT_HALFLIFE));
}

static size_t
rl_hash(const unsigned char *tag, size_t cap)
{
	uint64_t	 h;

	/* The tag is already a keyed MAC: its bytes are uniform. */
	memcpy(&h, tag, sizeof(h));
	return ((size_t)(h % cap));
}

/* The entry for tag, or (create != 0) a slot for it; NULL if none. */
static struct rl_entry *
rl_find(struct ratelimit *rl, const unsigned char *tag, double now,
    int create)
{
	struct rl_entry	*e, *victim = NULL;
	double		 vs = 0, s;
	size_t		 i, h = rl_hash(tag, rl->rl_cap);

	for (i = 0; i < PROBE; i++) {
		e = &rl->rl_tab[(h + i) % rl->rl_cap];
		if (e->e_used && memcmp(e->e_tag, tag, sizeof(e->e_tag)) == 0)
			return (e);
		if (!e->e_used || now - e->e_when > STALE)
			s = -1;
		else
			s = rl_decay(e->e_score, now - e->e_when);
		if (victim == NULL || s < vs) {
			victim = e;
			vs = s;
		}
	}
	if (!create)
		return (NULL);
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->e_tag, tag, sizeof(victim->e_tag));
	victim->e_used = 1;
	victim->e_when = now;
	return (victim);
}

double
ratelimit_score(struct ratelimit *rl, const unsigned char *tag, double now)
{
	struct rl_entry	*e = rl_find(rl, tag, now, 0);

	return (e == NULL ? 0 : rl_decay(e->e_score, now - e->e_when));
}

double
ratelimit_global_rate(struct ratelimit *rl, double now)
{
	/* An exponentially decayed count with a one-minute time constant. */
	return (rl->rl_rate * exp(-(now - rl->rl_rwhen) / 60.0));
}

int
ratelimit_check(struct ratelimit *rl, const unsigned char *tag, double now,
    int *delay_ms, int *retry_after_s)
{
	double	 score, wait, rate;

	*delay_ms = 0;
	*retry_after_s = 0;
	score = ratelimit_score(rl, tag, now);
	if (score >= RATELIMIT_FREE) {
		struct rl_entry	*e = rl_find(rl, tag, now, 0);

		wait = exp2(score - RATELIMIT_FREE);
		if (wait > RATELIMIT_MAX_WAIT)
			wait = RATELIMIT_MAX_WAIT;
		if (e != NULL && now < e->e_when + wait) {
			*retry_after_s = (int)ceil(e->e_when + wait - now);
			if (*retry_after_s < 1)
				*retry_after_s = 1;
			return (-1);
		}
	}
	rate = ratelimit_global_rate(rl, now);
	if (rate > RATELIMIT_SURGE) {
		/* 10 ms per failure/min above the threshold, bounded. */
		*delay_ms = (int)((rate - RATELIMIT_SURGE) * 10.0);
		if (*delay_ms > RATELIMIT_SURGE_DELAY)
			*delay_ms = RATELIMIT_SURGE_DELAY;
	}
	return (0);
}

void
ratelimit_fail(struct ratelimit *rl, const unsigned char *tag, double now)
{
	ratelimit_charge(rl, tag, now);
	ratelimit_global_fail(rl, now);
}

void
ratelimit_charge(struct ratelimit *rl, const unsigned char *tag, double now)
{
	struct rl_entry	*e = rl_find(rl, tag, now, 1);

	e->e_score = rl_decay(e->e_score, now - e->e_when) + 1.0;
	e->e_when = now;
}

void
ratelimit_global_fail(struct ratelimit *rl, double now)
{
	rl->rl_rate = ratelimit_global_rate(rl, now) + 1.0;
	rl->rl_rwhen = now;
}
