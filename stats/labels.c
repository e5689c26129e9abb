/*
 * Labels for statistics outputs; see labels.h.  Levels of category,
 * subtype, province, ground and sector come from the form definition
 * (forms/forms.c), the single vocabulary reporters chose from; outcomes
 * and the chart's own phrases are here, in Dutch and English, because
 * the form never shows them to a reporter.
 */
#include <stdio.h>
#include <string.h>

#include "forms/forms.h"
#include "stats/labels.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* Only Dutch and English are written here; others read English. */
static int
lang_ix(enum i18n_lang l)
{
	return (l == I18N_NL ? 0 : 1);
}

struct pair {
	const char	*p_key;
	const char	*p_text[2];	/* nl, en */
};

static const struct pair dims[DISCLOSURE_NDIMS] = {
	{ "month", { "maand", "month" } },
	{ "quarter", { "kwartaal", "quarter" } },
	{ "year", { "jaar", "year" } },
	{ "category", { "categorie", "category" } },
	{ "subtype", { "soort", "kind" } },
	{ "province", { "provincie", "province" } },
	{ "ground", { "grond", "ground" } },
	{ "sector", { "sector", "sector" } },
	{ "outcome", { "uitkomst", "outcome" } },
};

static const struct pair plurals[DISCLOSURE_NDIMS] = {
	{ "month", { "maand", "month" } },
	{ "quarter", { "kwartaal", "quarter" } },
	{ "year", { "jaar", "year" } },
	{ "category", { "categorie", "category" } },
	{ "subtype", { "soort", "kind of report" } },
	{ "province", { "provincie", "province" } },
	{ "ground", { "discriminatiegrond", "ground of discrimination" } },
	{ "sector", { "sector", "sector" } },
	{ "outcome", { "uitkomst", "outcome" } },
};

/* '' is a case still open; the others are the states it closed from. */
static const struct pair outcomes[] = {
	{ "", { "nog open", "still open" } },
	{ "referred", { "doorverwezen", "referred" } },
	{ "resolved", { "afgehandeld", "resolved" } },
	{ "unfounded", { "ongegrond", "unfounded" } },
	{ "withdrawn", { "ingetrokken", "withdrawn" } },
};

/* The yearly figures (meldctl stats annual): measures and their levels. */
static const struct pair annual[] = {
	{ "received", { "Meldingen ontvangen", "Reports received" } },
	{ "acknowledged", { "Ontvangst bevestigd", "Receipt acknowledged" } },
	{ "first_contact", { "Eerste contact door een behandelaar",
	    "First contact by a case handler" } },
	{ "feedback", { "Terugkoppeling (een uitkomst)",
	    "Feedback (an outcome)" } },
	{ "referred", { "Doorverwijzingen, naar soort organisatie",
	    "Referrals, by type of organisation" } },
	{ "closed", { "Gesloten, naar uitkomst", "Closed, by outcome" } },
	{ "within_7_days", { "binnen 7 dagen", "within 7 days" } },
	{ "within_3_months", { "binnen 3 maanden", "within 3 months" } },
	{ "later", { "later", "later" } },
	{ "police", { "politie", "police" } },
	{ "public_prosecutor", { "Openbaar Ministerie", "public prosecutor" } },
	{ "labour_inspectorate", { "Arbeidsinspectie",
	    "labour inspectorate" } },
	{ "human_rights_institute", { "College voor de Rechten van de Mens",
	    "human rights institute" } },
	{ "antidiscrimination_service", { "antidiscriminatievoorziening",
	    "anti-discrimination service" } },
	{ "veilig_thuis", { "Veilig Thuis",
	    "Veilig Thuis (domestic violence advice)" } },
	{ "municipality", { "gemeente", "municipality" } },
	{ "care_provider", { "zorg- of hulpverlener",
	    "care or support provider" } },
	{ "legal_aid", { "juridische hulp", "legal aid" } },
	{ "trade_union", { "vakbond", "trade union" } },
	{ "other", { "anders", "other" } },
};

static const struct pair texts[] = {
	{ "reports", { "meldingen", "reports" } },
	{ "title", { "Meldingen per %s", "Reports per %s" } },
	{ "title_by", { "Meldingen per %s en %s", "Reports per %s by %s" } },
	{ "period", { "%s t/m %s", "%s to %s" } },
	{ "all", { "totaal", "total" } },
	{ "not_given", { "niet opgegeven", "not given" } },
	{ "all_reports", { "alle meldingen", "all reports" } },
	{ "withheld", { "achtergehouden", "withheld" } },
	{ "withheld_long", {
	    "achtergehouden: minder dan k meldingen, of nodig om dat te "
	    "verbergen",
	    "withheld: fewer than k reports, or hidden so that totals do not "
	    "reveal one" } },
	{ "zero", { "0 meldingen", "0 reports" } },
	{ "k", {
	    "Aantallen van 1 t/m %d worden niet getoond (k = %d).",
	    "Counts from 1 to %d are not shown (k = %d)." } },
	{ "noise", {
	    "Ruis toegevoegd (differential privacy, epsilon = %s).",
	    "Noise added (differential privacy, epsilon = %s)." } },
	{ "exact", {
	    "Zonder ruis (epsilon = 0).",
	    "No noise added (epsilon = 0)." } },
	{ "budget", {
	    "Privacybudget: nog %s van %s tot %s.",
	    "Privacy budget: %s of %s left until %s." } },
};

