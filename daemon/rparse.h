/*
 * Parsers of bytes a client controls, kept apart from the I/O around them
 * so that each can be fuzzed on its own (tests/fuzz/): the content and the
 * contact details a reporter sealed, which the staff process -- the one
 * that holds the keys -- parses after opening them; the bearer tokens of
 * both roles; the reporter inbox's small JSON bodies; the ?lang= query
 * parameter.  No logging, no allocation the caller does not get back.
 */
#ifndef MELDPUNT_RPARSE_H
#define MELDPUNT_RPARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "forms/i18n.h"

/*
 * Decrypted report content: the JSON value the reference client sends,
 * or, when the bytes are not JSON, the bytes as a JSON string (jansson
 * refuses invalid UTF-8: then NULL).  New reference.
 */
json_t	*rparse_content(const uint8_t *pt, size_t len);
/*
 * The reporter's language sealed inside the content (docs/crypto.md
 * §2.2: the member "lang" of the content object): the code of one of
 * our languages (static), or NULL when absent or not one of ours.
 */
const char *rparse_content_lang(const json_t *content);
/*
 * Decrypted contact details: a 4-byte big-endian length, that many bytes
 * of a JSON object, then padding.  The object (new reference), or NULL.
 */
json_t	*rparse_contact(const uint8_t *pt, size_t len);
/*
 * Decrypted attachment metadata: exactly the members "name" (a string of
 * at most namemax bytes), "type" (at most 127 bytes) and "size" (an
 * integer, 0..maxsize).  The object (new reference), or NULL.
 */
json_t	*rparse_attach_meta(const uint8_t *pt, size_t len, size_t namemax,
	    json_int_t maxsize);
/*
 * "Bearer <2 * toklen hex digits>" to SHA-256(token) in hash (32 bytes).
 * 0, or -1 when authz is NULL or malformed.
 */
int	 rparse_bearer(const char *authz, size_t toklen, unsigned char *hash);

/* Why a body was refused: the HTTP status, the error code, the pointer. */
struct rparse_err {
	int		 e_status;
	const char	*e_code;
	char		 e_field[32];
};
/*
 * A reporter inbox body: a JSON object with exactly the string member
 * want (1..maxlen bytes) and an optional "lang" string (ours: stored in
 * *l).  Returns want's value, borrowed from *root (the caller frees
 * *root), or NULL with *root NULL and e filled in.
 */
const char *rparse_inbox_body(const unsigned char *body, size_t len,
	    const char *want, size_t maxlen, json_t **root, enum i18n_lang *l,
	    struct rparse_err *e);
/*
 * The lang query parameter copied into buf (at most bufsz - 1 characters
 * of [A-Za-z-_]; anything else leaves buf empty, "unknown").  1 when the
 * parameter is present, else 0.
 */
int	 rparse_query_lang(const char *q, char *buf, size_t bufsz);

#endif /* MELDPUNT_RPARSE_H */
