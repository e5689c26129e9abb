/*
 * The tests' proof-of-work client (docs/reporter-api.md "Proof of work";
 * the solver is bench/powsolve.h, written from the documentation, not
 * from daemon/pow.c).  tcl_request_from() uses it by itself for every
 * POST /v1/reports that carries no Meldpunt-PoW header, so tests of other
 * features submit as a real client does, with the daemon's default
 * pow_required = yes; tests of the proof of work itself send their own
 * header (or turn tpow_auto off to send none).
 */
#ifndef MELDPUNT_TESTS_TPOW_H
#define MELDPUNT_TESTS_TPOW_H

/* Non-zero (the default): tcl_request_from() solves for submissions. */
extern int	 tpow_auto;

/* "Meldpunt-PoW: <hex>:<counter>\r\n" fits in this. */
#define TPOW_LINE_MAX	160

/*
 * GET /v1/challenge from address from (NULL: TCL_CLIENT_ADDR) and solve
 * it: the header line (with its CRLF) into line.  *bits and *tries (each
 * may be NULL) get the difficulty and the hashes it took.  Returns the
 * HTTP status of the challenge request (200 when line was written), or
 * -1 when no request was made or the answer was not a challenge.
 */
int	 tpow_fetch_solve(const char *from, int port, char line[TPOW_LINE_MAX],
	    int *bits, long long *tries);

#endif /* MELDPUNT_TESTS_TPOW_H */
