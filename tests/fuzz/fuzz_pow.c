/*
 * libFuzzer target for the Meldpunt-PoW header (daemon/pow.c): the parse
 * (syntax, version, bits) and the whole check a submission gets before
 * its body is read (MAC, work, expiry), then the spent table.  A fixed
 * key and one genuine solved challenge are in the seed corpus
 * (tests/fuzz/corpus/pow/), so mutations start past the MAC.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pow.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct pow	*pw;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const unsigned char	 ikm[32] = "fuzz pow key: not a real key!!!";
	const struct pow_policy		 pol = { .pp_base = 4, .pp_max = 24,
	    .pp_load_max = 4, .pp_source_free = 3, .pp_source_per_bit = 2,
	    .pp_source_limit = 30, .pp_ttl_s = 600 };
	struct pow_solution		 s;
	char				*h;

	if (pw == NULL && (pw = pow_new(ikm, sizeof(ikm), &pol, 1024)) ==
	    NULL)
		abort();
	if ((h = malloc(len + 1)) == NULL)
		return (0);
	memcpy(h, data, len);
	h[len] = '\0';
	(void)pow_parse(h, len, &s);
	if (pow_check(pw, h, 1000, &s) == POW_OK &&
	    !pow_is_spent(pw, &s, 1000) && pow_spend(pw, &s, 1000) == 0)
		pow_unspend(pw, &s);
	free(h);
	return (0);
}
