/*
 * The submission validator (daemon/reportreq.c) without a database: a
 * key snapshot is built here.  Valid sealed and plaintext bodies are
 * accepted with the right clear fields; refusals carry status, code and
 * pointer; contact details are padded to whole blocks; and a canary
 * pushed through every path never reaches the log sink.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/secret.h"
#include "daemon/log.h"
#include "daemon/pubkeys.h"
#include "daemon/reportreq.h"

static struct pubkeys	*keys;
static struct hpke_key	*priv[3][4];

static void
add_key(struct pubkeys_cat *kc, int ci, enum pubkey_purpose p)
{
	struct pubkey	*k = &kc->kc_keys[kc->kc_n];

	memset(k, 0, sizeof(*k));
	cr_assert_not_null(priv[ci][kc->kc_n] = hpke_key_new(16));
	k->pk_purpose = p;
	k->pk_suite = hpke_suite_default;
	k->pk_publen = sizeof(k->pk_pub);
	cr_assert_eq(hpke_key_public(priv[ci][kc->kc_n], k->pk_pub,
	    &k->pk_publen), 0);
	cr_assert_not_null(k->pk_key = hpke_key_from_public(16, k->pk_pub,
	    k->pk_publen));
	cr_assert_eq(envelope_key_id(k->pk_key, k->pk_id), 0);
	secret_hex_encode(k->pk_id, 16, k->pk_hex);
	kc->kc_n++;
	if (p == PUBKEY_QUEUE)
		kc->kc_nqueue++;
}

static void
setup(void)
{
	size_t	 c;

	cr_assert_not_null(keys = calloc(1, sizeof(*keys)));
	keys->pks_refs = 1;
	keys->pks_ncat = forms_ncategories();
	cr_assert_not_null(keys->pks_cat = calloc(keys->pks_ncat,
	    sizeof(*keys->pks_cat)));
	for (c = 0; c < keys->pks_ncat; c++) {
		struct pubkeys_cat *kc = &keys->pks_cat[c];

		cr_assert_not_null(kc->kc_keys = calloc(4, sizeof(*kc->kc_keys)));
		add_key(kc, (int)c, PUBKEY_QUEUE);
		add_key(kc, (int)c, PUBKEY_RECOVERY);
		add_key(kc, (int)c, PUBKEY_IDENTITY);
	}
}

static void
teardown(void)
{
	size_t	 c, i;

	pubkeys_unref(keys);
	for (c = 0; c < 3; c++)
		for (i = 0; i < 4; i++)
			hpke_key_free(priv[c][i]);
}

TestSuite(reportreq, .init = setup, .fini = teardown);

static char *
sealed_body(int ci, const char *cat, const char *extra)
{
	struct envelope_recipient	 r[2];
	struct envelope			*env;
	json_t				*j, *e;
	char				*s;
	const struct pubkeys_cat	*kc = pubkeys_cat(keys, ci);

	memcpy(r[0].r_key_id, kc->kc_keys[0].pk_id, 16);
	r[0].r_key = kc->kc_keys[0].pk_key;
	memcpy(r[1].r_key_id, kc->kc_keys[1].pk_id, 16);
	r[1].r_key = kc->kc_keys[1].pk_key;
	env = envelope_build(&hpke_suite_default, cat, r, 2,
	    (const uint8_t *)"{\"narrative\":\"x\"}", 16);
	cr_assert_not_null(env);
	e = envelope_to_json(env);
	envelope_free(env);
	j = json_loads(extra, 0, NULL);
	cr_assert_not_null(j, "%s", extra);
	json_object_set_new(j, "envelope", e);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return (s);
}

static int
parse(const char *body, struct reportreq **rr, struct reportreq_error *err)
{
	enum i18n_lang	 l = I18N_EN;

	return (reportreq_parse((const unsigned char *)body, strlen(body),
	    keys, rr, err, &l));
}

Test(reportreq, sealed_body_is_accepted)
{
	struct reportreq	*rr;
	struct reportreq_error	 err;
	char			*b;

	b = sealed_body(0, "labour_discrimination", "{\"category\":"
	    "\"labour_discrimination\",\"subtype\":\"dismissal\",\"answers\":"
	    "{\"ground\":\"age\",\"province\":\"limburg\"},\"lang\":\"tr\"}");
	cr_assert_eq(parse(b, &rr, &err), 0, "%d %s %s", err.re_status,
	    err.re_code, err.re_field);
	cr_expect_str_eq(rr->rr_subtype, "dismissal");
	cr_expect_str_eq(rr->rr_ground, "age");
	cr_expect_str_eq(rr->rr_province, "limburg");
	cr_expect_null(rr->rr_sector);
	cr_expect_eq(rr->rr_lang, I18N_TR);
	cr_expect_not_null(rr->rr_env);
	reportreq_free(rr);
	free(b);
}

Test(reportreq, plaintext_with_contact_is_padded)
{
	struct reportreq	*rr;
	struct reportreq_error	 err;

	cr_assert_eq(parse("{\"category\":\"honour_violence\",\"subtype\":"
	    "\"fgm_risk\",\"answers\":{\"immediate_danger\":true,"
	    "\"travel_date\":\"2028-02-29\"},\"report\":{\"narrative\":\"n\"},"
	    "\"contact_details\":{\"phone\":\"06\"}}", &rr, &err), 0, "%s %s",
	    err.re_code, err.re_field);
	cr_expect(rr->rr_danger);
	cr_expect_str_eq(rr->rr_travel, "2028-02-29");
	cr_expect_eq(rr->rr_contact, RR_CONTACT_PLAIN);
	cr_expect_eq(rr->rr_contact_plainlen % REPORTREQ_CONTACT_BLOCK, 0);
	cr_expect_eq(rr->rr_contact_key->pk_purpose, PUBKEY_IDENTITY);
	cr_expect_eq(rr->rr_plainlen, strlen("{\"narrative\":\"n\"}"));
	reportreq_free(rr);
}

/* Consent (docs/reporter-api.md check 9): plain details take no copies
 * (the server seals them), an urgent signal and details are required. */
