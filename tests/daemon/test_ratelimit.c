/*
 * The receipt-login limiter (daemon/ratelimit.c): a source is slowed
 * after RATELIMIT_FREE failures and recovers with time; other sources are
 * not affected; a global surge delays everyone a little but never
 * refuses; the table is bounded.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/ratelimit.h"

static void
tag_of(unsigned char *t, int n)
{
	memset(t, 0, RATELIMIT_TAG_LEN);
	memcpy(t, &n, sizeof(n));
	t[8] = (unsigned char)(n * 7);
}

Test(ratelimit, one_source_is_slowed_and_recovers)
{
	struct ratelimit	*rl = ratelimit_new(1024);
	unsigned char		 a[16], b[16];
	int			 i, d, ra;
	double			 now = 1000;

	tag_of(a, 1);
	tag_of(b, 2);
	for (i = 0; i < RATELIMIT_FREE - 1; i++) {
		cr_assert_eq(ratelimit_check(rl, a, now, &d, &ra), 0);
		ratelimit_fail(rl, a, now);
	}
	cr_expect_eq(ratelimit_check(rl, a, now, &d, &ra), 0);
	ratelimit_fail(rl, a, now);
	ratelimit_fail(rl, a, now);
	cr_expect_eq(ratelimit_check(rl, a, now, &d, &ra), -1);
	cr_expect_geq(ra, 1);
	/* Another source is untouched. */
	cr_expect_eq(ratelimit_check(rl, b, now, &d, &ra), 0);
	cr_expect_eq(d, 0);
	/* After the wait it may try again; after hours the score is gone. */
	cr_expect_eq(ratelimit_check(rl, a, now + RATELIMIT_MAX_WAIT + 1, &d,
	    &ra), 0);
	cr_expect_lt(ratelimit_score(rl, a, now + 6 * 3600), 0.1);
	ratelimit_free(rl);
}

Test(ratelimit, surge_delays_but_never_refuses)
{
	struct ratelimit	*rl = ratelimit_new(4096);
	unsigned char		 t[16], fresh[16];
	int			 i, d, ra;
	double			 now = 5000;

	/* 1000 failures from 1000 sources within a few seconds. */
	for (i = 0; i < 1000; i++) {
		tag_of(t, 100 + i);
		ratelimit_fail(rl, t, now + i * 0.005);
	}
	tag_of(fresh, 99999);
	cr_expect_eq(ratelimit_check(rl, fresh, now + 5, &d, &ra), 0);
	cr_expect_gt(d, 0);
	cr_expect_leq(d, RATELIMIT_SURGE_DELAY);
	/* The surge fades. */
	cr_expect_eq(ratelimit_check(rl, fresh, now + 3600, &d, &ra), 0);
	cr_expect_eq(d, 0);
	ratelimit_free(rl);
}

Test(ratelimit, table_is_bounded)
{
	struct ratelimit	*rl = ratelimit_new(64);
	unsigned char		 t[16], hot[16];
	int			 i, d, ra;

	tag_of(hot, 7);
	for (i = 0; i < 10; i++)
		ratelimit_fail(rl, hot, 100);
	for (i = 0; i < 100000; i++) {
		tag_of(t, 1000 + i);
		ratelimit_fail(rl, t, 100);
	}
	/* A flood of one-failure sources cannot evict the hot source. */
	cr_expect_eq(ratelimit_check(rl, hot, 100, &d, &ra), -1);
	ratelimit_free(rl);
}
