/*
 * HTTPS connections on bufferevents.  Each connection moves through a few
 * states, and one timer per connection enforces the deadline of the state
 * it is in: the TLS handshake and the first request share the request
 * deadline; a request's head and body must arrive within the total request
 * deadline counted from its first byte; a kept-alive connection waits at
 * most the idle timeout for the next request; a response must drain within
 * the write timeout.  Progress never re-arms the timer, so dripping bytes
 * buys a client nothing.
 *
 * One request is processed at a time per connection; reading is paused
 * while a handler runs, so a client cannot make us buffer more than one
 * request's worth of bytes.  Errors close the connection after the reply,
 * which keeps the parser from ever resynchronising on attacker bytes.
 *
 * Nothing here logs addresses, paths, headers or bodies: only the route
 * template, the status and sizes, at debug level.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/proxyproto.h"

#define HTTP_MAX_RESP_HEADERS	8

/* The default CSP fits JSON: nothing may load, frame or be framed. */
static const char csp_json[] =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'";

enum conn_state {
	CS_PROXY,	/* reading a PROXY v2 header; request deadline */
	CS_HANDSHAKE,	/* TLS handshake; request deadline */
	CS_IDLE,	/* kept alive, waiting for a request; idle timeout */
	CS_HEAD,	/* reading a head; request deadline */
	CS_BODY,	/* reading a body; same deadline */
	CS_BUSY,	/* a handler owns the request */
	CS_WRITING,	/* draining a response; write timeout */
};

struct http_conn;

struct http_request {
	struct http_server	*rq_srv;
	struct http_conn	*rq_conn;	/* NULL once the client left */
	const struct http_route	*rq_route;
	struct http_head	 rq_head;
	unsigned char		*rq_body;
	size_t			 rq_bodylen;
	char			*rq_hname[HTTP_MAX_RESP_HEADERS];
	char			*rq_hval[HTTP_MAX_RESP_HEADERS];
	int			 rq_nhdrs;
	int64_t			 rq_deadline_us; /* CS_BUSY's, http_mono_us() */
	atomic_int		 rq_gone;	/* workers read it; see http.h */
	/* The handler's deadline hook (http_req_on_deadline). */
	void			(*rq_deadline_fn)(struct http_request *,
				    void *);
	void			*rq_deadline_arg;
};

struct http_conn {
	TAILQ_ENTRY(http_conn)	 cn_entry;
	unsigned char		 cn_peer_tag[HTTP_PEER_TAG_LEN];
	struct http_server	*cn_srv;
	struct bufferevent	*cn_bev;
	struct event		*cn_timer;
	enum conn_state		 cn_state;
	struct http_request	*cn_req;	/* while CS_BODY or CS_BUSY */
	int			 cn_close;	/* close once written */
	/* CS_PROXY only: the raw socket, its read event and the header. */
	evutil_socket_t		 cn_fd;
	struct event		*cn_ppev;
	unsigned char		*cn_pp;
	size_t			 cn_pplen;
};

struct http_server {
	struct event_base	*sv_base;
	SSL_CTX			*sv_ctx;
	struct http_limits	 sv_lim;
	const struct http_route	*sv_routes;
	size_t			 sv_nroutes;
	void			*sv_arg;
	struct http_route	 sv_fallback_route;	/* GET/HEAD of unknown paths */
	struct evconnlistener	*sv_listener;
	TAILQ_HEAD(, http_conn)	 sv_conns;
	int			 sv_nconns;
	int			 sv_port;
	int			 sv_draining;
	void			(*sv_drained)(void *);
	void			*sv_drained_arg;
	struct event		*sv_drain_ev;
	/* Key for peer tags; random per process, replaced every hour. */
	unsigned char		 sv_peer_key[32];
	struct event		*sv_rotate_ev;
};

static void	http_conn_read(struct http_conn *);
static void	http_conn_free(struct http_conn *);
static void	http_conn_fail(struct http_conn *, int, const char *,
		    const char *);
static void	http_request_free(struct http_request *);

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 204: return ("No Content");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 409: return ("Conflict");
	case 411: return ("Length Required");
	case 413: return ("Content Too Large");
	case 414: return ("URI Too Long");
	case 415: return ("Unsupported Media Type");
	case 417: return ("Expectation Failed");
	case 422: return ("Unprocessable Content");
	case 428: return ("Precondition Required");
	case 429: return ("Too Many Requests");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 503: return ("Service Unavailable");
	case 505: return ("HTTP Version Not Supported");
	default: return ("Unknown");
	}
}

