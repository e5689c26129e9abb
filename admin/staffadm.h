/*
 * meldctl command groups of the staff side (issue 6): user, queue, route
 * and key administration, and the helpers they share (key wraps with the
 * recovery key, a progress bar, audit events).  Each *_cmd takes the
 * command's argv (argv[0] is the group name) and returns a sysexits(3)
 * code.  Secrets (passwords, TOTP secrets, private keys) are printed only
 * where the command's purpose is to show them once, and never logged.
 */
#ifndef MELDPUNT_ADMIN_STAFFADM_H
#define MELDPUNT_ADMIN_STAFFADM_H

#include <stddef.h>

#include <libpq-fe.h>

struct meldctl_opts;
struct secret;

int	users_cmd(struct meldctl_opts *, int, char **);
int	queues_cmd(struct meldctl_opts *, int, char **);
int	routes_cmd(struct meldctl_opts *, int, char **);
int	keys_cmd(struct meldctl_opts *, int, char **);
/* `keys sign`, in keysign.c (argv[1] is "sign"). */
int	keysign_cmd(struct meldctl_opts *, int, char **);
int	officers_cmd(struct meldctl_opts *, int, char **);

extern const char users_usage[], users_help[];
extern const char queues_usage[], queues_help[];
extern const char routes_usage[], routes_help[];
extern const char keys_usage[], keys_help[];
extern const char officers_usage[], officers_help[];

/* Who runs meldctl, for audit events: $SUDO_USER, else the real uid's
 * account name, else "meldctl"; never needs $USER. */
const char	*keys_actor(void);
/* audit.admin_event(actor, action, object, '{}'); 0 or -1. */
int		 keys_audit(PGconn *, const char *action, const char *object);
/* A progress bar on stderr when it is a terminal; done == total ends it. */
void		 keys_progress(const char *what, size_t done, size_t total);
/* The recovery private key file, or NULL with a message on stderr. */
struct secret	*keys_recovery(const char *path);
/*
 * Wrap every key of queue qid (all generations) to user uid's public key,
 * using the recovery private key to open the queue keys.  Replaces the
 * user's existing wraps for those keys.  Inside the caller's transaction.
 * Returns 0, or -1 with a message on stderr.
 */
int		 keys_wrap_member(PGconn *, int qid, int uid,
		    const struct secret *recovery);
/*
 * A fresh key pair for queue qid: wrapped to the current recovery key and
 * to every member's public key, made current (the previous key stays for
 * older reports).  Inside the caller's transaction.  0 or -1 (stderr).
 */
int		 keys_new_queue_key(PGconn *, int qid);
/* Text-format bytea ("\x...") to malloc'd bytes. */
unsigned char	*keys_bytea(const char *text, size_t *len);
/* Bytes to a "\x..." literal for a text parameter (malloc'd). */
char		*keys_hexlit(const unsigned char *b, size_t len);
/* PQexecParams with text parameters; returns the result (check it). */
PGresult	*keys_exec(PGconn *, const char *sql, int n,
		    const char *const *params);
int		 keys_ok(const PGresult *);
int		 keys_store(PGconn *, const char *what, const char *sql, int n,
		    const char *const *params);

#endif
