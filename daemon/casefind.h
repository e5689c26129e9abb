/*
 * Finding a case by the case number its reporter reads from the inbox
 * (casefind.c, schema 0253).
 */
#ifndef MELDPUNT_CASEFIND_H
#define MELDPUNT_CASEFIND_H

struct http_request;

/* "k7m4-qx2p" -> "K7M4QX2P" (8 characters and a NUL); -1 when it is not
 * a case number.  Pure. */
int	casefind_normalise(const char *in, char *out);
/* GET /v1/staff/case/find?number= -> {"case", "case_number"}. */
void	casefind_get(struct http_request *req, void *arg);

#endif