/* CLOCK_MONOTONIC in microseconds: the clock of http_req_deadline(). */
static int64_t
http_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void
http_timer_arm(struct http_conn *c, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->cn_timer, &tv);
}

static void
http_conn_set_state(struct http_conn *c, enum conn_state st)
{
	const struct http_limits *lim = &c->cn_srv->sv_lim;

	c->cn_state = st;
	switch (st) {
	case CS_BUSY:
		/* The moment http_timer_cb() answers 503 for the handler. */
		c->cn_req->rq_deadline_us = http_mono_us() +
		    (int64_t)lim->hl_request_timeout_ms * 1000;
		http_timer_arm(c, lim->hl_request_timeout_ms);
		break;
	case CS_PROXY:
	case CS_HANDSHAKE:
	case CS_HEAD:
		http_timer_arm(c, lim->hl_request_timeout_ms);
		break;
	case CS_BODY:
		/* Keeps the deadline that CS_HEAD armed. */
		break;
	case CS_IDLE:
		http_timer_arm(c, lim->hl_idle_timeout_ms);
		break;
	case CS_WRITING:
		http_timer_arm(c, lim->hl_write_timeout_ms);
		break;
	}
}

/* Called whenever a connection goes away: finish a pending drain. */
static void
http_server_check_drained(struct http_server *s)
{
	if (s->sv_draining && s->sv_nconns == 0 && s->sv_drained != NULL &&
	    s->sv_drain_ev != NULL)
		event_active(s->sv_drain_ev, EV_TIMEOUT, 0);
}

static void
http_conn_free(struct http_conn *c)
{
	struct http_server	*s;

	if (c == NULL)
		return;
	s = c->cn_srv;
	if (c->cn_req != NULL) {
		if (c->cn_state == CS_BUSY) {
			c->cn_req->rq_conn = NULL;	/* handler still owns it */
			atomic_store(&c->cn_req->rq_gone, 1);
		}
		else
			http_request_free(c->cn_req);
	}
	if (c->cn_timer != NULL)
		event_free(c->cn_timer);
	if (c->cn_bev != NULL)
		bufferevent_free(c->cn_bev);
	else if (c->cn_state == CS_PROXY)
		evutil_closesocket(c->cn_fd);	/* no bufferevent owns it yet */
	if (c->cn_ppev != NULL)
		event_free(c->cn_ppev);
	free(c->cn_pp);
	TAILQ_REMOVE(&s->sv_conns, c, cn_entry);
	s->sv_nconns--;
	free(c);
	http_server_check_drained(s);
}

static void
http_request_free(struct http_request *r)
{
	int	 i;

	if (r == NULL)
		return;
	http_head_clear(&r->rq_head);
	/* Bodies carry report content: wipe before release. */
	if (r->rq_body != NULL)
		OPENSSL_clear_free(r->rq_body, r->rq_bodylen);
	for (i = 0; i < r->rq_nhdrs; i++) {
		free(r->rq_hname[i]);
		free(r->rq_hval[i]);
	}
	free(r);
}

static void
http_write_headers(struct evbuffer *out, const struct http_server *s,
    int status, const char *ctype, size_t len, const char *csp, int close)
{
	char		 date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n"
	    "Strict-Transport-Security: max-age=%d\r\n"
	    "Content-Security-Policy: %s\r\n"
	    "Connection: %s\r\n",
	    status, http_status_text(status), date, ctype, len,
	    s->sv_lim.hl_hsts_max_age, csp != NULL ? csp : csp_json,
	    close ? "close" : "keep-alive");
}

/*
 * Queue a complete response on a live connection.  Extra headers come from
 * the request, if any.  Closes after writing when told to, when draining,
 * or when the client asked.
 */
