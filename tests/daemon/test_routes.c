/*
 * The OpenAPI document (docs/openapi.yaml) and the route tables agree:
 * every (method, path) a process serves is documented with a tag that
 * process serves, and every documented operation is served.  The public
 * process serves the tags public and health, the staff process staff,
 * research and health.  The YAML is read minimally: path lines are
 * indented two spaces under `paths:`, operations four, and each
 * operation names its tags on a `tags: [...]` line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/http.h"
#include "daemon/public.h"
#include "daemon/staff.h"

#define MAXOPS	256

struct op {
	char	m[8];
	char	path[128];
	char	tag[32];
};

static size_t
doc_ops(struct op *ops)
{
	char		 file[1024], line[1024], path[128] = "", m[8] = "";
	const char	*top = getenv("MELDPUNT_TOP");
	FILE		*fp;
	size_t		 n = 0, i;
	int		 inpaths = 0;

	snprintf(file, sizeof(file), "%s/docs/openapi.yaml", top ? top : ".");
	cr_assert_not_null(fp = fopen(file, "r"), "%s", file);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != ' ' && line[0] != '\0' && line[0] != '#') {
			inpaths = strcmp(line, "paths:") == 0;
			continue;
		}
		if (!inpaths)
			continue;
		if (strncmp(line, "  /", 3) == 0) {
			snprintf(path, sizeof(path), "%.*s",
			    (int)strcspn(line + 2, ":"), line + 2);
			continue;
		}
		if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' &&
		    (strcmp(line + 4, "get:") == 0 ||
		    strcmp(line + 4, "post:") == 0 ||
		    strcmp(line + 4, "put:") == 0 ||
		    strcmp(line + 4, "patch:") == 0 ||
		    strcmp(line + 4, "delete:") == 0)) {
			for (i = 0; line[4 + i] != ':' && i < 7; i++)
				m[i] = (char)toupper((unsigned char)line[4 + i]);
			m[i] = '\0';
			continue;
		}
		if (strncmp(line, "      tags: [", 13) == 0 && m[0] != '\0') {
			cr_assert_lt(n, MAXOPS);
			snprintf(ops[n].m, sizeof(ops[n].m), "%s", m);
			snprintf(ops[n].path, sizeof(ops[n].path), "%s", path);
			snprintf(ops[n].tag, sizeof(ops[n].tag), "%.*s",
			    (int)strcspn(line + 13, ",]"), line + 13);
			n++;
			m[0] = '\0';
		}
	}
	fclose(fp);
	return (n);
}

static int
tag_in(const char *tag, const char *const *tags)
{
	for (; *tags != NULL; tags++)
		if (strcmp(tag, *tags) == 0)
			return (1);
	return (0);
}

static void
compare(const struct http_route *rt, size_t nrt, const char *const *tags,
    const char *who)
{
	struct op	 ops[MAXOPS];
	size_t		 n = doc_ops(ops), i, k, ndoc = 0;

	cr_assert_gt(n, 5, "too few operations parsed from openapi.yaml");
	for (i = 0; i < nrt; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(ops[k].path, rt[i].rt_path) == 0 &&
			    strcmp(ops[k].m, http_method_name(rt[i].rt_method))
			    == 0 && tag_in(ops[k].tag, tags))
				break;
		cr_expect_lt(k, n, "%s serves %s %s, not documented with its "
		    "tags", who, http_method_name(rt[i].rt_method),
		    rt[i].rt_path);
	}
	for (k = 0; k < n; k++) {
		if (!tag_in(ops[k].tag, tags))
			continue;
		ndoc++;
		for (i = 0; i < nrt; i++)
			if (strcmp(ops[k].path, rt[i].rt_path) == 0 &&
			    strcmp(ops[k].m, http_method_name(rt[i].rt_method))
			    == 0)
				break;
		cr_expect_lt(i, nrt, "documented %s %s (%s) is not served by "
		    "the %s process", ops[k].m, ops[k].path, ops[k].tag, who);
	}
	cr_expect_eq(ndoc, nrt, "%s: %zu documented, %zu served", who, ndoc,
	    nrt);
}

Test(routes, public_routes_match_openapi)
{
	static const char *const tags[] = { "public", "health", NULL };
	const struct http_route	*rt;
	size_t			 n;

	rt = public_routes(&n);
	compare(rt, n, tags, "public");
}

Test(routes, staff_routes_match_openapi)
{
	static const char *const tags[] = { "staff", "research", "health",
	    NULL };
	const struct http_route	*rt;
	size_t			 n;

	rt = staff_routes(&n);
	compare(rt, n, tags, "staff");
}
