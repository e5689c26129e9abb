/*
 * libFuzzer target for the HTTP connection state machine of daemon/http.c
 * beyond http_parse_head: CRLFs between requests, head assembly across
 * reads, the header limit (431), Content-Length bodies split anywhere
 * (413, 411, 415, Expect: 100-continue), pipelined requests while a
 * handler owns the previous one, HEAD, drain, the request deadline with
 * and without a handler's deadline hook, and a client that leaves.
 *
 * http.c is included so that its file-private connection code can be
 * driven without TLS: one connection is built as http_accept_cb() and
 * http_conn_start_tls() build it, but on one end of a libevent bufferevent
 * pair, and starts where a finished TLS handshake leaves it.  The other
 * end is the client.  Input layout:
 *
 *   byte 0  flags: 1 small limits (256-byte head, 64-byte body), 2 drain
 *           half-way, 4 the deadline fires at the end, 8 the client
 *           leaves at the end, 16 handlers answer at every chunk boundary
 *           (else only at the end, so requests pile up behind them)
 *   byte 1  seed of the chunk sizes;  byte 2  largest chunk - 1
 *   rest    the bytes the client sends, cut into chunks
 *
 * What must hold besides ASan/UBSan/LSan: a handler never sees a second
 * request of a connection while it owns one; a body is exactly the
 * Content-Length and within the limit; the client receives at most one
 * response more than handlers answered (the protocol error or timeout
 * that closes), every response starts with a status line, and nothing
 * follows a "Connection: close" response.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "daemon/http.c"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define F_SMALL		0x01
#define F_DRAIN		0x02
#define F_DEADLINE	0x04
#define F_LEAVE		0x08
#define F_EAGER		0x10

/* Per input; reset at the start of each run. */
static struct {
	struct http_request	*pending;	/* owned by a "handler" */
	int			 replies;
	size_t			 body_max;
} fz;

static void
fz_reply_pending(void)
{
	struct http_request	*r = fz.pending;

	if (r == NULL)
		return;
	fz.pending = NULL;
	fz.replies++;
	http_reply_json(r, 200, json_pack("{s:b}", "late", 1));
}

/* One request at a time per connection: never two handlers at once. */
static void
fz_enter(struct http_request *req)
{
	if (fz.pending != NULL)
		__builtin_trap();
	(void)req;
}

static void
h_echo(struct http_request *req, void *arg)
{
	const char	*cl = http_req_header(req, "content-length");
	size_t		 len;

	(void)arg;
	fz_enter(req);
	(void)http_req_body(req, &len);
	if (len > fz.body_max || (len > 0 && (cl == NULL ||
	    strtoull(cl, NULL, 10) != len)))
		__builtin_trap();
	http_req_add_header(req, "X-Echo", "1");
	fz.replies++;
	http_reply_json(req, 200, json_pack("{s:I}", "n", (json_int_t)len));
}

static void
h_now(struct http_request *req, void *arg)
{
	(void)arg;
	fz_enter(req);
	fz.replies++;
	http_reply_error(req, 404, "not_found", "No such resource.");
}

static void
h_later(struct http_request *req, void *arg)
{
	(void)arg;
	fz_enter(req);
	fz.pending = req;
}

static void
hook_fired(struct http_request *req, void *arg)
{
	(void)arg;
	if (req != fz.pending)
		__builtin_trap();
	fz.pending = NULL;
	fz.replies++;
	http_reply_error(req, 503, "outcome_unknown", "Deadline.");
}

static void
h_hook(struct http_request *req, void *arg)
{
	(void)arg;
	fz_enter(req);
	fz.pending = req;
	http_req_on_deadline(req, hook_fired, NULL);
}

static const struct http_route routes[] = {
	{ HTTP_POST, "/echo", h_echo, HTTP_ROUTE_JSON_BODY },
	{ HTTP_GET, "/now", h_now, 0 },
	{ HTTP_GET, "/later", h_later, 0 },
	{ HTTP_POST, "/later", h_later, HTTP_ROUTE_JSON_BODY },
	{ HTTP_POST, "/hook", h_hook, HTTP_ROUTE_JSON_BODY },
};

static void
fz_drained(void *arg)
{
	(void)arg;
}

static void
fz_quiet(int level, const char *line, void *arg)
{
	(void)level;
	(void)line;
	(void)arg;
}

/* Run whatever is ready, deferred callbacks included, never blocking;
 * a pair has no socket, so nothing else can become ready meanwhile. */
