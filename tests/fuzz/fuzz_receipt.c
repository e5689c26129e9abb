/*
 * libFuzzer harness for the parsers in crypto/ that read reporter input
 * before anything else does: receipt_parse() and the strict base64
 * decoder every JSON base64 field goes through.  Besides "no crash",
 * it checks the properties the daemon relies on: an accepted receipt is
 * 16 ASCII digits with a valid check digit that survives format and
 * re-parse, whatever script's digits were typed, and base64 is
 * canonical (re-encoding an accepted input reproduces it byte for
 * byte).
 *
 *   clang -fsanitize=fuzzer,address -I. tests/fuzz/fuzz_receipt.c \
 *       crypto/receipt.c crypto/secret.c \
 *       $(pkg-config --cflags --libs libcrypto libargon2)
 *   ./a.out -max_total_time=20 tests/fuzz/corpus/receipt
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "crypto/receipt.h"
#include "crypto/secret.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_receipt(const char *in, size_t len)
{
	char	 d[RECEIPT_DIGITS + 1], d2[RECEIPT_DIGITS + 1];
	char	 disp[RECEIPT_DISPLAY_LEN + 1];
	size_t	 i;

	if (receipt_parse(in, len, d) == -1)
		return;
	if (strlen(d) != RECEIPT_DIGITS || !receipt_is_valid(d))
		abort();
	/* Of ASCII, only digits and the two separators pass. */
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x80 && (in[i] < '0' ||
		    in[i] > '9') && in[i] != ' ' && in[i] != '-')
			abort();
	if (receipt_format(d, disp) == -1)
		abort();
	if (receipt_parse(disp, strlen(disp), d2) == -1 || strcmp(d, d2) != 0)
		abort();
}

static void
fuzz_b64(const char *in, size_t len)
{
	unsigned char	*dec;
	char		*enc;
	size_t		 n, elen;

	if (secret_b64_decode(in, len, &dec, &n) == -1) {
		if (dec != NULL || n != 0)
			abort();
		return;
	}
	if (dec == NULL || secret_b64_encode(dec, n, &enc, &elen) == -1)
		abort();
	if (elen != len || memcmp(enc, in, len) != 0)
		abort();
	OPENSSL_free(enc);
	OPENSSL_free(dec);
}

static void
fuzz_hex(const char *in, size_t len)
{
	unsigned char	 out[64];
	char		 back[129];

	if (len % 2 != 0 || len / 2 > sizeof(out))
		return;
	if (secret_hex_decode(in, len, out, len / 2) == -1)
		return;
	secret_hex_encode(out, len / 2, back);
	if (strncasecmp(back, in, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;

	fuzz_receipt(in, size);
	fuzz_b64(in, size);
	fuzz_hex(in, size);
	return (0);
}
