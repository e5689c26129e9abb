/*
 * TLS context set-up.  The policy is fixed in code rather than
 * configurable: there is no deployment of a reporting hotline where a
 * weaker setting would be right, and a knob invites someone to turn it.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "daemon/tls.h"

/* TLS 1.2: ECDHE key exchange with AEAD ciphers only. */
static const char tls12_ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
static const char tls13_suites[] =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_128_GCM_SHA256";

static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";
	unsigned char	*sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, h11, sizeof(h11) - 1, in,
	    inlen) != OPENSSL_NPN_NEGOTIATED)
		return (SSL_TLSEXT_ERR_NOACK);
	*out = sel;
	return (SSL_TLSEXT_ERR_OK);
}

SSL_CTX *
tls_ctx_new(const char *cert_file, const char *key_file, char *err,
    size_t errlen)
{
	SSL_CTX		*ctx;
	const char	*what;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		what = "cannot create TLS context";
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		what = "cannot restrict protocol versions";
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* Idle keep-alive connections should cost little memory. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (!SSL_CTX_set_cipher_list(ctx, tls12_ciphers) ||
	    !SSL_CTX_set_ciphersuites(ctx, tls13_suites)) {
		what = "cannot set cipher suites";
		goto fail;
	}
	if (!SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")) {
		what = "cannot set key-exchange groups";
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		what = "tls_cert: cannot load certificate chain";
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		what = "tls_key: cannot load private key";
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		what = "tls_key: does not match tls_cert";
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_cb, NULL);
	return (ctx);
 fail:
	snprintf(err, errlen, "%s", what);
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return (NULL);
}
