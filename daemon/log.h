/*
 * Logging for meldpuntd: one module, so that one place decides where lines
 * go (stderr, syslog, or a test sink) and one test can prove that nothing
 * secret reaches it.
 *
 * Rules for every caller (DESIGN §1.6): never pass report content, identity,
 * addresses, headers, paths with ids, tokens, receipts, keys, SQL parameters
 * or PQerrorMessage() text.  Log __func__, SQLSTATE, sizes and event ids.
 */
#ifndef MELDPUNT_LOG_H
#define MELDPUNT_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
	LOG_LVL_DEBUG = 2,
};

/* A sink receives each formatted line (without newline). */
typedef void (*log_sink_fn)(int level, const char *line, void *arg);

void	log_init(enum log_level level, int use_syslog, const char *ident);
void	log_set_level(enum log_level level);
int	log_parse_level(const char *s, enum log_level *out);
/* Install a sink that receives every line in addition; NULL removes it. */
void	log_set_sink(log_sink_fn fn, void *arg);

void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only: log and exit with the given code. */
void	fatalx(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