static void
http_conn_send(struct http_conn *c, struct http_request *r, int status,
    const char *ctype, const void *data, size_t len, const char *csp)
{
	struct evbuffer	*out = bufferevent_get_output(c->cn_bev);
	int		 i, retry = 0;

	if (c->cn_srv->sv_draining)
		c->cn_close = 1;
	if (r != NULL && !r->rq_head.hd_keepalive)
		c->cn_close = 1;
	http_write_headers(out, c->cn_srv, status, ctype, len, csp, c->cn_close);
	for (i = 0; r != NULL && i < r->rq_nhdrs; i++) {
		evbuffer_add_printf(out, "%s: %s\r\n", r->rq_hname[i],
		    r->rq_hval[i]);
		if (strcasecmp(r->rq_hname[i], "Retry-After") == 0)
			retry = 1;
	}
	/* Every 503, of every layer, says when to come back. */
	if (status == 503 && !retry)
		evbuffer_add_printf(out, "Retry-After: 1\r\n");
	evbuffer_add(out, "\r\n", 2);
	if (len > 0 && (r == NULL || r->rq_head.hd_method != HTTP_HEAD))
		evbuffer_add(out, data, len);
	log_debug("%s %s -> %d (%zu bytes)", r != NULL ?
	    http_method_name(r->rq_head.hd_method) : "-",
	    r != NULL && r->rq_route != NULL ? r->rq_route->rt_path : "-",
	    status, len);
	/* Stop reading until the response is out; the write callback
	 * decides between keep-alive and close. */
	bufferevent_disable(c->cn_bev, EV_READ);
	bufferevent_enable(c->cn_bev, EV_WRITE);
	http_conn_set_state(c, CS_WRITING);
}

static char *
http_error_body(int status, const char *code, const char *message,
    size_t *len)
{
	json_t	*j;
	char	*s;

	(void)status;
	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
	    message);
	if (j == NULL)
		return (NULL);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s != NULL)
		*len = strlen(s);
	return (s);
}

/* Protocol-level failure before a handler ran: reply and close. */
static void
http_conn_fail(struct http_conn *c, int status, const char *code,
    const char *message)
{
	struct http_request	*r = c->cn_req;
	char			*body;
	size_t			 len = 0;

	c->cn_close = 1;
	if ((body = http_error_body(status, code, message, &len)) == NULL) {
		http_conn_free(c);
		return;
	}
	if (r != NULL && status == 405) {
		/* Allow: the methods this path does answer. */
		char	 allow[128] = "";
		size_t	 i, n = 0;

		for (i = 0; i < c->cn_srv->sv_nroutes; i++) {
			const struct http_route *rt = &c->cn_srv->sv_routes[i];
			int	 w;

			if (strcmp(rt->rt_path, r->rq_head.hd_path) != 0)
				continue;
			w = snprintf(allow + n, sizeof(allow) - n, "%s%s%s",
			    n > 0 ? ", " : "", http_method_name(rt->rt_method),
			    rt->rt_method == HTTP_GET ? ", HEAD" : "");
			if (w < 0 || (size_t)w >= sizeof(allow) - n)
				break;
			n += (size_t)w;
		}
		http_req_add_header(r, "Allow", allow);
	}
	http_conn_send(c, r, status, "application/json", body, len, NULL);
	free(body);
	if (r != NULL) {
		c->cn_req = NULL;
		http_request_free(r);
	}
}

static const struct http_route *
http_route_find(const struct http_server *s, const struct http_head *h,
    int *path_known)
{
	size_t	 i;

	*path_known = 0;
	for (i = 0; i < s->sv_nroutes; i++) {
		if (strcmp(s->sv_routes[i].rt_path, h->hd_path) != 0)
			continue;
		*path_known = 1;
		/* HEAD is GET without the body (RFC 9110 §9.3.2): the
		 * handler runs as for GET, http_conn_send() drops the
		 * body and keeps its Content-Length. */
		if (s->sv_routes[i].rt_method == h->hd_method ||
		    (h->hd_method == HTTP_HEAD &&
		    s->sv_routes[i].rt_method == HTTP_GET))
			return (&s->sv_routes[i]);
	}
	return (NULL);
}


static void
http_dispatch(struct http_conn *c)
{
	struct http_request	*r = c->cn_req;

	http_conn_set_state(c, CS_BUSY);
	bufferevent_disable(c->cn_bev, EV_READ);
	r->rq_route->rt_fn(r, c->cn_srv->sv_arg);
}

