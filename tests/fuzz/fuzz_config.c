/*
 * libFuzzer harness for the configuration parser: the bytes become a file
 * (config_load reads paths) and must load or be refused with one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 path[64];
	struct config	*c;
	char		 err[CONFIG_ERRLEN];
	FILE		*fp;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz-config-%d", (int)getpid());
	if ((fp = fopen(path, "w")) == NULL)
		return (0);
	fwrite(data, 1, size, fp);
	fclose(fp);
	if ((c = config_new(size % 2 ? ROLE_STAFF : ROLE_PUBLIC)) == NULL)
		return (0);
	if (config_load(c, path, err, sizeof(err)) == -1 &&
	    strchr(err, '\n') != NULL)
		abort();	/* errors are one line */
	config_free(c);
	return (0);
}
