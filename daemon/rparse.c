/*
 * Pure parsers of client-controlled bytes (rparse.h).  Each was lifted out
 * of a handler that also does I/O (cases.c work_read, identity.c
 * contact_open, ssession.c and inbox.c) so that a fuzzer can reach it
 * without a database or a socket; the handlers call these.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto/secret.h"
#include "daemon/rparse.h"

#define RPARSE_TOKEN_MAX	64

json_t *
rparse_content(const uint8_t *pt, size_t len)
{
	json_error_t	 jerr;
	json_t		*v;

	/* The reference client sends JSON; anything else as text. */
	if ((v = json_loadb((const char *)pt, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		v = json_stringn((const char *)pt, len);
	OPENSSL_cleanse(&jerr, sizeof(jerr));	/* it may quote content */
	return (v);
}

const char *
rparse_content_lang(const json_t *content)
{
	const char	*s;
	enum i18n_lang	 l;

	/* Exactly a code we speak: "ti", not "TI" or "ti-ER". */
	if ((s = json_string_value(json_object_get(content, "lang"))) == NULL ||
	    i18n_parse(s, &l) == -1 || strcmp(i18n_code(l), s) != 0)
		return (NULL);
	return (i18n_code(l));
}

json_t *
rparse_contact(const uint8_t *pt, size_t len)
{
	json_error_t	 jerr;
	json_t		*c;
	size_t		 n;

	if (len < 4)
		return (NULL);
	n = (size_t)pt[0] << 24 | (size_t)pt[1] << 16 | (size_t)pt[2] << 8 |
	    pt[3];
	if (n > len - 4)
		return (NULL);
	c = json_loadb((const char *)pt + 4, n, JSON_REJECT_DUPLICATES, &jerr);
	OPENSSL_cleanse(&jerr, sizeof(jerr));
	if (c != NULL && !json_is_object(c)) {
		json_decref(c);
		c = NULL;
	}
	return (c);
}

json_t *
rparse_attach_meta(const uint8_t *pt, size_t len, size_t namemax,
    json_int_t maxsize)
{
	json_error_t	 jerr;
	json_t		*m, *name, *type, *size;

	m = json_loadb((const char *)pt, len, JSON_REJECT_DUPLICATES, &jerr);
	OPENSSL_cleanse(&jerr, sizeof(jerr));	/* it may quote a name */
	if (m == NULL || !json_is_object(m) || json_object_size(m) != 3 ||
	    !json_is_string(name = json_object_get(m, "name")) ||
	    !json_is_string(type = json_object_get(m, "type")) ||
	    !json_is_integer(size = json_object_get(m, "size")) ||
	    json_string_length(name) > namemax ||
	    json_string_length(type) > 127 ||
	    json_integer_value(size) < 0 || json_integer_value(size) >
	    maxsize) {
		json_decref(m);
		return (NULL);
	}
	return (m);
}

int
rparse_bearer(const char *authz, size_t toklen, unsigned char *hash)
{
	unsigned char	 tok[RPARSE_TOKEN_MAX];

	if (authz == NULL || toklen == 0 || toklen > sizeof(tok) ||
	    strncmp(authz, "Bearer ", 7) != 0 ||
	    strlen(authz + 7) != 2 * toklen ||
	    secret_hex_decode(authz + 7, 2 * toklen, tok, toklen) == -1)
		return (-1);
	SHA256(tok, toklen, hash);
	OPENSSL_cleanse(tok, sizeof(tok));
	return (0);
}

static const char *
rparse_refuse(struct rparse_err *e, int status, const char *code,
    const char *field, json_t **root)
{
	e->e_status = status;
	e->e_code = code;
	snprintf(e->e_field, sizeof(e->e_field), "%s", field);
	json_decref(*root);
	*root = NULL;
	return (NULL);
}

const char *
rparse_inbox_body(const unsigned char *body, size_t len, const char *want,
    size_t maxlen, json_t **root, enum i18n_lang *l, struct rparse_err *e)
{
	const char	*k;
	json_t		*v, *s;
	json_error_t	 jerr;
	char		 ptr[32];

	*root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	OPENSSL_cleanse(&jerr, sizeof(jerr));
	if (*root == NULL || !json_is_object(*root))
		return (rparse_refuse(e, 400, "invalid_json", "", root));
	if ((v = json_object_get(*root, "lang")) != NULL) {
		if (!json_is_string(v))
			return (rparse_refuse(e, 400, "invalid_field", "/lang",
			    root));
		(void)i18n_parse(json_string_value(v), l);
	}
	json_object_foreach(*root, k, v) {
		if (strcmp(k, "lang") != 0 && strcmp(k, want) != 0)
			return (rparse_refuse(e, 400, "unknown_field", "",
			    root));
	}
	snprintf(ptr, sizeof(ptr), "/%s", want);
	if ((s = json_object_get(*root, want)) == NULL)
		return (rparse_refuse(e, 400, "missing_field", ptr, root));
	if (!json_is_string(s) || json_string_length(s) == 0)
		return (rparse_refuse(e, 400, "invalid_field", ptr, root));
	if (json_string_length(s) > maxlen)
		return (rparse_refuse(e, 413, "too_large", ptr, root));
	return (json_string_value(s));
}

int
rparse_query_lang(const char *q, char *buf, size_t bufsz)
{
	const char	*p, *v;
	size_t		 n;

	buf[0] = '\0';
	for (p = q; p != NULL && *p != '\0'; p = strchr(p, '&') ?
	    strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, "lang=", 5) != 0)
			continue;
		v = p + 5;
		n = strcspn(v, "&");
		if (n < bufsz && strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") >= n) {
			memcpy(buf, v, n);
			buf[n] = '\0';
		}
		return (1);
	}
	return (0);
}
