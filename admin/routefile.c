/*
 * Parser of routing-rule files (see routefile.h).  Strict: a field that
 * is not exactly a name, a number or '*' refuses the whole file, so a
 * typo never silently widens a rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/routefile.h"

static int
is_name(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return (0);
	return (i > 0 && i < ROUTEFILE_NAME);
}

/* A name or '*' (stored as ""). */
static int
set_field(char *dst, const char *f, int any_ok)
{
	if (any_ok && strcmp(f, "*") == 0) {
		dst[0] = '\0';
		return (0);
	}
	if (!is_name(f))
		return (-1);
	snprintf(dst, ROUTEFILE_NAME, "%s", f);
	return (0);
}

static int
parse_line(char *line, struct route_rule *r, const char **why)
{
	char	*f[6], *t, *save = NULL, *end;
	long	 pos;
	int	 n = 0;

	while ((t = strtok_r(n == 0 ? line : NULL, " \t", &save)) != NULL) {
		if (n == 6) {
			n++;		/* one too many is enough to refuse */
			break;
		}
		f[n++] = t;
	}
	if (n != 6) {
		*why = "expected 6 fields";
		return (-1);
	}
	pos = strtol(f[0], &end, 10);
	if (*end != '\0' || f[0][0] < '0' || f[0][0] > '9' || pos < 1 ||
	    pos > 1000000) {
		*why = "position must be 1..1000000";
		return (-1);
	}
	r->rr_position = (int)pos;
	*why = "names are 1-40 of [a-z0-9_] or *";
	if (set_field(r->rr_category, f[1], 1) == -1 ||
	    set_field(r->rr_subtype, f[2], 1) == -1 ||
	    set_field(r->rr_province, f[4], 1) == -1 ||
	    set_field(r->rr_queue, f[5], 0) == -1)
		return (-1);
	if (strcmp(f[3], "*") == 0)
		r->rr_urgent = -1;
	else if (strcmp(f[3], "yes") == 0)
		r->rr_urgent = 1;
	else if (strcmp(f[3], "no") == 0)
		r->rr_urgent = 0;
	else {
		*why = "urgent must be yes, no or *";
		return (-1);
	}
	return (0);
}

int
routefile_parse(const char *text, size_t len, struct route_rule **out,
    size_t *n, char *err, size_t errlen)
{
	struct route_rule	*rules = NULL;
	const char		*p = text, *end = text + len, *nl, *why;
	char			 line[512];
	size_t			 i, ll, cnt = 0;
	int			 lineno = 0;

	*out = NULL;
	*n = 0;
	if ((rules = calloc(ROUTEFILE_MAX, sizeof(*rules))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ll = (size_t)(nl - p);
		if (ll >= sizeof(line) || memchr(p, '\0', ll) != NULL) {
			why = "line too long or has a NUL byte";
			goto fail;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';
		ll = strspn(line, " \t");
		if (line[ll] == '\0' || line[ll] == '#')
			continue;
		if (cnt == ROUTEFILE_MAX) {
			why = "too many rules";
			goto fail;
		}
		if (parse_line(line, &rules[cnt], &why) == -1)
			goto fail;
		rules[cnt].rr_line = lineno;
		for (i = 0; i < cnt; i++)
			if (rules[i].rr_position == rules[cnt].rr_position) {
				why = "duplicate position";
				goto fail;
			}
		cnt++;
	}
	if (cnt == 0) {
		lineno = 0;
		why = "no rules";
		goto fail;
	}
	*out = rules;
	*n = cnt;
	return (0);
 fail:
	snprintf(err, errlen, "line %d: %s", lineno, why);
	free(rules);
	return (-1);
}
