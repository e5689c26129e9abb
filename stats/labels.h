/*
 * Words for statistics outputs in the reader's language: the label of a
 * level of a dimension (taken from the reporting form's vocabulary in
 * forms/forms.c, so a chart says "Discriminatie op de arbeidsmarkt"
 * where the data says labour_discrimination), the name of a dimension,
 * and the fixed phrases of a chart.  Dutch and English; other languages
 * of the form fall back to English here.  Pure, like disclosure.c.
 *
 * Strings returned point into static tables or into the caller's buffer
 * and are never freed.
 */
#ifndef MELDPUNT_STATS_LABELS_H
#define MELDPUNT_STATS_LABELS_H

#include <stddef.h>

#include "forms/i18n.h"
#include "stats/disclosure.h"

/* "category" -> "categorie" (nl) / "category" (en). */
const char	*labels_dim(enum disclosure_dim d, enum i18n_lang l);
/* "reports per category" style plural noun of a dimension, lower case. */
const char	*labels_dim_plural(enum disclosure_dim d, enum i18n_lang l);
/*
 * The label of a level as stored/exported ("labour_discrimination",
 * "2026-03", "2026-Q1", "", DISCLOSURE_ALL).  Unknown ids come back
 * as they are.  Month and quarter labels are written into buf.
 */
const char	*labels_level(enum disclosure_dim d, const char *level,
		    enum i18n_lang l, char *buf, size_t len);
/* A fixed phrase by key ("reports", "withheld", ...); never NULL. */
const char	*labels_text(const char *key, enum i18n_lang l);
/*
 * "March 2026" / "maart 2026" (full) or "Mar 2026" / "mrt 2026" for a
 * month number (year * 12 + month - 1).
 */
void		 labels_month(int month, enum i18n_lang l, int full, char *buf,
		    size_t len);

/*
 * A measure or level of the yearly figures ("received", "within_7_days",
 * an organisation type such as "police"); '' is "not given".
 */
const char	*labels_annual(const char *key, enum i18n_lang l);
/* 1 when id is one of the organisation types of a referral. */
int		 labels_org_type_valid(const char *id);

#endif /* MELDPUNT_STATS_LABELS_H */
