/*
 * The injectable deadline clock (see clock.h).  The offset file holds one
 * decimal integer (seconds, may be negative); anything else is ignored
 * with a warning and the offset stays as it was.  One process-wide clock:
 * the staff process is single-threaded on its loop and only the loop
 * reads it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/clock.h"
#include "daemon/log.h"

static char	*clock_path;
static long	 clock_off;
static time_t	 clock_checked;

int
clock_init(const char *path)
{
	clock_free();
	if (path == NULL)
		return (0);
	if ((clock_path = strdup(path)) == NULL)
		return (-1);
	log_warnx("insecure_test_clock_file is set: deadline clocks follow "
	    "a test offset; never use this in production");
	return (0);
}

void
clock_free(void)
{
	free(clock_path);
	clock_path = NULL;
	clock_off = 0;
	clock_checked = 0;
}

static void
clock_reload(time_t real)
{
	FILE	*fp;
	char	 buf[32], *end;
	long	 v;

	if (clock_path == NULL || real == clock_checked)
		return;
	clock_checked = real;
	if ((fp = fopen(clock_path, "r")) == NULL)
		return;		/* no file yet: no offset change */
	if (fgets(buf, sizeof(buf), fp) != NULL) {
		errno = 0;
		v = strtol(buf, &end, 10);
		if (errno == 0 && end != buf && (*end == '\n' ||
		    *end == '\0') && v > -3153600000L && v < 3153600000L)
			clock_off = v;
		else
			log_warnx("%s: test clock file malformed", __func__);
	}
	fclose(fp);
}

time_t
clock_now(void)
{
	time_t	real = time(NULL);

	clock_reload(real);
	return (real + clock_off);
}

long
clock_offset(void)
{
	clock_reload(time(NULL));
	return (clock_off);
}

void
clock_today(char buf[11])
{
	time_t		t = clock_now();
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

void
clock_timestamp(char buf[32])
{
	time_t		t = clock_now();
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