Test(reportreq, consent_needs_urgency_and_details)
{
	static const struct {
		const char	*body;
		int		 status;
		const char	*code, *field;
	} bad[] = {
	{ "{\"category\":\"labour_discrimination\",\"subtype\":\"dismissal\","
	  "\"report\":{\"narrative\":\"x\"},\"contact_details\":{\"phone\":"
	  "\"06\"},\"contact_consent\":true}", 422, "consent_not_urgent",
	  "/contact_consent" },
	{ "{\"category\":\"honour_violence\",\"subtype\":\"threats\","
	  "\"answers\":{\"immediate_danger\":true},\"report\":{\"narrative\":"
	  "\"x\"},\"contact_consent\":true}", 400, "missing_field", "/contact" },
	{ "{\"category\":\"honour_violence\",\"subtype\":\"threats\","
	  "\"answers\":{\"immediate_danger\":true},\"report\":{\"narrative\":"
	  "\"x\"},\"contact_details\":{\"phone\":\"06\"},\"contact_consent\":"
	  "1}", 400, "invalid_field", "/contact_consent" },
	{ "{\"category\":\"honour_violence\",\"subtype\":\"threats\","
	  "\"answers\":{\"immediate_danger\":true},\"report\":{\"narrative\":"
	  "\"x\"},\"contact_details\":{\"phone\":\"06\"},\"contact_consent\":"
	  "true,\"urgent_contact\":[]}", 400, "unknown_field", "/urgent_contact" },
	{ "{\"category\":\"honour_violence\",\"subtype\":\"threats\","
	  "\"answers\":{\"immediate_danger\":true},\"report\":{\"narrative\":"
	  "\"x\"},\"contact_details\":{\"phone\":\"06\"},\"urgent_contact\":"
	  "[]}", 400, "unknown_field", "/urgent_contact" },
	};
	struct reportreq	*rr;
	struct reportreq_error	 err;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(parse(bad[i].body, &rr, &err), -1, "case %zu", i);
		cr_expect_eq(err.re_status, bad[i].status, "case %zu: %d", i,
		    err.re_status);
		cr_expect_str_eq(err.re_code, bad[i].code, "case %zu", i);
		cr_expect_str_eq(err.re_field, bad[i].field, "case %zu", i);
		cr_expect_null(rr);
	}
	/* A travel date is an urgent signal too; no copies with plain
	 * details. */
	cr_assert_eq(parse("{\"category\":\"honour_violence\",\"subtype\":"
	    "\"threats\",\"answers\":{\"immediate_danger\":false,"
	    "\"travel_date\":\"2028-02-29\"},\"report\":{\"narrative\":\"n\"},"
	    "\"contact_details\":{\"phone\":\"06\"},\"contact_consent\":true}",
	    &rr, &err), 0, "%s %s", err.re_code, err.re_field);
	cr_expect(rr->rr_consent);
	cr_expect_eq(rr->rr_nucopy, 0);
	reportreq_free(rr);
	/* false is no consent. */
	cr_assert_eq(parse("{\"category\":\"labour_discrimination\","
	    "\"subtype\":\"dismissal\",\"report\":{\"narrative\":\"n\"},"
	    "\"contact_consent\":false}", &rr, &err), 0, "%s %s", err.re_code,
	    err.re_field);
	cr_expect(!rr->rr_consent);
	reportreq_free(rr);
}

