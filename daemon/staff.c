/*
 * Staff-facing endpoints (the staff role): handler login, queues and
 * cases, research exports, metrics.
 */
#include <stddef.h>

#include "daemon/app.h"
#include "daemon/health.h"
#include "daemon/http.h"
#include "daemon/staff.h"

static const struct http_route routes[] = {
	{ HTTP_GET, "/healthz", health_healthz, 0 },
	{ HTTP_GET, "/readyz", health_readyz, 0 },
};

const struct http_route *
staff_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return (routes);
}

void
staff_init(struct app *app)
{
	(void)app;
}

void
staff_free(struct app *app)
{
	(void)app;
}
