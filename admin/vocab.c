/*
 * Checks of meldctl input against the form's vocabulary (see vocab.h).
 * The nearest valid value is found by Levenshtein distance over the few
 * dozen ids of the form; words are at most 40 bytes (routefile.h), so the
 * quadratic table is small and on the stack.
 */
#include <stdio.h>
#include <string.h>

#include "admin/routefile.h"
#include "admin/vocab.h"
#include "forms/forms.h"

#define VOCAB_WORD	64
#define VOCAB_MAXC	64	/* candidates gathered at once */

/* Edit distance of a and b (both shorter than VOCAB_WORD). */
static size_t
vocab_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, d[VOCAB_WORD + 1];
	size_t	prev, tmp, best;

	if (la > VOCAB_WORD || lb > VOCAB_WORD)
		return ((size_t)-1);
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (d[j] + 1 < best)
				best = d[j] + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			d[j] = best;
			prev = tmp;
		}
	}
	return (d[lb]);
}

const char *
vocab_nearest(const char *word, const char *const *cands, size_t n)
{
	const char	*best = NULL;
	size_t		 i, dist, bestd = strlen(word) / 3 + 2;

	for (i = 0; i < n; i++)
		if ((dist = vocab_distance(word, cands[i])) < bestd) {
			bestd = dist;
			best = cands[i];
		}
	return (best);
}

/* "what \"word\" is not in the form (did you mean \"x\"?)" into err. */
static void
vocab_refuse(char *err, size_t errlen, int line, const char *what,
    const char *word, const char *const *cands, size_t n)
{
	const char	*near = vocab_nearest(word, cands, n);
	char		 prefix[32] = "";

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "line %d: ", line);
	if (near != NULL)
		snprintf(err, errlen, "%s%s \"%s\" is not in the form (did you "
		    "mean \"%s\"?)", prefix, what, word, near);
	else
		snprintf(err, errlen, "%s%s \"%s\" is not in the form", prefix,
		    what, word);
}

static size_t
vocab_categories(const char **out)
{
	size_t	i, n = forms_ncategories();

	for (i = 0; i < n && i < VOCAB_MAXC; i++)
		out[i] = forms_category_at(i)->c_id;
	return (i);
}

/* Subtypes of c, or of every category when c is NULL. */
static size_t
vocab_subtypes(const struct forms_category *c, const char **out)
{
	const struct forms_category	*k;
	size_t				 i, j, n = 0;

	for (i = 0; i < forms_ncategories(); i++) {
		k = forms_category_at(i);
		if (c != NULL && k != c)
			continue;
		for (j = 0; j < k->c_nsubtypes && n < VOCAB_MAXC; j++)
			out[n++] = k->c_subtypes[j].o_id;
	}
	return (n);
}

/* The province options (the same list in every category that asks). */
static size_t
vocab_provinces(const char **out)
{
	const struct forms_question	*q = NULL;
	size_t				 i, n = 0;
	int				 req;

	for (i = 0; q == NULL && i < forms_ncategories(); i++)
		q = forms_question(forms_category_at(i), "province", &req);
	for (i = 0; q != NULL && i < q->q_nopts && n < VOCAB_MAXC; i++)
		out[n++] = q->q_opts[i].o_id;
	return (n);
}

static int
vocab_in(const char *word, const char *const *cands, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(word, cands[i]) == 0)
			return (1);
	return (0);
}

int
vocab_check_rule(const struct route_rule *r, char *err, size_t errlen)
{
	const struct forms_category	*c = NULL;
	const char			*cands[VOCAB_MAXC];
	size_t				 n;

	if (r->rr_category[0] != '\0') {
		n = vocab_categories(cands);
		if ((c = forms_category(r->rr_category)) == NULL) {
			vocab_refuse(err, errlen, r->rr_line, "category",
			    r->rr_category, cands, n);
			return (-1);
		}
	}
	if (r->rr_subtype[0] != '\0') {
		n = vocab_subtypes(c, cands);
		if (!vocab_in(r->rr_subtype, cands, n)) {
			vocab_refuse(err, errlen, r->rr_line, c != NULL ?
			    "subtype (of this category)" : "subtype",
			    r->rr_subtype, cands, n);
			return (-1);
		}
	}
	if (r->rr_province[0] != '\0') {
		n = vocab_provinces(cands);
		if (!vocab_in(r->rr_province, cands, n)) {
			vocab_refuse(err, errlen, r->rr_line, "province",
			    r->rr_province, cands, n);
			return (-1);
		}
	}
	return (0);
}

int
vocab_check_category(const char *id, char *err, size_t errlen)
{
	const char	*cands[VOCAB_MAXC];
	size_t		 n = vocab_categories(cands);

	if (vocab_in(id, cands, n))
		return (0);
	vocab_refuse(err, errlen, 0, "category", id, cands, n);
	return (-1);
}

int
vocab_check_choice(const char *what, const char *word,
    const char *const *choices, size_t n, char *err, size_t errlen)
{
	const char	*near;
	size_t		 i, len;

	if (vocab_in(word, choices, n))
		return (0);
	len = (size_t)snprintf(err, errlen, "%s \"%s\" is not one of", what,
	    word);
	for (i = 0; i < n && len < errlen; i++)
		len += (size_t)snprintf(err + len, errlen - len, "%s %s",
		    i > 0 ? "," : "", choices[i]);
	if ((near = vocab_nearest(word, choices, n)) != NULL && len < errlen)
		snprintf(err + len, errlen - len, " (did you mean \"%s\"?)",
		    near);
	return (-1);
}
