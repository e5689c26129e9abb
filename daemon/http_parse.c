/*
 * Strict request-head parsing.  Anything ambiguous is refused rather than
 * interpreted: refusing costs a well-behaved client nothing, while
 * leniency is how smuggling and cache-poisoning bugs begin.  The parser
 * works on its own copy of the head so that the caller's buffer can be
 * drained at once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/http_parse.h"

static const struct {
	const char		*name;
	enum http_method	 m;
} methods[] = {
	{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
	{ "PUT", HTTP_PUT }, { "DELETE", HTTP_DELETE }, { "PATCH", HTTP_PATCH },
	{ "OPTIONS", HTTP_OPTIONS },
};

const char *
http_method_name(enum http_method m)
{
	size_t	 i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return (methods[i].name);
	return ("OTHER");
}

/* RFC 9110 tchar. */
static int
http_is_tchar(unsigned char c)
{
	return (isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL) && c != 0;
}

void
http_head_clear(struct http_head *h)
{
	free(h->hd_buf);
	memset(h, 0, sizeof(*h));
}

const char *
http_head_get(const struct http_head *h, const char *name)
{
	int	 i;

	for (i = 0; i < h->hd_nhdrs; i++)
		if (strcmp(h->hd_hdrs[i].name, name) == 0)
			return (h->hd_hdrs[i].value);
	return (NULL);
}

/* Does a comma-separated header value contain token (case-insensitive)? */
static int
http_has_token(const char *v, const char *token)
{
	size_t	 tl = strlen(token);
	const char *p = v;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, tl) == 0 &&
		    (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' ' ||
		    p[tl] == '\t'))
			return (1);
		while (*p != '\0' && *p != ',')
			p++;
	}
	return (0);
}

static int
http_parse_request_line(char *line, struct http_head *h, int *status,
    const char **why)
{
	char	*sp1, *sp2, *target, *q;
	size_t	 i;

	*status = 400;
	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' ')) {
		*why = "malformed request line";
		return (-1);
	}
	*sp1 = *sp2 = '\0';
	h->hd_method = HTTP_OTHER;
	for (i = 0; line[i] != '\0'; i++)
		if (!http_is_tchar((unsigned char)line[i])) {
			*why = "malformed method";
			return (-1);
		}
	if (i == 0) {
		*why = "malformed method";
		return (-1);
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(line, methods[i].name) == 0)
			h->hd_method = methods[i].m;

	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		h->hd_minor = 1;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		h->hd_minor = 0;
	else {
		*status = strncmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400;
		*why = "unsupported protocol version";
		return (-1);
	}

	target = sp1 + 1;
	if (target[0] != '/' || strlen(target) > HTTP_MAX_TARGET) {
		*status = strlen(target) > HTTP_MAX_TARGET ? 414 : 400;
		*why = "request target must be an absolute path";
		return (-1);
	}
	for (i = 0; target[i] != '\0'; i++) {
		unsigned char c = target[i];

		if (c <= 0x20 || c >= 0x7f || c == '#') {
			*why = "invalid character in request target";
			return (-1);
		}
	}
	if ((q = strchr(target, '?')) != NULL) {
		*q = '\0';
		h->hd_query = q + 1;
	}
	h->hd_path = target;
	return (0);
}

static int
http_parse_header_line(char *line, struct http_head *h, int *status,
    const char **why)
{
	char	*colon, *v, *e, *p;

	*status = 400;
	if (line[0] == ' ' || line[0] == '\t') {
		*why = "obsolete header line folding";
		return (-1);
	}
	if ((colon = strchr(line, ':')) == NULL || colon == line) {
		*why = "malformed header";
		return (-1);
	}
	*colon = '\0';
	for (p = line; *p != '\0'; p++) {
		if (!http_is_tchar((unsigned char)*p)) {
			*why = "malformed header name";
			return (-1);
		}
		*p = (char)tolower((unsigned char)*p);
	}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	for (p = v; *p != '\0'; p++) {
		unsigned char c = *p;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "invalid character in header value";
			return (-1);
		}
	}
	if (h->hd_nhdrs == HTTP_MAX_HEADERS) {
		*status = 431;
		*why = "too many header fields";
		return (-1);
	}
	h->hd_hdrs[h->hd_nhdrs].name = line;
	h->hd_hdrs[h->hd_nhdrs].value = v;
	h->hd_nhdrs++;
	return (0);
}

/* Content-Length: digits only; repeated fields must agree. */
static int
http_parse_length(struct http_head *h, int *status, const char **why)
{
	int		 i;
	long long	 n, prev = -1;
	char		*end;

	for (i = 0; i < h->hd_nhdrs; i++) {
		const char	*v = h->hd_hdrs[i].value;

		if (strcmp(h->hd_hdrs[i].name, "transfer-encoding") == 0)
			h->hd_has_te = 1;
		if (strcmp(h->hd_hdrs[i].name, "content-length") != 0)
			continue;
		if (!isdigit((unsigned char)v[0]) || strlen(v) > 15) {
			*status = 400;
			*why = "invalid Content-Length";
			return (-1);
		}
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || (prev != -1 && n != prev)) {
			*status = 400;
			*why = "invalid Content-Length";
			return (-1);
		}
		prev = n;
	}
	if (h->hd_has_te && prev != -1) {
		*status = 400;
		*why = "both Content-Length and Transfer-Encoding";
		return (-1);
	}
	h->hd_content_length = prev;
	return (0);
}

