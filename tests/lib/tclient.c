/*
 * Test HTTPS client.  Blocking sockets with poll() timeouts: tests are
 * sequential programs and should read like the protocol exchange they
 * check.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tests/lib/tclient.h"
#include "tests/lib/tpow.h"

static SSL_CTX	*tcl_ctx;

static SSL_CTX *
tcl_get_ctx(void)
{
	if (tcl_ctx == NULL) {
		tcl_ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(tcl_ctx, SSL_VERIFY_NONE, NULL);
	}
	return (tcl_ctx);
}

static long
tcl_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

static struct tcl_conn *
tcl_connect_ctx(int port, SSL_CTX *ctx, const char *from);

struct tcl_conn *
tcl_connect(int port, int tls)
{
	return (tcl_connect_ctx(port, tls ? tcl_get_ctx() : NULL,
	    TCL_CLIENT_ADDR));
}

struct tcl_conn *
tcl_connect_tls(int port, int version, const char *ciphers)
{
	SSL_CTX		*ctx;
	struct tcl_conn	*c;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return (NULL);
	/* Let OpenSSL offer what the server must refuse. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	if (ciphers != NULL)
		SSL_CTX_set_cipher_list(ctx, ciphers);
	c = tcl_connect_ctx(port, ctx, TCL_CLIENT_ADDR);
	SSL_CTX_free(ctx);	/* connections hold their own reference */
	return (c);
}

static struct tcl_conn *
tcl_connect_ctx(int port, SSL_CTX *ctx, const char *from)
{
	struct tcl_conn		*c;
	struct sockaddr_in	 sin, src;

	/* A server that closes first must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		goto fail;
	/* Connect from a distinctive loopback address so that tests can
	 * prove the client's address never reaches a log or the database. */
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	if (inet_pton(AF_INET, from, &src.sin_addr) != 1)
		goto fail;
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) == -1)
		goto fail;
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto fail;
	if (ctx != NULL) {
		if ((c->ssl = SSL_new(ctx)) == NULL)
			goto fail;
		SSL_set_fd(c->ssl, c->fd);
		SSL_set_tlsext_host_name(c->ssl, "localhost");
		if (SSL_connect(c->ssl) != 1)
			goto fail;
	}
	return (c);
 fail:
	ERR_clear_error();
	tcl_close(c);
	return (NULL);
}

void
tcl_close(struct tcl_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd > 0)
		close(c->fd);
	free(c);
}

int
tcl_write(struct tcl_conn *c, const void *buf, size_t len)
{
	ssize_t	 n;

	if (c->ssl != NULL)
		return (SSL_write(c->ssl, buf, (int)len) == (int)len ? 0 : -1);
	while (len > 0) {
		if ((n = send(c->fd, buf, len, MSG_NOSIGNAL)) <= 0)
			return (-1);
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return (0);
}

/* Read some bytes with a deadline; 0 on EOF, -1 on error or timeout. */
static long
tcl_read_some(struct tcl_conn *c, char *buf, size_t len, long deadline)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
	long		 left;
	int		 n;

	if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
		return (SSL_read(c->ssl, buf, (int)len));
	for (;;) {
		left = deadline - tcl_now_ms();
		if (left <= 0)
			return (-1);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (c->ssl == NULL) {
			ssize_t	 r = read(c->fd, buf, len);

			/* A reset is the peer closing, to a test. */
			return (r == -1 && errno == ECONNRESET ? 0 : (long)r);
		}
		n = SSL_read(c->ssl, buf, (int)len);
		if (n > 0)
			return (n);
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			continue;
		case SSL_ERROR_ZERO_RETURN:
			return (0);
		default:
			ERR_clear_error();
			return (0);	/* reset or dirty close: EOF to a test */
		}
	}
}

