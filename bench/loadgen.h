/*
 * A small HTTPS load generator for the benchmarks, header-only so that the
 * Makefile's rule (one binary per C file in bench/) needs no change.  OpenSSL and
 * poll(2) only; loopback only; every run is bounded in requests and time.
 *
 *   lg_run()       N keep-alive TLS connections driven by one poll loop;
 *                  each connection sends its next request as soon as the
 *                  previous response is complete (closed loop), so N is the
 *                  number of concurrent clients.  A callback builds each
 *                  request, another receives status, body and latency.
 *                  Optionally every connection comes from a fresh loopback
 *                  source (127.x.y.z) and is replaced after a few requests,
 *                  so that a per-source limiter sees many reporters.
 *   lg_sync_*()    one blocking keep-alive connection, for set-up steps and
 *                  for a latency probe on its own thread.
 *   lat_*()        recorded latencies and exact percentiles (sort).
 *
 * Latency is measured from the first byte written to the last byte of the
 * response read, on CLOCK_MONOTONIC; the TLS handshake of a connection is
 * not part of any request's latency.
 */
#ifndef MELDPUNT_BENCH_LOADGEN_H
#define MELDPUNT_BENCH_LOADGEN_H

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define LG_OUTMAX	16384
#define LG_INMAX	(1024 * 1024)

static inline double
lg_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* ------------------------------------------------------- latencies */

struct lat {
	double	*v;
	size_t	 n, cap;
	int	 sorted;
};

static inline void
lat_add(struct lat *l, double ms)
{
	double	*nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL)
			abort();
		l->v = nv;
	}
	l->v[l->n++] = ms;
	l->sorted = 0;
}

static inline int
lat_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Nearest-rank percentile, p in [0,100]; 0 when empty. */
static inline double
lat_pct(struct lat *l, double p)
{
	size_t	i;

	if (l->n == 0)
		return (0);
	if (!l->sorted) {
		qsort(l->v, l->n, sizeof(*l->v), lat_cmp);
		l->sorted = 1;
	}
	i = (size_t)(p / 100.0 * l->n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > l->n)
		i = l->n;
	return (l->v[i - 1]);
}

static inline void
lat_free(struct lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------- responses */

/*
 * If buf holds a complete response, return its total length and fill
 * status, body offset, body length and close flag; else 0; -1 if garbled.
 */
static inline long
lg_parse(const char *buf, size_t len, int *status, size_t *boff,
    size_t *blen, int *close)
{
	const char	*end, *p, *eol;
	long		 cl = -1;

	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return (len > 65536 ? -1 : 0);
	if (len < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return (-1);
	*status = atoi(buf + 9);
	*close = 0;
	for (p = (const char *)memchr(buf, '\n', end - buf) + 1; p < end;
	    p = eol + 1) {
		if ((eol = memchr(p, '\n', end + 2 - p)) == NULL)
			break;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			cl = strtol(p + 15, NULL, 10);
		else if (strncasecmp(p, "Connection:", 11) == 0 &&
		    memmem(p, eol - p, "close", 5) != NULL)
			*close = 1;
	}
	if (cl < 0)
		return (-1);
	*boff = end + 4 - buf;
	*blen = (size_t)cl;
	if (len < *boff + *blen)
		return (0);
	return ((long)(*boff + *blen));
}

/*
 * The n-th distinct loopback source: 127.a.b.c with a in 1..254 (never
 * 127.0.x.x, where the tests' fixed client address lives), c in 1..250.
 */
static inline uint32_t
lg_src(unsigned long n)
{
	unsigned long	c = n % 250, b = (n / 250) % 256, a = n / 64000 % 254;

	return (0x7f000000UL | (a + 1) << 16 | b << 8 | (c + 1));
}

/* TCP to 127.0.0.1:port, from source address src (host order; 0: any). */
/* Does the response head in[0..hlen) carry header name (lower case)? */
static inline int
lg_has_header(const char *in, size_t hlen, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i + n + 1 < hlen; i++)
		if (in[i] == '\n' && strncasecmp(in + i + 1, name, n) == 0 &&
		    in[i + 1 + n] == ':')
			return (1);
	return (0);
}

static inline int
lg_tcp_from(int port, int nonblock, uint32_t src)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0),
	    0)) == -1)
		return (-1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src != 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(src);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			close(fd);
			return (-1);
		}
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static inline int
lg_tcp(int port, int nonblock)
{
	return (lg_tcp_from(port, nonblock, 0));
}

