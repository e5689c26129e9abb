/*
 * The reporting form: categories, subtypes and the clear questions
 * (DESIGN's table, issue 5), with labels and help texts in every
 * language of forms/i18n.h.  The definition is compiled in, not read
 * from a data file: it is also the list of values the daemon accepts in
 * the clear routing and statistics fields (and that the routing rules
 * and statistics dimensions name), so changing it is a code change that
 * goes through the tests, and a deployment cannot start with a missing
 * or half-translated file.  Pure: no daemon state, no logging; meldctl
 * may link it.
 *
 * Everything returned points into static tables and is never freed.
 */
#ifndef MELDPUNT_FORMS_H
#define MELDPUNT_FORMS_H

#include <stddef.h>

#include <jansson.h>

#include "forms/i18n.h"

#define FORMS_VERSION	1

enum forms_qtype {
	FORMS_CHOICE = 0,	/* one option id */
	FORMS_BOOL,		/* true / false */
	FORMS_DATE,		/* YYYY-MM-DD */
};

struct forms_option {
	const char		*o_id;
	struct i18n_text	 o_label;
	struct i18n_text	 o_help;	/* all NULL: no help text */
};

struct forms_question {
	const char		*q_id;
	enum forms_qtype	 q_type;
	struct i18n_text	 q_label;
	struct i18n_text	 q_help;
	const struct forms_option *q_opts;
	size_t			 q_nopts;
};

struct forms_qref {
	const char		*r_id;
	int			 r_required;
};

struct forms_category {
	const char		*c_id;
	struct i18n_text	 c_label;
	struct i18n_text	 c_help;
	const struct forms_option *c_subtypes;
	size_t			 c_nsubtypes;
	const struct forms_qref	*c_questions;
	size_t			 c_nquestions;
	int			 c_emergency;	/* show the 112 notice */
};

/* "In immediate danger? Call 112 now." in one language. */
const char			*forms_emergency(enum i18n_lang);
size_t				 forms_ncategories(void);
const struct forms_category	*forms_category_at(size_t);
const struct forms_category	*forms_category(const char *id);
/* Index of a category in the table, -1 when unknown. */
int				 forms_category_index(const char *id);
const struct forms_option	*forms_subtype(const struct forms_category *,
				    const char *id);
/* The question if it belongs to the category, else NULL. */
const struct forms_question	*forms_question(const struct forms_category *,
				    const char *id, int *required);
const struct forms_option	*forms_option(const struct forms_question *,
				    const char *id);

/*
 * The label a reporter sees for the member a JSON pointer of a
 * POST /v1/reports error names ("/category", "/subtype",
 * "/answers/<question of c>", "/report/narrative",
 * "/contact_details/<field>"), in language l; NULL for a member with
 * no label (envelope internals, unknown names) or when c is NULL where
 * the category is needed.
 */
const char			*forms_field_label(const struct forms_category *c,
				    const char *pointer, enum i18n_lang l);

/*
 * The form in one language as JSON (categories, subtypes, questions,
 * content and contact fields); keys and buckets are added by the caller.
 */
json_t				*forms_to_json(enum i18n_lang);
/* Self-check of the tables: every text in every language, ids unique. */
int				 forms_check(char *err, size_t errlen);

#endif /* MELDPUNT_FORMS_H */
