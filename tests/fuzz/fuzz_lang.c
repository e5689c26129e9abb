/*
 * libFuzzer target for the language choice of every public request:
 * the Accept-Language header (forms/i18n.c i18n_accept), a language code
 * (i18n_parse, also fed from a body's "lang") and the ?lang= query
 * parameter (daemon/rparse.c rparse_query_lang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/rparse.h"
#include "forms/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	enum i18n_lang	 l;
	char		*s, want[17];

	if ((s = malloc(len + 1)) == NULL)
		return (0);
	memcpy(s, data, len);
	s[len] = '\0';
	l = i18n_accept(s);
	if ((int)l < 0 || l >= I18N_NLANG)
		__builtin_trap();
	if (i18n_parse(s, &l) == 0 && ((int)l < 0 || l >= I18N_NLANG))
		__builtin_trap();
	if (rparse_query_lang(s, want, sizeof(want)) == 1) {
		if (strlen(want) >= sizeof(want))
			__builtin_trap();
		(void)i18n_parse(want, &l);
	}
	free(s);
	return (0);
}
