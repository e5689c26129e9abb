/*
 * The strict request-head parser: what it accepts, and the statuses it
 * picks for what it refuses.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/http_parse.h"

static int
parse(const char *s, struct http_head *h, int *status)
{
	const char	*why;

	return (http_parse_head(s, strlen(s), h, status, &why));
}

Test(http_parse, simple_get)
{
	struct http_head h;
	int		 st;

	cr_assert_eq(parse("GET /v1/forms?lang=nl HTTP/1.1\r\nHost: x\r\n"
	    "Accept: */*\r\n\r\n", &h, &st), 0);
	cr_assert_eq(h.hd_method, HTTP_GET);
	cr_assert_str_eq(h.hd_path, "/v1/forms");
	cr_assert_str_eq(h.hd_query, "lang=nl");
	cr_assert_eq(h.hd_minor, 1);
	cr_assert_eq(h.hd_content_length, -1);
	cr_assert(h.hd_keepalive);
	cr_assert_str_eq(http_head_get(&h, "accept"), "*/*");
	http_head_clear(&h);
}

Test(http_parse, header_names_lowercased_values_trimmed)
{
	struct http_head h;
	int		 st;

	cr_assert_eq(parse("POST /v1/reports HTTP/1.1\r\nHOST: x\r\n"
	    "Content-LENGTH:   12  \r\nConnection: close\r\n\r\n", &h, &st), 0);
	cr_assert_eq(h.hd_content_length, 12);
	cr_assert_not(h.hd_keepalive);
	cr_assert_str_eq(http_head_get(&h, "host"), "x");
	http_head_clear(&h);
}

Test(http_parse, http10_keepalive_only_when_asked)
{
	struct http_head h;
	int		 st;

	cr_assert_eq(parse("GET / HTTP/1.0\r\n\r\n", &h, &st), 0);
	cr_assert_not(h.hd_keepalive);
	http_head_clear(&h);
	cr_assert_eq(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    &h, &st), 0);
	cr_assert(h.hd_keepalive);
	http_head_clear(&h);
}

struct bad {
	const char	*req;
	int		 status;
};

Test(http_parse, refusals)
{
	static const struct bad cases[] = {
		{ "GET /x HTTP/1.1\r\n\r\n", 400 },		/* no Host */
		{ "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\nHost: a\r\n\r\n", 400 },	/* bare LF */
		{ "GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
		{ "GET  /x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },	/* not origin-form */
		{ "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /x HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "GET /x FTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "G@T /x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\nBad Name: v\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		  "Content-Length: 2\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999\r\n\r\n", 400 },
		{ "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", 400 },
		{ "GET /x#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /x HTTP/1.1\r\nHost: a\r\n", 400 },	/* no blank line */
		{ "\r\n\r\n", 400 },
	};
	struct http_head h;
	size_t		 i;
	int		 st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = 0;
		cr_assert_eq(parse(cases[i].req, &h, &st), -1, "case %zu", i);
		cr_assert_eq(st, cases[i].status, "case %zu: %d", i, st);
	}
}

Test(http_parse, embedded_nul_refused)
{
	struct http_head h;
	const char	 req[] = "GET /x HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	const char	*why;
	int		 st;

	cr_assert_eq(http_parse_head(req, sizeof(req) - 1, &h, &st, &why), -1);
}

Test(http_parse, too_many_headers_431)
{
	struct http_head h;
	char		 req[8192];
	int		 i, st;

	strcpy(req, "GET /x HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		strcat(req, "X-A: b\r\n");
	strcat(req, "\r\n");
	cr_assert_eq(parse(req, &h, &st), -1);
	cr_assert_eq(st, 431);
}

Test(http_parse, query_params)
{
	char	 out[32];

	cr_assert_eq(http_query_param("lang=nl&x=1", "lang", out, sizeof(out)), 2);
	cr_assert_str_eq(out, "nl");
	cr_assert_eq(http_query_param("a=1&lang=t%C3%BCrk", "lang", out,
	    sizeof(out)), 5);
	cr_assert_str_eq(out, "t\xc3\xbcrk");
	cr_assert_eq(http_query_param("xlang=nl", "lang", out, sizeof(out)), -1);
	cr_assert_eq(http_query_param("lang=%zz", "lang", out, sizeof(out)), -1);
	cr_assert_eq(http_query_param("lang=%00", "lang", out, sizeof(out)), -1);
	cr_assert_eq(http_query_param("lang=%4", "lang", out, sizeof(out)), -1);
	cr_assert_eq(http_query_param(NULL, "lang", out, sizeof(out)), -1);
	cr_assert_eq(http_query_param("lang=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "lang", out, sizeof(out)), -1);
	cr_assert_eq(http_query_param("lang=", "lang", out, sizeof(out)), 0);
}

/* Issue 14: a header that carries one value, twice, is ambiguous. */
Test(http_parse, repeated_singletons_refused)
{
	static const char *const reqs[] = {
		"GET /x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\n"
		"Authorization: Bearer b\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
		"content-type: text/plain\r\nContent-Length: 0\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
		"Expect: 100-continue\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nIdempotency-Key: a\r\n"
		"Idempotency-Key: a\r\n\r\n",
	};
	struct http_head h;
	size_t		 i;
	int		 st;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		st = 0;
		cr_assert_eq(parse(reqs[i], &h, &st), -1, "case %zu", i);
		cr_assert_eq(st, 400, "case %zu: %d", i, st);
	}
	cr_assert_eq(parse("GET /x HTTP/1.1\r\nHost: a\r\nAccept-Language: nl\r\n"
	    "Accept-Language: en\r\nAuthorization: Bearer a\r\n\r\n", &h, &st), 0);
	http_head_clear(&h);
}

Test(http_parse, json_charset)
{
	cr_assert_eq(http_json_type("application/json"), 1);
	cr_assert_eq(http_json_type("Application/JSON; charset=UTF-8"), 1);
	cr_assert_eq(http_json_type("application/json;charset=\"utf-8\""), 1);
	cr_assert_eq(http_json_type("application/json; charset=utf8"), 1);
	cr_assert_eq(http_json_type("application/json; foo=bar"), 1);
	cr_assert_eq(http_json_type("application/json; charset=utf-16"), -1);
	cr_assert_eq(http_json_type("application/json; charset=iso-8859-1"),
	    -1);
	cr_assert_eq(http_json_type("application/json; foo=1; charset=utf-16"),
	    -1);
	cr_assert_eq(http_json_type("application/json; charset"), -1);
	cr_assert_eq(http_json_type("application/jsonx"), 0);
	cr_assert_eq(http_json_type("text/plain"), 0);
	cr_assert_eq(http_json_type(NULL), 0);
}
