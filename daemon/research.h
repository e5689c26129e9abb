/*
 * Researchers' statistics export on the staff process:
 * GET /v1/research/stats?group=...&from=YYYY-MM&to=YYYY-MM[&format=]
 * [&k=][&epsilon=].  A live researcher session is required
 * (daemon/ssession.h); the database debits the epsilon budget and writes
 * the audit event in the same transaction that returns the grouped sums
 * (schema/0030_research.sql); disclosure control and rendering
 * (stats/disclosure.c) run on the worker pool, off the loop.
 */
#ifndef MELDPUNT_RESEARCH_H
#define MELDPUNT_RESEARCH_H

struct http_request;

/* Route handler; arg is the struct app. */
void	research_stats(struct http_request *req, void *arg);

#endif
