/*
 * The logging module.  Lines go to stderr (with a level prefix), to syslog
 * when configured, and to an optional sink that tests install to inspect
 * everything the daemon says.  errno-carrying variants append strerror(),
 * which never contains request data.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "daemon/log.h"

static enum log_level	 log_level = LOG_LVL_INFO;
static int		 log_syslog;
static log_sink_fn	 log_sink;
static void		*log_sink_arg;
/* Worker threads may log too; keep lines whole. */
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

void
log_init(enum log_level level, int use_syslog, const char *ident)
{
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_parse_level(const char *s, enum log_level *out)
{
	if (strcmp(s, "warn") == 0)
		*out = LOG_LVL_WARN;
	else if (strcmp(s, "info") == 0)
		*out = LOG_LVL_INFO;
	else if (strcmp(s, "debug") == 0)
		*out = LOG_LVL_DEBUG;
	else
		return (-1);
	return (0);
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
	pthread_mutex_lock(&log_mtx);
	log_sink = fn;
	log_sink_arg = arg;
	pthread_mutex_unlock(&log_mtx);
}

static void
log_vemit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const char *const names[] = { "warning", "info", "debug" };
	static const int prios[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char	 line[1024];
	int	 n;

	if (level > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (errnum != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ": %s", strerror(errnum));

	pthread_mutex_lock(&log_mtx);
	fprintf(stderr, "meldpuntd: %s: %s\n", names[level], line);
	if (log_syslog)
		syslog(prios[level], "%s", line);
	if (log_sink != NULL)
		log_sink(level, line, log_sink_arg);
	pthread_mutex_unlock(&log_mtx);
}

#define LOG_BODY(lvl, errnum) do {		\
	va_list	 ap;				\
	va_start(ap, fmt);			\
	log_vemit((lvl), (errnum), fmt, ap);	\
	va_end(ap);				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	int	 saved = errno;

	LOG_BODY(LOG_LVL_WARN, saved);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_WARN, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_DEBUG, 0);
}

void
fatalx(int code, const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_WARN, 0);
	exit(code);
}
