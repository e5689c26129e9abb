/*
 * libFuzzer harness for the PROXY v2 parser (daemon/proxyproto.c): any
 * bytes, fed whole and in the pieces the parser asks for, must give one
 * of its four answers without reading outside the buffer, and a PROXY
 * answer must carry an IPv4 or IPv6 address.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/proxyproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	size_t			 have = 0, need = 0;
	enum proxyproto_result	 r;

	if (len > PROXYPROTO_MAX_LEN)
		len = PROXYPROTO_MAX_LEN;
	(void)proxyproto_parse(data, len, &need, &ss, &sl);
	/* As the daemon reads: only what is asked for, never past it. */
	while ((r = proxyproto_parse(data, have, &need, &ss, &sl)) ==
	    PROXYPROTO_MORE) {
		if (need == 0 || have + need > len)
			return (0);
		have += need;
	}
	if (r == PROXYPROTO_PROXY && ss.ss_family != AF_INET &&
	    ss.ss_family != AF_INET6)
		abort();
	return (0);
}