/* A complete head is in the input buffer at [0, headlen). */
static void
http_conn_head(struct http_conn *c, size_t headlen)
{
	struct evbuffer		*in = bufferevent_get_input(c->cn_bev);
	struct http_request	*r;
	const struct http_route	*rt;
	const char		*why, *ct, *expect;
	char			*raw;
	int			 status, known, json;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (raw = malloc(headlen)) == NULL) {
		free(r);
		http_conn_fail(c, 503, "unavailable", "Server busy.");
		return;
	}
	r->rq_srv = c->cn_srv;
	r->rq_conn = c;
	atomic_init(&r->rq_gone, 0);
	c->cn_req = r;
	evbuffer_remove(in, raw, headlen);
	if (http_parse_head(raw, headlen, &r->rq_head, &status, &why) == -1) {
		free(raw);
		http_conn_fail(c, status, status == 431 ?
		    "headers_too_large" : "bad_request", why);
		return;
	}
	free(raw);
	if (r->rq_head.hd_has_te) {
		http_conn_fail(c, 411, "length_required",
		    "Send the body with a Content-Length header.");
		return;
	}
	if (r->rq_head.hd_content_length > 0 &&
	    (size_t)r->rq_head.hd_content_length > c->cn_srv->sv_lim.hl_body_max) {
		http_conn_fail(c, 413, "body_too_large",
		    "The request body is too large.");
		return;
	}
	if ((r->rq_head.hd_method == HTTP_POST || r->rq_head.hd_method ==
	    HTTP_PUT || r->rq_head.hd_method == HTTP_PATCH) &&
	    r->rq_head.hd_content_length == -1) {
		http_conn_fail(c, 411, "length_required",
		    "Send the body with a Content-Length header.");
		return;
	}
	rt = http_route_find(c->cn_srv, &r->rq_head, &known);
	if (rt == NULL && !known && c->cn_srv->sv_fallback_route.rt_fn != NULL &&
	    (r->rq_head.hd_method == HTTP_GET ||
	    r->rq_head.hd_method == HTTP_HEAD)) {
		c->cn_srv->sv_fallback_route.rt_method = r->rq_head.hd_method;
		rt = &c->cn_srv->sv_fallback_route;
	}
	if (rt == NULL) {
		if (known)
			http_conn_fail(c, 405, "method_not_allowed",
			    "This method is not allowed here.");
		else
			http_conn_fail(c, 404, "not_found", "No such resource.");
		return;
	}
	r->rq_route = rt;
	ct = http_head_get(&r->rq_head, "content-type");
	if (r->rq_head.hd_content_length > 0 &&
	    (rt->rt_flags & HTTP_ROUTE_JSON_BODY) &&
	    (json = http_json_type(ct)) != 1) {
		/* Another charset would be read as UTF-8: refuse it. */
		http_conn_fail(c, 415, "unsupported_media_type", json == -1 ?
		    "The body must be JSON in UTF-8 (charset=utf-8)." :
		    "The body must be application/json.");
		return;
	}
	if (r->rq_head.hd_content_length > 0 &&
	    (rt->rt_flags & HTTP_ROUTE_BINARY_BODY) &&
	    (ct == NULL || strcasecmp(ct, "application/octet-stream") != 0)) {
		http_conn_fail(c, 415, "unsupported_media_type",
		    "The body must be application/octet-stream.");
		return;
	}
	if (r->rq_head.hd_content_length > 0 &&
	    !(rt->rt_flags & (HTTP_ROUTE_JSON_BODY | HTTP_ROUTE_BINARY_BODY))) {
		http_conn_fail(c, 415, "unsupported_media_type",
		    "This resource takes no request body.");
		return;
	}
	if ((expect = http_head_get(&r->rq_head, "expect")) != NULL &&
	    strcasecmp(expect, "100-continue") != 0) {
		http_conn_fail(c, 417, "expectation_failed",
		    "Only Expect: 100-continue is understood.");
		return;
	}
	if (r->rq_head.hd_content_length > 0) {
		/* Everything about the head is fine: ask for the body now
		 * rather than let the client wait into a 408. */
		if (expect != NULL && r->rq_head.hd_minor == 1 &&
		    evbuffer_get_length(bufferevent_get_input(c->cn_bev)) == 0)
			evbuffer_add_printf(bufferevent_get_output(c->cn_bev),
			    "HTTP/1.1 100 Continue\r\n\r\n");
		c->cn_state = CS_BODY;	/* the head's deadline still runs */
		http_conn_read(c);
		return;
	}
	http_dispatch(c);
}

static void
http_conn_body(struct http_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->cn_bev);
	struct http_request	*r = c->cn_req;
	size_t			 want = (size_t)r->rq_head.hd_content_length;

	if (evbuffer_get_length(in) < want)
		return;
	if ((r->rq_body = malloc(want)) == NULL) {
		http_conn_fail(c, 503, "unavailable", "Server busy.");
		return;
	}
	r->rq_bodylen = want;
	evbuffer_remove(in, r->rq_body, want);
	http_dispatch(c);
}

