/*
 * End-to-end tests of issue 17's language items over real TLS against a
 * real meldpuntd --role public and PostgreSQL: the form and the error
 * messages in Tigrinya and Chinese by ?lang= and Accept-Language; a
 * receipt typed in Eastern Arabic, Persian or full-width digits logs in;
 * the operator's trust content (trust_file) is served per language with
 * the English text where a language has none, the compiled-in defaults
 * without the key, and a wrong file stops start-up naming the member.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "admin/init.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"
#include "tests/lib/treporter.h"

struct lt {
	char		*db;
	PGconn		*su;
	char		 keys[512];
	char		 trust[600];
	struct tdaemon	 d;
	json_t		*forms;
};

static struct lt	 T;
static int		 lt_seq;

/* An operator's file: Tigrinya and Chinese given, Turkish left out. */
static const char trust_doc[] =
    "{\"organisation\": {\"en\": \"Hotline Example Region\","
    " \"nl\": \"Meldpunt Regio Voorbeeld\","
    " \"ti\": \"መቕረቢ ጸብጻብ ዞባ ኣብነት\", \"zh\": \"示例地区报告热线\"},"
    " \"privacy\": {\"en\": \"We keep what the law asks.\\nNo more.\","
    " \"zh\": \"我们只保存法律要求的内容。\"},"
    " \"contacts\": [{\"name\": {\"en\": \"Safe at Home\","
    " \"ti\": \"ውሑስ ኣብ ገዛ\"}, \"phone\": \"0800-2000\","
    " \"url\": \"https://veiligthuis.nl\","
    " \"hours\": {\"en\": \"day and night\"}}]}";

static void
lt_start(struct lt *t, const char *trust)
{
	FILE	*null = fopen("/dev/null", "w"), *f;
	char	 extra[3072];

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(t->db = testdb_create());
	cr_assert_not_null(t->su = testdb_connect(t->db, NULL));
	snprintf(t->keys, sizeof(t->keys), "%s/lang-keys-%d-%d",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), ++lt_seq);
	cr_assert_eq(init_run(t->su, t->keys, null, stderr, NULL), 0);
	fclose(null);
	extra[0] = '\0';
	if (trust != NULL) {
		snprintf(t->trust, sizeof(t->trust), "%s/trust.json", t->keys);
		cr_assert_not_null(f = fopen(t->trust, "w"));
		fputs(trust, f);
		fclose(f);
		snprintf(extra, sizeof(extra), "trust_file = %s\n", t->trust);
	}
	snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
	    "receipt_lookup_key = %s/%s\ncontact_link_key = %s/%s\n"
	    "receipt_argon2_m_kib = 8192\nreceipt_argon2_t = 1\nworkers = 2\n",
	    t->keys, INIT_F_LOOKUP, t->keys, INIT_F_LINK);
	cr_assert_eq(tdaemon_start(&t->d, "public", tdaemon_conninfo(t->db,
	    "mp_public"), extra), 0, "meldpuntd did not start (%s)",
	    t->d.log);
	cr_assert_not_null(t->forms = trep_forms(t->d.port, "en"),
	    "forms never became ready");
}

static void
setup(void)
{
	lt_start(&T, trust_doc);
}

static void
teardown(void)
{
	tdaemon_stop(&T.d);
	json_decref(T.forms);
	PQfinish(T.su);
	testdb_drop(T.db);
	free(T.db);
}

TestSuite(lang, .init = setup, .fini = teardown, .timeout = 120);

/* GET path with extra headers; the body as JSON. */
static json_t *
lt_get(const char *path, const char *hdrs)
{
	struct tcl_resp	 r;
	json_t		*j;

	cr_assert_eq(tcl_request(T.d.port, "GET", path, hdrs, NULL, &r), 0);
	cr_assert_eq(r.status, 200, "%s: %d", path, r.status);
	cr_assert_not_null(j = json_loads(r.body, 0, NULL), "%s", r.body);
	tcl_resp_clear(&r);
	return (j);
}

static const char *
lt_str(const json_t *j, const char *a, const char *b)
{
	const json_t	*v = json_object_get(j, a);

	return (json_string_value(b != NULL ? json_object_get(v, b) : v));
}

/* The first code point of s is in [lo, hi]. */
static int
lt_script(const char *s, unsigned lo, unsigned hi)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 c;

	if (s == NULL || (p[0] & 0xf0) != 0xe0)
		return (0);
	c = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
	return (c >= lo && c <= hi);
}

