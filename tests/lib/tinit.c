/*
 * Process set-up every test binary needs before its first test: what
 * meldpuntd and meldctl do at the top of main().  A constructor, because
 * Criterion owns main() and runs each test in a fresh worker process;
 * it runs in every one of them.  Today that is libsodium's one-time
 * initialisation (it picks the Argon2 code for this CPU), so the tests
 * hash on the same implementation the daemon does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "crypto/secret.h"

static void tinit(void) __attribute__((constructor));

static void
tinit(void)
{
	if (secret_init() == -1) {
		fprintf(stderr, "tests: libsodium cannot initialise\n");
		abort();
	}
}
