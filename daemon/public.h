/*
 * The public (reporter) role of meldpuntd: its routes and its state.
 * public_init() runs at start-up (it may fatalx on bad keys or forms);
 * public_free() releases and wipes everything it holds.
 */
#ifndef MELDPUNT_PUBLIC_H
#define MELDPUNT_PUBLIC_H

#include <stddef.h>

struct app;
struct http_route;

const struct http_route	*public_routes(size_t *n);
void			 public_init(struct app *app);
void			 public_free(struct app *app);
/*
 * Why the public role serves no keys right now (the key manifest does
 * not cover them, docs/crypto.md §10), for /readyz; NULL when it does,
 * and for the staff role.
 */
const char		*public_not_ready(const struct app *app);

#endif
