/*
 * What the public (reporter) role holds between requests, shared by its
 * three handler files: public.c (routes, forms, key refresh), submit.c
 * (POST /v1/reports) and inbox.c (the reporter's session, case and
 * messages).  public.c owns every member; the others borrow the struct
 * through app->a_public.  Loop thread only, except where a worker job
 * reads the keys it was handed (immutable snapshots, secrets that live
 * until public_free()).
 */
#ifndef MELDPUNT_PUBLIC_STATE_H
#define MELDPUNT_PUBLIC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/manifest.h"
#include "crypto/secret.h"
#include "daemon/store.h"
#include "forms/i18n.h"
#include "forms/trust.h"

struct app;
struct event;
struct http_request;
struct pow;
struct pubkeys;
struct ratelimit;
struct rsession_store;

struct public_state {
	struct app		*ps_app;
	struct secret		*ps_lookup_key;	/* NULL: submissions off */
	struct secret		*ps_link_key;
	struct secret_kdf	 ps_kdf;	/* for new receipts */
	struct pubkeys		*ps_keys;	/* NULL until first load */
	/* The key manifest (docs/crypto.md §10). */
	int			 ps_mf_pinned;	/* manifest_public_key set */
	uint8_t			 ps_mf_pk[MANIFEST_PK_LEN]; /* from the file */
	char			 ps_mf_signer[MANIFEST_ID_HEX + 1];
	uint64_t		 ps_mf_max;	/* highest version accepted */
	json_t			*ps_mf_json;	/* served as "key_manifest" */
	char			 ps_keys_why[256]; /* "" unless withheld */
	/* Retention epoch new case keys are wrapped to (0: none yet). */
	uint32_t		 ps_epoch;
	/* Its public key, parsed and validated once; jobs take a dup. */
	struct hpke_key		*ps_epoch_key;
	struct trust		*ps_trust;	/* served as "trust" */
	char			*ps_forms[I18N_NLANG]; /* cached bodies */
	size_t			 ps_formslen[I18N_NLANG];
	struct event		*ps_timer;
	int			 ps_refreshing;
	struct rsession_store	*ps_sessions;
	struct ratelimit	*ps_limit;
	struct pow		*ps_pow;	/* powpub.c */
};

/*
 * {"error":{"code","message","field"}} with the message in lang; field
 * (a JSON pointer) may be NULL.  503 adds Retry-After: 1; 429 adds
 * Retry-After: retry_after.
 */
void	public_error(struct http_request *req, int status, const char *code,
	    const char *field, enum i18n_lang lang, int retry_after);
/*
 * The same, for a member the reporter can see: label is its label in
 * lang (forms_field_label), added as "label" and put in front of the
 * message ("Sector — A required field is missing."), so that the message
 * names the field; NULL behaves as public_error().
 */
void	public_error_label(struct http_request *req, int status,
	    const char *code, const char *field, const char *label,
	    enum i18n_lang lang, int retry_after);
/* The language of a request: Accept-Language, else English. */
enum i18n_lang public_lang(struct http_request *req);
/* Ask for a key refresh now (e.g. the database said a key is retired). */
void	public_refresh_soon(struct public_state *ps);

/*
 * inbox.c, shared with attach.c: the parameters of the session functions
 * (the receipt's lookup id, its verifier, so that only a receipt's holder
 * acts for its case, and the hash of the session id; binary, borrowed
 * from cred), the live-session check that is the first statement of
 * every request made with a session (SQLSTATE 28000 unless the token's
 * session is its receipt's live one), and whether a request was refused
 * for that.
 */
struct rsession_cred;
struct session_params {
	const char	*sp_v[3];
	int		 sp_l[3];
	int		 sp_f[3];
};
void	session_params(struct session_params *sp,
	    const struct rsession_cred *c, const unsigned char *sid_hash);
void	session_live_stmt(struct store_stmt *st,
	    const struct session_params *sp);
int	session_ended(enum store_status st, const char *sqlstate);

/* Handlers, in submit.c, inbox.c and attach.c. */
void	submit_handle(struct http_request *req, void *arg);
void	inbox_login(struct http_request *req, void *arg);
void	inbox_logout(struct http_request *req, void *arg);
void	inbox_case(struct http_request *req, void *arg);
void	inbox_message(struct http_request *req, void *arg);
/* attach.c: the "attachments" member of GET /v1/forms. */
struct config;
json_t	*attach_forms_json(const struct config *c);
void	attach_begin(struct http_request *req, void *arg);
void	attach_chunk(struct http_request *req, void *arg);
void	attach_commit(struct http_request *req, void *arg);

#endif /* MELDPUNT_PUBLIC_STATE_H */
