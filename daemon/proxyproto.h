/*
 * The PROXY protocol, version 2 (HAProxy's binary header), for a public
 * meldpuntd behind a TCP balancer.  Behind a balancer every connection
 * comes from the balancer's address, so the per-source receipt-login
 * limiter (ratelimit.h) would see one source for all reporters and lock
 * them all out after a handful of logins.  The balancer prepends, in
 * clear before the TLS ClientHello, the client's address; the daemon
 * tags that address instead of the balancer's (and, like every address,
 * never stores or logs it).
 *
 * Only version 2 is accepted (fixed layout, no text to parse).  A LOCAL
 * command (the balancer's own health checks) keeps the real peer.  The
 * parser is pure and incremental: it says how many more bytes it needs,
 * so the caller never reads past the header into the TLS stream.
 */
#ifndef MELDPUNT_PROXYPROTO_H
#define MELDPUNT_PROXYPROTO_H

#include <sys/socket.h>
#include <stddef.h>

#define PROXYPROTO_HDR_LEN	16	/* signature, ver/cmd, family, length */
#define PROXYPROTO_MAX_LEN	(PROXYPROTO_HDR_LEN + 512)

enum proxyproto_result {
	PROXYPROTO_MORE,	/* *need more bytes are needed */
	PROXYPROTO_PROXY,	/* *sa holds the client's address */
	PROXYPROTO_LOCAL,	/* balancer's own connection: keep the peer */
	PROXYPROTO_BAD,		/* not a v2 header: close the connection */
};

/*
 * Look at the first len bytes of a connection.  On PROXYPROTO_MORE, *need
 * is the number of bytes still missing (never beyond the header's end).
 * On PROXYPROTO_PROXY, sa/salen receive an AF_INET or AF_INET6 address
 * (port included, unused).  Headers longer than PROXYPROTO_MAX_LEN are
 * refused; TLV extensions after the addresses are skipped.
 */
enum proxyproto_result proxyproto_parse(const unsigned char *buf, size_t len,
		    size_t *need, struct sockaddr_storage *sa,
		    socklen_t *salen);

#endif /* MELDPUNT_PROXYPROTO_H */