/*
 * Headers that carry one value: a second copy is ambiguous (the first
 * wins here, the last in some proxy), so it is refused.
 */
static int
http_repeated_singleton(const struct http_head *h)
{
	static const char *const once[] = {
		"authorization", "content-type", "expect", "idempotency-key",
	};
	size_t	 k;
	int	 i, n;

	for (k = 0; k < sizeof(once) / sizeof(once[0]); k++) {
		for (i = 0, n = 0; i < h->hd_nhdrs; i++)
			if (strcmp(h->hd_hdrs[i].name, once[k]) == 0)
				n++;
		if (n > 1)
			return (1);
	}
	return (0);
}

int
http_parse_head(const char *data, size_t len, struct http_head *h,
    int *status, const char **why)
{
	char		*line, *next, *end;
	const char	*conn, *host;
	int		 hosts = 0, i;

	memset(h, 0, sizeof(*h));
	h->hd_content_length = -1;
	*status = 400;
	*why = "malformed request";
	if (len < 4 || memcmp(data + len - 4, "\r\n\r\n", 4) != 0 ||
	    memchr(data, '\0', len) != NULL)
		return (-1);
	if ((h->hd_buf = malloc(len + 1)) == NULL) {
		*status = 503;
		*why = "out of memory";
		return (-1);
	}
	memcpy(h->hd_buf, data, len);
	h->hd_buf[len] = '\0';
	end = h->hd_buf + len - 2;	/* the final CRLF */

	for (line = h->hd_buf; line < end; line = next) {
		char	*cr = strstr(line, "\r\n");

		/* A bare LF or CR inside a line is refused. */
		if (cr == NULL || memchr(line, '\n', cr - line) != NULL ||
		    memchr(line, '\r', cr - line) != NULL) {
			*why = "lines must end with CRLF";
			goto fail;
		}
		*cr = '\0';
		next = cr + 2;
		if (line == h->hd_buf) {
			if (http_parse_request_line(line, h, status, why) == -1)
				goto fail;
		} else if (http_parse_header_line(line, h, status, why) == -1)
			goto fail;
	}
	if (h->hd_path == NULL)
		goto fail;
	if (http_parse_length(h, status, why) == -1)
		goto fail;
	for (i = 0; i < h->hd_nhdrs; i++)
		if (strcmp(h->hd_hdrs[i].name, "host") == 0)
			hosts++;
	if (http_repeated_singleton(h)) {
		/* Which one would count?  Parsers disagree: refuse. */
		*status = 400;
		*why = "a header that must appear once is repeated";
		goto fail;
	}
	host = http_head_get(h, "host");
	if ((h->hd_minor == 1 && hosts != 1) || hosts > 1 ||
	    (host != NULL && *host == '\0')) {
		*status = 400;
		*why = "exactly one Host header is required";
		goto fail;
	}
	conn = http_head_get(h, "connection");
	if (h->hd_minor == 1)
		h->hd_keepalive = conn == NULL || !http_has_token(conn, "close");
	else
		h->hd_keepalive = conn != NULL && http_has_token(conn, "keep-alive");
	return (0);
 fail:
	http_head_clear(h);
	return (-1);
}

static int
http_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

int
http_query_param(const char *query, const char *name, char *out, size_t outlen)
{
	size_t		 nl = strlen(name), o;
	const char	*p = query;

	if (query == NULL || outlen == 0)
		return (-1);
	while (*p != '\0') {
		const char	*amp = strchr(p, '&');
		const char	*seg_end = amp != NULL ? amp : p + strlen(p);

		if ((size_t)(seg_end - p) > nl && strncmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			for (p += nl + 1, o = 0; p < seg_end; p++) {
				int	 c = (unsigned char)*p, hi, lo;

				if (c == '%') {
					if (seg_end - p < 3 ||
					    (hi = http_hexval(p[1])) == -1 ||
					    (lo = http_hexval(p[2])) == -1)
						return (-1);
					c = hi * 16 + lo;
					p += 2;
				} else if (c == '+')
					c = ' ';
				if (c == 0 || o + 1 >= outlen)
					return (-1);
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return ((int)o);
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return (-1);
}

int
http_json_type(const char *ct)
{
	size_t		 n = strlen("application/json");
	const char	*p, *v;
	size_t		 vl;

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return (0);
	p = ct + n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return (1);
	if (*p != ';')
		return (0);
	/* Parameters: ; name=value (value a token or a quoted string). */
	while (*p == ';') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		v = strchr(p, '=');
		if (v == NULL)
			return (-1);
		if ((size_t)(v - p) == 7 && strncasecmp(p, "charset", 7) == 0) {
			v++;
			vl = strcspn(v, ";");
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (!((vl == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
			    (vl == 4 && strncasecmp(v, "utf8", 4) == 0)))
				return (-1);
		}
		p = strchr(p, ';') != NULL ? strchr(p, ';') : p + strlen(p);
	}
	return (*p == '\0' ? 1 : -1);
}
