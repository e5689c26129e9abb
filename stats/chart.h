/*
 * The SVG chart of a protected disclosure table, fit to publish: labels
 * from the form vocabulary in the requested language, a layout measured
 * from the longest label so nothing is clipped, axis ticks in 1-2-5
 * steps, a title and notes that state k, epsilon, the budget and the
 * period in words, withheld cells drawn apart from zero, and a line
 * chart over time for month and quarter groupings (horizontal bars
 * otherwise).  Pure, like disclosure.c; output depends only on inputs.
 */
#ifndef MELDPUNT_STATS_CHART_H
#define MELDPUNT_STATS_CHART_H

#include "stats/disclosure.h"

/* Append the chart of t (protected) to b; errors latch in b->b_err. */
void		 chart_svg(const struct disclosure_table *t,
		    const struct disclosure_query *q,
		    const struct disclosure_meta *m, struct disclosure_buf *b);

/*
 * An upper bound of the rendered width in px of UTF-8 text s at font
 * size px in a sans-serif face: per-character advance widths rounded up
 * (wide letters, digits, narrow punctuation), any non-ASCII character as
 * a wide one.  The layout uses it so that no label leaves the canvas.
 */
double		 chart_text_width(const char *s, double px);

/*
 * Axis ticks for values 0..vmax: a step of 1, 2 or 5 times a power of
 * ten giving at most max_ticks intervals; *top is the first multiple of
 * the step >= vmax (at least one step).  Returns the step.
 */
long long	 chart_nice_step(long long vmax, int max_ticks, long long *top);

#endif /* MELDPUNT_STATS_CHART_H */
