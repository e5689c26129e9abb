/*
 * libFuzzer harness for the HTTP request-head parser and the query
 * parameter decoder: arbitrary bytes must be refused or parsed, never
 * crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/http_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h;
	const char	*why;
	char		 out[256];
	int		 status, i;

	if (http_parse_head((const char *)data, size, &h, &status, &why) == 0) {
		/* Walk everything a handler could touch. */
		(void)http_head_get(&h, "host");
		for (i = 0; i < h.hd_nhdrs; i++)
			(void)strlen(h.hd_hdrs[i].value);
		if (h.hd_query != NULL)
			(void)http_query_param(h.hd_query, "lang", out,
			    sizeof(out));
		http_head_clear(&h);
	}
	return (0);
}