/* Drive the parser with whatever is buffered. */
static void
http_conn_read(struct http_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->cn_bev);
	struct evbuffer_ptr	 pos;
	size_t			 have, max = c->cn_srv->sv_lim.hl_header_max;

	if (c->cn_state == CS_IDLE || c->cn_state == CS_HANDSHAKE) {
		/* Tolerate CRLFs between requests (RFC 9112 §2.2). */
		while (evbuffer_get_length(in) >= 2) {
			unsigned char	*p = evbuffer_pullup(in, 2);

			if (p[0] != '\r' || p[1] != '\n')
				break;
			evbuffer_drain(in, 2);
		}
		if (evbuffer_get_length(in) == 0)
			return;
		if (c->cn_state == CS_IDLE)
			http_conn_set_state(c, CS_HEAD);
		else
			c->cn_state = CS_HEAD;	/* handshake deadline runs on */
	}
	if (c->cn_state == CS_BODY) {
		http_conn_body(c);
		return;
	}
	if (c->cn_state != CS_HEAD)
		return;
	have = evbuffer_get_length(in);
	pos = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (pos.pos != -1 && (size_t)pos.pos + 4 <= max) {
		http_conn_head(c, (size_t)pos.pos + 4);
		return;
	}
	if (have >= max || (pos.pos != -1 && (size_t)pos.pos + 4 > max))
		http_conn_fail(c, 431, "headers_too_large",
		    "The request headers are too large.");
}

static void
http_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	http_conn_read(arg);
}

static void
http_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (c->cn_state != CS_WRITING)
		return;
	if (c->cn_close) {
		http_conn_free(c);
		return;
	}
	http_conn_set_state(c, CS_IDLE);
	bufferevent_enable(c->cn_bev, EV_READ);
	/* A pipelined request may already be buffered. */
	if (evbuffer_get_length(bufferevent_get_input(c->cn_bev)) > 0)
		http_conn_read(c);
}

static void
http_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		/* Handshake done; the first request's deadline runs on
		 * (CS_HANDSHAKE is read like CS_IDLE but keeps its timer). */
		http_conn_read(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		/* A failed handshake lands here too: close, never plaintext.
		 * Drain OpenSSL's error queue so it cannot leak into the
		 * next connection's diagnostics. */
		while (bufferevent_get_openssl_error(bev) != 0)
			;
		ERR_clear_error();
		http_conn_free(c);
	}
}

static void
http_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn	*c = arg;
	struct http_request	*r;

	(void)fd;
	(void)what;
	switch (c->cn_state) {
	case CS_HEAD:
	case CS_BODY:
		/* Total deadline: tell the client, then close. */
		http_conn_fail(c, 408, "request_timeout",
		    "The request took too long to arrive.");
		return;
	case CS_BUSY:
		r = c->cn_req;
		if (r->rq_deadline_fn != NULL) {
			/* The handler answers itself, within the grace. */
			void	(*fn)(struct http_request *, void *) =
			    r->rq_deadline_fn;

			r->rq_deadline_fn = NULL;
			http_timer_arm(c, HTTP_DEADLINE_GRACE_MS);
			fn(r, r->rq_deadline_arg);
			return;
		}
		/*
		 * The handler overran; it still owns the request and will
		 * reply into the void.  What it did meanwhile is unknown
		 * here: a write may still commit, so say exactly that.
		 */
		r->rq_conn = NULL;
		atomic_store(&r->rq_gone, 1);
		c->cn_req = NULL;
		http_conn_fail(c, 503, "outcome_unknown",
		    "The request did not finish in time and may still take "
		    "effect. Check, or retry it with the same Idempotency-Key, "
		    "shortly.");
		return;
	case CS_PROXY:
	case CS_HANDSHAKE:
	case CS_IDLE:
	case CS_WRITING:
		http_conn_free(c);
		return;
	}
}

/*
 * A keyed hash of the peer's address (not its port), for rate limiting in
 * memory.  The key never leaves the process and changes every hour, so a
 * tag cannot be linked to an address, nor across hours.
 */
