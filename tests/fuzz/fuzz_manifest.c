/*
 * libFuzzer harness for manifest_parse() (crypto/manifest.c), the parser
 * of the signed key manifest (docs/crypto.md section 10).  Besides "no
 * crash", it checks the property the format promises: the parser accepts
 * exactly one spelling, so re-serialising an accepted manifest with
 * manifest_text() reproduces the input byte for byte.
 *
 * Built and run by tests/fuzz/run.sh (make fuzz) with every crypto/
 * source; the seed is the worked example of docs/crypto.md section 10.4.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/manifest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct manifest	*m;
	char		 err[128], *again;

	if ((m = manifest_parse((const char *)data, len, err,
	    sizeof(err))) == NULL)
		return (0);
	if ((again = manifest_text(m)) == NULL || strlen(again) != len ||
	    memcmp(again, data, len) != 0)
		abort();
	free(again);
	manifest_free(m);
	return (0);
}