Test(reportreq, refusals_name_status_code_and_pointer)
{
	static const struct {
		const char	*body;
		int		 status;
		const char	*code, *field;
	} bad[] = {
	{ "{}", 400, "missing_field", "/category" },
	{ "{\"category\":\"honour_violence\",\"subtype\":\"threats\","
	  "\"report\":{\"narrative\":\"x\"}}", 400, "missing_field",
	  "/answers/immediate_danger" },
	{ "{\"category\":\"honour_violence\",\"subtype\":\"threats\","
	  "\"answers\":{\"immediate_danger\":false,\"travel_date\":"
	  "\"2027-02-29\"},\"report\":{\"narrative\":\"x\"}}", 400,
	  "invalid_field", "/answers/travel_date" },
	{ "{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	  "\"report\":{\"narrative\":\"\"}}", 400, "invalid_field",
	  "/report/narrative" },
	{ "{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	  "\"report\":{\"narrative\":\"x\"},\"contact\":{}, "
	  "\"contact_details\":{}}", 400, "unknown_field", "/contact_details" },
	{ "{\"ca\\/t\":1}", 400, "unknown_field", "" },
	{ "{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	  "\"report\":{\"narrative\":\"x\"},\"contact_details\":{\"note\":"
	  "\"x\",\"email\":7}}", 400, "invalid_field", "/contact_details/email" },
	};
	struct reportreq	*rr;
	struct reportreq_error	 err;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(parse(bad[i].body, &rr, &err), -1, "case %zu", i);
		cr_expect_eq(err.re_status, bad[i].status, "case %zu: %d", i,
		    err.re_status);
		cr_expect_str_eq(err.re_code, bad[i].code, "case %zu", i);
		cr_expect_str_eq(err.re_field, bad[i].field, "case %zu", i);
		cr_expect_null(rr);
	}
}

Test(reportreq, wraps_must_match_the_category_keys)
{
	struct reportreq	*rr;
	struct reportreq_error	 err;
	char			*b;

	/* Sealed to the keys of another category. */
	b = sealed_body(1, "labour_discrimination", "{\"category\":"
	    "\"labour_discrimination\",\"subtype\":\"dismissal\"}");
	cr_expect_eq(parse(b, &rr, &err), -1);
	cr_expect_eq(err.re_status, 409);
	cr_expect_str_eq(err.re_field, "/envelope/wraps/0/key_id");
	free(b);
}

static int	 canary_seen;

static void
sink(int level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	if (strstr(line, "CANARY") != NULL)
		canary_seen = 1;
}

Test(reportreq, canary_never_reaches_the_log)
{
	static const char *const bodies[] = {
	    "{\"category\":\"foreign_interference\",\"subtype\":\"intimidation\","
	    "\"report\":{\"narrative\":\"CANARY-1\"}}",
	    "{\"category\":\"CANARY-2\"}",
	    "{\"CANARY-3\":1}",
	    "{\"category\":\"foreign_interference\",\"subtype\":\"intimidation\","
	    "\"report\":{\"narrative\":\"x\"},\"contact_details\":{\"name\":"
	    "\"CANARY-4\"}}",
	    "CANARY-5",
	};
	struct reportreq	*rr;
	struct reportreq_error	 err;
	size_t			 i;

	log_set_sink(sink, NULL);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		if (parse(bodies[i], &rr, &err) == 0)
			reportreq_free(rr);
	}
	log_set_sink(NULL, NULL);
	cr_expect_eq(canary_seen, 0);
}

/*
 * A refusal about a member the reporter sees carries that member's label
 * from the form, in the language the body names (or the caller's when it
 * names none); envelope internals and unknown names carry none.
 */
