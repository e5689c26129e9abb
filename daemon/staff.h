/*
 * The staff role of meldpuntd (handlers, officers, researchers): its
 * routes and its state.  staff_init() runs at start-up (it may fatalx on
 * bad keys); staff_free() releases and wipes everything, including the
 * session keys held in locked memory.
 */
#ifndef MELDPUNT_STAFF_H
#define MELDPUNT_STAFF_H

#include <stddef.h>

struct app;
struct http_route;

const struct http_route	*staff_routes(size_t *n);
void			 staff_init(struct app *app);
void			 staff_free(struct app *app);

#endif