static const char *const months_full[2][12] = {
	{ "januari", "februari", "maart", "april", "mei", "juni", "juli",
	  "augustus", "september", "oktober", "november", "december" },
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
};

static const char *const months[2][12] = {
	{ "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep",
	  "okt", "nov", "dec" },
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	  "Oct", "Nov", "Dec" },
};

const char *
labels_annual(const char *key, enum i18n_lang l)
{
	size_t	 i;

	if (*key == '\0')
		return (labels_text("not_given", l));
	if (strcmp(key, DISCLOSURE_ALL) == 0)
		return (labels_text("all", l));
	for (i = 0; i < N(annual); i++)
		if (strcmp(annual[i].p_key, key) == 0)
			return (annual[i].p_text[lang_ix(l)]);
	return (key);
}

int
labels_org_type_valid(const char *id)
{
	size_t	 i;

	/* The organisation types follow the levels "within..." and "later". */
	for (i = 0; i < N(annual); i++)
		if (strcmp(annual[i].p_key, "police") == 0)
			break;
	for (; i < N(annual); i++)
		if (strcmp(annual[i].p_key, id) == 0)
			return (1);
	return (0);
}

const char *
labels_dim(enum disclosure_dim d, enum i18n_lang l)
{
	if ((unsigned)d >= DISCLOSURE_NDIMS)
		return ("");
	return (dims[d].p_text[lang_ix(l)]);
}

const char *
labels_dim_plural(enum disclosure_dim d, enum i18n_lang l)
{
	if ((unsigned)d >= DISCLOSURE_NDIMS)
		return ("");
	return (plurals[d].p_text[lang_ix(l)]);
}

const char *
labels_text(const char *key, enum i18n_lang l)
{
	size_t	 i;

	for (i = 0; i < N(texts); i++)
		if (strcmp(texts[i].p_key, key) == 0)
			return (texts[i].p_text[lang_ix(l)]);
	return ("");
}

void
labels_month(int month, enum i18n_lang l, int full, char *buf, size_t len)
{
	unsigned	 m = (unsigned)month;

	snprintf(buf, len, "%s %04u", full ? months_full[lang_ix(l)][m % 12] :
	    months[lang_ix(l)][m % 12], (m / 12) % 10000);
}

/* A clear question's option anywhere in the form ("ground", "origin"). */
static const struct forms_option *
labels_option(const char *question, const char *id)
{
	const struct forms_question	*q;
	size_t				 i;

	for (i = 0; i < forms_ncategories(); i++) {
		q = forms_question(forms_category_at(i), question, NULL);
		if (q != NULL)
			return (forms_option(q, id));
	}
	return (NULL);
}

static const struct forms_option *
labels_subtype(const char *id)
{
	const struct forms_option	*o;
	size_t				 i;

	for (i = 0; i < forms_ncategories(); i++)
		if ((o = forms_subtype(forms_category_at(i), id)) != NULL)
			return (o);
	return (NULL);
}

/* "2026-03" / "2026-Q1" into buf; 0, or -1 when not of that shape. */
static int
labels_period(enum disclosure_dim d, const char *level, enum i18n_lang l,
    char *buf, size_t len)
{
	unsigned	 y, m;
	char		 c;

	if (d == DISCLOSURE_MONTH && sscanf(level, "%4u-%2u%c", &y, &m,
	    &c) == 2 && m >= 1 && m <= 12) {
		labels_month((int)(y * 12 + m - 1), l, 0, buf, len);
		return (0);
	}
	if (d == DISCLOSURE_QUARTER && sscanf(level, "%4u-Q%1u%c", &y, &m,
	    &c) == 2 && m >= 1 && m <= 4) {
		snprintf(buf, len, "%s%u %04u", l == I18N_NL ? "K" : "Q", m, y);
		return (0);
	}
	return (-1);
}

const char *
labels_level(enum disclosure_dim d, const char *level, enum i18n_lang l,
    char *buf, size_t len)
{
	const struct forms_category	*c;
	const struct forms_option	*o = NULL;
	size_t				 i;

	if (strcmp(level, DISCLOSURE_ALL) == 0)
		return (labels_text("all", l));
	if (d == DISCLOSURE_OUTCOME) {
		for (i = 0; i < N(outcomes); i++)
			if (strcmp(outcomes[i].p_key, level) == 0)
				return (outcomes[i].p_text[lang_ix(l)]);
		return (level);
	}
	if (*level == '\0')
		return (labels_text("not_given", l));
	if (labels_period(d, level, l, buf, len) == 0)
		return (buf);
	switch (d) {
	case DISCLOSURE_CATEGORY:
		if ((c = forms_category(level)) != NULL)
			return (c->c_label.t[l]);
		break;
	case DISCLOSURE_SUBTYPE:
		o = labels_subtype(level);
		break;
	case DISCLOSURE_PROVINCE:
	case DISCLOSURE_GROUND:
	case DISCLOSURE_SECTOR:
		o = labels_option(disclosure_dim_name(d), level);
		break;
	default:
		break;
	}
	return (o != NULL ? o->o_label.t[l] : level);
}
