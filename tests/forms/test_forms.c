/*
 * The form and the texts (forms/forms.c, forms/i18n.c): complete in
 * every language, the lists of DESIGN's table and the issue, Arabic
 * right-to-left and language negotiation.
 */
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "forms/forms.h"
#include "forms/i18n.h"

Test(forms, tables_are_complete_in_every_language)
{
	char		 err[256];
	const char	*bad = NULL;

	cr_expect_eq(forms_check(err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(i18n_check(&bad), 0, "%s", bad ? bad : "");
}

Test(forms, categories_subtypes_and_questions)
{
	const struct forms_category	*c;
	const struct forms_question	*q;
	int				 req;
	static const char *const hv[] = { "threats", "forced_marriage",
	    "marital_captivity", "abandonment_abroad", "fgm_risk",
	    "restriction_of_freedom" };
	static const char *const obi[] = { "diaspora_tax", "intimidation",
	    "surveillance", "family_pressure", "coercion_return",
	    "online_harassment", "funding_influence" };
	static const char *const grounds[] = { "origin", "nationality",
	    "religion", "skin_colour", "sex", "age", "disability",
	    "sexual_orientation" };
	size_t				 i;

	cr_assert_eq(forms_ncategories(), 3);
	cr_assert_not_null(c = forms_category("honour_violence"));
	for (i = 0; i < sizeof(hv) / sizeof(hv[0]); i++)
		cr_expect_not_null(forms_subtype(c, hv[i]), "%s", hv[i]);
	cr_assert_not_null(q = forms_question(c, "immediate_danger", &req));
	cr_expect(req);
	cr_expect_not_null(forms_question(c, "travel_date", NULL));
	cr_expect_null(forms_question(c, "ground", NULL));
	cr_assert_not_null(c = forms_category("foreign_interference"));
	for (i = 0; i < sizeof(obi) / sizeof(obi[0]); i++)
		cr_expect_not_null(forms_subtype(c, obi[i]), "%s", obi[i]);
	cr_assert_not_null(c = forms_category("labour_discrimination"));
	cr_expect_not_null(forms_subtype(c, "internship"));
	cr_assert_not_null(q = forms_question(c, "ground", NULL));
	for (i = 0; i < sizeof(grounds) / sizeof(grounds[0]); i++)
		cr_expect_not_null(forms_option(q, grounds[i]), "%s",
		    grounds[i]);
	cr_assert_not_null(q = forms_question(c, "province", NULL));
	cr_expect_eq(q->q_nopts, 12);
	cr_expect_null(forms_category("Labour_discrimination"));
	cr_expect_null(forms_category(NULL));
}

Test(forms, json_in_each_language)
{
	json_t		*nl, *en, *ar;
	const char	*ln, *le, *la;

	nl = forms_to_json(I18N_NL);
	en = forms_to_json(I18N_EN);
	ar = forms_to_json(I18N_AR);
	cr_assert(nl && en && ar);
	ln = json_string_value(json_object_get(json_array_get(
	    json_object_get(nl, "categories"), 0), "label"));
	le = json_string_value(json_object_get(json_array_get(
	    json_object_get(en, "categories"), 0), "label"));
	la = json_string_value(json_object_get(json_array_get(
	    json_object_get(ar, "categories"), 0), "label"));
	cr_expect_str_neq(ln, le);
	/* Arabic script: U+0600..U+06FF starts with 0xd8..0xdb in UTF-8. */
	cr_expect((unsigned char)la[0] >= 0xd8 && (unsigned char)la[0] <= 0xdb);
	cr_expect_not_null(json_object_get(json_array_get(json_object_get(en,
	    "categories"), 2), "emergency"));
	cr_expect(strstr(forms_emergency(I18N_TR), "112") != NULL);
	json_decref(nl);
	json_decref(en);
	json_decref(ar);
	cr_expect_str_eq(i18n_dir(I18N_AR), "rtl");
	cr_expect_str_eq(i18n_dir(I18N_NL), "ltr");
}

Test(forms, language_negotiation)
{
	enum i18n_lang	 l;

	cr_expect_eq(i18n_parse("nl", &l), 0);
	cr_expect_eq(l, I18N_NL);
	cr_expect_eq(i18n_parse("TR", &l), 0);
	cr_expect_eq(l, I18N_TR);
	cr_expect_eq(i18n_parse("ar-MA", &l), 0);
	cr_expect_eq(l, I18N_AR);
	cr_expect_eq(i18n_parse("xx", &l), -1);
	cr_expect_eq(i18n_parse("nld", &l), -1);
	cr_expect_eq(i18n_parse("", &l), -1);
	cr_expect_eq(i18n_accept(NULL), I18N_EN);
	cr_expect_eq(i18n_accept("de-DE,de;q=0.9"), I18N_EN);
	cr_expect_eq(i18n_accept("de;q=0.9, tr;q=0.8, nl;q=0.5"), I18N_TR);
	cr_expect_eq(i18n_accept("en;q=0.1, ar"), I18N_AR);
	cr_expect_eq(i18n_accept(";;;,q=,nl;q=x"), I18N_EN);
	cr_expect_str_eq(i18n_code(I18N_NLANG), "en");
}
