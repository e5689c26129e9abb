/*
 * Liveness and readiness endpoints, served by both roles.  /healthz never
 * touches the database (a load balancer must not kill a process because
 * PostgreSQL is down); /readyz makes one round trip through the pool.
 */
#ifndef MELDPUNT_HEALTH_H
#define MELDPUNT_HEALTH_H

struct http_request;

void	health_healthz(struct http_request *req, void *arg);
void	health_readyz(struct http_request *req, void *arg);

#endif
