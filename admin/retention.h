/*
 * meldctl command groups for retention (issue 11): `epoch` (retention-epoch
 * keys, admin/epoch.c), `case purge` (admin/purge.c) and `contact flush`
 * (admin/contacts.c), `retention` profiles and runs (admin/retention.c).  Each *_cmd takes
 * the command's argv (argv[0] is the group name) and returns a sysexits(3)
 * code.  See docs/crypto.md §12 and docs/schema.md "Retention".
 */
#ifndef MELDPUNT_ADMIN_RETENTION_H
#define MELDPUNT_ADMIN_RETENTION_H

#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "admin/init.h"

#define EPOCH_DIR_NAME		"epoch"
#define EPOCH_DIR_DEFAULT	INIT_KEYS_DIR "/" EPOCH_DIR_NAME
#define EPOCH_STR2(x)		#x
#define EPOCH_STR(x)		EPOCH_STR2(x)

struct meldctl_opts;

int	epoch_cmd(struct meldctl_opts *, int, char **);
int	case_cmd(struct meldctl_opts *, int, char **);
extern const char epoch_usage[], epoch_help[];
extern const char case_usage[], case_help[];
int	contact_cmd(struct meldctl_opts *, int, char **);
extern const char contact_usage[], contact_help[];
int	retention_cmd(struct meldctl_opts *, int, char **);
extern const char retention_usage[], retention_help[];

struct hpke_key;
/* admin/contacts.c: flush the pending hand-overs when >= batch (a
 * sysexits code); re-seal pending rows of epochs below `to` (or of `only`
 * when not 0) to `to`, returning how many failed or -1. */
int	contacts_flush(PGconn *, const char *dir, int batch, FILE *out);
long	contacts_reseal(PGconn *, const char *dir, const struct hpke_key *pk,
	    uint32_t to, uint32_t only);

/*
 * A new current epoch: key file DIR/epoch-<n>.key (DIR made 0700 if
 * missing) written and fsync'd before the row commits.  0, -1 (database)
 * or -2 (file); *epoch receives n.
 */
int	epoch_create(PGconn *, const char *dir, uint32_t *epoch, FILE *out);
/* The first epoch when there is none; 1 made, 0 there already, -1. */
int	epoch_ensure(PGconn *, const char *dir, FILE *out);
/* A whole rotation (see admin/epoch.c); returns a sysexits(3) code. */
int	epoch_rotate(PGconn *, const char *dir, int window_days, FILE *out);

#endif
