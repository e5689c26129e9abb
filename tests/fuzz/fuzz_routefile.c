/*
 * libFuzzer target for admin/routefile.c (`meldctl route load` files).
 * The module is pure, so it is compiled in directly.
 */
#include <stdint.h>
#include <stdlib.h>

#include "admin/routefile.c"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct route_rule	*r = NULL;
	size_t			 n;
	char			 err[128];

	if (routefile_parse((const char *)data, len, &r, &n, err,
	    sizeof(err)) == 0)
		free(r);
	return (0);
}
