/*
 * `meldctl audit verify`: the audit chain (schema/0070_audit_unchained.sql)
 * recomputed with the audit chain key, and optionally compared with the
 * signed checkpoints written outside the database.  The link and the
 * checkpoint format are crypto/auditlog.h's; docs/schema.md specifies them
 * byte for byte.
 */
#ifndef MELDPUNT_ADMIN_AUDIT_H
#define MELDPUNT_ADMIN_AUDIT_H

#include <libpq-fe.h>

struct meldctl_opts;

#define AUDIT_F_CHAIN_KEY	"audit-chain.key"
#define AUDIT_F_CP_KEY		"audit-checkpoint.key"
#define AUDIT_F_CP_PUB		"audit-checkpoint.pub"

struct audit_opts {
	const char	*ao_key;	/* audit-chain key file; NULL: none */
	const char	*ao_checkpoints; /* checkpoint file; NULL: none */
	const char	*ao_cp_pub;	/* audit-checkpoint public key file */
};

struct audit_report {
	long long	ar_events;	/* chained events verified */
	long long	ar_pending;	/* events not chained yet */
	char		ar_oldest_pending[32];	/* their oldest `at`, UTC */
	long long	ar_bad_pos;	/* first bad chain position; 0: none */
	long long	ar_bad_id;	/* its event id, when there is one */
	long long	ar_checkpoints;	/* checkpoint lines verified */
	long long	ar_cp_count;	/* events the newest one covers */
	char		ar_cp_at[24];	/* when it was signed */
	long long	ar_after_cp;	/* chained events newer than it */
	char		ar_reason[1280]; /* why, when broken or on error */
};

/*
 * Walk the chained events in position order and recompute every link
 * with the key; check positions, the head and, with a checkpoint file,
 * every signed checkpoint (signature, and the link at its position);
 * count the pending events.  Returns 0 when everything holds, 1 when
 * history was changed (ar_bad_pos/ar_reason say where and how), -1 when
 * verification could not run (a key or file missing or unreadable, a
 * database error; ar_reason says which, never server text).
 */
int	audit_verify(PGconn *, const struct audit_opts *,
	    struct audit_report *);

/* meldctl audit ...: parses its options, connects, prints the report. */
int	audit_command(struct meldctl_opts *, int argc, char **argv);

#endif /* MELDPUNT_ADMIN_AUDIT_H */
