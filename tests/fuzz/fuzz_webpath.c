/*
 * libFuzzer target for static paths (daemon/web.c): the reference page's
 * files are loaded from web/ as meldpuntd loads them, then any request
 * path is looked up; only a listed file may ever be found, and a path
 * with "..", "//" or a NUL can never name one.  web.c is included so that
 * its file-private lookup is reachable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/web.c"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 err[256];

	(void)argc;
	(void)argv;
	if (web_load("web", err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_webpath: run from the top: %s\n", err);
		abort();
	}
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct web_file	*f;
	char			*p;

	if ((p = malloc(len + 1)) == NULL)
		return (0);
	memcpy(p, data, len);
	p[len] = '\0';
	if ((f = web_find(p)) != NULL && (strstr(p, "..") != NULL ||
	    strstr(p, "//") != NULL || f->wf_len == 0 || p[0] != '/'))
		__builtin_trap();
	free(p);
	return (0);
}
