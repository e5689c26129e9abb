/*
 * Case keys and retention-epoch keys (docs/crypto.md §12): every case has
 * a random 32-byte case key; the server adds an outer AES-256-GCM layer
 * under it to what it stores for the case (DEK wraps, thread-key wraps,
 * contact ciphertext, sealed staff text), and stores the case key only
 * HPKE-wrapped to the public half of the current retention-epoch key,
 * whose private half lives in a key file outside the database.  Deleting
 * the case key row and, after the backup window, the epoch key file,
 * makes every copy of the case unreadable.
 *
 * Pure library: no daemon state, no logging.  Buffers are the caller's.
 */
#ifndef MELDPUNT_CRYPTO_CASEKEY_H
#define MELDPUNT_CRYPTO_CASEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hpke.h"

#define CASEKEY_LEN		32
#define CASEKEY_CASE_ID_LEN	16
#define CASEKEY_LAYER_VERSION	0x01
#define CASEKEY_NONCE_LEN	12
/* version || nonce || ... || tag */
#define CASEKEY_LAYER_OVERHEAD	(1 + CASEKEY_NONCE_LEN + 16)
#define CASEKEY_LABEL_MAX	64
#define CASEKEY_WRAPPED_LEN	(CASEKEY_LEN + HPKE_TAG_LEN)	/* 48 */
#define CASEKEY_WRAP_INFO	"meldpunt-case-key-wrap"
#define CASEKEY_LAYER_AAD	"meldpunt-case-layer"
#define CASEKEY_EPOCH_KIND	"epoch"		/* key file kind */

/* Field labels bound into the layer's associated data. */
#define CASEKEY_L_DEK		"dek-wrap:"	/* || key id (32 hex) */
#define CASEKEY_L_TK		"thread-key-wrap:"	/* || key id */
#define CASEKEY_L_CONTACT	"contact"

/*
 * Outer layer: out = 0x01 || nonce || AES-256-GCM(key, nonce,
 * "meldpunt-case-layer" || 0x01 || case_id || label, in) || tag; out
 * holds inlen + CASEKEY_LAYER_OVERHEAD bytes.  label is ASCII, at most
 * CASEKEY_LABEL_MAX bytes.  The _fixed variant takes the nonce (worked
 * examples and tests only).
 */
int	casekey_layer_seal(const uint8_t *key, const uint8_t *case_id,
	    const char *label, const uint8_t *in, size_t inlen, uint8_t *out);
int	casekey_layer_seal_fixed(const uint8_t *key, const uint8_t *case_id,
	    const char *label, const uint8_t *nonce, const uint8_t *in,
	    size_t inlen, uint8_t *out);
/* out receives inlen - CASEKEY_LAYER_OVERHEAD bytes; -1 on any change. */
int	casekey_layer_open(const uint8_t *key, const uint8_t *case_id,
	    const char *label, const uint8_t *in, size_t inlen, uint8_t *out,
	    size_t *outlen);

/*
 * The case key wrapped to an epoch public key: hpke_seal(default suite,
 * info = "meldpunt-case-key-wrap" || I2OSP(epoch, 4) || case_id, aad =
 * "", pt = case key) -> enc (65 bytes, *enclen in: room, out: length)
 * and wrapped (48 bytes).  skE: a fixed ephemeral key (worked examples
 * only), else NULL.
 */
int	casekey_wrap(const struct hpke_key *pk, const struct hpke_key *skE,
	    uint32_t epoch, const uint8_t *case_id, const uint8_t *key,
	    uint8_t *enc, size_t *enclen, uint8_t *wrapped);
int	casekey_unwrap(const struct hpke_key *sk, uint32_t epoch,
	    const uint8_t *case_id, const uint8_t *enc, size_t enclen,
	    const uint8_t *wrapped, size_t wrappedlen, uint8_t *key);

/* "<dir>/epoch-<epoch>.key"; -1 if it does not fit. */
int	casekey_epoch_path(const char *dir, uint32_t epoch, char *buf,
	    size_t bufsz);
/*
 * The private epoch key from its file (mode 0600 checked by keyfile);
 * NULL with a message in err (no key material in it) when the file is
 * missing -- destroyed -- or bad.
 */
struct hpke_key	*casekey_epoch_load(const char *dir, uint32_t epoch,
		    char *err, size_t errlen);

/* The case key of a case_keys row, with the epoch key from dir. */
int	casekey_open_dir(const char *dir, uint32_t epoch,
	    const uint8_t *case_id, const uint8_t *enc, size_t enclen,
	    const uint8_t *wrapped, size_t wrappedlen, uint8_t *key,
	    char *err, size_t errlen);
/*
 * Remove the layer with label prefix || suffix from buf in place; *len
 * shrinks by CASEKEY_LAYER_OVERHEAD.  -1 (buf unchanged) on any failure.
 */
int	casekey_strip(const uint8_t *key, const uint8_t *case_id,
	    const char *prefix, const char *suffix, unsigned char *buf,
	    size_t *len);

/*
 * Contact hand-over (docs/crypto.md §12.3): the contact row a submission
 * produces, HPKE-sealed to the epoch public key with info
 * "meldpunt-contact-handover" || I2OSP(epoch, 4), aad "", and
 * pt = link (32) || key id (16) || I2OSP(len(enc), 1) || enc || ct.
 * sealed receives ptlen + 16 bytes; enc 65 (*enclen in: room, out: length).
 */
#define CASEKEY_HANDOVER_INFO	"meldpunt-contact-handover"
struct casekey_contact {
	uint8_t		 cc_link[32];
	uint8_t		 cc_key_id[16];
	const uint8_t	*cc_enc;	/* point into the plaintext */
	size_t		 cc_enclen;
	const uint8_t	*cc_ct;
	size_t		 cc_ctlen;
};
/* pt = the layout above into a malloc'd buffer (*ptlen); -1 on error. */
uint8_t	*casekey_handover_build(const struct casekey_contact *c,
	    size_t *ptlen);
int	 casekey_handover_seal(const struct hpke_key *pk, uint32_t epoch,
	    const uint8_t *pt, size_t ptlen, uint8_t *enc, size_t *enclen,
	    uint8_t *sealed);
/* pt receives sealedlen - 16 bytes. */
int	 casekey_handover_open(const struct hpke_key *sk, uint32_t epoch,
	    const uint8_t *enc, size_t enclen, const uint8_t *sealed,
	    size_t sealedlen, uint8_t *pt);
/* Split an opened hand-over (pointers into pt); -1 when malformed. */
int	 casekey_handover_parse(const uint8_t *pt, size_t ptlen,
	    struct casekey_contact *c);

#endif /* MELDPUNT_CRYPTO_CASEKEY_H */