int
tcl_read_resp(struct tcl_conn *c, int timeout_ms, struct tcl_resp *r)
{
	long	 deadline = tcl_now_ms() + timeout_ms, n;
	size_t	 cap = 65536, have = 0, headlen, clen = 0;
	char	*buf, *end, *cl;

	memset(r, 0, sizeof(*r));
	if ((buf = malloc(cap + 1)) == NULL)
		return (-1);
	for (;;) {
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			headlen = (size_t)(end - buf) + 4;
			r->head = strndup(buf, headlen);
			if ((cl = tcl_resp_header(r, "content-length")) != NULL) {
				clen = strtoul(cl, NULL, 10);
				free(cl);
			}
			if (have >= headlen + clen)
				break;
		}
		if (have == cap) {
			char	*nb;

			cap *= 2;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nb;
		}
		free(r->head);
		r->head = NULL;
		if ((n = tcl_read_some(c, buf + have, cap - have, deadline)) <= 0)
			goto fail;
		have += (size_t)n;
	}
	if (sscanf(buf, "HTTP/1.1 %d ", &r->status) != 1)
		goto fail;
	r->bodylen = clen;
	if ((r->body = malloc(clen + 1)) == NULL)
		goto fail;
	memcpy(r->body, buf + headlen, clen);
	r->body[clen] = '\0';
	free(buf);
	return (0);
 fail:
	free(buf);
	tcl_resp_clear(r);
	return (-1);
}

long
tcl_read_until_close(struct tcl_conn *c, int timeout_ms, char *buf, size_t len)
{
	long	 deadline = tcl_now_ms() + timeout_ms, n;
	size_t	 have = 0;

	for (;;) {
		if (have == len)
			have = 0;	/* keep reading, forget old bytes */
		n = tcl_read_some(c, buf + have, len - have, deadline);
		if (n == 0)
			return ((long)have);
		if (n < 0)
			return (-1);
		have += (size_t)n;
	}
}

void
tcl_resp_clear(struct tcl_resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *
tcl_resp_header(const struct tcl_resp *r, const char *name)
{
	const char	*p = r->head;
	size_t		 nl = strlen(name);

	while (p != NULL && (p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char	*v = p + nl + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			return (strndup(v, e != NULL ? (size_t)(e - v) :
			    strlen(v)));
		}
	}
	return (NULL);
}

int
tcl_request(int port, const char *method, const char *path,
    const char *extra_headers, const char *body, struct tcl_resp *r)
{
	return (tcl_request_from(TCL_CLIENT_ADDR, port, method, path,
	    extra_headers, body, r));
}

/*
 * A submission without a proof of work gets one (tpow.h), as the page
 * and any real client would; a challenge the port does not serve (the
 * staff port, a daemon without the route) leaves the request as it is.
 */
static void
tcl_pow(const char *from, int port, const char *method, const char *path,
    const char *extra, char line[TPOW_LINE_MAX])
{
	line[0] = '\0';
	if (!tpow_auto || strcmp(method, "POST") != 0 ||
	    strcmp(path, "/v1/reports") != 0 ||
	    (extra != NULL && strcasestr(extra, "meldpunt-pow:") != NULL))
		return;
	if (tpow_fetch_solve(from, port, line, NULL, NULL) != 200)
		line[0] = '\0';
}

int
tcl_request_from(const char *from, int port, const char *method,
    const char *path, const char *extra_headers, const char *body,
    struct tcl_resp *r)
{
	struct tcl_conn	*c;
	char		*req = NULL, pow[TPOW_LINE_MAX];
	int		 rc = -1, n;

	tcl_pow(from, port, method, path, extra_headers, pow);
	if ((c = tcl_connect_ctx(port, tcl_get_ctx(), from)) == NULL)
		return (-1);
	n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\n%s%s"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", method, path,
	    extra_headers != NULL ? extra_headers : "", pow,
	    body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	if (n < 0)
		goto done;
	if (tcl_write(c, req, (size_t)n) == -1)
		goto done;
	rc = tcl_read_resp(c, 10000, r);
 done:
	free(req);
	tcl_close(c);
	return (rc);
}
