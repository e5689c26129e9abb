/*
 * libFuzzer target for the reporter inbox's JSON bodies (daemon/rparse.c
 * rparse_inbox_body, used by POST /v1/reporter/session and POST
 * /v1/reporter/messages): any bytes are refused with a status, code and
 * pointer, or yield the one string member asked for.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "daemon/rparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct {
		const char	*want;
		size_t		 max;
	} bodies[] = { { "receipt", 64 }, { "text", 262144 } };
	struct rparse_err	 e;
	enum i18n_lang		 l;
	const char		*v;
	json_t			*root;
	size_t			 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		l = I18N_DEFAULT;
		memset(&e, 0, sizeof(e));
		v = rparse_inbox_body(data, len, bodies[i].want, bodies[i].max,
		    &root, &l, &e);
		if (v != NULL) {
			if (strlen(v) == 0 || json_is_null(root))
				__builtin_trap();
			json_decref(root);
		} else if (root != NULL || e.e_code == NULL ||
		    (e.e_status != 400 && e.e_status != 413))
			__builtin_trap();
	}
	return (0);
}