static inline SSL_CTX *
lg_ctx(void)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_client_method());

	/* Loopback against a throw-away self-signed certificate. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return (ctx);
}

/* Build "METHOD PATH" with headers and an optional JSON body. */
static inline int
lg_format(char *buf, size_t cap, const char *method, const char *path,
    const char *hdrs, const char *body)
{
	int	n;

	n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: localhost\r\n%s"
	    "%s%zu\r\n\r\n%s", method, path, hdrs ? hdrs : "",
	    body ? "Content-Type: application/json\r\nContent-Length: " :
	    "Content-Length: ", body ? strlen(body) : 0, body ? body : "");
	return (n > 0 && (size_t)n < cap ? n : -1);
}

/* ------------------------------------------------ blocking client */

struct lg_sync {
	SSL_CTX	*ctx;
	int	 port, fd;
	SSL	*ssl;
	char	*in;
	uint32_t src;		/* source address (host order); 0: any */
};

static inline void
lg_sync_close(struct lg_sync *s)
{
	if (s->ssl != NULL)
		SSL_free(s->ssl);
	if (s->fd != -1)
		close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
}

static inline int
lg_sync_open(struct lg_sync *s)
{
	lg_sync_close(s);
	if (s->in == NULL && (s->in = malloc(LG_INMAX)) == NULL)
		return (-1);
	if ((s->fd = lg_tcp_from(s->port, 0, s->src)) == -1 ||
	    (s->ssl = SSL_new(s->ctx)) == NULL)
		return (-1);
	SSL_set_fd(s->ssl, s->fd);
	return (SSL_connect(s->ssl) == 1 ? 0 : -1);
}

static inline void
lg_sync_init(struct lg_sync *s, SSL_CTX *ctx, int port)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->port = port;
	s->fd = -1;
}

static inline void
lg_sync_free(struct lg_sync *s)
{
	lg_sync_close(s);
	free(s->in);
	s->in = NULL;
}

/*
 * One request on the keep-alive connection (opened or reopened as needed;
 * the handshake is outside ms).  *body (if wanted) points into an internal
 * buffer, NUL-terminated, valid until the next call.  Returns the status
 * or -1.
 */
static inline int
lg_sync_req(struct lg_sync *s, const char *method, const char *path,
    const char *hdrs, const char *jbody, char **body, double *ms)
{
	char	 out[LG_OUTMAX];
	size_t	 got = 0, boff = 0, blen = 0;
	long	 tot = 0;
	int	 n, len, status = 0, cl = 0, tries;

	if ((len = lg_format(out, sizeof(out), method, path, hdrs, jbody)) < 0)
		return (-1);
	for (tries = 0; tries < 2; tries++) {
		double	t0;

		if (s->ssl == NULL && lg_sync_open(s) == -1)
			return (-1);
		t0 = lg_now_ms();
		if (SSL_write(s->ssl, out, len) != len) {
			lg_sync_close(s);
			continue;
		}
		got = 0;
		while ((tot = lg_parse(s->in, got, &status, &boff, &blen,
		    &cl)) == 0) {
			if (got == LG_INMAX - 1 || (n = SSL_read(s->ssl,
			    s->in + got, LG_INMAX - 1 - got)) <= 0)
				break;
			got += n;
		}
		if (tot <= 0) {
			/* A kept-alive connection the server closed: retry
			 * once on a new one. */
			lg_sync_close(s);
			if (got == 0)
				continue;
			return (-1);
		}
		if (ms != NULL)
			*ms = lg_now_ms() - t0;
		s->in[boff + blen] = '\0';
		if (body != NULL)
			*body = s->in + boff;
		if (cl)
			lg_sync_close(s);
		return (status);
	}
	return (-1);
}

/* ------------------------------------------------- async engine */

/* Build the next request of connection ci into buf; its length, 0 to
 * stop this connection. */
