/*
 * Tests for daemon/rparse.c, the parsers lifted out of handlers so that
 * they can be fuzzed: each refuses what the handler refused before and
 * yields exactly what it yielded.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "daemon/rparse.h"

Test(rparse, content_json_or_text)
{
	json_t	*v;

	v = rparse_content((const uint8_t *)"{\"narrative\":\"x\"}", 17);
	cr_assert(json_is_object(v));
	json_decref(v);
	v = rparse_content((const uint8_t *)"not json", 8);
	cr_assert_str_eq(json_string_value(v), "not json");
	json_decref(v);
	/* Duplicate members are not JSON here: kept as text. */
	v = rparse_content((const uint8_t *)"{\"a\":1,\"a\":2}", 13);
	cr_assert(json_is_string(v));
	json_decref(v);
	cr_assert_null(rparse_content((const uint8_t *)"\xff\xfe", 2));
}

Test(rparse, contact_length_prefixed_object)
{
	const uint8_t	 ok[] = "\x00\x00\x00\x0c{\"name\":\"A\"}pad";
	const uint8_t	 longer[] = "\x00\x00\x01\x00{}";
	const uint8_t	 arr[] = "\x00\x00\x00\x02[]";
	json_t		*v;

	v = rparse_contact(ok, sizeof(ok) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(v, "name")), "A");
	json_decref(v);
	cr_assert_null(rparse_contact(longer, sizeof(longer) - 1));
	cr_assert_null(rparse_contact(arr, sizeof(arr) - 1));
	cr_assert_null(rparse_contact(ok, 3));
}

Test(rparse, bearer)
{
	unsigned char	 h1[32], h2[32];
	char		 hdr[80];

	memset(hdr, 0, sizeof(hdr));
	strcpy(hdr, "Bearer ");
	memset(hdr + 7, 'a', 64);
	cr_assert_eq(rparse_bearer(hdr, 32, h1), 0);
	hdr[7] = 'A';
	cr_assert_eq(rparse_bearer(hdr, 32, h2), 0);
	cr_assert_eq(memcmp(h1, h2, 32), 0, "hex is case-insensitive");
	hdr[70] = '\0';
	cr_assert_eq(rparse_bearer(hdr, 32, h1), -1);
	cr_assert_eq(rparse_bearer("bearer aa", 1, h1), -1);
	cr_assert_eq(rparse_bearer("Bearer zz", 1, h1), -1);
	cr_assert_eq(rparse_bearer(NULL, 32, h1), -1);
}

Test(rparse, inbox_bodies)
{
	struct rparse_err	 e;
	enum i18n_lang		 l = I18N_DEFAULT;
	json_t			*root;
	const char		*v;

#define B(s)	(const unsigned char *)(s), strlen(s)
	v = rparse_inbox_body(B("{\"receipt\":\"1234\",\"lang\":\"tr\"}"),
	    "receipt", 64, &root, &l, &e);
	cr_assert_str_eq(v, "1234");
	cr_assert_str_eq(i18n_code(l), "tr");
	json_decref(root);
	cr_assert_null(rparse_inbox_body(B("[1]"), "text", 8, &root, &l, &e));
	cr_assert_null(root);
	cr_assert_str_eq(e.e_code, "invalid_json");
	cr_assert_null(rparse_inbox_body(B("{\"text\":\"x\",\"y\":1}"), "text",
	    8, &root, &l, &e));
	cr_assert_str_eq(e.e_code, "unknown_field");
	cr_assert_null(rparse_inbox_body(B("{}"), "text", 8, &root, &l, &e));
	cr_assert_str_eq(e.e_code, "missing_field");
	cr_assert_str_eq(e.e_field, "/text");
	cr_assert_null(rparse_inbox_body(B("{\"text\":\"123456789\"}"), "text",
	    8, &root, &l, &e));
	cr_assert_eq(e.e_status, 413);
	cr_assert_null(rparse_inbox_body(B("{\"text\":\"\"}"), "text", 8,
	    &root, &l, &e));
	cr_assert_eq(e.e_status, 400);
	cr_assert_null(rparse_inbox_body(B("{\"text\":\"a\",\"lang\":1}"),
	    "text", 8, &root, &l, &e));
	cr_assert_str_eq(e.e_field, "/lang");
#undef B
}

Test(rparse, query_lang)
{
	char	 b[17];

	cr_assert_eq(rparse_query_lang("x=1&lang=ar", b, sizeof(b)), 1);
	cr_assert_str_eq(b, "ar");
	cr_assert_eq(rparse_query_lang("lang=a%20b", b, sizeof(b)), 1);
	cr_assert_str_eq(b, "");
	cr_assert_eq(rparse_query_lang("xlang=nl", b, sizeof(b)), 0);
	cr_assert_eq(rparse_query_lang(NULL, b, sizeof(b)), 0);
}

Test(rparse, attach_meta_exactly_three_checked_members)
{
	const char	*ok = "{\"name\":\"a.pdf\",\"type\":\"application/pdf\","
			    "\"size\":100}";
	const char	*bad[] = {
		"{\"name\":\"a\",\"type\":\"t\",\"size\":101}",
		"{\"name\":\"a\",\"type\":\"t\",\"size\":-1}",
		"{\"name\":\"abcdefghi\",\"type\":\"t\",\"size\":1}",
		"{\"name\":\"a\",\"type\":\"t\",\"size\":1,\"x\":1}",
		"{\"name\":\"a\",\"type\":\"t\",\"size\":\"1\"}",
		"{\"name\":\"a\",\"type\":\"t\",\"name\":\"b\"}",
		"[\"a\",\"t\",1]",
	};
	json_t		*v;
	size_t		 i;

	v = rparse_attach_meta((const uint8_t *)ok, strlen(ok), 8, 100);
	cr_assert_not_null(v);
	cr_expect_str_eq(json_string_value(json_object_get(v, "name")),
	    "a.pdf");
	json_decref(v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_null(rparse_attach_meta((const uint8_t *)bad[i],
		    strlen(bad[i]), 8, 100), "%s", bad[i]);
}

/* Issue 17: the reporter's language, sealed in the content. */
Test(rparse, content_lang)
{
	static const struct {
		const char	*content, *want;
	} cases[] = {
		{ "{\"narrative\":\"x\",\"lang\":\"ti\"}", "ti" },
		{ "{\"lang\":\"zh\"}", "zh" },
		{ "{\"lang\":\"nl\"}", "nl" },
		{ "{\"narrative\":\"x\"}", NULL },
		{ "{\"lang\":\"TI\"}", NULL },
		{ "{\"lang\":\"ti-ER\"}", NULL },
		{ "{\"lang\":\"de\"}", NULL },
		{ "{\"lang\":4}", NULL },
		{ "[\"lang\",\"ti\"]", NULL },
		{ "\"ti\"", NULL },
	};
	json_t		*c;
	const char	*l;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = rparse_content((const uint8_t *)cases[i].content,
		    strlen(cases[i].content));
		cr_assert_not_null(c, "#%zu", i);
		l = rparse_content_lang(c);
		if (cases[i].want == NULL)
			cr_expect_null(l, "#%zu: %s", i, l);
		else
			cr_expect_str_eq(l, cases[i].want, "#%zu", i);
		json_decref(c);
	}
	cr_expect_null(rparse_content_lang(NULL));
}
