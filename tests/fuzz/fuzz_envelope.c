/*
 * libFuzzer harness for the envelope parsers (crypto/envelope.c): the
 * same bytes go to the binary parser and, as text, to the JSON parser.
 * Whatever parses must serialise again and parse back to the same bytes,
 * so a parser that accepts something its writer cannot produce is caught
 * as well as a crash.  Seeds are in tests/fuzz/corpus/envelope/.
 *
 *   clang -fsanitize=fuzzer,address -I. tests/fuzz/fuzz_envelope.c \
 *       crypto/hpke.c crypto/envelope.c $(pkg-config --cflags --libs \
 *       libcrypto jansson)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/envelope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Serialise, parse again, and demand the same bytes. */
static void
round_trip(const struct envelope *e)
{
	struct envelope	*e2;
	uint8_t		*b, *b2;
	size_t		 blen, b2len;
	json_t		*j;
	char		*s;

	if (envelope_to_bytes(e, &b, &blen) == -1)
		abort();
	if ((e2 = envelope_from_bytes(b, blen)) == NULL ||
	    envelope_to_bytes(e2, &b2, &b2len) == -1 ||
	    b2len != blen || memcmp(b, b2, blen) != 0)
		abort();
	free(b2);
	envelope_free(e2);
	if ((j = envelope_to_json(e)) == NULL ||
	    (s = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	if ((e2 = envelope_parse_json(s, strlen(s))) == NULL ||
	    envelope_to_bytes(e2, &b2, &b2len) == -1 ||
	    b2len != blen || memcmp(b, b2, blen) != 0)
		abort();
	free(b2);
	envelope_free(e2);
	free(s);
	json_decref(j);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope	*e;

	if ((e = envelope_from_bytes(data, size)) != NULL) {
		round_trip(e);
		envelope_free(e);
	}
	if ((e = envelope_parse_json((const char *)data, size)) != NULL) {
		round_trip(e);
		envelope_free(e);
	}
	return (0);
}
