/*
 * PROXY protocol v2 header parser (see proxyproto.h).  Layout, from
 * HAProxy's proxy-protocol.txt section 2.2: a 12-byte signature; one byte
 * version (high nibble, must be 2) and command (low nibble: 0 LOCAL,
 * 1 PROXY); one byte address family and transport; a 16-bit big-endian
 * length of what follows; then, for TCP over IPv4, source and destination
 * addresses (4 + 4) and ports (2 + 2), for IPv6 16 + 16 + 2 + 2, then
 * optional TLVs that we skip.
 */
#include <netinet/in.h>
#include <string.h>

#include "daemon/proxyproto.h"

static const unsigned char proxyproto_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define PP_CMD_LOCAL	0x0
#define PP_CMD_PROXY	0x1
#define PP_TCP4		0x11
#define PP_TCP6		0x21

enum proxyproto_result
proxyproto_parse(const unsigned char *buf, size_t len, size_t *need,
    struct sockaddr_storage *sa, socklen_t *salen)
{
	struct sockaddr_in	*s4;
	struct sockaddr_in6	*s6;
	size_t			 total, cmp;

	*need = 0;
	/* Refuse a wrong signature as early as its first wrong byte. */
	cmp = len < sizeof(proxyproto_sig) ? len : sizeof(proxyproto_sig);
	if (memcmp(buf, proxyproto_sig, cmp) != 0)
		return (PROXYPROTO_BAD);
	if (len < PROXYPROTO_HDR_LEN) {
		*need = PROXYPROTO_HDR_LEN - len;
		return (PROXYPROTO_MORE);
	}
	if ((buf[12] >> 4) != 2)
		return (PROXYPROTO_BAD);
	total = PROXYPROTO_HDR_LEN + ((size_t)buf[14] << 8 | buf[15]);
	if (total > PROXYPROTO_MAX_LEN)
		return (PROXYPROTO_BAD);
	if (len < total) {
		*need = total - len;
		return (PROXYPROTO_MORE);
	}
	if (len > total)
		return (PROXYPROTO_BAD);	/* caller read too much: a bug */
	switch (buf[12] & 0x0f) {
	case PP_CMD_LOCAL:
		return (PROXYPROTO_LOCAL);
	case PP_CMD_PROXY:
		break;
	default:
		return (PROXYPROTO_BAD);
	}
	memset(sa, 0, sizeof(*sa));
	switch (buf[13]) {
	case PP_TCP4:
		if (total < PROXYPROTO_HDR_LEN + 12)
			return (PROXYPROTO_BAD);
		s4 = (struct sockaddr_in *)sa;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, buf + 16, 4);
		memcpy(&s4->sin_port, buf + 24, 2);
		*salen = sizeof(*s4);
		return (PROXYPROTO_PROXY);
	case PP_TCP6:
		if (total < PROXYPROTO_HDR_LEN + 36)
			return (PROXYPROTO_BAD);
		s6 = (struct sockaddr_in6 *)sa;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, buf + 16, 16);
		memcpy(&s6->sin6_port, buf + 48, 2);
		*salen = sizeof(*s6);
		return (PROXYPROTO_PROXY);
	default:
		/* UNSPEC, UDP, Unix sockets: nothing a reporter comes from. */
		return (PROXYPROTO_BAD);
	}
}