static void
http_peer_tag(const struct http_server *s, const struct sockaddr *sa,
    int salen, unsigned char *out)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	const void	*addr = "";
	size_t		 alen = 0;

	if (sa != NULL && sa->sa_family == AF_INET &&
	    salen >= (int)sizeof(struct sockaddr_in)) {
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
		alen = sizeof(struct in_addr);
	} else if (sa != NULL && sa->sa_family == AF_INET6 &&
	    salen >= (int)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		/*
		 * One IPv6 subscriber gets a whole /64: tag the prefix, or
		 * each of 2^64 addresses would be a fresh source.  A mapped
		 * IPv4 address is tagged as the IPv4 address it is.
		 */
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			addr = &a6->s6_addr[12];
			alen = 4;
		} else {
			addr = a6->s6_addr;
			alen = 8;
		}
	}
	HMAC(EVP_sha256(), s->sv_peer_key, sizeof(s->sv_peer_key), addr, alen,
	    mac, &maclen);
	memcpy(out, mac, HTTP_PEER_TAG_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
}

static void
http_rotate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*s = arg;

	(void)fd;
	(void)what;
	if (RAND_priv_bytes(s->sv_peer_key, sizeof(s->sv_peer_key)) != 1)
		log_warnx("%s: cannot renew the peer-tag key", __func__);
}

/*
 * Hand the connection's socket to OpenSSL and start the handshake.  From
 * here the bufferevent owns the socket.  0, or -1 (c not yet freed).
 */
static int
http_conn_start_tls(struct http_conn *c)
{
	struct http_server	*s = c->cn_srv;
	SSL			*ssl;

	if ((ssl = SSL_new(s->sv_ctx)) == NULL)
		return (-1);
	c->cn_bev = bufferevent_openssl_socket_new(s->sv_base, c->cn_fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (c->cn_bev == NULL) {
		SSL_free(ssl);
		return (-1);
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->cn_bev, 1);
	bufferevent_setcb(c->cn_bev, http_read_cb, http_write_cb, http_event_cb,
	    c);
	bufferevent_enable(c->cn_bev, EV_READ | EV_WRITE);
	http_conn_set_state(c, CS_HANDSHAKE);
	return (0);
}

/*
 * Read exactly the PROXY v2 header, never a byte of the TLS stream after
 * it: recv() asks only for what the parser says is missing.  The header
 * must arrive within the request deadline like any other first bytes.
 */
static void
http_proxy_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn	*c = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = 0;
	size_t			 need;
	ssize_t			 n;

	(void)what;
	switch (proxyproto_parse(c->cn_pp, c->cn_pplen, &need, &ss, &sslen)) {
	case PROXYPROTO_MORE:
		break;
	default:
		http_conn_free(c);	/* cannot happen before a read */
		return;
	}
	n = recv(fd, c->cn_pp + c->cn_pplen, need, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		http_conn_free(c);
		return;
	}
	c->cn_pplen += (size_t)n;
	switch (proxyproto_parse(c->cn_pp, c->cn_pplen, &need, &ss, &sslen)) {
	case PROXYPROTO_MORE:
		return;
	case PROXYPROTO_PROXY:
		/* The reporter's address replaces the balancer's. */
		http_peer_tag(c->cn_srv, (struct sockaddr *)&ss, (int)sslen,
		    c->cn_peer_tag);
		OPENSSL_cleanse(&ss, sizeof(ss));
		break;
	case PROXYPROTO_LOCAL:
		break;
	case PROXYPROTO_BAD:
		log_debug("%s: not a PROXY v2 header, closing", __func__);
		http_conn_free(c);
		return;
	}
	event_free(c->cn_ppev);
	c->cn_ppev = NULL;
	OPENSSL_cleanse(c->cn_pp, c->cn_pplen);
	free(c->cn_pp);
	c->cn_pp = NULL;
	if (http_conn_start_tls(c) == -1) {
		log_warnx("%s: cannot set up TLS", __func__);
		http_conn_free(c);
	}
}

static void
http_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_server	*s = arg;
	struct http_conn	*c;
	int			 one = 1;

	(void)l;
	if (s->sv_draining || s->sv_nconns >= s->sv_lim.hl_max_connections) {
		/* Refuse at once rather than queue: the client may retry. */
		evutil_closesocket(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->cn_timer = evtimer_new(s->sv_base, http_timer_cb, c)) == NULL) {
		log_warnx("%s: cannot set up connection", __func__);
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->cn_srv = s;
	c->cn_fd = fd;
	c->cn_state = CS_PROXY;		/* until a bufferevent owns fd */
	TAILQ_INSERT_TAIL(&s->sv_conns, c, cn_entry);
	s->sv_nconns++;
	/* The address itself is never stored or logged (DESIGN §1.2). */
	http_peer_tag(s, sa, salen, c->cn_peer_tag);
	if (s->sv_lim.hl_proxy_protocol) {
		c->cn_pp = malloc(PROXYPROTO_MAX_LEN);
		c->cn_ppev = event_new(s->sv_base, fd, EV_READ | EV_PERSIST,
		    http_proxy_cb, c);
		if (c->cn_pp == NULL || c->cn_ppev == NULL ||
		    event_add(c->cn_ppev, NULL) == -1)
			goto fail;
		http_conn_set_state(c, CS_PROXY);
		return;
	}
	if (http_conn_start_tls(c) == 0)
		return;
 fail:
	log_warnx("%s: cannot set up connection", __func__);
	http_conn_free(c);
}

