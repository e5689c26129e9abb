/*
 * A strict HTTP/1.1 request-head parser, kept apart from the I/O so that it
 * can be fuzzed on its own (tests/fuzz/fuzz_http.c).  It accepts only what
 * a well-behaved client sends: origin-form targets, CRLF line ends, token
 * header names, no obsolete line folding, one Content-Length, and never
 * Content-Length together with Transfer-Encoding (request smuggling); a
 * header that carries one value (Authorization, Content-Type, Expect,
 * Idempotency-Key) at most once.
 */
#ifndef MELDPUNT_HTTP_PARSE_H
#define MELDPUNT_HTTP_PARSE_H

#include <stddef.h>

#define HTTP_MAX_HEADERS	64
#define HTTP_MAX_TARGET		2048

enum http_method {
	HTTP_GET = 1,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_PATCH,
	HTTP_OPTIONS,
	HTTP_OTHER,
};

struct http_header {
	const char	*name;		/* lower-cased */
	const char	*value;		/* leading/trailing blanks removed */
};

/* Every pointer points into hd_buf, which the head owns. */
struct http_head {
	char			*hd_buf;
	enum http_method	 hd_method;
	const char		*hd_path;	/* "/v1/forms" */
	const char		*hd_query;	/* "lang=nl" or NULL */
	int			 hd_minor;	/* HTTP/1.x */
	struct http_header	 hd_hdrs[HTTP_MAX_HEADERS];
	int			 hd_nhdrs;
	long long		 hd_content_length;	/* -1: none */
	int			 hd_has_te;	/* any Transfer-Encoding */
	int			 hd_keepalive;	/* after this request */
};

/*
 * Is a Content-Type application/json with no charset or charset=utf-8
 * (case-insensitive, quoted or not, other parameters ignored)?  1 yes;
 * 0 another media type; -1 JSON in another charset (415: it would be read
 * as UTF-8 otherwise).
 */
int		 http_json_type(const char *content_type);

/*
 * Parse len bytes that end with the blank line (CRLF CRLF).  On success
 * fills h (release with http_head_clear) and returns 0; on failure returns
 * -1 and sets *status to the HTTP status to answer (400, 431, 501, 505)
 * and *why to a static English reason.
 */
int		 http_parse_head(const char *data, size_t len,
		    struct http_head *h, int *status, const char **why);
void		 http_head_clear(struct http_head *h);
/* First value of a header (name in lower case), or NULL. */
const char	*http_head_get(const struct http_head *h, const char *name);
const char	*http_method_name(enum http_method m);

/*
 * Find a query parameter in a raw query string and percent-decode it into
 * out (NUL-terminated).  Returns the decoded length, or -1 when absent,
 * malformed, containing NUL, or longer than outlen - 1.
 */
int		 http_query_param(const char *query, const char *name, char *out,
		    size_t outlen);

#endif