typedef int	(*lg_make_fn)(void *u, int ci, char *buf, size_t cap);
/* A complete response (status -1: the connection failed mid-request). */
typedef void	(*lg_done_fn)(void *u, int ci, int status, const char *body,
		    size_t blen, double ms);

struct lg_opts {
	int		 port;
	int		 nconn;
	long		 max_req;	/* requests sent in all; 0 = no cap */
	double		 max_ms;	/* stop sending after this */
	double		 drain_ms;	/* then wait this long for answers */
	double		 backoff_503_ms; /* a client waits after a 503 */
	int		 src_reuse;	/* > 0: each connection from a fresh
					 * 127.x.y.z, replaced after this many
					 * requests; 0: from 127.0.0.1 */
	lg_make_fn	 make;
	lg_done_fn	 done;
	void		*u;
};

struct lg_result {
	long	 sent, completed, failed, reconnects;
	long	 s503_no_retry;		/* 503 answers without Retry-After */
	double	 wall_ms;		/* first send to last answer */
};

enum { LGS_CONN, LGS_HS, LGS_NEXT, LGS_SEND, LGS_RECV, LGS_WAIT, LGS_DONE };

struct lg_conn {
	int	 fd, st, ev;
	SSL	*ssl;
	char	 out[LG_OUTMAX];
	int	 outlen, outoff;
	char	*in;
	size_t	 inlen;
	double	 t0, wake;
	int	 nreq;		/* requests on this connection */
};

static inline int
lg_conn_open(SSL_CTX *ctx, const struct lg_opts *o, struct lg_conn *c)
{
	static unsigned long	 nsrc;
	uint32_t		 src = 0;

	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd != -1)
		close(c->fd);
	c->ssl = NULL;
	c->nreq = 0;
	if (o->src_reuse > 0)
		src = lg_src(nsrc++);
	if ((c->fd = lg_tcp_from(o->port, 1, src)) == -1 ||
	    (c->ssl = SSL_new(ctx)) == NULL) {
		c->st = LGS_DONE;
		return (-1);
	}
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_connect_state(c->ssl);
	c->st = LGS_CONN;
	c->ev = POLLOUT;
	return (0);
}

/* Map an SSL result to the events to wait for; -1 on a real failure. */
static inline int
lg_want(struct lg_conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->ev = POLLIN;
		return (0);
	case SSL_ERROR_WANT_WRITE:
		c->ev = POLLOUT;
		return (0);
	default:
		ERR_clear_error();
		return (-1);
	}
}