static void
http_accept_error_cb(struct evconnlistener *l, void *arg)
{
	(void)arg;
	(void)l;
	/* EMFILE and friends: the connection cap should prevent these. */
	log_warn("%s: accept", __func__);
}

struct http_server *
http_server_new(struct event_base *base, SSL_CTX *ctx,
    const struct http_limits *lim, const struct http_route *routes,
    size_t nroutes, void *arg)
{
	struct http_server	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->sv_base = base;
	s->sv_ctx = ctx;
	s->sv_lim = *lim;
	s->sv_routes = routes;
	s->sv_nroutes = nroutes;
	s->sv_arg = arg;
	TAILQ_INIT(&s->sv_conns);
	if (RAND_priv_bytes(s->sv_peer_key, sizeof(s->sv_peer_key)) != 1 ||
	    (s->sv_rotate_ev = event_new(base, -1, EV_PERSIST, http_rotate_cb,
	    s)) == NULL) {
		free(s);
		return (NULL);
	}
	{
		struct timeval	 hour = { 3600, 0 };

		event_add(s->sv_rotate_ev, &hour);
	}
	return (s);
}

int
http_server_listen(struct http_server *s, const char *host, int port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		errno = EINVAL;
		return (-1);
	}
	/*
	 * With reuse_port, several processes bind the same port and the
	 * kernel spreads new connections over them: N processes per host
	 * use N cores for TLS and HTTP (docs/ha.md).
	 */
	s->sv_listener = evconnlistener_new_bind(s->sv_base, http_accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC |
	    (s->sv_lim.hl_reuse_port ? LEV_OPT_REUSEABLE_PORT : 0),
	    1024, (struct sockaddr *)&ss, (int)len);
	if (s->sv_listener == NULL)
		return (-1);
	evconnlistener_set_error_cb(s->sv_listener, http_accept_error_cb);
	len = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(s->sv_listener),
	    (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	s->sv_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port :
	    sin6->sin6_port);
	return (0);
}

void
http_server_set_fallback(struct http_server *s, http_handler_fn fn)
{
	s->sv_fallback_route.rt_method = HTTP_GET;
	s->sv_fallback_route.rt_path = "(static)";
	s->sv_fallback_route.rt_fn = fn;
	s->sv_fallback_route.rt_flags = 0;
}

int
http_server_port(const struct http_server *s)
{
	return (s->sv_port);
}

int
http_server_connections(const struct http_server *s)
{
	return (s->sv_nconns);
}

static void
http_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*s = arg;

	(void)fd;
	(void)what;
	if (s->sv_nconns == 0 && s->sv_drained != NULL) {
		void	(*done)(void *) = s->sv_drained;

		s->sv_drained = NULL;
		done(s->sv_drained_arg);
	}
}

void
http_server_drain(struct http_server *s, void (*done)(void *), void *arg)
{
	struct http_conn	*c, *next;

	s->sv_draining = 1;
	s->sv_drained = done;
	s->sv_drained_arg = arg;
	/*
	 * Close the listening socket, not just stop accepting: connections
	 * would otherwise wait in the backlog for the whole grace and then
	 * be reset.  Closed, a connect is refused at once and a load
	 * balancer moves on.
	 */
	if (s->sv_listener != NULL) {
		evconnlistener_free(s->sv_listener);
		s->sv_listener = NULL;
	}
	if (s->sv_drain_ev == NULL)
		s->sv_drain_ev = event_new(s->sv_base, -1, 0, http_drain_cb, s);
	/* Idle and handshaking connections have nothing in flight. */
	for (c = TAILQ_FIRST(&s->sv_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, cn_entry);
		if (c->cn_state == CS_IDLE || c->cn_state == CS_HANDSHAKE ||
		    c->cn_state == CS_PROXY)
			http_conn_free(c);
	}
	http_server_check_drained(s);
}

