/*
 * Trust content (forms/trust.c): the compiled-in defaults are complete in
 * every language, a text is picked in the asked language or else in
 * English, and every malformed document is refused with the member at
 * fault named.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "forms/i18n.h"
#include "forms/trust.h"

Test(trust, defaults_in_every_language)
{
	struct trust	*t;
	json_t		*en, *j, *c;
	size_t		 l, i;

	cr_assert_not_null(t = trust_default());
	cr_assert_not_null(en = trust_to_json(t, I18N_EN));
	for (l = 0; l < I18N_NLANG; l++) {
		cr_assert_not_null(j = trust_to_json(t, (enum i18n_lang)l));
		cr_expect_not_null(json_object_get(j, "organisation"));
		cr_expect_gt(json_array_size(json_object_get(j, "contacts")),
		    1);
		/* Each language has its own privacy text and names. */
		if (l != I18N_EN) {
			cr_expect_str_neq(json_string_value(json_object_get(j,
			    "privacy")), json_string_value(json_object_get(en,
			    "privacy")), "%s", i18n_code((enum i18n_lang)l));
			json_array_foreach(json_object_get(j, "contacts"), i,
			    c)
				cr_expect_str_neq(json_string_value(
				    json_object_get(c, "name")),
				    json_string_value(json_object_get(
				    json_array_get(json_object_get(en,
				    "contacts"), i), "name")), "%s contact %zu",
				    i18n_code((enum i18n_lang)l), i);
		}
		json_decref(j);
	}
	json_decref(en);
	trust_free(t);
	trust_free(NULL);
}

Test(trust, picks_the_language_or_english)
{
	static const char doc[] = "{\"organisation\": {\"en\": \"Org\","
	    " \"zh\": \"机构\"}, \"contacts\": [{\"name\": {\"en\": \"A\","
	    " \"ti\": \"ሀ\"}, \"url\": \"https://a.example/x?y=1\"}]}";
	struct trust	*t;
	json_t		*j;
	char		 err[256];

	cr_assert_not_null(t = trust_parse(doc, strlen(doc), err,
	    sizeof(err)), "%s", err);
	j = trust_to_json(t, I18N_ZH);
	cr_expect_str_eq(json_string_value(json_object_get(j,
	    "organisation")), "机构");
	cr_expect_null(json_object_get(j, "privacy"));
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "contacts"), 0), "name")), "A");
	json_decref(j);
	j = trust_to_json(t, I18N_TI);
	cr_expect_str_eq(json_string_value(json_object_get(j,
	    "organisation")), "Org");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "contacts"), 0), "name")), "ሀ");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "contacts"), 0), "url")),
	    "https://a.example/x?y=1");
	json_decref(j);
	trust_free(t);
}

Test(trust, refuses_with_the_member_named)
{
	static const struct {
		const char	*doc, *err;
	} bad[] = {
		{ "{\"organisation\": {\"en\": \"\"}}",
		    "organisation.en: must be a non-empty string" },
		{ "{\"organisation\": {\"en\": \"x\", \"EN\": \"y\"}}",
		    "organisation.EN: not a language" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"privacy\": \"y\"}",
		    "privacy: must be an object" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": {}}",
		    "contacts: must be an array" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}, \"url\": \"https://a\\\"b\"}]}",
		    "contacts[0].url" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}, \"url\": \"javascript:alert(1)\"}]}",
		    "contacts[0].url" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}, \"phone\": \"12\"}]}", "contacts[0].phone" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"phone\":"
		    " \"112\"}]}", "contacts[0].name: required" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [{\"name\":"
		    " {\"en\": \"y\"}, \"phone\": \"112\", \"fax\": \"1\"}]}",
		    "contacts[0].fax: unknown member" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"contacts\": [1]}",
		    "contacts[0]: must be an object" },
		{ "{\"organisation\": {\"en\": \"a\\nb\"}}",
		    "organisation.en: control characters" },
		{ "{\"organisation\": {\"en\": \"x\"}, \"organisation\": "
		    "{\"en\": \"y\"}}", "not JSON" },
	};
	char	 err[256];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_null(trust_parse(bad[i].doc, strlen(bad[i].doc), err,
		    sizeof(err)), "accepted #%zu", i);
		cr_expect(strstr(err, bad[i].err) != NULL, "#%zu: %s", i, err);
	}
	/* Nine contacts are too many. */
	{
		char	 doc[2048];
		size_t	 n;

		n = (size_t)snprintf(doc, sizeof(doc), "{\"organisation\": "
		    "{\"en\": \"x\"}, \"contacts\": [");
		for (i = 0; i < TRUST_CONTACTS_MAX + 1; i++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			    "%s{\"name\": {\"en\": \"c\"}, \"phone\": \"112\"}",
			    i ? "," : "");
		snprintf(doc + n, sizeof(doc) - n, "]}");
		cr_expect_null(trust_parse(doc, strlen(doc), err,
		    sizeof(err)));
		cr_expect(strstr(err, "at most 8") != NULL, "%s", err);
	}
	/* A privacy statement may have paragraphs. */
	{
		static const char ok[] = "{\"organisation\": {\"en\": \"x\"}, "
		    "\"privacy\": {\"en\": \"a\\n\\nb\"}}";
		struct trust	*t;

		t = trust_parse(ok, strlen(ok), err, sizeof(err));
		cr_expect_not_null(t, "%s", err);
		trust_free(t);
	}
}
