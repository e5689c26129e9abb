/*
 * The languages the reporter side speaks (Dutch, English, Turkish,
 * Arabic, Tigrinya, Simplified Chinese) and the short texts the public process sends in them: error
 * messages, case states, the automatic acknowledgement and the
 * emergency instruction.  Compiled in, like the forms (forms/forms.c),
 * so that a deployment cannot lose them; tests check that every text
 * exists in every language.  Pure: no daemon state, no logging.
 */
#ifndef MELDPUNT_I18N_H
#define MELDPUNT_I18N_H

#include <stddef.h>

enum i18n_lang {
	I18N_NL = 0,
	I18N_EN,
	I18N_TR,
	I18N_AR,
	/*
	 * Appended, never inserted: reporter session tokens carry the
	 * index (daemon/rsession.c), so the order is part of the format.
	 */
	I18N_TI,		/* Tigrinya, Ge'ez script */
	I18N_ZH,		/* Chinese, Simplified characters */
	I18N_NLANG
};

#define I18N_DEFAULT	I18N_EN		/* unknown languages fall back here */

/* One text in every language, indexed by enum i18n_lang. */
struct i18n_text {
	const char	*t[I18N_NLANG];
};

const char	*i18n_code(enum i18n_lang);
/* "rtl" for Arabic, else "ltr". */
const char	*i18n_dir(enum i18n_lang);
/*
 * "nl", "NL", "nl-BE", "nl_NL" -> I18N_NL; every "zh-..." (Hans, Hant,
 * CN, TW) -> I18N_ZH, the one written Chinese we have; -1 when not one
 * of ours.
 */
int		 i18n_parse(const char *code, enum i18n_lang *out);
/*
 * The best of our languages in an Accept-Language header (q-values
 * honoured, malformed parts skipped); I18N_DEFAULT when none matches or
 * the header is NULL.
 */
enum i18n_lang	 i18n_accept(const char *header);
/* A message by key ("error.invalid_json", "state.new", ...) or NULL. */
const char	*i18n_msg(const char *key, enum i18n_lang);
/* The key of the i-th message, NULL past the last (for tests). */
const char	*i18n_key_at(size_t i);
/* Walk every message: 0 when all are present in all languages. */
int		 i18n_check(const char **badkey);

#endif /* MELDPUNT_I18N_H */
