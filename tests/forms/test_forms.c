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

/* The first code point of s, or 0. */
static unsigned
first_cp(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (p[0] < 0x80)
		return (p[0]);
	if ((p[0] & 0xe0) == 0xc0)
		return ((p[0] & 0x1fu) << 6 | (p[1] & 0x3fu));
	if ((p[0] & 0xf0) == 0xe0)
		return ((p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 |
		    (p[2] & 0x3fu));
	return (0);
}

/* Does s hold a code point in [lo, hi]? */
static int
has_script(const char *s, unsigned lo, unsigned hi)
{
	unsigned	 c;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue;
		c = first_cp(s);
		if (c >= lo && c <= hi)
			return (1);
	}
	return (0);
}

/*
 * Walk two forms documents side by side: every label, help, intro and
 * emergency text of l must be written in its script (Ge'ez
 * U+1200..U+137F, CJK U+3000..U+9FFF) and differ from English -- no
 * untranslated text and no English fallback anywhere in the form.
 */
static void
walk_texts(const json_t *x, const json_t *en, unsigned lo, unsigned hi,
    const char *where, int *n)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 w[256];

	if (json_is_array(x)) {
		json_array_foreach(x, i, v) {
			snprintf(w, sizeof(w), "%s[%zu]", where, i);
			walk_texts(v, json_array_get(en, i), lo, hi, w, n);
		}
		return;
	}
	if (!json_is_object(x))
		return;
	json_object_foreach((json_t *)x, k, v) {
		snprintf(w, sizeof(w), "%s.%s", where, k);
		if (json_is_string(v) && (strcmp(k, "label") == 0 ||
		    strcmp(k, "help") == 0 || strcmp(k, "intro") == 0 ||
		    strcmp(k, "emergency") == 0)) {
			cr_expect(has_script(json_string_value(v), lo, hi),
			    "%s not in its script: %s", w,
			    json_string_value(v));
			cr_expect_str_neq(json_string_value(v),
			    json_string_value(json_object_get(en, k)),
			    "%s is English", w);
			(*n)++;
		} else
			walk_texts(v, json_object_get(en, k), lo, hi, w, n);
	}
}

Test(forms, tigrinya_and_chinese_everywhere)
{
	static const struct {
		enum i18n_lang	 l;
		unsigned	 lo, hi;
	} ls[] = {
		{ I18N_TI, 0x1200, 0x137f },
		{ I18N_ZH, 0x3000, 0x9fff },
	};
	json_t		*en, *x;
	const char	*key, *m;
	size_t		 i, k;
	int		 n;

	en = forms_to_json(I18N_EN);
	for (i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
		n = 0;
		cr_assert_not_null(x = forms_to_json(ls[i].l));
		walk_texts(x, en, ls[i].lo, ls[i].hi, i18n_code(ls[i].l), &n);
		/* 3 categories, 18 subtypes, 5 questions, 34 options, ... */
		cr_expect_gt(n, 100, "only %d texts walked", n);
		json_decref(x);
		cr_expect(has_script(forms_emergency(ls[i].l), ls[i].lo,
		    ls[i].hi));
		for (k = 0; (key = i18n_key_at(k)) != NULL; k++) {
			cr_assert_not_null(m = i18n_msg(key, ls[i].l));
			cr_expect(has_script(m, ls[i].lo, ls[i].hi),
			    "%s in %s: %s", key, i18n_code(ls[i].l), m);
			cr_expect_str_neq(m, i18n_msg(key, I18N_EN), "%s", key);
		}
		cr_expect_gt(k, 30);
		cr_expect_str_eq(i18n_dir(ls[i].l), "ltr");
	}
	json_decref(en);
	cr_expect_str_eq(i18n_code(I18N_TI), "ti");
	cr_expect_str_eq(i18n_code(I18N_ZH), "zh");
}

Test(forms, tigrinya_and_chinese_negotiated)
{
	enum i18n_lang	 l;

	cr_expect_eq(i18n_parse("ti", &l), 0);
	cr_expect_eq(l, I18N_TI);
	cr_expect_eq(i18n_parse("ti-ER", &l), 0);
	cr_expect_eq(l, I18N_TI);
	cr_expect_eq(i18n_parse("zh", &l), 0);
	cr_expect_eq(l, I18N_ZH);
	cr_expect_eq(i18n_parse("zh_CN", &l), 0);
	cr_expect_eq(l, I18N_ZH);
	cr_expect_eq(i18n_parse("zh-Hans-CN", &l), 0);
	cr_expect_eq(l, I18N_ZH);
	cr_expect_eq(i18n_accept("zh-CN,zh;q=0.9,en;q=0.8"), I18N_ZH);
	cr_expect_eq(i18n_accept("de;q=0.9, ti;q=0.7, en;q=0.5"), I18N_TI);
	cr_expect_eq(i18n_accept("am-ET, ti-ER;q=0.4"), I18N_TI);
	/* The order is part of the reporter session token format. */
	cr_expect_eq(I18N_TI, 4);
	cr_expect_eq(I18N_ZH, 5);
}
