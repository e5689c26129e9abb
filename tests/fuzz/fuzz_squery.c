/*
 * libFuzzer target for daemon/squery.c (staff query strings).  The
 * module is pure, so it is compiled in directly.
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
	free(qs);
	return (0);
}
