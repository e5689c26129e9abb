/*
 * Query strings of the staff API (filters of GET /v1/staff/cases and the
 * case id of GET /v1/staff/case): "name=value&name=value", percent-
 * encoding and '+' decoded, strict.  Pure and fuzzed
 * (tests/fuzz/fuzz_squery.c); never logs (values can be ids).
 */
#ifndef MELDPUNT_SQUERY_H
#define MELDPUNT_SQUERY_H

#include <stddef.h>

#define SQUERY_MAX	2048	/* longest query string looked at */

/*
 * Find name in qs (NULL or "" is an empty query) and decode its value
 * into out (NUL-terminated).  Returns 1 when found, 0 when absent, -1
 * when the query is malformed: a bad escape, a control or non-ASCII
 * byte after decoding, a value that does not fit, a name given twice,
 * an empty name, or a longer query than SQUERY_MAX.
 */
int	squery_get(const char *qs, const char *name, char *out,
	    size_t outlen);
/*
 * Is d a real calendar date YYYY-MM-DD (years 1000-9999, leap years
 * counted)?  Checked here so that no malformed date ever reaches
 * PostgreSQL, whose log would repeat the rejected value.
 */
int	squery_date(const char *d);
/* Is v one of the words in allowed (NULL-terminated)? */
int	squery_word(const char *v, const char *const *allowed);
/* 0 when every name in qs is in allowed (NULL-terminated), else -1. */
int	squery_check(const char *qs, const char *const *allowed);

#endif
