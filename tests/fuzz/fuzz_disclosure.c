/*
 * libFuzzer harness for the research query parser and, when the input
 * parses, a protect-and-render run on a small table derived from the
 * input bytes (stats/disclosure.c).  FUZZ_SOURCES: stats/disclosure.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/disclosure.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct disclosure_query	 q;
	struct disclosure_table	*t;
	struct disclosure_buf	 b;
	struct disclosure_rng	 rng;
	const char		*cols[DISCLOSURE_NDIMS];
	char			*s, err[160], lv[DISCLOSURE_NDIMS][4];
	size_t			 i;
	int			 d;

	if (size > 4096 || (s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	if (disclosure_query_parse(s, &q, err, sizeof(err)) == 0 &&
	    q.q_to - q.q_from < 24 &&
	    (t = disclosure_table_for_query(&q)) != NULL) {
		for (i = 0; i < size && i < 64; i++) {
			for (d = 0; d < DISCLOSURE_NDIMS; d++) {
				lv[d][0] = (char)('a' + (data[i] >> d) % 3);
				lv[d][1] = '\0';
				cols[d] = lv[d];
			}
			disclosure_table_add_row(t, &q, cols, data[i] % 16);
		}
		disclosure_rng_init_seed(&rng, size);
		memset(&b, 0, sizeof(b));
		if (disclosure_table_protect(t, q.q_k ? q.q_k : 10,
		    q.q_epsilon > 0 ? q.q_epsilon : 0, &rng, err,
		    sizeof(err)) == 0)
			disclosure_render(t, &q, &(struct disclosure_meta){
			    10, 0, "1", "10", "2027-01-01" }, &b);
		disclosure_buf_free(&b);
		disclosure_table_free(t);
	}
	free(s);
	return (0);
}
