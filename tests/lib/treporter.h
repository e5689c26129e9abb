/*
 * A reporter client for end-to-end tests, over the public API only
 * (docs/reporter-api.md, docs/crypto.md §8): fetch the form, seal the
 * content client-side with crypto/envelope.h to every queue key and the
 * recovery key the form lists, POST /v1/reports, then use the receipt
 * inbox.  No Criterion here: every function returns -1 / NULL on failure
 * and the test asserts.  Strings and JSON returned belong to the caller
 * (free / json_decref).
 */
#ifndef MELDPUNT_TESTS_TREPORTER_H
#define MELDPUNT_TESTS_TREPORTER_H

#include <stdint.h>

#include <jansson.h>

/* GET /v1/forms?lang=, retried for up to 10 s until the keys are loaded
 * (the daemon answers 503 until then).  NULL on failure. */
json_t	*trep_forms(int port, const char *lang);

/*
 * The envelope JSON of content sealed to category's keys in forms (every
 * queue key and the recovery key, each key id recomputed from its key),
 * or NULL.
 */
json_t	*trep_seal(const json_t *forms, const char *category,
	    const char *content);

/*
 * Seal content (UTF-8 JSON, e.g. {"narrative":"..."}) to category's keys
 * in forms, after recomputing every key id from its key, and submit it
 * with subtype and answers (JSON object text; NULL: {}).  Returns the
 * HTTP status and, on 201, the receipt in *receipt (malloc'd); *reply,
 * if not NULL, gets the whole answer body.  -1 when no request was made.
 */
int	 trep_submit_sealed(int port, const json_t *forms, const char *category,
	    const char *subtype, const char *answers, const char *content,
	    char **receipt, char **reply);

/* trep_seal and trep_submit_sealed keeping the DEK (32 bytes into dek,
 * which the caller wipes) for attachments sealed under it. */
json_t	*trep_seal_dek(const json_t *forms, const char *category,
	    const char *content, uint8_t *dek);
int	 trep_submit_dek(int port, const json_t *forms, const char *category,
	    const char *subtype, const char *answers, const char *content,
	    uint8_t *dek, char **receipt, char **reply);

/*
 * Contact details (a JSON object text) padded as docs/crypto.md §8 step 4
 * says and sealed to category's identity key: the {"key_id","enc",
 * "ciphertext"} object a client sends as "contact", or NULL.  With
 * urgent != NULL, *urgent also gets the consent copies (the same padded
 * bytes sealed to every queue key of the category with info
 * "meldpunt-urgent-contact" || key id, schema 0250) as the array a client
 * sends as "urgent_contact".
 */
json_t	*trep_seal_contact(const json_t *forms, const char *category,
	    const char *contact, json_t **urgent);
/* POST /v1/reporter/session; the token (malloc'd) or NULL. */
char	*trep_login(int port, const char *receipt);

/* GET /v1/reporter/case; the body as JSON (any status) or NULL; *status
 * gets the HTTP status. */
json_t	*trep_case(int port, const char *token, int *status);

/* The text of the last message of the case with this direction
 * ("handler", "reporter", "system"), or NULL.  Borrowed from c. */
const char *trep_last_text(const json_t *c, const char *direction);

/* POST /v1/reporter/messages {"text"}; the HTTP status or -1. */
int	 trep_message(int port, const char *token, const char *text);

/* DELETE /v1/reporter/session; the HTTP status or -1. */
int	 trep_logout(int port, const char *token);

#endif /* MELDPUNT_TESTS_TREPORTER_H */
