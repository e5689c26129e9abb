/*
 * libFuzzer target for the bearer-token headers of both roles: the staff
 * token (32 bytes, daemon/rparse.c rparse_bearer as ssession.c uses it)
 * and the reporter session token opened by a real session store
 * (daemon/rsession.c rsession_get: hex, version, AES-GCM tag, expiry)
 * that sealed one token.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/rparse.h"
#include "daemon/rsession.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct rsession_store	*store;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rsession_cred	 c;
	unsigned char		 hash[32], sid[RSESSION_HASH_LEN];
	char			*h, tok[RSESSION_TOKEN_HEXLEN + 1];
	time_t			 exp;

	if (store == NULL) {
		store = rsession_store_new(NULL, 900);
		memset(&c, 0, sizeof(c));
		if (store == NULL || rsession_create(store, &c, 1000, tok,
		    &exp, sid) == -1)
			abort();
	}
	if ((h = malloc(len + 1)) == NULL)
		return (0);
	memcpy(h, data, len);
	h[len] = '\0';
	(void)rparse_bearer(h, 32, hash);
	if (rsession_get(store, h, 1000, &c, sid) == 0)
		memset(&c, 0, sizeof(c));
	free(h);
	return (0);
}
