/*
 * GET /metrics on the staff port: Prometheus text format (version 0.0.4)
 * with overdue counts per queue and clock, cases per queue and state, and
 * live staff sessions.  Counts only: no case, no user, no key.  The
 * public process serves no /metrics at all.
 *
 * Even counts are sensitive (a watcher could see the honour-violence
 * queue grow right after someone reported), so a scrape must present
 * the bearer token from metrics_token_file; without that key /metrics
 * is off (403).
 */
#ifndef MELDPUNT_METRICS_H
#define MELDPUNT_METRICS_H

#include <stddef.h>

struct http_request;

/* Load the token file (NULL: metrics off).  -1 with a line in err. */
int	metrics_init(const char *token_file, char *err, size_t errlen);
void	metrics_free(void);
void	metrics_get(struct http_request *req, void *arg);

#endif
