/*
 * The form's vocabulary for meldctl input (issue 15): routing rules,
 * queue categories and user-add options are checked against the values
 * the daemon accepts (forms/forms.h), and a refusal names the nearest
 * valid value, so that a typo ("utrech") is an error with a hint rather
 * than a rule that can never match.  Pure: no database, no output.
 */
#ifndef MELDPUNT_ADMIN_VOCAB_H
#define MELDPUNT_ADMIN_VOCAB_H

#include <stddef.h>

struct route_rule;

/*
 * The candidate closest to word by edit distance, or NULL when none is
 * within a third of word's length (plus one).  cands: n strings.
 */
const char	*vocab_nearest(const char *word, const char *const *cands,
		    size_t n);

/*
 * 0 when every value of r is in the form: the category, the subtype (of
 * that category, or of any when the category is '*'), the province.
 * Otherwise -1 with "line N: province \"utrech\" is not in the form (did
 * you mean \"utrecht\"?)" in err.
 */
int		 vocab_check_rule(const struct route_rule *r, char *err,
		    size_t errlen);

/* A category id of the form; -1 with the nearest one in err. */
int		 vocab_check_category(const char *id, char *err, size_t errlen);

/*
 * word one of the n choices (e.g. the user kinds); -1 with "what
 * \"word\" is not one of a, b, c (did you mean ...?)" in err.
 */
int		 vocab_check_choice(const char *what, const char *word,
		    const char *const *choices, size_t n, char *err,
		    size_t errlen);

#endif /* MELDPUNT_ADMIN_VOCAB_H */
