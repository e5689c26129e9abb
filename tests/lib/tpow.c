/*
 * The tests' proof-of-work client (tpow.h).  Blocking, like the rest of
 * tests/lib: a challenge request, then the solver on this thread.  Safe
 * from several threads (test_ha) as long as tpow_auto is left alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench/powsolve.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tpow.h"

int	 tpow_auto = 1;

int
tpow_fetch_solve(const char *from, int port, char line[TPOW_LINE_MAX],
    int *bits, long long *tries)
{
	struct tcl_resp	 r;
	json_t		*j = NULL;
	char		 value[PS_VALUE_LEN + 1];
	long long	 n = -1;
	int		 st;

	/* A GET: tcl_request_from() adds nothing to it. */
	st = tcl_request_from(from != NULL ? from : TCL_CLIENT_ADDR, port,
	    "GET", "/v1/challenge", NULL, NULL, &r);
	if (st == -1)
		return (-1);
	st = r.status;
	if (st == 200 && (j = json_loads(r.body, 0, NULL)) != NULL)
		n = ps_solve(json_string_value(json_object_get(j, "challenge")),
		    value, bits);
	json_decref(j);
	tcl_resp_clear(&r);
	if (st != 200)
		return (st);
	if (n < 0)
		return (-1);
	snprintf(line, TPOW_LINE_MAX, "Meldpunt-PoW: %s\r\n", value);
	if (tries != NULL)
		*tries = n;
	return (200);
}
