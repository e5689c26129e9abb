/*
 * The server TLS context: TLS 1.2 and 1.3 only, forward-secret AEAD
 * suites only, no compression, no renegotiation, no session tickets
 * (tickets encrypted under a long-lived key would undo forward secrecy).
 */
#ifndef MELDPUNT_TLS_H
#define MELDPUNT_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Returns a new context, or NULL with one line in err. */
SSL_CTX	*tls_ctx_new(const char *cert_file, const char *key_file, char *err,
	    size_t errlen);

#endif
