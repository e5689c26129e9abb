/*
 * The staff process's clock for deadline evaluation only.  In production
 * it is the system clock.  A test may move it forward through a file named
 * by the configuration key insecure_test_clock_file (an offset in seconds,
 * re-read at most once per second); see docs/staff-api.md "Test clock".
 * Nothing security-relevant uses this clock: TOTP steps use the real
 * time, and session expiry and every stored timestamp use the database's
 * now(), so a moved clock can only mislabel which cases are overdue.
 */
#ifndef MELDPUNT_CLOCK_H
#define MELDPUNT_CLOCK_H

#include <time.h>

/* path NULL: the system clock.  The string is copied. */
int	 clock_init(const char *path);
void	 clock_free(void);
/* Seconds since the epoch, offset applied. */
time_t	 clock_now(void);
long	 clock_offset(void);
/* "YYYY-MM-DD" (UTC) and an RFC 3339 timestamp of clock_now(). */
void	 clock_today(char buf[11]);
void	 clock_timestamp(char buf[32]);

#endif
