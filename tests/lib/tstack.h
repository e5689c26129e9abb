/*
 * A whole meldpunt for end-to-end tests: one fresh database set up with
 * the real `meldctl init` (default queues, keys, routing), a public and a
 * staff meldpuntd against it, staff accounts made with the real meldctl
 * binary, TOTP codes computed here.  For tests that cross both processes
 * (a report submitted through the public API, handled and exported
 * through the staff API).  Each test starts its own stack after
 * Criterion's fork and stops it at the end; the Criterion asserts inside
 * end the test on any failure.
 */
#ifndef MELDPUNT_TESTS_TSTACK_H
#define MELDPUNT_TESTS_TSTACK_H

#include <time.h>

#include <jansson.h>

#include "crypto/totp.h"
#include "tests/lib/tdaemon.h"

struct tstack {
	char		*db;
	char		 dir[512];	/* keys/, totp-seal.key */
	char		 keys[600];
	char		 seal[700];
	char		 admin_ci[1024];
	struct tdaemon	 pub, staff;
	int		 pub_up, staff_up;
};

struct tstack_user {
	char		 name[32];
	char		 password[128];
	unsigned char	 totp[TOTP_SECRET_LEN];
	char		 token[80];
};

/* Start everything; staff_extra: more staff config lines (may be NULL).
 * The first key manifest is signed and the public side pins its key. */
void	 tstack_start(struct tstack *t, const char *staff_extra);
/* The same with more public config lines too (may be NULL). */
/*
 * The pieces of tstack_start, for tests that run daemons of their own
 * (t->dir, keys, seal and admin_ci set): every key file and the first
 * signed manifest, and the configuration lines of each role (extra
 * appended; may be NULL).
 */
void	 tstack_keys(struct tstack *t);
void	 tstack_public_conf(const struct tstack *t, const char *extra,
	    char *buf, size_t cap);
void	 tstack_staff_conf(const struct tstack *t, const char *extra,
	    char *buf, size_t cap);
void	 tstack_start_with(struct tstack *t, const char *pub_extra,
	    const char *staff_extra);
/* Stop both daemons (their exit status must be 0) and drop the db. */
void	 tstack_stop(struct tstack *t);

/* meldctl -d <mp_admin> ARGS, stdin from input (may be NULL); asserts
 * the exit status; returns the output (caller frees). */
char	*tstack_meldctl(struct tstack *t, const char *input, int want,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The TOTP secret from the "totp-secret: " line of `meldctl user add`
 * output (out is changed); asserts that it is there and well-formed. */
void	 tstack_totp_secret(char *out, unsigned char totp[TOTP_SECRET_LEN]);

/* `meldctl user add --kind KIND` with the given password; optionally a
 * member of queue (NULL: none, wrapped with the recovery key). */
void	 tstack_add_user(struct tstack *t, struct tstack_user *u,
	    const char *name, const char *kind, const char *password,
	    const char *queue);

/* The TOTP code for time `at`. */
void	 tstack_code(const struct tstack_user *u, time_t at, char code[8]);

/* POST /v1/staff/session; on 201 the token is kept in u.  Returns the
 * status. */
int	 tstack_login(struct tstack *t, struct tstack_user *u,
	    const char *password, const char *code);

/*
 * One request to the staff (staff = 1) or public daemon; token and body
 * may be NULL; *out (if not NULL) receives the parsed JSON body or NULL.
 * Returns the status.
 */
int	 tstack_req(struct tstack *t, int staff, const char *method,
	    const char *path, const char *token, const char *body,
	    json_t **out);
/* The same against any daemon's port (a test with a stack of its own). */
int	 tstack_req_port(int port, const char *method, const char *path,
	    const char *token, const char *body, json_t **out);

/* Does any file under dir (or the file path) contain these bytes?  For
 * canaries in data directories, dumps and logs. */
int	 tstack_dir_contains(const char *dir, const void *b, size_t n);
int	 tstack_file_contains(const char *path, const char *s);

#endif
