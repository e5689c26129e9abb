/*
 * The HTTPS server of meldpuntd: TLS bufferevents on one libevent loop, a
 * strict parser (http_parse.h), hard limits, and JSON responses that always
 * carry the security headers.
 *
 * Limits enforced per connection: header bytes (431), body bytes (413), a
 * total deadline from a request's first byte to its last (a byte-drip does
 * not extend it), an idle keep-alive timeout, a write timeout, and a cap on
 * concurrent connections (excess connections are closed at once).  A
 * connection whose TLS handshake fails is closed; nothing is ever served
 * in plaintext.
 *
 * Ownership: a handler receives a request it does not own and must call
 * exactly one http_reply_*() for it, now or later (e.g. from a database or
 * worker callback).  If the client has gone away meanwhile the reply is
 * discarded; the request lives until the reply is made.
 */
#ifndef MELDPUNT_HTTP_H
#define MELDPUNT_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/ssl.h>

#include "daemon/http_parse.h"

struct event_base;
struct http_server;
struct http_request;

typedef void (*http_handler_fn)(struct http_request *req, void *arg);

#define HTTP_ROUTE_JSON_BODY	0x01	/* a body must be application/json */
#define HTTP_ROUTE_BINARY_BODY	0x02	/* ... application/octet-stream */

struct http_route {
	enum http_method rt_method;
	const char	*rt_path;	/* exact match */
	http_handler_fn	 rt_fn;
	int		 rt_flags;
};

struct http_limits {
	size_t		 hl_header_max;
	size_t		 hl_body_max;
	int		 hl_request_timeout_ms;
	int		 hl_idle_timeout_ms;
	int		 hl_write_timeout_ms;
	int		 hl_max_connections;
	int		 hl_hsts_max_age;
	/* Every connection starts with a PROXY v2 header (proxyproto.h). */
	int		 hl_proxy_protocol;
	/* SO_REUSEPORT: several processes share the listening port. */
	int		 hl_reuse_port;
};

/* ctx is borrowed (reference-counted by OpenSSL per connection); routes
 * are borrowed and must outlive the server. */
struct http_server *http_server_new(struct event_base *base, SSL_CTX *ctx,
		    const struct http_limits *lim, const struct http_route *routes,
		    size_t nroutes, void *arg);
/* Bind and listen; port 0 picks a free port (see http_server_port). */
int		 http_server_listen(struct http_server *s, const char *host,
		    int port);
int		 http_server_port(const struct http_server *s);
/*
 * Handler for GET and HEAD of paths no route names (static files); it
 * answers 404 itself when it has nothing.  Its route template in logs is
 * "(static)".
 */
void		 http_server_set_fallback(struct http_server *s,
		    http_handler_fn fn);
/*
 * Close the listening socket (new connections are refused at once), close
 * idle connections, and answer the requests in flight with "Connection:
 * close".  done(arg) runs on the loop once no connection is left.
 */
void		 http_server_drain(struct http_server *s, void (*done)(void *),
		    void *arg);
int		 http_server_connections(const struct http_server *s);
/* Also frees requests still owned by handlers: call it only after the
 * store and the worker pool are gone (nothing can reply any more). */
void		 http_server_free(struct http_server *s);

enum http_method http_req_method(const struct http_request *req);
const char	*http_req_path(const struct http_request *req);
const char	*http_req_query(const struct http_request *req);
const char	*http_req_header(const struct http_request *req, const char *name);
const unsigned char *http_req_body(const struct http_request *req, size_t *len);
/*
 * A 16-byte keyed hash of the client's address, for in-memory rate
 * limiting; the key is per process and renewed hourly.  -1 if the client
 * has gone.
 */
#define HTTP_PEER_TAG_LEN	16
int		 http_req_peer_tag(const struct http_request *req,
		    unsigned char *out);
/*
 * When the handler's time is up: CLOCK_MONOTONIC microseconds at which
 * the server answers 503 itself (request_timeout_ms after the handler
 * got the request).  Work that cannot finish by then is wasted.
 */
int64_t		 http_req_deadline(const struct http_request *req);
/*
 * Non-zero once the handler's reply can no longer reach the client (the
 * server answered 503 at the deadline, or the client left).  Atomic and
 * valid until the reply is made, so a worker thread may poll it and skip
 * work for a request that is already answered.
 */
const atomic_int *http_req_gone(const struct http_request *req);
/* The route's path template: safe to log (it carries no ids). */
const char	*http_req_route(const struct http_request *req);
/* Add a response header (copied).  At most 8 per response. */
int		 http_req_add_header(struct http_request *req, const char *name,
		    const char *value);

/* How many times the request carries header name (lower case). */
int		 http_req_header_count(const struct http_request *req,
		    const char *name);
/*
 * When the request deadline passes while a handler owns the request, call
 * fn(req, arg) once instead of answering 503 at once: a handler with a
 * statement in flight can then cancel it and answer what it knows.  fn
 * must reply within HTTP_DEADLINE_GRACE_MS; after that the server answers
 * 503 outcome_unknown itself and the handler's reply goes nowhere.
 */
#define HTTP_DEADLINE_GRACE_MS	2000
void		 http_req_on_deadline(struct http_request *req,
		    void (*fn)(struct http_request *, void *), void *arg);

/* Reply with a JSON document; takes ownership of body (may be NULL). */
void		 http_reply_json(struct http_request *req, int status,
		    json_t *body);
/* {"error":{"code":code,"message":message}}; 503 adds Retry-After. */
void		 http_reply_error(struct http_request *req, int status,
		    const char *code, const char *message);
/* Raw bytes with the given type (data copied); csp NULL = the JSON one. */
void		 http_reply_raw(struct http_request *req, int status,
		    const char *content_type, const void *data, size_t len,
		    const char *csp);

const char	*http_status_text(int status);

#endif
