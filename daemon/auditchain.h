/*
 * The audit chainer of the staff process (schema/0070_audit_unchained.sql,
 * docs/schema.md "Audit chain").  Requests append unchained audit events;
 * this timer links them into the HMAC chain in batches, in id order,
 * shortly after they commit, and writes signed checkpoints (crypto/
 * auditlog.h) to an append-only file and to syslog at least every
 * audit_checkpoint_events events or audit_checkpoint_interval_s seconds.
 *
 * Several staff processes may chain the same database: a batch is stored
 * only when the head is still where its chainer read it (compare and set
 * in audit.chain_extend), so a losing process recomputes on its next
 * tick.  Each process signs checkpoints only of heads it computed itself.
 * A head that moves backwards under a running chainer (events removed or
 * un-chained behind its back) stops that chainer with an alarm in the
 * log instead of re-chaining rewritten history.
 */
#ifndef MELDPUNT_AUDITCHAIN_H
#define MELDPUNT_AUDITCHAIN_H

#include <stddef.h>

struct app;

/*
 * Load the keys named by the configuration and start the timer.  Without
 * audit_chain_key the chainer stays off (a warning says so): events are
 * recorded but stay pending.  -1 with err set when a key file or the
 * checkpoint file cannot be used (a configuration error).
 */
int	auditchain_init(struct app *app, char *err, size_t errlen);

/* Stop the timer, abandon a batch in flight and wipe the keys. */
void	auditchain_free(void);

/* Events chained by this process so far (for tests and logs). */
long long auditchain_chained(void);

#endif /* MELDPUNT_AUDITCHAIN_H */
