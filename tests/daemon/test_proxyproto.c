/*
 * PROXY protocol v2 headers (daemon/proxyproto.c): the addresses HAProxy
 * sends for TCP over IPv4 and IPv6, LOCAL health checks, incremental
 * reading that never asks for a byte past the header, and refusal of
 * version 1 text, wrong signatures, unknown commands and families, and
 * oversized lengths.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/proxyproto.h"

static const unsigned char sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* A v2 header: ver/cmd, family, then body of len bytes; returns total. */
static size_t
hdr(unsigned char *buf, int vercmd, int fam, const unsigned char *body,
    size_t len)
{
	memcpy(buf, sig, 12);
	buf[12] = (unsigned char)vercmd;
	buf[13] = (unsigned char)fam;
	buf[14] = (unsigned char)(len >> 8);
	buf[15] = (unsigned char)len;
	memcpy(buf + 16, body, len);
	return (16 + len);
}

Test(proxyproto, tcp4_read_byte_by_byte_gives_the_client_address)
{
	unsigned char		 buf[64], body[12 + 5] = { 192, 0, 2, 7,
				     127, 0, 0, 1, 0x30, 0x39, 0x20, 0xfb,
				     /* a TLV the parser must skip */
				     0x04, 0x00, 0x02, 'h', 'i' };
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	size_t			 total, have = 0, need;
	enum proxyproto_result	 r = PROXYPROTO_MORE;
	char			 txt[INET_ADDRSTRLEN];

	total = hdr(buf, 0x21, 0x11, body, sizeof(body));
	/* Feed exactly what it asks for, one byte at a time at most. */
	while ((r = proxyproto_parse(buf, have, &need, &ss, &sl)) ==
	    PROXYPROTO_MORE) {
		cr_assert_gt(need, 0);
		cr_assert_leq(have + need, total, "asked past the header");
		have++;
	}
	cr_assert_eq(have, total);
	cr_assert_eq(r, PROXYPROTO_PROXY);
	cr_assert_eq(ss.ss_family, AF_INET);
	cr_assert_eq(sl, sizeof(struct sockaddr_in));
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, txt,
	    sizeof(txt));
	cr_expect_str_eq(txt, "192.0.2.7");
	cr_expect_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 12345);
}

Test(proxyproto, tcp6_and_local)
{
	unsigned char		 buf[128], body[36];
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	size_t			 n, need;
	char			 txt[INET6_ADDRSTRLEN];

	memset(body, 0, sizeof(body));
	inet_pton(AF_INET6, "2001:db8::1", body);
	n = hdr(buf, 0x21, 0x21, body, sizeof(body));
	cr_assert_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_PROXY);
	cr_assert_eq(ss.ss_family, AF_INET6);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, txt,
	    sizeof(txt));
	cr_expect_str_eq(txt, "2001:db8::1");
	/* HAProxy's own health check: LOCAL, no address. */
	n = hdr(buf, 0x20, 0x00, body, 0);
	cr_expect_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_LOCAL);
}

Test(proxyproto, refuses_what_is_not_a_v2_proxy_header)
{
	unsigned char		 buf[700], body[600];
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	size_t			 n, need;
	const char		*v1 = "PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\n";
	const unsigned char	 tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };

	memset(body, 0, sizeof(body));
	cr_expect_eq(proxyproto_parse((const unsigned char *)v1, strlen(v1),
	    &need, &ss, &sl), PROXYPROTO_BAD);
	/* A TLS ClientHello straight away (no balancer in front). */
	cr_expect_eq(proxyproto_parse(tls, sizeof(tls), &need, &ss, &sl),
	    PROXYPROTO_BAD);
	n = hdr(buf, 0x11, 0x11, body, 12);		/* version 1 */
	cr_expect_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_BAD);
	n = hdr(buf, 0x22, 0x11, body, 12);		/* command 2 */
	cr_expect_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_BAD);
	n = hdr(buf, 0x21, 0x12, body, 12);		/* UDP */
	cr_expect_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_BAD);
	n = hdr(buf, 0x21, 0x11, body, 8);		/* too short for TCP4 */
	cr_expect_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_BAD);
	n = hdr(buf, 0x21, 0x21, body, 20);		/* too short for TCP6 */
	cr_expect_eq(proxyproto_parse(buf, n, &need, &ss, &sl),
	    PROXYPROTO_BAD);
	n = hdr(buf, 0x21, 0x11, body, 600);		/* over the limit */
	cr_expect_eq(proxyproto_parse(buf, 16, &need, &ss, &sl),
	    PROXYPROTO_BAD);
	(void)n;
}
