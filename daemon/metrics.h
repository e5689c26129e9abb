/*
 * GET /metrics on the staff port: Prometheus text format (version 0.0.4)
 * with overdue counts per queue and clock, cases per queue and state, and
 * live staff sessions.  Counts only: no case, no user, no key.  The
 * public process serves no /metrics at all.
 */
#ifndef MELDPUNT_METRICS_H
#define MELDPUNT_METRICS_H

struct http_request;

void	metrics_get(struct http_request *req, void *arg);

#endif
