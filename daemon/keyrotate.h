/*
 * A staff user's own key rotation (POST /v1/staff/key/rotate,
 * docs/staff-api.md "Key rotation", schema/0240_key_rotate.sql): the
 * crypto between the password check and the one transaction that swaps
 * the key pair.  ssession.c runs the chain (it is the password change's
 * chain with this as its last steps):
 *   loop    keyrotate_snapshot(): copies of the queue keys (and an
 *           officer's identity keys) the session holds since login, in
 *           locked memory
 *   worker  keyrotate_make(): a new P-256 pair, the private half sealed
 *           under the key-sealing key of the user's current password
 *           (docs/crypto.md section 4), every held key wrapped to the new
 *           public key (section 7 / 9 layouts); the copies are wiped
 *   loop    keyrotate_stmt(): the casework.key_rotate() call
 * The old private key is opened by the caller first: only its owner's
 * password can start a rotation.
 */
#ifndef MELDPUNT_KEYROTATE_H
#define MELDPUNT_KEYROTATE_H

#include <stddef.h>

struct keyrotate;
struct secret;
struct ssession;
struct store_stmt;

/* Copies of what s holds; NULL when out of memory or s has ended. */
struct keyrotate *keyrotate_snapshot(const struct ssession *s);
/*
 * Worker: the new pair and every wrap.  user goes into the sealed key's
 * AAD; kek is the key-sealing key of the user's password.  0 or -1.
 */
int		 keyrotate_make(struct keyrotate *kr, const char *user,
		    const unsigned char kek[32]);
/*
 * The statement of casework.key_rotate(proof, step, ...): fills st,
 * whose values point into kr (kr must outlive its execution).  proof is
 * copied.  0 or -1.
 */
int		 keyrotate_stmt(struct keyrotate *kr, const unsigned char *proof,
		    size_t prooflen, long long step, struct store_stmt *st);
/* The new key id (32 hex digits) after keyrotate_make(). */
const char	*keyrotate_key_id(const struct keyrotate *kr);
int		 keyrotate_nqueue(const struct keyrotate *kr);
int		 keyrotate_nidentity(const struct keyrotate *kr);
void		 keyrotate_free(struct keyrotate *kr);

#endif /* MELDPUNT_KEYROTATE_H */
