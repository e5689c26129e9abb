/*
 * Verification of the audit hash chain (schema/0003_audit.sql).  The
 * canonical encoding recomputed here is specified in docs/schema.md and
 * must change together with audit.canonical() in SQL.
 */
#ifndef MELDPUNT_ADMIN_AUDIT_H
#define MELDPUNT_ADMIN_AUDIT_H

#include <libpq-fe.h>

struct audit_report {
	long long	ar_events;	/* events checked */
	long long	ar_bad_id;	/* first broken event id; 0 when ok */
	char		ar_reason[160];	/* why, when broken or on error */
};

/*
 * Walk audit.events in id order and recompute every hash.  Returns 0 when
 * the chain and its head are intact, 1 when broken (ar_bad_id names the
 * first bad event, or the head's last id when only the head disagrees),
 * -1 on a database error (ar_reason says which step; no server text).
 */
int	audit_verify(PGconn *, struct audit_report *);

#endif /* MELDPUNT_ADMIN_AUDIT_H */