Test(reportreq, refusals_carry_the_fields_label_in_the_reporters_language)
{
	static const struct {
		const char	*body;
		enum i18n_lang	 lang;
		const char	*field, *label;
	} cases[] = {
	{ "{\"lang\":\"nl\"}", I18N_NL, "/category", "Onderwerp" },
	{ "{\"lang\":\"ar\",\"category\":\"labour_discrimination\"}", I18N_AR,
	  "/subtype", "النوع" },
	{ "{\"lang\":\"nl\",\"category\":\"honour_violence\",\"subtype\":"
	  "\"threats\",\"report\":{\"narrative\":\"x\"}}", I18N_NL,
	  "/answers/immediate_danger", "Is er nu direct gevaar?" },
	{ "{\"lang\":\"tr\",\"category\":\"honour_violence\",\"subtype\":"
	  "\"threats\",\"answers\":{\"immediate_danger\":false,"
	  "\"travel_date\":\"1999-01-01\"},\"report\":{\"narrative\":\"x\"}}",
	  I18N_TR, "/answers/travel_date", NULL },
	{ "{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	  "\"report\":{\"narrative\":\"\"}}", I18N_EN, "/report/narrative",
	  "What happened?" },
	{ "{\"lang\":\"nl\",\"category\":\"foreign_interference\",\"subtype\":"
	  "\"surveillance\",\"report\":{\"narrative\":\"x\"},"
	  "\"contact_details\":{\"phone\":7}}", I18N_NL,
	  "/contact_details/phone", "Telefoonnummer" },
	{ "{\"lang\":\"nl\",\"category\":\"labour_discrimination\",\"subtype\":"
	  "\"dismissal\",\"answers\":{\"colour\":\"red\"}}", I18N_NL,
	  "/answers/colour", NULL },
	{ "{\"lang\":\"nl\",\"category\":\"labour_discrimination\",\"subtype\":"
	  "\"dismissal\",\"envelope\":7}", I18N_NL, "/envelope", NULL },
	};
	struct reportreq	*rr;
	struct reportreq_error	 err;
	enum i18n_lang		 l;
	size_t			 i;
	const char		*want;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l = I18N_EN;
		cr_assert_eq(reportreq_parse((const unsigned char *)
		    cases[i].body, strlen(cases[i].body), keys, &rr, &err, &l),
		    -1, "case %zu", i);
		cr_expect_eq(l, cases[i].lang, "case %zu", i);
		cr_expect_str_eq(err.re_field, cases[i].field, "case %zu", i);
		want = cases[i].label;
		/* travel_date: the Turkish label of the question itself. */
		if (i == 3)
			want = forms_question(forms_category(
			    "honour_violence"), "travel_date", NULL)->q_label
			    .t[I18N_TR];
		if (want == NULL)
			cr_expect_null(err.re_label, "case %zu: %s", i,
			    err.re_label);
		else
			cr_expect(err.re_label != NULL &&
			    strcmp(err.re_label, want) == 0,
			    "case %zu: label %s, want %s", i,
			    err.re_label ? err.re_label : "(none)", want);
	}
}

/*
 * Text that is not UTF-8 is refused wherever it is in the body, with its
 * own code; escaped lone surrogates and an escaped NUL (valid UTF-8 text
 * that stands for no Unicode string) are invalid JSON.  Nothing that
 * reaches a reportreq can carry either.
 */
Test(reportreq, text_must_be_utf8)
{
	static const char *const not_utf8[] = {
	/* a bare continuation byte, in the narrative */
	"{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	"\"report\":{\"narrative\":\"a\x80z\"}}",
	/* Latin-1 in contact details */
	"{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	"\"report\":{\"narrative\":\"x\"},\"contact_details\":{\"name\":"
	"\"Jos\xe9\"}}",
	/* an overlong "/" in the category */
	"{\"category\":\"labour\xc0\xaf\"}",
	/* a UTF-16 surrogate encoded as UTF-8 (CESU-8) */
	"{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	"\"report\":{\"narrative\":\"\xed\xa0\x80\"}}",
	/* past U+10FFFF */
	"{\"lang\":\"\xf4\x90\x80\x80\"}",
	/* in a member name */
	"{\"\xff\":1}",
	};
	static const char *const bad_escapes[] = {
	"{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	"\"report\":{\"narrative\":\"a\\ud800z\"}}",
	"{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	"\"report\":{\"narrative\":\"a\\udc00z\"}}",
	"{\"category\":\"foreign_interference\",\"subtype\":\"surveillance\","
	"\"report\":{\"narrative\":\"a\\u0000z\"}}",
	};
	struct reportreq	*rr;
	struct reportreq_error	 err;
	size_t			 i;

	for (i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		cr_expect_eq(parse(not_utf8[i], &rr, &err), -1, "case %zu", i);
		cr_expect_eq(err.re_status, 400, "case %zu", i);
		cr_expect_str_eq(err.re_code, "invalid_utf8", "case %zu", i);
		cr_expect_null(rr);
	}
	for (i = 0; i < sizeof(bad_escapes) / sizeof(bad_escapes[0]); i++) {
		cr_expect_eq(parse(bad_escapes[i], &rr, &err), -1, "escape %zu",
		    i);
		cr_expect_str_eq(err.re_code, "invalid_json", "escape %zu", i);
	}
	/* A paired surrogate escape and 4-byte UTF-8 are fine. */
	cr_assert_eq(parse("{\"category\":\"foreign_interference\",\"subtype\":"
	    "\"surveillance\",\"report\":{\"narrative\":\"\\ud83d\\ude42 "
	    "\xf0\x9f\x99\x82\"}}", &rr, &err), 0, "%s", err.re_code);
	reportreq_free(rr);
}
