/*
 * libFuzzer target for daemon/squery.c (staff query strings and the
 * case-list filter checks: states, calendar dates).  The module is pure,
 * so it is compiled in directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/squery.c"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "queue", "id", "after", NULL };
	char	*qs, out[64];

	if ((qs = malloc(len + 1)) == NULL)
		return (0);
	memcpy(qs, data, len);
	qs[len] = '\0';
	(void)squery_get(qs, "queue", out, sizeof(out));
	(void)squery_get(qs, "id", out, 2);
	(void)squery_check(qs, names);
	/* The case-list checks that run before any SQL: states and dates. */
	if (squery_get(qs, "state", out, sizeof(out)) == 1)
		(void)squery_word(out, (const char *const[]){ "new", "closed",
		    NULL });
	if (squery_get(qs, "from", out, sizeof(out)) == 1 &&
	    squery_date(out) && (strlen(out) != 10 || out[4] != '-'))
		__builtin_trap();
	free(qs);
	return (0);
}
