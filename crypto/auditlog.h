/*
 * The audit log's cryptography (docs/schema.md "Audit hash chain",
 * docs/crypto.md §11), shared by the chainer in the staff process
 * (daemon/auditchain.c) and `meldctl audit verify` (admin/audit.c):
 *
 *  - the chain link, HMAC-SHA256(chain key, tag || prev || pos ||
 *    SHA-256(canonical)), which needs the audit chain key: a key file on
 *    the staff host that the database never sees;
 *  - signed checkpoints: one text line carrying the number of chained
 *    events, the head hash and the time, signed with Ed25519 under the
 *    checkpoint key (also a key file, outside the database).
 *
 * Part of libmeldcrypto: no daemon headers, no logging.  Every pointer
 * argument is borrowed.  All functions are thread-safe.
 */
#ifndef MELDPUNT_CRYPTO_AUDITLOG_H
#define MELDPUNT_CRYPTO_AUDITLOG_H

#include <stddef.h>
#include <time.h>

/* Key file kinds (crypto/keyfile.h, docs/crypto.md §7). */
#define KEYFILE_AUDIT_CHAIN	"audit-chain"		/* secret, 32 bytes */
#define KEYFILE_AUDIT_CHECKPOINT "audit-checkpoint"	/* Ed25519 pair */

#define AUDITLOG_HASH_LEN	32
#define AUDITLOG_KEY_LEN	32
#define AUDITLOG_ED25519_LEN	32	/* private seed and public key */
#define AUDITLOG_SIG_LEN	64
#define AUDITLOG_KEYID_LEN	8
#define AUDITLOG_CP_TAG		"meldpunt-audit-checkpoint-v1"
#define AUDITLOG_CP_LINE_MAX	320

/*
 * One event's fields as PostgreSQL renders them: decimal id, `at` as
 * YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC), actor, action, object and the jsonb
 * text of details.  All NUL-terminated UTF-8.
 */
struct auditlog_event {
	const char	*ae_id;
	const char	*ae_at;
	const char	*ae_actor;
	const char	*ae_action;
	const char	*ae_object;
	const char	*ae_details;
};

/* digest = SHA-256(canonical(ev)), as audit.chain_pending() gives it. */
int	auditlog_digest(const struct auditlog_event *ev,
	    unsigned char out[AUDITLOG_HASH_LEN]);

/*
 * hash = HMAC-SHA256(key, "meldpunt-audit-v2" || prev || lp(pos) ||
 * digest), pos being the event's 1-based place in the chain.  0 or -1.
 */
int	auditlog_hash_v2(const unsigned char key[AUDITLOG_KEY_LEN],
	    const unsigned char prev[AUDITLOG_HASH_LEN], long long pos,
	    const unsigned char digest[AUDITLOG_HASH_LEN],
	    unsigned char out[AUDITLOG_HASH_LEN]);

/* A parsed checkpoint line. */
struct auditlog_cp {
	long long	cp_count;		/* events chained, 1..count */
	unsigned char	cp_head[AUDITLOG_HASH_LEN];	/* hash of event count */
	char		cp_at[21];		/* YYYY-MM-DDTHH:MM:SSZ */
	unsigned char	cp_keyid[AUDITLOG_KEYID_LEN];
	unsigned char	cp_sig[AUDITLOG_SIG_LEN];
};

/* The public key of an Ed25519 private seed.  0 or -1. */
int	auditlog_ed25519_public(const unsigned char sk[AUDITLOG_ED25519_LEN],
	    unsigned char pk[AUDITLOG_ED25519_LEN]);

/* A fresh Ed25519 pair.  0 or -1. */
int	auditlog_ed25519_generate(unsigned char sk[AUDITLOG_ED25519_LEN],
	    unsigned char pk[AUDITLOG_ED25519_LEN]);

/* Key id: the first 8 bytes of SHA-256(public key). */
int	auditlog_keyid(const unsigned char pk[AUDITLOG_ED25519_LEN],
	    unsigned char id[AUDITLOG_KEYID_LEN]);

/*
 * Sign a checkpoint and write its line (no newline) into line, which
 * holds AUDITLOG_CP_LINE_MAX bytes.  0 or -1.
 */
int	auditlog_cp_sign(const unsigned char sk[AUDITLOG_ED25519_LEN],
	    long long count, const unsigned char head[AUDITLOG_HASH_LEN],
	    time_t at, char *line, size_t linesz);

/*
 * Parse the first checkpoint in line; the tag may be preceded by
 * anything (a syslog or journal prefix).  1 when one was found, 0 when
 * the line holds none, -1 when it holds a malformed one.
 */
int	auditlog_cp_parse(const char *line, struct auditlog_cp *cp);

/* 0 when cp's signature is valid under pk (and its key id is pk's). */
int	auditlog_cp_verify(const struct auditlog_cp *cp,
	    const unsigned char pk[AUDITLOG_ED25519_LEN]);

#endif /* MELDPUNT_CRYPTO_AUDITLOG_H */
