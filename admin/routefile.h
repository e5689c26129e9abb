/*
 * The routing-rule file of `meldctl route load` (pure, fuzzed by
 * tests/fuzz/fuzz_routefile.c).  One rule per line, '#' comments and
 * blank lines ignored, six whitespace-separated fields:
 *
 *	POSITION CATEGORY SUBTYPE URGENT PROVINCE QUEUE
 *
 * POSITION is 1..1000000 and unique; URGENT is yes, no or *; '*' in
 * CATEGORY, SUBTYPE, URGENT or PROVINCE matches anything (NULL in SQL);
 * names are 1-40 of [a-z0-9_].  At most ROUTEFILE_MAX rules.
 */
#ifndef MELDPUNT_ADMIN_ROUTEFILE_H
#define MELDPUNT_ADMIN_ROUTEFILE_H

#include <stddef.h>

#define ROUTEFILE_MAX	1000
#define ROUTEFILE_NAME	41

struct route_rule {
	int	rr_position;
	char	rr_category[ROUTEFILE_NAME];	/* "" = any */
	char	rr_subtype[ROUTEFILE_NAME];
	int	rr_urgent;			/* -1 any, 0 no, 1 yes */
	char	rr_province[ROUTEFILE_NAME];
	char	rr_queue[ROUTEFILE_NAME];
	int	rr_line;			/* in the file, from 1 */
};

/*
 * Parse text[0..len).  On success *out (malloc'd, caller frees) holds *n
 * rules in file order; on error returns -1 with "line N: reason" in err.
 */
int	routefile_parse(const char *text, size_t len, struct route_rule **out,
	    size_t *n, char *err, size_t errlen);

#endif
