/*
 * A small blocking HTTPS client for tests, on OpenSSL directly, so tests
 * can also do what no well-behaved client library would: drip bytes, send
 * plaintext to the TLS port, pipeline, or stall.
 */
#ifndef MELDPUNT_TCLIENT_H
#define MELDPUNT_TCLIENT_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Every test connection comes from this address (see tcl_connect). */
#define TCL_CLIENT_ADDR	"127.0.0.7"

struct tcl_conn {
	int	 fd;
	SSL	*ssl;		/* NULL for a plaintext connection */
};

struct tcl_resp {
	int	 status;
	char	*head;		/* status line and headers, NUL-terminated */
	char	*body;		/* NUL-terminated */
	size_t	 bodylen;
};

/* TCP to 127.0.0.1:port; with tls, a full handshake (no verification). */
struct tcl_conn	*tcl_connect(int port, int tls);
/* As tcl_connect with TLS, restricted to one protocol version (e.g.
 * TLS1_1_VERSION) and, if not NULL, a TLS 1.2 cipher list. */
struct tcl_conn	*tcl_connect_tls(int port, int version, const char *ciphers);
void		 tcl_close(struct tcl_conn *c);
int		 tcl_write(struct tcl_conn *c, const void *buf, size_t len);
/* Read one response; -1 on EOF/error/timeout before a full response. */
int		 tcl_read_resp(struct tcl_conn *c, int timeout_ms,
		    struct tcl_resp *r);
/* Read whatever arrives until EOF or timeout; returns bytes read, -1 on
 * timeout (peer still open). */
long		 tcl_read_until_close(struct tcl_conn *c, int timeout_ms,
		    char *buf, size_t len);
void		 tcl_resp_clear(struct tcl_resp *r);
/* Header value in a response (case-insensitive name), malloc'd, or NULL. */
char		*tcl_resp_header(const struct tcl_resp *r, const char *name);

/* One request on a fresh connection.  body may be NULL. */
int		 tcl_request(int port, const char *method, const char *path,
		    const char *extra_headers, const char *body,
		    struct tcl_resp *r);
/* The same from another loopback address (e.g. "127.0.3.9"), so that a
 * test can be many sources to the per-source login limiter. */
int		 tcl_request_from(const char *from, int port,
		    const char *method, const char *path,
		    const char *extra_headers, const char *body,
		    struct tcl_resp *r);

#endif