Test(lang, forms_and_errors_in_tigrinya_and_chinese)
{
	struct tcl_resp	 r;
	json_t		*j, *cat;
	size_t		 i;
	int		 ti = 0, zh = 0;

	j = lt_get("/v1/forms?lang=ti", NULL);
	cr_expect_str_eq(lt_str(j, "lang", NULL), "ti");
	cr_expect_str_eq(lt_str(j, "dir", NULL), "ltr");
	cr_expect(json_is_false(json_object_get(j, "fallback")));
	json_array_foreach(json_object_get(j, "categories"), i, cat)
		cr_expect(lt_script(lt_str(cat, "label", NULL), 0x1200,
		    0x137f), "Ge'ez: %s", lt_str(cat, "label", NULL));
	json_array_foreach(json_object_get(j, "languages"), i, cat) {
		ti += strcmp(json_string_value(cat), "ti") == 0;
		zh += strcmp(json_string_value(cat), "zh") == 0;
	}
	cr_expect(ti == 1 && zh == 1);
	json_decref(j);
	/* Accept-Language picks them when ?lang= is absent. */
	j = lt_get("/v1/forms", "Accept-Language: zh-CN,zh;q=0.9,en;q=0.5\r\n");
	cr_expect_str_eq(lt_str(j, "lang", NULL), "zh");
	cr_expect(lt_script(lt_str(json_array_get(json_object_get(j,
	    "categories"), 0), "label", NULL), 0x4e00, 0x9fff));
	json_decref(j);
	j = lt_get("/v1/forms", "Accept-Language: ti-ER, en;q=0.8\r\n");
	cr_expect_str_eq(lt_str(j, "lang", NULL), "ti");
	json_decref(j);
	/* Errors in the reporter's language. */
	cr_assert_eq(tcl_request(T.d.port, "POST", "/v1/reports",
	    "Content-Type: application/json\r\nAccept-Language: ti\r\n",
	    "{\"category\":\"x\"}", &r), 0);
	cr_expect_eq(r.status, 422);
	cr_expect(strstr(r.body, "ቅጥዒ") != NULL, "%s", r.body);
	tcl_resp_clear(&r);
	cr_assert_eq(tcl_request(T.d.port, "POST", "/v1/reports",
	    "Content-Type: application/json\r\n", "{\"lang\":\"zh\","
	    "\"category\":\"x\"}", &r), 0);
	cr_expect(strstr(r.body, "表单") != NULL, "%s", r.body);
	tcl_resp_clear(&r);
}

