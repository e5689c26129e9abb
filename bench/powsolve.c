/*
 * powsolve: the C proof-of-work solver (bench/powsolve.h) as a command,
 * for shell clients -- the installation and backup tests submit with
 * curl.  Reads the answer of GET /v1/challenge (JSON) on standard input
 * and prints the Meldpunt-PoW header value.  Exit 0, or 1 with a line on
 * standard error.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "bench/powsolve.h"

int
main(void)
{
	json_error_t	 e;
	json_t		*j;
	char		 value[PS_VALUE_LEN + 1];
	long long	 n;

	if ((j = json_loadf(stdin, 0, &e)) == NULL) {
		fprintf(stderr, "powsolve: not JSON: %s\n", e.text);
		return (1);
	}
	n = ps_solve(json_string_value(json_object_get(j, "challenge")), value,
	    NULL);
	json_decref(j);
	if (n < 0) {
		fprintf(stderr, "powsolve: no challenge to solve\n");
		return (1);
	}
	printf("%s\n", value);
	return (0);
}