void
http_server_free(struct http_server *s)
{
	struct http_conn	*c;

	if (s == NULL)
		return;
	s->sv_drained = NULL;
	while ((c = TAILQ_FIRST(&s->sv_conns)) != NULL) {
		/* Abandoned at shutdown: no handler can reply any more (the
		 * loop, the store and the workers are gone), so the request
		 * goes with its connection. */
		if (c->cn_state == CS_BUSY && c->cn_req != NULL) {
			http_request_free(c->cn_req);
			c->cn_req = NULL;
		}
		http_conn_free(c);
	}
	if (s->sv_listener != NULL)
		evconnlistener_free(s->sv_listener);
	if (s->sv_drain_ev != NULL)
		event_free(s->sv_drain_ev);
	if (s->sv_rotate_ev != NULL)
		event_free(s->sv_rotate_ev);
	OPENSSL_cleanse(s->sv_peer_key, sizeof(s->sv_peer_key));
	free(s);
}

enum http_method
http_req_method(const struct http_request *req)
{
	return (req->rq_head.hd_method);
}

const char *
http_req_path(const struct http_request *req)
{
	return (req->rq_head.hd_path);
}

const char *
http_req_query(const struct http_request *req)
{
	return (req->rq_head.hd_query);
}

const char *
http_req_header(const struct http_request *req, const char *name)
{
	return (http_head_get(&req->rq_head, name));
}

const unsigned char *
http_req_body(const struct http_request *req, size_t *len)
{
	*len = req->rq_bodylen;
	return (req->rq_body);
}

int
http_req_peer_tag(const struct http_request *req, unsigned char *out)
{
	if (req->rq_conn == NULL)
		return (-1);
	memcpy(out, req->rq_conn->cn_peer_tag, HTTP_PEER_TAG_LEN);
	return (0);
}

int64_t
http_req_deadline(const struct http_request *req)
{
	return (req->rq_deadline_us);
}

const atomic_int *
http_req_gone(const struct http_request *req)
{
	return (&req->rq_gone);
}

const char *
http_req_route(const struct http_request *req)
{
	return (req->rq_route != NULL ? req->rq_route->rt_path : "-");
}

int
http_req_header_count(const struct http_request *req, const char *name)
{
	int	 i, n = 0;

	for (i = 0; i < req->rq_head.hd_nhdrs; i++)
		if (strcmp(req->rq_head.hd_hdrs[i].name, name) == 0)
			n++;
	return (n);
}

void
http_req_on_deadline(struct http_request *req,
    void (*fn)(struct http_request *, void *), void *arg)
{
	req->rq_deadline_fn = fn;
	req->rq_deadline_arg = arg;
}

int
http_req_add_header(struct http_request *req, const char *name,
    const char *value)
{
	char	*n, *v;

	if (req->rq_nhdrs == HTTP_MAX_RESP_HEADERS ||
	    strpbrk(value, "\r\n") != NULL || strpbrk(name, "\r\n: ") != NULL)
		return (-1);
	if ((n = strdup(name)) == NULL || (v = strdup(value)) == NULL) {
		free(n);
		return (-1);
	}
	req->rq_hname[req->rq_nhdrs] = n;
	req->rq_hval[req->rq_nhdrs] = v;
	req->rq_nhdrs++;
	return (0);
}

void
http_reply_raw(struct http_request *req, int status, const char *ctype,
    const void *data, size_t len, const char *csp)
{
	struct http_conn	*c = req->rq_conn;

	if (c != NULL) {
		c->cn_req = NULL;
		http_conn_send(c, req, status, ctype, data, len, csp);
	}
	http_request_free(req);
}

void
http_reply_json(struct http_request *req, int status, json_t *body)
{
	char	*s = NULL;

	if (body != NULL) {
		s = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	if (body != NULL && s == NULL) {
		http_reply_error(req, 500, "internal", "Internal error.");
		return;
	}
	http_reply_raw(req, status, "application/json", s != NULL ? s : "{}",
	    s != NULL ? strlen(s) : 2, NULL);
	/* Responses can carry decrypted content: wipe. */
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
}

void
http_reply_error(struct http_request *req, int status, const char *code,
    const char *message)
{
	char	*s;
	size_t	 len = 0;

	if ((s = http_error_body(status, code, message, &len)) == NULL) {
		http_reply_raw(req, 500, "application/json", "{}", 2, NULL);
		return;
	}
	http_reply_raw(req, status, "application/json", s, len, NULL);
	free(s);
}