/* r's 16 digits in the script whose zero is U+zero, groups split by sep. */
static void
lt_spell(char *out, size_t outlen, const char *r, unsigned zero,
    const char *sep)
{
	size_t	 i, n = 0;
	unsigned c;

	for (i = 0; i < 16 && n + 8 < outlen; i++) {
		if (i > 0 && i % 4 == 0)
			n += (size_t)snprintf(out + n, outlen - n, "%s", sep);
		c = zero + (unsigned)(r[i] - '0');
		if (c < 0x80)
			out[n++] = (char)c;
		else if (c < 0x800) {
			out[n++] = (char)(0xc0 | c >> 6);
			out[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[n++] = (char)(0xe0 | c >> 12);
			out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[n] = '\0';
}

Test(lang, receipt_in_digits_of_other_scripts_logs_in)
{
	static const struct {
		unsigned	 zero;
		const char	*sep;
	} sp[] = {
		{ 0x660, " " },			/* Eastern Arabic */
		{ 0x6f0, "-" },			/* Persian */
		{ 0xff10, "\xe3\x80\x80" },	/* full-width, U+3000 */
	};
	char	*receipt = NULL, *tok, in[160], digits[17];
	size_t	 i, k, n = 0;
	int	 st;

	st = trep_submit_sealed(T.d.port, T.forms, "labour_discrimination",
	    "recruitment", NULL, "{\"narrative\":\"digits\",\"lang\":\"ar\"}",
	    &receipt, NULL);
	cr_assert_eq(st, 201);
	for (k = 0; receipt[k] != '\0'; k++)
		if (receipt[k] >= '0' && receipt[k] <= '9' && n < 16)
			digits[n++] = receipt[k];
	digits[n] = '\0';
	cr_assert_eq(n, 16);
	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
		lt_spell(in, sizeof(in), digits, sp[i].zero, sp[i].sep);
		tok = trep_login(T.d.port, in);
		cr_expect_not_null(tok, "spelling #%zu refused", i);
		if (tok != NULL)
			trep_logout(T.d.port, tok);
		free(tok);
	}
	/* A wrong check digit in Arabic digits is still a typo. */
	lt_spell(in, sizeof(in), digits, 0x660, " ");
	k = strlen(in);
	in[k - 1] = (char)(0xa0 + (digits[15] - '0' + 1) % 10);
	cr_expect_null(trep_login(T.d.port, in));
	free(receipt);
}

Test(lang, trust_content_per_language)
{
	json_t	*j, *c;

	j = lt_get("/v1/forms?lang=ti", NULL);
	cr_expect_str_eq(lt_str(j, "trust", "organisation"),
	    "መቕረቢ ጸብጻብ ዞባ ኣብነት");
	c = json_array_get(json_object_get(json_object_get(j, "trust"),
	    "contacts"), 0);
	cr_expect_str_eq(lt_str(c, "name", NULL), "ውሑስ ኣብ ገዛ");
	cr_expect_str_eq(lt_str(c, "phone", NULL), "0800-2000");
	cr_expect_str_eq(lt_str(c, "url", NULL), "https://veiligthuis.nl");
	cr_expect_str_eq(lt_str(c, "hours", NULL), "day and night");
	cr_expect_str_eq(lt_str(j, "trust", "privacy"),
	    "We keep what the law asks.\nNo more.");
	json_decref(j);
	j = lt_get("/v1/forms?lang=zh", NULL);
	cr_expect_str_eq(lt_str(j, "trust", "organisation"), "示例地区报告热线");
	cr_expect_str_eq(lt_str(j, "trust", "privacy"),
	    "我们只保存法律要求的内容。");
	json_decref(j);
	j = lt_get("/v1/forms?lang=nl", NULL);
	cr_expect_str_eq(lt_str(j, "trust", "organisation"),
	    "Meldpunt Regio Voorbeeld");
	json_decref(j);
	/* No Turkish text: the English one. */
	j = lt_get("/v1/forms?lang=tr", NULL);
	cr_expect_str_eq(lt_str(j, "trust", "organisation"),
	    "Hotline Example Region");
	json_decref(j);
}

Test(lang, trust_defaults_without_the_key)
{
	json_t		*j, *c;
	const char	*code[] = { "nl", "en", "tr", "ar", "ti", "zh" };
	char		 path[32];
	size_t		 i;

	tdaemon_stop(&T.d);
	json_decref(T.forms);
	PQfinish(T.su);
	testdb_drop(T.db);
	free(T.db);
	lt_start(&T, NULL);
	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/v1/forms?lang=%s", code[i]);
		j = lt_get(path, NULL);
		cr_expect_str_eq(lt_str(j, "trust", "organisation"),
		    "Meldpunt");
		cr_expect_not_null(lt_str(j, "trust", "privacy"));
		c = json_array_get(json_object_get(json_object_get(j,
		    "trust"), "contacts"), 0);
		cr_expect_str_eq(lt_str(c, "phone", NULL), "0800-2000");
		cr_expect_not_null(strstr(lt_str(c, "name", NULL),
		    "Veilig Thuis"));
		json_decref(j);
	}
}

Test(lang, wrong_trust_file_stops_start_up)
{
	static const struct {
		const char	*doc, *says;
	} bad[] = {
		{ "{", "not JSON" },
		{ "[]", "document: must be a JSON object" },
		{ "{\"privacy\": {\"en\": \"x\"}}", "organisation: required" },
		{ "{\"organisation\": {\"nl\": \"x\"}}",
		    "organisation: needs an \"en\" text" },
		{ "{\"organisation\": {\"en\": \"x\", \"de\": \"y\"}}",
		    "organisation.de: not a language" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"logo\": 1}",
		    "logo: unknown member" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}, \"url\": \"http://a.example\"}]}",
		    "contacts[0].url: must be an https:// URL" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}, \"phone\": \"call me\"}]}",
		    "contacts[0].phone" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}}]}", "contacts[0]: needs a phone or a url" },
		{ "{\"organisation\": {\"en\": \"a\\u0007b\"}}",
		    "organisation.en: control characters" },
	};
	struct tdaemon	 d;
	char		 extra[2048], path[700], *log;
	size_t		 i;
	FILE		*f;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/bad-trust-%zu.json", T.keys,
		    i);
		cr_assert_not_null(f = fopen(path, "w"));
		fputs(bad[i].doc, f);
		fclose(f);
		snprintf(extra, sizeof(extra), "trust_file = %s\n"
		    "receipt_lookup_key = %s/%s\ncontact_link_key = %s/%s\n",
		    path, T.keys, INIT_F_LOOKUP, T.keys, INIT_F_LINK);
		cr_assert_eq(tdaemon_start(&d, "public", tdaemon_conninfo(T.db,
		    "mp_public"), extra), -1, "started with bad file #%zu", i);
		cr_assert_not_null(log = tdaemon_log(&d));
		cr_expect(strstr(log, "trust_file") != NULL &&
		    strstr(log, bad[i].says) != NULL, "#%zu: %s", i, log);
		free(log);
	}
	/* A missing file, too. */
	snprintf(extra, sizeof(extra), "trust_file = %s/none.json\n"
	    "receipt_lookup_key = %s/%s\ncontact_link_key = %s/%s\n", T.keys,
	    T.keys, INIT_F_LOOKUP, T.keys, INIT_F_LINK);
	cr_assert_eq(tdaemon_start(&d, "public", tdaemon_conninfo(T.db,
	    "mp_public"), extra), -1);
	cr_assert_not_null(log = tdaemon_log(&d));
	cr_expect(strstr(log, "none.json") != NULL, "%s", log);
	free(log);
}