static void
fz_spin(struct event_base *base)
{
	int	 i;

	for (i = 0; i < 256 && event_base_get_num_events(base,
	    EVENT_BASE_COUNT_ACTIVE) > 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* The one connection, built as http_accept_cb() would, on bev. */
static struct http_conn *
fz_conn(struct http_server *s, struct bufferevent *bev)
{
	struct http_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	if ((c->cn_timer = evtimer_new(s->sv_base, http_timer_cb, c)) == NULL)
		abort();
	c->cn_srv = s;
	c->cn_fd = -1;
	c->cn_bev = bev;
	TAILQ_INSERT_TAIL(&s->sv_conns, c, cn_entry);
	s->sv_nconns++;
	bufferevent_setcb(bev, http_read_cb, http_write_cb, http_event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	http_conn_set_state(c, CS_HANDSHAKE);
	/* The handshake is done: as the TLS bufferevent would report. */
	http_event_cb(bev, BEV_EVENT_CONNECTED, c);
	return (c);
}

/* The responses the client got must be well framed; see the top. */
static void
fz_check_output(struct bufferevent *client)
{
	struct evbuffer	*in = bufferevent_get_input(client);
	size_t		 len = evbuffer_get_length(in);
	const char	*out, *p, *close;
	int		 n = 0;

	if (len == 0)
		return;
	out = (const char *)evbuffer_pullup(in, -1);
	if (len < 9 || memcmp(out, "HTTP/1.1 ", 9) != 0)
		__builtin_trap();
	for (p = out; (p = memmem(p, len - (size_t)(p - out),
	    "\r\nX-Frame-Options: DENY\r\n", 25)) != NULL; p += 25)
		n++;
	if (n > fz.replies + 1)
		__builtin_trap();
	if ((close = memmem(out, len, "\r\nConnection: close\r\n", 21)) != NULL &&
	    memmem(close, len - (size_t)(close - out), "HTTP/1.1 ", 9) != NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct http_limits	 lim;
	struct event_base	*base;
	struct http_server	*s;
	struct bufferevent	*pair[2];
	uint32_t		 seed;
	size_t			 off, n, max, half;
	int			 flags, drained = 0;

	if (len < 3)
		return (0);
	log_set_sink(fz_quiet, NULL);
	memset(&fz, 0, sizeof(fz));
	flags = data[0];
	seed = data[1] | 0x100u;
	max = (size_t)data[2] + 1;
	data += 3;
	len -= 3;

	memset(&lim, 0, sizeof(lim));
	lim.hl_header_max = flags & F_SMALL ? 256 : 8192;
	lim.hl_body_max = fz.body_max = flags & F_SMALL ? 64 : 4096;
	/* Long enough never to fire by themselves; F_DEADLINE fires the
	 * connection's timer by hand. */
	lim.hl_request_timeout_ms = 600000;
	lim.hl_idle_timeout_ms = 600000;
	lim.hl_write_timeout_ms = 600000;
	lim.hl_max_connections = 4;
	lim.hl_hsts_max_age = 60;

	if ((base = event_base_new()) == NULL ||
	    (s = http_server_new(base, NULL, &lim, routes,
	    sizeof(routes) / sizeof(routes[0]), NULL)) == NULL ||
	    bufferevent_pair_new(base, BEV_OPT_DEFER_CALLBACKS, pair) == -1)
		abort();
	http_server_set_fallback(s, h_now);
	(void)fz_conn(s, pair[0]);
	bufferevent_enable(pair[1], EV_READ | EV_WRITE);

	half = len / 2;
	for (off = 0; off < len; off += n) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		n = 1 + seed % max;
		if (n > len - off)
			n = len - off;
		bufferevent_write(pair[1], data + off, n);
		fz_spin(base);
		if ((flags & F_DRAIN) && !drained && off + n >= half) {
			drained = 1;
			http_server_drain(s, fz_drained, NULL);
			fz_spin(base);
		}
		if (flags & F_EAGER) {
			fz_reply_pending();
			fz_spin(base);
		}
		if (s->sv_nconns == 0)
			break;		/* closed: the rest goes nowhere */
	}
	if ((flags & F_DEADLINE) && s->sv_nconns > 0) {
		http_timer_cb(-1, EV_TIMEOUT, TAILQ_FIRST(&s->sv_conns));
		fz_spin(base);
	}
	if ((flags & F_LEAVE) && s->sv_nconns > 0) {
		struct http_conn *c = TAILQ_FIRST(&s->sv_conns);

		http_event_cb(c->cn_bev, BEV_EVENT_EOF, c);
		fz_spin(base);
	}
	/* Answer what is left, and the pipelined requests behind it. */
	for (n = 0; n < 64 && fz.pending != NULL; n++) {
		fz_reply_pending();
		fz_spin(base);
	}
	fz_check_output(pair[1]);

	http_server_free(s);
	bufferevent_free(pair[1]);
	event_base_free(base);
	return (0);
}
