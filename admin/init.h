/*
 * `meldctl init`: create the keys and defaults a new installation needs
 * (issue 5, docs/crypto.md §7): key files for the receipt lookup key, the
 * contact-link key, the TOTP seal key, the metrics bearer token, the
 * identity and recovery key pairs (every key a production installation
 * needs, issue 15), with owner and mode advice for each; the default
 * queues, each with a key pair whose private half is stored only
 * HPKE-wrapped to the recovery key; the default routing rules; and the
 * public keys in the database.  Idempotent: what exists is checked and
 * kept, and a second run changes nothing and says so.
 */
#ifndef MELDPUNT_ADMIN_INIT_H
#define MELDPUNT_ADMIN_INIT_H

#include <stdio.h>
#include <libpq-fe.h>

#define INIT_KEYS_DIR	"/etc/meldpunt/keys"

/* File names inside the keys directory. */
#define INIT_F_LOOKUP		"receipt-lookup.key"
#define INIT_F_LINK		"contact-link.key"
#define INIT_F_RECOVERY		"recovery.key"
#define INIT_F_RECOVERY_PUB	"recovery.pub"
#define INIT_F_IDENTITY		"identity.key"
#define INIT_F_IDENTITY_PUB	"identity.pub"
#define INIT_F_MANIFEST		"manifest-signing.key"
#define INIT_F_MANIFEST_PUB	"manifest-signing.pub"
#define INIT_F_RSESSION		"reporter-session.key"
#define INIT_F_TOTP_SEAL	"totp-seal.key"
#define INIT_F_METRICS		"metrics.token"

/* The system users deploy/README.md and the systemd unit name. */
#define INIT_USER_PUBLIC	"meldpunt-public"
#define INIT_USER_STAFF		"meldpunt-staff"

struct init_result {
	int	ir_changes;	/* files written + rows inserted */
};

/*
 * Run init over conn (a superuser or mp_admin connection) with key files
 * in dir.  Progress to out, problems to err.  Returns 0 or a sysexits(3)
 * code.  res may be NULL.
 */
int	init_run(PGconn *conn, const char *dir, FILE *out, FILE *err,
	    struct init_result *res);

struct meldctl_opts;
/* The `meldctl init` command (dispatch table in meldctl.c). */
int	init_command(struct meldctl_opts *, int, char **);

#endif /* MELDPUNT_ADMIN_INIT_H */
