/*
 * What one meldpuntd process holds: its configuration, the loop, the
 * worker pool, the database pool and the HTTPS server.  main.c owns every
 * member; handlers borrow the struct through their route argument.
 */
#ifndef MELDPUNT_APP_H
#define MELDPUNT_APP_H

#include <openssl/ssl.h>

struct config;
struct event_base;
struct http_server;
struct pool;
struct public_state;
struct staff_state;
struct store;

struct app {
	struct config		*a_conf;
	struct event_base	*a_base;
	SSL_CTX			*a_tls;
	struct pool		*a_pool;
	struct store		*a_store;
	struct http_server	*a_http;
	/* Role state: exactly one is set, by public_init() or staff_init(). */
	struct public_state	*a_public;
	struct staff_state	*a_staff;
};

#endif