static inline int
lg_run(SSL_CTX *ctx, const struct lg_opts *o, struct lg_result *res)
{
	struct lg_conn	*cs;
	struct pollfd	*pf;
	int		*map;
	double		 start, stop_send, stop_all, first = 0, last = 0, now;
	int		 i, n, np, live, r, status, cl, soerr;
	socklen_t	 sl;
	size_t		 boff, blen;
	long		 tot;

	memset(res, 0, sizeof(*res));
	cs = calloc(o->nconn, sizeof(*cs));
	pf = calloc(o->nconn, sizeof(*pf));
	map = calloc(o->nconn, sizeof(*map));
	if (cs == NULL || pf == NULL || map == NULL)
		return (-1);
	for (i = 0; i < o->nconn; i++) {
		cs[i].fd = -1;
		if ((cs[i].in = malloc(LG_INMAX)) == NULL)
			return (-1);
		lg_conn_open(ctx, o, &cs[i]);
	}
	start = lg_now_ms();
	stop_send = start + o->max_ms;
	stop_all = stop_send + o->drain_ms;
	for (;;) {
		now = lg_now_ms();
		if (now >= stop_all)
			break;
		live = np = 0;
		double next_wake = now + 50;

		for (i = 0; i < o->nconn; i++) {
			struct lg_conn *c = &cs[i];

			if (c->st == LGS_DONE)
				continue;
			live++;
			if (c->st == LGS_WAIT) {
				if (c->wake <= now)
					c->st = LGS_NEXT;
				else {
					if (c->wake < next_wake)
						next_wake = c->wake;
					continue;
				}
			}
			if (c->st == LGS_NEXT) {
				/* Runs below without waiting for the socket. */
				pf[np].fd = -1;
			} else
				pf[np].fd = c->fd;
			pf[np].events = c->ev;
			pf[np].revents = 0;
			map[np++] = i;
		}
		if (live == 0)
			break;
		{
			int	any_now = 0, to;

			for (i = 0; i < np; i++)
				if (pf[i].fd == -1)
					any_now = 1;
			to = any_now ? 0 : (int)(next_wake - now) + 1;
			if (to > 50)
				to = 50;
			if (np > 0 && poll(pf, np, to) == -1 && errno != EINTR)
				break;
			else if (np == 0)
				usleep(to * 1000);
		}
		for (n = 0; n < np; n++) {
			struct lg_conn *c = &cs[map[n]];

			if (pf[n].fd != -1 && pf[n].revents == 0)
				continue;
			for (;;) {
				switch (c->st) {
				case LGS_CONN:
					sl = sizeof(soerr);
					if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
					    &soerr, &sl) == -1 || soerr != 0) {
						c->st = LGS_DONE;
						break;
					}
					c->st = LGS_HS;
					continue;
				case LGS_HS:
					if ((r = SSL_connect(c->ssl)) == 1) {
						c->st = LGS_NEXT;
						continue;
					}
					if (lg_want(c, r) == -1)
						c->st = LGS_DONE;
					break;
				case LGS_NEXT:
					if (o->src_reuse > 0 &&
					    c->nreq >= o->src_reuse) {
						/* The next source address. */
						res->reconnects++;
						lg_conn_open(ctx, o, c);
						break;
					}
					now = lg_now_ms();
					if (now >= stop_send || (o->max_req > 0 &&
					    res->sent >= o->max_req) ||
					    (c->outlen = o->make(o->u,
					    (int)(c - cs), c->out,
					    sizeof(c->out))) <= 0) {
						c->st = LGS_DONE;
						break;
					}
					res->sent++;
					c->nreq++;
					if (first == 0)
						first = now;
					c->t0 = now;
					c->outoff = 0;
					c->st = LGS_SEND;
					continue;
				case LGS_SEND:
					r = SSL_write(c->ssl, c->out + c->outoff,
					    c->outlen - c->outoff);
					if (r > 0) {
						c->outoff += r;
						if (c->outoff == c->outlen) {
							c->inlen = 0;
							c->st = LGS_RECV;
						}
						continue;
					}
					if (lg_want(c, r) == -1)
						goto failed;
					break;
				case LGS_RECV:
					r = SSL_read(c->ssl, c->in + c->inlen,
					    LG_INMAX - 1 - c->inlen);
					if (r <= 0) {
						if (lg_want(c, r) == -1)
							goto failed;
						break;
					}
					c->inlen += r;
					tot = lg_parse(c->in, c->inlen, &status,
					    &boff, &blen, &cl);
					if (tot == 0)
						continue;
					if (tot < 0)
						goto failed;
					now = lg_now_ms();
					last = now;
					res->completed++;
					if (status == 503 && !lg_has_header(
					    c->in, boff, "retry-after"))
						res->s503_no_retry++;
					c->in[boff + blen] = '\0';
					o->done(o->u, (int)(c - cs), status,
					    c->in + boff, blen, now - c->t0);
					if (cl) {
						res->reconnects++;
						lg_conn_open(ctx, o, c);
						break;
					}
					if (status == 503 && o->backoff_503_ms > 0) {
						c->st = LGS_WAIT;
						c->wake = now + o->backoff_503_ms;
						break;
					}
					c->st = LGS_NEXT;
					continue;
				default:
					break;
				}
				break;
 failed:
				res->failed++;
				o->done(o->u, (int)(c - cs), -1, "", 0,
				    lg_now_ms() - c->t0);
				res->reconnects++;
				lg_conn_open(ctx, o, c);
				break;
			}
		}
	}
	res->wall_ms = last > first ? last - first : 0;
	for (i = 0; i < o->nconn; i++) {
		/* Still unanswered when the drain time ran out. */
		if (cs[i].st == LGS_SEND || cs[i].st == LGS_RECV)
			res->failed++;
		if (cs[i].ssl != NULL)
			SSL_free(cs[i].ssl);
		if (cs[i].fd != -1)
			close(cs[i].fd);
		free(cs[i].in);
	}
	free(cs);
	free(pf);
	free(map);
	return (0);
}

#endif
