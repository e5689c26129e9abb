/*
 * Reporter-facing endpoints (the public role).  Each handler validates its
 * input completely before anything is stored, answers every refusal with
 * a 4xx JSON error, and never logs what a reporter sent.
 */
#include <stddef.h>

#include "daemon/app.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/public.h"

static const struct http_route routes[] = {
	{ HTTP_GET, "/healthz", health_healthz, 0 },
	{ HTTP_GET, "/readyz", health_readyz, 0 },
};

const struct http_route *
public_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return (routes);
}

void
public_init(struct app *app)
{
	(void)app;
}

void
public_free(struct app *app)
{
	(void)app;
}
